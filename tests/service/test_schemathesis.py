"""The service under schemathesis with every check, with auth off and with a token: requests made
from its own OpenAPI document, valid and not, on every operation (the event streams included),
find nothing the document does not say."""

from __future__ import annotations

import json
import subprocess
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from testbed import server
from tests.helpers import service_answers
from tests.helpers.tools import installed_tool

# Bounded for CI: both runs together take under two minutes on 2 cores, each through the four
# phases (the document's examples, the edges of every field, random fuzzing, and stateful
# sequences that take a job's or a result's id from one answer into the next request).
MAX_EXAMPLES = 20
SEED = 20240601
BUDGET_S = 300
"""Each run's limit: under the whole suite's load a run can take twice its time alone."""

CHECKS = Path(__file__).resolve().parents[1] / "helpers" / "schemathesis_checks.py"

# - Event streams are read to their end (schemathesis stops after 20 events by default: a
#   client leaving a stream early makes FastAPI log a traceback from its keep-alive task,
#   harmless and fastapi/fastapi#15725's to fix).
# - 413 is how the service refuses a text, a job or a project over the limits the document
#   declares (maxLength, maxItems, maxProperties): a refusal, which schemathesis's default
#   list of them lacks.
# - A request the document allows may still be refused with 422 for what its program, test or
#   project means (a test that does not parse, a node id of a file the project lacks): no JSON
#   Schema can say that. The operations that take programs accept 422 for valid data, and
#   `refused_only_for_meaning` (CHECKS) holds each such 422 to those reasons.
# - GET /results/{id} is asked for a stored result (a debug run's), not only for ids that are
#   not there: no answer gives schemathesis one to follow.
# - POST /debug/stream and POST /jobs take /debug's requests, checked before a turn by the same
#   `checked_debug`; the edges of their valid fields are /debug's to run. A job accepted runs
#   in the background, where hundreds would hold back the event streams waiting on theirs.
CONFIG = """
max-stream-events = 100000
hooks = "{checks}"

[checks]
# A hang is what this catches: a /debug request queued behind others' repair searches on 2
# loaded cores can take its 10 s default honestly.
max_response_time = 60

[checks.negative_data_rejection]
expected-statuses = [
    "400", "401", "403", "404", "405", "406", "409", "413", "415", "422", "428", "429", "5xx",
]

[[operations]]
include-name-regex = "^POST /(blocks|trace|debug|debug/stream|jobs)$"
checks.positive_data_acceptance.expected-statuses = [
    "2xx", "3xx", "401", "403", "404", "409", "422", "429", "5xx",
]

[[operations]]
include-name-regex = "^POST /(debug/stream|jobs)$"
phases.coverage.generation.mode = "negative"

[[operations]]
include-path = "/results/{{result_id}}"
parameters = {{ "path.result_id" = "{result_id}" }}
"""

SERVICE = {
    # A generated request may name a chat model: its calls fail at once, here, instead of
    # going out to the default model server (the run then ends with status "error").
    "LDB_BASE_URL": "http://127.0.0.1:9/v1",
    # Each debug run is its first test run alone, and each job one or two requests: thousands
    # of valid requests, a project's each a pytest run, in the time CI has. Repairs are the
    # other tests'.
    "LDB_MAX_ITERATIONS": "0",
    "LDB_MAX_JOB_REQUESTS": "2",
}
TOKEN = "t0ken-for-schemathesis"


@dataclass
class Run:
    """Schemathesis running against a service of its own, with `token` or without."""

    token: str | None
    service: server.Service
    document: dict[str, Any]
    report: Path
    process: subprocess.Popen[str] | None = None

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}


