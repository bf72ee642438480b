"""The service's examples run against a real service, as the README says they do: a curl
script per endpoint, and the httpx client, all under examples/service/."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from testbed import server
from tests.helpers.paths import EXAMPLES

SCRIPTS = sorted(path for path in (EXAMPLES / "service").glob("*.sh") if path.name[0] != "_")

# What each script's output shows when it worked.
SHOWS = {
    "health": ['"status": "ok"', '"version": '],
    "blocks": ['"qualname": "moving_average"', '"successors": '],
    "trace": ['"status": "failed"', '"traced_case": 1', '"id": '],
    "debug": ['"status": "fixed"', "+    for start in range(len(values) - width + 1):"],
    "debug_stream": ["event: tests", "event: verdicts", "event: repair", "event: done"],
    "jobs": [
        '"state": "queued"',
        "event: item",
        "event: done",
        '"state": "done"',
        "deleted",
        "after: 404",
    ],
    "results": ['"kind": "trace"', '"status": "failed"'],
}

pytestmark = pytest.mark.skipif(
    shutil.which("curl") is None, reason="the example scripts need curl on PATH"
)


def run(command: list[str], url: str, token: str | None = None) -> subprocess.CompletedProcess[str]:
    # The developer's own settings must not steer the examples.
    env = {k: v for k, v in os.environ.items() if not k.startswith("LDB_")}
    env["LDB_URL"] = url
    if token is not None:
        env["LDB_AUTH_TOKEN"] = token
    return subprocess.run(
        command, env=env, capture_output=True, text=True, timeout=120, check=False
    )


def test_there_is_a_script_for_each_endpoint() -> None:
    assert {path.stem for path in SCRIPTS} == set(SHOWS)


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda path: path.stem)
def test_script_runs(service: server.Service, script: Path) -> None:
    done = run(["bash", str(script)], service.url)
    assert done.returncode == 0, done.stdout + done.stderr
    for shown in SHOWS[script.stem]:
        assert shown in done.stdout, done.stdout


def test_results_script_reads_a_given_id(service: server.Service) -> None:
    traced = run(["bash", str(EXAMPLES / "service" / "trace.sh")], service.url)
    assert traced.returncode == 0, traced.stderr
    result_id = next(
        line.split('"')[3] for line in traced.stdout.splitlines() if line.startswith('    "id": ')
    )
    done = run(["bash", str(EXAMPLES / "service" / "results.sh"), result_id], service.url)
    assert done.returncode == 0, done.stderr
    assert f'"id": "{result_id}"' in done.stdout


def test_scripts_send_the_token_when_the_service_wants_one() -> None:
    token = "examples-token"
    blocks = str(EXAMPLES / "service" / "blocks.sh")
    with server.running({"LDB_AUTH_TOKEN": token}) as service:
        refused = run(["bash", blocks], service.url)
        allowed = run(["bash", blocks], service.url, token)
    assert refused.returncode == 22, refused.stdout + refused.stderr  # curl --fail-with-body
    assert '"type": "unauthorized"' in refused.stdout, refused.stdout
    assert allowed.returncode == 0, allowed.stdout + allowed.stderr


def test_the_python_client_debugs_and_prints_each_event(service: server.Service) -> None:
    done = run([sys.executable, str(EXAMPLES / "service" / "client.py")], service.url)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "POST /debug: fixed" in done.stdout
    streamed = done.stdout.split("POST /debug/stream:")[1].splitlines()
    names = [line.split(":")[0].strip() for line in streamed if line.strip()]
    assert names == ["tests", "trace", "verdicts", "repair", "iteration", "tests", "done"]
    assert "done: fixed; stored as " in done.stdout
