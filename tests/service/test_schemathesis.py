"""The service under schemathesis: requests made from its own OpenAPI document, valid and not,
on every operation (the event streams included), never get a 5xx."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import httpx
import pytest

from testbed import server
from tests.helpers import service_answers
from tests.helpers.tools import installed_tool

# Bounded for CI: half a minute here for the 12 operations and the four phases (the schema's
# own examples, the edges of each parameter, random fuzzing, and stateful sequences that take
# a job's or a result's id from one answer into the next request).
MAX_EXAMPLES = 20
SEED = 20240601
BUDGET_S = 240

# Event streams are read to their end (schemathesis stops after 20 events by default: a client
# leaving a stream early makes FastAPI log a traceback from its keep-alive task, harmless and
# fastapi/fastapi#15725's to fix). GET /results/{id} is asked for a stored result (a debug
# run's), not only for ids that are not there: no answer gives schemathesis one to follow.
CONFIG = """
max-stream-events = 100000

[[operations]]
include-path = "/results/{{result_id}}"
parameters = {{ "path.result_id" = "{result_id}" }}
"""

# A generated request may name a chat model: its calls fail at once, here, instead of going
# out to the default model server (the run then ends with status "error", no server error).
NO_MODEL_SERVER = {"LDB_BASE_URL": "http://127.0.0.1:9/v1"}


@pytest.mark.timeout(BUDGET_S + 60)
def test_no_generated_request_gets_a_server_error(tmp_path: Path) -> None:
    command = installed_tool("schemathesis", "test")
    service = server.start(NO_MODEL_SERVER)
    try:
        assert service.process.poll() is None, server.stop(service)[1]
        with httpx.Client(base_url=service.url, timeout=60) as client:
            debugged = client.post(
                "/debug",
                json={
                    "code": service_answers.MOVING_AVERAGE,
                    "test": service_answers.MOVING_AVERAGE_TEST,
                },
            )
        assert debugged.status_code == 200, debugged.text
        config = tmp_path / "schemathesis.toml"
        config.write_text(CONFIG.format(result_id=debugged.json()["id"]))
        run = subprocess.run(
            [
                *(command, "--config-file", str(config), "run", f"{service.url}/openapi.json"),
                *("--checks", "not_a_server_error"),
                *("--max-examples", str(MAX_EXAMPLES)),
                *("--seed", str(SEED)),
                *("--workers", "1"),
                *("--request-timeout", "60"),
                *("--generation-database", "none"),
                "--no-color",
            ],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=BUDGET_S,
            check=False,
        )
        assert run.returncode == 0, f"schemathesis:\n{run.stdout}\n{run.stderr}"
        assert "14 selected / 14 total" in run.stdout, run.stdout
        counts = re.search(r"(\d+) generated, (\d+) passed", run.stdout)
        assert counts is not None, run.stdout
        assert int(counts[1]) == int(counts[2]) > 500, run.stdout
        with httpx.Client(base_url=service.url, timeout=60) as client:
            service_answers.assert_well(client)
    finally:
        _, log = server.stop(service)
    # Every refusal was an answer: nothing failed inside the service, streams included.
    assert "Traceback" not in log, log[-4000:]
