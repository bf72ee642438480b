"""POST /debug, /debug/stream and /jobs with a project's files: the offline engine repairs
the shop's discount across its files, answered as `ldb debug --project --json` answers, stored
and read again; projects past the limits, or that can never run, refused at once."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from api.schemas import ProjectDebugResponse
from testbed import server
from tests.helpers import sse
from tests.helpers.paths import EXAMPLES
from tests.helpers.projects import SHOP
from tests.helpers.service_answers import PASSING, error

FILES = {path: textwrap.dedent(text).lstrip("\n") for path, text in SHOP.items()}
BUGGY = FILES["shop/pricing.py"]
FIXED = BUGGY.replace("amount // 3", "amount // 2")
HALF = "tests/test_cart.py::test_half"
REQUEST: dict[str, Any] = {"files": FILES, "tests": [HALF], "model": "offline", "max_iterations": 2}
"""Fixed by the offline engine in one round, in a couple of seconds."""
MOST_FILES = 6
CODE_LIMIT = 200_000  # LDB_MAX_CODE_BYTES's default


@pytest.fixture(scope="module")
def service() -> Iterator[server.Service]:
    with server.running({"LDB_MAX_PROJECT_FILES": str(MOST_FILES)}) as running:
        yield running


def without_id(answer: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in answer.items() if name != "id"}


def assert_stored(client: httpx.Client, answer: dict[str, Any]) -> None:
    """The answer is stored as a project's debug result, read back as it was answered."""
    stored = client.get(f"/results/{answer['id']}")
    assert stored.status_code == 200, stored.text
    assert stored.json()["kind"] == "debug_project"
    assert stored.json()["result"] == without_id(answer)


def assert_fixed(answer: dict[str, Any]) -> None:
    """The shop's discount repaired in its own file, and nothing else changed."""
    result = ProjectDebugResponse.model_validate(answer)
    assert result.status == "fixed", result.message
    assert result.root == "."
    assert result.targets == [HALF]
    assert result.files == {"shop/pricing.py": FIXED}
    assert result.patch.startswith("diff --git a/shop/pricing.py b/shop/pricing.py\n")
    assert "-        return amount // 3\n+        return amount // 2\n" in result.patch
    assert result.patch.count("diff --git") == 1
    assert not result.applied
    [first] = result.iterations
    assert first.trace is not None and first.cases[first.traced_case or 0].test == HALF
    assert first.verdicts and {verdict.file for verdict in first.verdicts} <= set(FILES)
    assert any(v.file == "shop/pricing.py" and v.correct is False for v in first.verdicts)


def test_debug_repairs_a_projects_failing_test_and_stores_the_result(
    client: httpx.Client,
) -> None:
    reply = client.post("/debug", json=REQUEST)
    assert reply.status_code == 200, reply.text
    assert_fixed(reply.json())
    assert_stored(client, reply.json())


def test_a_projects_stored_results_are_drawn_with_each_functions_file(
    client: httpx.Client,
) -> None:
    debugged = client.post("/debug", json=REQUEST)
    assert debugged.status_code == 200, debugged.text
    view = client.get(f"/results/{debugged.json()['id']}/view")
    assert view.status_code == 200, view.text
    drawn = view.json()
    assert drawn["summary"]["status"] == "fixed"
    names = {graph["qualname"] for one in drawn["views"] for graph in one.get("graphs", [])}
    assert {"shop/cart.py::total", "shop/pricing.py::discount"} <= names
    # What the request gave, for the page to show above the run: the files by name alone.
    assert drawn["inputs"] == {"files": sorted(FILES), "tests": REQUEST["tests"]}
    traced = client.post("/trace", json={"files": FILES, "tests": [HALF]})
    assert traced.status_code == 200, traced.text
    view = client.get(f"/results/{traced.json()['id']}/view")
    assert view.status_code == 200, view.text
    names = {graph["qualname"] for one in view.json()["views"] for graph in one["graphs"]}
    assert "shop/pricing.py::discount" in names


def test_a_project_whose_tests_pass_is_passed_with_nothing_changed(
    client: httpx.Client,
) -> None:
    request = {**REQUEST, "files": {**FILES, "shop/pricing.py": FIXED}}
    reply = client.post("/debug", json=request)
    assert reply.status_code == 200, reply.text
    answer = reply.json()
    assert answer["status"] == "passed", answer["message"]
    assert (answer["patch"], answer["files"], answer["iterations"]) == ("", {}, [])
    assert_stored(client, answer)


def test_debug_stream_of_a_project_sends_each_stage_then_the_stored_result(
    client: httpx.Client,
) -> None:
    events = sse.read(client, "POST", "/debug/stream", json=REQUEST)
    names = [each.event for each in events]
    assert names == ["tests", "trace", "verdicts", "repair", "iteration", "tests", "done"]
    assert [each.id for each in events] == [str(n) for n in range(1, len(events) + 1)]
    stages = {each.event: each.data for each in events[1:-2]}
    assert (events[0].data["status"], events[0].data["passed"]) == ("failed", 2)
    assert stages["trace"]["test"] == HALF
    assert {verdict["file"] for verdict in stages["verdicts"]["verdicts"]} <= set(FILES)
    assert stages["repair"]["diff"].startswith("diff --git a/shop/pricing.py")
    assert stages["iteration"] == {"iteration": 0, "files": ["shop/pricing.py"]}
    assert events[-2].data["status"] == "passed"
    assert_fixed(events[-1].data)
    assert_stored(client, events[-1].data)