def start(folder: Path, token: str | None, runs: list[Run]) -> None:
    """A service, a result stored in it for GET /results/{id} to find, and schemathesis
    started against it (a process of its own: its threads would share CPython 3.11's AST
    parser, which is not safe across threads, cpython#106905); added to `runs` as soon as
    there is something to stop."""
    folder.mkdir()
    service = server.start(SERVICE | ({"LDB_AUTH_TOKEN": token} if token else {}))
    run = Run(token, service, {}, folder / "report.ndjson")
    runs.append(run)
    assert service.process.poll() is None, server.stop(service)[1]
    with httpx.Client(base_url=service.url, headers=run.headers, timeout=60) as client:
        run.document = client.get("/openapi.json").json()
        debugged = client.post(
            "/debug",
            json={
                "code": service_answers.MOVING_AVERAGE,
                "test": service_answers.MOVING_AVERAGE_TEST,
            },
        )
    assert debugged.status_code == 200, debugged.text
    config = folder / "schemathesis.toml"
    config.write_text(CONFIG.format(checks=CHECKS, result_id=debugged.json()["id"]))
    command = installed_tool("schemathesis", "test")
    run.process = subprocess.Popen(
        [
            *(command, "--config-file", str(config), "run", f"{service.url}/openapi.json"),
            *("--checks", "all"),
            *(
                part
                for name, value in run.headers.items()
                for part in ("--header", f"{name}: {value}")
            ),
            *("--max-examples", str(MAX_EXAMPLES)),
            *("--seed", str(SEED)),
            *("--workers", "1"),
            *("--request-timeout", "60"),
            *("--generation-database", "none"),
            *("--report", "ndjson", "--report-ndjson-path", str(run.report)),
            "--no-color",
        ],
        cwd=folder,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def check(run: Run, output: str) -> None:
    """Schemathesis found nothing on any operation, and saw the token asked for where the
    document says, and nowhere without one."""
    assert run.process is not None and run.process.returncode == 0, f"schemathesis:\n{output}"
    operations = {
        f"{method.upper()} {path}"
        for path, methods in run.document["paths"].items()
        for method in methods
    }
    assert len(operations) == 15
    assert f"{len(operations)} selected / {len(operations)} total" in output, output
    guarded = {
        f"{method.upper()} {path}"
        for path, methods in run.document["paths"].items()
        for method, operation in methods.items()
        if operation.get("security")
    }
    refused = _unauthorized(run.report)
    if run.token:
        # Checked for every operation the document guards, not only assumed: each was asked
        # without the token and with a wrong one, and refused both times.
        assert guarded == operations - {"GET /health", "GET /ui"}
        assert refused == {each: {False, True} for each in guarded}
    else:
        assert "securitySchemes" not in run.document["components"]
        assert (guarded, refused) == (set(), {})
    with httpx.Client(base_url=run.service.url, headers=run.headers, timeout=60) as client:
        service_answers.assert_well(client)


@pytest.mark.timeout(BUDGET_S + 60)
def test_schemathesis_with_every_check_finds_nothing_with_auth_off_or_on(tmp_path: Path) -> None:
    runs: list[Run] = []
    try:
        # Side by side, one a core.
        start(tmp_path / "auth-off", None, runs)
        start(tmp_path / "auth-on", TOKEN, runs)
        outputs = [run.process.communicate(timeout=BUDGET_S)[0] for run in runs if run.process]
        for run, output in zip(runs, outputs, strict=True):
            check(run, output)
    finally:
        logs = []
        for run in runs:
            if run.process is not None and run.process.poll() is None:
                run.process.kill()
                run.process.wait()
            logs.append(server.stop(run.service)[1])
    # Every refusal was an answer: nothing failed inside the service, streams included.
    for log in logs:
        assert "Traceback" not in log, log[-4000:]


def _unauthorized(report: Path) -> dict[str, set[bool]]:
    """The operations that answered 401 in a run, each with whether the request refused
    carried an Authorization header (a wrong token) or not (none)."""
    seen: dict[str, set[bool]] = defaultdict(set)
    for line in report.read_text().splitlines():
        finished = json.loads(line).get("ScenarioFinished")
        if finished is None:
            continue
        for cases in finished["recorder"].get("interactions", {}).values():
            response = cases.get("response") or {}
            if response.get("status_code") == 401:
                request = cases["request"]
                operation = finished["recorder"]["label"]
                seen[operation].add("Authorization" in request["headers"])
    return dict(seen)
