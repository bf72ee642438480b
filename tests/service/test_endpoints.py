"""The endpoints against the library they serve: the graphs, traces and repairs `ldb` gives,
stored and read again, documented in OpenAPI, and streamed as events."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

import ldb
from api.schemas import DebugResponse, TraceResponse
from testbed import server
from tests.helpers import sse
from tests.helpers.paths import EXAMPLES

PROGRAM = (EXAMPLES / "moving_average.py").read_text()
TEST = (EXAMPLES / "moving_average_test.py").read_text()
BAD_TEST = "assert moving_average([1, 2], 1 == [1.0, 2.0]\n"
"""Does not parse: the loop stops before its first round."""


def without_id(body: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in body.items() if key != "id"}


def assert_error(reply: httpx.Response, status: int, kind: str) -> dict[str, Any]:
    """The one error shape, carrying the id the response was sent under."""
    assert reply.status_code == status, reply.text
    assert reply.headers["content-type"] == "application/json"
    error: dict[str, Any] = reply.json()["error"]
    assert error["type"] == kind
    assert error["request_id"] == reply.headers["x-request-id"]
    return error


@pytest.mark.parametrize("name", ["moving_average", "parse_intervals", "second_largest", "shapes"])
def test_blocks_are_the_graphs_ldb_builds(client: httpx.Client, name: str) -> None:
    code = (EXAMPLES / f"{name}.py").read_text()
    reply = client.post("/blocks", json={"code": code})
    assert reply.status_code == 200, reply.text
    served = ldb.BlocksReport.model_validate(reply.json())
    local = ldb.BlocksReport(functions=ldb.blocks(code))
    assert served.functions
    assert (
        served.model_dump()
        == ldb.BlocksReport.model_validate_json(local.model_dump_json()).model_dump()
    )


def test_blocks_of_a_program_that_does_not_parse_is_a_syntax_error(client: httpx.Client) -> None:
    error = assert_error(client.post("/blocks", json={"code": "def f(:\n"}), 422, "syntax_error")
    assert error["message"]


def test_trace_is_the_trace_ldb_takes_and_is_stored(client: httpx.Client) -> None:
    reply = client.post("/trace", json={"code": PROGRAM, "test": TEST})
    assert reply.status_code == 200, reply.text
    served = TraceResponse.model_validate(reply.json())
    local = ldb.trace(PROGRAM, TEST)
    assert served.status == local.status == "failed"
    assert served.cases == local.cases
    assert local.traced_case is not None
    assert served.traced_case == local.traced_case
    assert served.events
    assert [(e.function, e.block, e.visit, e.state) for e in served.events] == [
        (e.function, e.block, e.visit, e.state) for e in local.events
    ]

    stored = client.get(f"/results/{served.id}")
    assert stored.status_code == 200, stored.text
    assert stored.json()["id"] == served.id
    assert stored.json()["kind"] == "trace"
    assert stored.json()["result"] == without_id(reply.json())


def test_an_unknown_result_is_not_found(client: httpx.Client) -> None:
    error = assert_error(client.get("/results/0123456789abcdef"), 404, "not_found")
    assert "0123456789abcdef" in error["message"]


def test_debug_fixes_the_program_and_stores_the_result(client: httpx.Client) -> None:
    reply = client.post("/debug", json={"code": PROGRAM, "test": TEST, "model": "offline"})
    assert reply.status_code == 200, reply.text
    served = DebugResponse.model_validate(reply.json())
    assert served.status == "fixed"
    assert served.model == "offline"
    assert served.program != PROGRAM
    assert ldb.trace(served.program, TEST).status == "passed"

    stored = client.get(f"/results/{served.id}")
    assert stored.status_code == 200, stored.text
    assert stored.json()["kind"] == "debug"
    assert stored.json()["result"] == without_id(reply.json())


def test_debug_with_a_test_that_does_not_parse_is_bad_input(client: httpx.Client) -> None:
    reply = client.post("/debug", json={"code": PROGRAM, "test": BAD_TEST})
    assert "does not parse" in assert_error(reply, 422, "bad_input")["message"]


def test_version_is_the_librarys(client: httpx.Client) -> None:
    assert client.get("/version").json() == {"version": ldb.__version__}


def test_health_reports_sandbox_backends_and_an_idle_queue(client: httpx.Client) -> None:
    health = client.get("/health").json()
    # Without bwrap it would not have started: unisolated runs need LDB_ALLOW_UNISOLATED.
    sandbox = ldb.SandboxStatus.model_validate(health["sandbox"])
    assert (sandbox.mode, sandbox.reason) == ("bwrap", None)
    assert "offline" in health["backends"]
    assert health["queue"] == {
        "active": 0,
        "waiting": 0,
        "limit": health["queue"]["limit"],
        "jobs_queued": 0,
        "jobs_running": 0,
    }
    assert health["queue"]["limit"] >= 1


PATHS = {
    "/blocks",
    "/trace",
    "/debug",
    "/debug/stream",
    "/jobs",
    "/jobs/{job_id}",
    "/jobs/{job_id}/cancel",
    "/jobs/{job_id}/events",
    "/results/{result_id}",
    "/results/{result_id}/view",
    "/ui",
    "/health",
    "/version",
}


@pytest.fixture(scope="module")
def openapi(service: server.Service) -> dict[str, Any]:
    document: dict[str, Any] = httpx.get(f"{service.url}/openapi.json").json()
    return document


def test_openapi_lists_every_path(openapi: dict[str, Any]) -> None:
    assert set(openapi["paths"]) == PATHS


def test_openapi_documents_every_error_as_the_error_body(openapi: dict[str, Any]) -> None:
    error_body = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}}
    assert "error" in openapi["components"]["schemas"]["ErrorBody"]["properties"]
    errors = [
        (method, path, status, answer)
        for path, operations in openapi["paths"].items()
        for method, operation in operations.items()
        for status, answer in operation["responses"].items()
        if not status.startswith("2")
    ]
    assert len(errors) > 2 * len(PATHS)
    for method, path, status, answer in errors:
        assert answer["content"] == error_body, (method, path, status)
    # FastAPI's own 422 body is not what the service sends.
    assert "HTTPValidationError" not in str(openapi)


def test_docs_are_an_html_page_of_the_openapi_document(client: httpx.Client) -> None:
    reply = client.get("/docs")
    assert reply.status_code == 200
    assert reply.headers["content-type"].startswith("text/html")
    assert "swagger-ui" in reply.text
    assert "/openapi.json" in reply.text


def test_debug_stream_sends_each_stage_in_order_then_the_stored_result(
    client: httpx.Client,
) -> None:
    events = sse.read(client, "POST", "/debug/stream", json={"code": PROGRAM, "test": TEST})
    names = [each.event for each in events]
    assert names == ["tests", "trace", "verdicts", "repair", "iteration", "tests", "done"]
    stages, done = events[:-1], events[-1]
    assert [each.id for each in stages] == [str(n) for n in range(1, len(stages) + 1)]
    assert done.id == "7"
    assert [each.data["iteration"] for each in stages] == [0, 0, 0, 0, 0, 1]
    first, last = stages[0].data, stages[-1].data
    assert (first["status"], first["cases"]) == ("failed", 4)
    assert (last["status"], last["passed"], last["cases"]) == ("passed", 4, 4)
    assert stages[1].data["actual"] != stages[1].data["expected"]
    assert stages[2].data["verdicts"]
    assert stages[3].data["diff"].startswith("--- a/program.py")

    result = DebugResponse.model_validate(done.data)
    assert result.status == "fixed"
    assert ldb.trace(result.program, TEST).status == "passed"
    stored = client.get(f"/results/{result.id}").json()
    assert stored["kind"] == "debug"
    assert stored["result"] == without_id(done.data)


def test_debug_stream_of_a_test_that_does_not_parse_ends_with_an_error_event(
    client: httpx.Client,
) -> None:
    # The test is parsed by the first round, once the stream has begun: a 200 whose last
    # event is the error, not a 422.
    events = sse.read(client, "POST", "/debug/stream", json={"code": PROGRAM, "test": BAD_TEST})
    assert [each.event for each in events] == ["tests", "error"]
    assert events[0].data["status"] == "test_syntax_error"
    assert (events[1].data["type"], events[1].data["status"]) == ("bad_input", 422)
    assert events[1].data["message"].startswith("the test does not parse")


def test_debug_stream_of_an_invalid_request_is_a_422_before_any_event(
    client: httpx.Client,
) -> None:
    error = assert_error(client.post("/debug/stream", json={"test": TEST}), 422, "invalid_request")
    assert error["message"].startswith("body.code: Field required")


NAP = "import time\n\n\ndef nap(seconds):\n    time.sleep(seconds)\n    return seconds\n"


@pytest.fixture(scope="module")
def one_turn() -> Iterator[server.Service]:
    """A service that does one request at once and queues none."""
    with server.running({"LDB_MAX_SESSIONS": "1", "LDB_MAX_QUEUED": "0"}) as running:
        yield running


def test_a_stream_holds_its_turn_and_a_busy_service_refuses_one_with_503(
    one_turn: server.Service,
) -> None:
    streamed: list[sse.Event] = []

    def stream() -> None:
        with httpx.Client(base_url=one_turn.url, timeout=60) as http:
            body = {"code": NAP, "test": "assert nap(2) == 2"}
            streamed.extend(sse.read(http, "POST", "/debug/stream", json=body))

    streaming = threading.Thread(target=stream)
    streaming.start()
    try:
        with httpx.Client(base_url=one_turn.url, timeout=60) as http:
            deadline = time.monotonic() + 10
            while http.get("/health").json()["queue"]["active"] == 0:
                assert time.monotonic() < deadline, "the stream never took its turn"
                time.sleep(0.02)
            for path in ("/debug/stream", "/debug"):
                reply = http.post(path, json={"code": PROGRAM, "test": TEST})
                assert_error(reply, 503, "busy")
                assert reply.headers["retry-after"] == "2"
    finally:
        streaming.join(timeout=60)
    assert [each.event for each in streamed] == ["tests", "done"]
    assert streamed[-1].data["status"] == "passed"


SLOW = """\
import time