def wait_for_job(client: httpx.Client, job_id: str, timeout: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        status: dict[str, Any] = client.get(f"/jobs/{job_id}").json()
        if status["state"] in ("done", "cancelled"):
            return status
        assert time.monotonic() < deadline, status
        time.sleep(0.05)


def test_a_job_of_a_project_and_a_program_stores_each_result_as_its_kind(
    client: httpx.Client,
) -> None:
    submitted = client.post("/jobs", json={"requests": [REQUEST, PASSING]})
    assert submitted.status_code == 202, submitted.text
    status = wait_for_job(client, submitted.json()["id"])
    assert status["state"] == "done"
    assert [item["status"] for item in status["items"]] == ["fixed", "passed"]
    project, program = (item["result_id"] for item in status["items"])
    stored = client.get(f"/results/{project}").json()
    assert stored["kind"] == "debug_project"
    assert_fixed({**stored["result"], "id": project})
    assert client.get(f"/results/{program}").json()["kind"] == "debug"
    events = sse.read(client, "GET", f"/jobs/{submitted.json()['id']}/events")
    rounds = [each.data for each in events if each.event == "iteration"]
    assert rounds == [{"index": 0, "iteration": 0, "files": ["shop/pricing.py"]}]


REFUSED: list[tuple[dict[str, Any], int, str, str]] = [
    (
        {"files": {**FILES, **{f"shop/extra{n}.py": "" for n in range(MOST_FILES)}}},
        413,
        "too_large",
        f"a project holds at most {MOST_FILES} files here",
    ),
    (
        {"files": {**FILES, "shop/big.py": "x = 1\n" * (CODE_LIMIT // 6 + 1)}},
        413,
        "too_large",
        "shop/big.py is",
    ),
    ({"files": {**FILES, "../outside.py": ""}}, 422, "bad_input", "not a path inside the project"),
    ({"files": {**FILES, "shop/cart.py/x.py": ""}}, 422, "bad_input", "cannot be written"),
    ({"tests": ["tests/test_cat.py::test_half"]}, 422, "bad_input", "no such test file"),
    ({"max_iterations": 99}, 422, "bad_input", "max_iterations: at most 50 on this server"),
]


@pytest.mark.parametrize(
    ("change", "status", "kind", "words"),
    REFUSED,
    ids=["files-over", "file-over", "outside", "file-as-folder", "no-such-test", "rounds-over"],
)
def test_every_debug_route_refuses_a_project_it_would_not_run_the_same_way_at_once(
    client: httpx.Client, change: dict[str, Any], status: int, kind: str, words: str
) -> None:
    """/debug, its stream and a job: the same status, type and words, before any run, event
    or job."""
    request = {**REQUEST, **change}
    assert words in error(client.post("/debug", json=request), status, kind)
    assert words in error(client.post("/debug/stream", json=request), status, kind)
    jobs_before = len(client.get("/jobs").json())
    message = error(client.post("/jobs", json={"requests": [PASSING, request]}), status, kind)
    assert message.startswith("requests[1]: ") and words in message
    assert len(client.get("/jobs").json()) == jobs_before


@pytest.mark.parametrize(
    ("request_body", "words"),
    [
        ({**REQUEST, "code": "x = 1\n"}, "body.code: Extra inputs are not permitted"),
        ({**REQUEST, "apply": True}, "body.apply: Extra inputs are not permitted"),
        ({**REQUEST, "files": ["shop/cart.py"]}, "body.files: Input should be a valid dict"),
        ({**REQUEST, "tests": HALF}, "body.tests: Input should be a valid list"),
        ({"tests": [HALF]}, "body.code: Field required"),
    ],
    ids=["code-too", "apply", "files-a-list", "tests-a-string", "files-missing"],
)
def test_a_project_request_that_does_not_validate_is_invalid_naming_the_field(
    client: httpx.Client, request_body: dict[str, Any], words: str
) -> None:
    assert words in error(client.post("/debug", json=request_body), 422, "invalid_request")


def test_a_project_without_tests_is_bad_input(client: httpx.Client) -> None:
    code = {path: text for path, text in FILES.items() if path.startswith("shop/")}
    assert "no test" in error(client.post("/debug", json={"files": code}), 422, "bad_input")


def test_openapi_documents_both_forms_of_a_debug_request_and_its_answer(
    client: httpx.Client,
) -> None:
    document = client.get("/openapi.json").json()
    operation = document["paths"]["/debug"]["post"]
    forms = operation["requestBody"]["content"]["application/json"]["schema"]["anyOf"]
    assert forms == [
        {"$ref": "#/components/schemas/DebugRequest"},
        {"$ref": "#/components/schemas/ProjectDebugRequest"},
    ]
    answers = operation["responses"]["200"]["content"]["application/json"]["schema"]["anyOf"]
    assert answers == [
        {"$ref": "#/components/schemas/DebugResponse"},
        {"$ref": "#/components/schemas/ProjectDebugResponse"},
    ]
    project = document["components"]["schemas"]["ProjectDebugRequest"]
    assert project["required"] == ["files"]
    assert "allow_test_edits" in project["properties"] and "apply" not in project["properties"]
    assert {"patch", "files", "root"} <= set(
        document["components"]["schemas"]["ProjectDebugResponse"]["properties"]
    )


def test_the_project_example_debugs_the_shop_through_the_service(
    service: server.Service,
) -> None:
    # The developer's own settings must not steer the example.
    env = {k: v for k, v in os.environ.items() if not k.startswith("LDB_")}
    done = subprocess.run(
        [sys.executable, str(EXAMPLES / "service/debug_project.py")],
        env={**env, "LDB_URL": service.url},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "fixed in" in done.stdout
    assert "+        return amount // 2" in done.stdout
    assert "changed: shop/pricing.py" in done.stdout