def total_after_first(xs):
    time.sleep(0.3)
    total = 0
    for x in xs[2:]:
        total += x
    return total
"""
SLOW_TEST = [
    "assert total_after_first([1, 2, 3]) == 5",
    "assert total_after_first([4, 5]) == 5",
    "assert total_after_first([7]) == 0",
]


def test_a_client_that_leaves_a_stream_frees_its_turn_quietly() -> None:
    env = {"LDB_MAX_SESSIONS": "1", "LDB_MAX_QUEUED": "0"}
    with server.running(env) as service, httpx.Client(base_url=service.url, timeout=60) as http:
        body = {"code": SLOW, "test": SLOW_TEST, "max_iterations": 10}
        with http.stream("POST", "/debug/stream", json=body) as stream:
            first = next(sse.parse(stream.iter_lines()))
        assert first.event == "tests"
        deadline = time.monotonic() + 45
        while http.get("/health").json()["queue"]["active"] and time.monotonic() < deadline:
            time.sleep(0.2)
        assert http.get("/health").json()["queue"]["active"] == 0
        assert http.post("/trace", json={"code": PROGRAM, "test": TEST}).status_code == 200
    _, err = server.stop(service)
    assert "unexpected error" not in err
    assert "Task exception was never retrieved" not in err
    assert "Traceback" not in err
