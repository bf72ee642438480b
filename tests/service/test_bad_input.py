"""Bad input to the service: requests that do not parse or validate, bodies and programs over
the limits, programs and tests that do not parse, limits past the server's, model servers the
operator did not allow, and hostile programs. Each gets its status and the one error body, and
the service is well after."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from testbed import server
from tests.helpers.service_answers import (
    GIVEN_ID,
    MOVING_AVERAGE,
    MOVING_AVERAGE_TEST,
    PASSING,
    assert_well,
    error,
)

BODY_LIMIT = 2_000_000  # LDB_MAX_BODY_BYTES's default
CODE_LIMIT = 200_000  # LDB_MAX_CODE_BYTES's default


def _closed_port() -> int:
    """A loopback port nothing listens on (bound once, then let go)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


# A model server the operator lists, where nothing answers.
LISTED = f"http://127.0.0.1:{_closed_port()}/v1"


@pytest.fixture(scope="module")
def service() -> Iterator[server.Service]:
    running = server.start({"LDB_ALLOWED_BASE_URLS": LISTED})
    try:
        assert running.process.poll() is None, server.stop(running)[1]
        yield running
    finally:
        _, err = server.stop(running)
    # All of this module's input is the client's fault: none of it is logged as the service's.
    assert "Traceback" not in err, err
    assert "ERROR" not in err, err


MALFORMED: list[tuple[str, dict[str, Any], str]] = [
    (
        "/blocks",
        {"content": b'{"code": ', "headers": {"content-type": "application/json"}},
        "JSON decode error",
    ),
    ("/blocks", {"json": {"code": 5}}, "body.code: Input should be a valid string"),
    ("/trace", {"json": {"code": "x = 1\n", "test": {}}}, "body.test"),
    ("/trace", {"json": {"code": "x = 1\n"}}, "body.test: Field required"),
    ("/trace", {"json": {**PASSING, "files": {"a.py": ""}}}, "body.code: Extra inputs are not"),
    ("/debug", {"json": {"test": "assert True"}}, "body.code: Field required"),
    ("/trace", {"json": {**PASSING, "colour": "red"}}, "body.colour: Extra inputs are not"),
    ("/debug", {"json": {**PASSING, "max_iterations": -1}}, "body.max_iterations"),
    ("/debug", {"json": {**PASSING, "feedback": "loud"}}, "body.feedback"),
    ("/debug", {"json": {**PASSING, "seed": "lucky"}}, "body.seed"),
    ("/blocks", {"json": ["def f(): pass"]}, "body: Input should be a valid dictionary"),
    (
        "/blocks",
        {"content": json.dumps({"code": "x = 1\n"}), "headers": {"content-type": "text/plain"}},
        "body: Input should be a valid dictionary",
    ),
    ("/trace", {"content": b""}, "body: Field required"),
    (
        "/jobs",
        {"json": {"requests": [{"code": "x = 1\n", "test": 3}]}},
        "body.requests.0.test",
    ),
    # Each value of the JSON type the document asks, none taken for another.
    ("/debug", {"json": {**PASSING, "max_iterations": "1"}}, "body.max_iterations: Input should"),
    ("/debug", {"json": {**PASSING, "max_iterations": True}}, "body.max_iterations: Input should"),
    ("/debug", {"json": {**PASSING, "max_iterations": 1.5}}, "body.max_iterations: Input should"),
    (
        "/trace",
        {"json": {**PASSING, "limits": {"exact_counts": 0}}},
        "body.limits.exact_counts: Input should be a valid boolean",
    ),
    ("/debug", {"json": {**PASSING, "test": ""}}, "body.test"),
    (
        "/blocks",
        {"content": b'{"code": "\xff"}', "headers": {"content-type": "application/json"}},
        "body: not JSON in UTF-8",
    ),
]


@pytest.mark.parametrize(
    ("path", "request_args", "words"),
    MALFORMED,
    ids=[
        "bad-json",
        "code-a-number",
        "test-an-object",
        "test-missing",
        "code-and-files",
        "code-missing",
        "unknown-field",
        "negative-iterations",
        "unknown-feedback",
        "seed-a-word",
        "a-list",
        "text-plain",
        "empty",
        "job-item",
        "iterations-a-string",
        "iterations-a-boolean",
        "iterations-a-fraction",
        "limit-a-number-for-a-boolean",
        "test-empty",
        "not-utf-8",
    ],
)
def test_a_request_that_does_not_validate_is_invalid_naming_the_field(
    client: httpx.Client, path: str, request_args: dict[str, Any], words: str
) -> None:
    reply = client.post(path, **request_args)
    assert words in error(reply, 422, "invalid_request")


def test_a_whole_number_is_an_integer_as_json_schema_says(client: httpx.Client) -> None:
    reply = client.post("/debug", json={**PASSING, "max_iterations": 1.0, "seed": 7.0})
    assert reply.status_code == 200, reply.text
    assert (reply.json()["status"], reply.json()["seed"]) == ("passed", 7)


def test_a_sane_request_id_is_echoed_on_success_and_error(client: httpx.Client) -> None:
    done = client.post("/blocks", json={"code": "x = 1\n"}, headers={"X-Request-ID": "abc.1-2_3"})
    assert done.status_code == 200
    assert done.headers["x-request-id"] == "abc.1-2_3"
    refused = client.post("/blocks", json={"code": 5}, headers={"X-Request-ID": "abc.4-5_6"})
    error(refused, 422, "invalid_request")
    assert refused.json()["error"]["request_id"] == "abc.4-5_6"


@pytest.mark.parametrize(
    "given",
    ["x" * 200, "x" * 65, "has spaces", "semi;colon", "<script>"],
    ids=["200-chars", "65-chars", "spaces", "semicolon", "markup"],
)
def test_an_unusable_request_id_is_replaced(client: httpx.Client, given: str) -> None:
    reply = client.post("/blocks", json={"code": 5}, headers={"X-Request-ID": given})
    error(reply, 422, "invalid_request")
    assert GIVEN_ID.fullmatch(reply.headers["x-request-id"])
    assert given not in reply.text


def test_each_request_gets_its_own_id(client: httpx.Client) -> None:
    ids = {client.get("/version").headers["x-request-id"] for _ in range(5)}
    assert len(ids) == 5
    assert all(GIVEN_ID.fullmatch(each) for each in ids)


def _five_megabytes() -> bytes:
    return json.dumps({"code": "x = 1\n" * (5_000_000 // 6)}).encode()


def test_a_body_over_the_limit_is_too_large_by_its_declared_length(client: httpx.Client) -> None:
    body = _five_megabytes()
    reply = client.post("/blocks", content=body, headers={"content-type": "application/json"})
    assert reply.request.headers["content-length"] == str(len(body))
    message = error(reply, 413, "too_large")
    assert f"the body is {len(body)} bytes, over {BODY_LIMIT}" in message


@pytest.mark.parametrize("path", ["/blocks", "/trace", "/debug", "/jobs"])
def test_a_chunked_body_over_the_limit_is_too_large_as_it_arrives(
    client: httpx.Client, path: str
) -> None:
    body = _five_megabytes()

    def chunks() -> Iterator[bytes]:
        for start in range(0, len(body), 1 << 16):
            yield body[start : start + (1 << 16)]

    reply = client.post(path, content=chunks(), headers={"content-type": "application/json"})
    assert "content-length" not in reply.request.headers
    assert reply.request.headers["transfer-encoding"] == "chunked"
    assert f"over {BODY_LIMIT} bytes" in error(reply, 413, "too_large")


@pytest.mark.parametrize(
    ("path", "fields", "field"),
    [
        ("/blocks", {}, "code"),
        ("/trace", PASSING, "code"),
        ("/trace", PASSING, "test"),
        ("/debug", PASSING, "test"),
        ("/debug", PASSING, "task"),
    ],
)
def test_a_program_over_the_code_limit_is_too_large_naming_the_field(
    client: httpx.Client, path: str, fields: dict[str, str], field: str
) -> None:
    oversized = "x = 1\n" * 50_000
    reply = client.post(path, json={**fields, field: oversized})
    assert len(reply.request.content) < BODY_LIMIT
    message = error(reply, 413, "too_large")
    assert message == f"{field} is {len(oversized)} bytes, over this server's {CODE_LIMIT}"


def test_a_list_of_tests_counts_whole_against_the_code_limit(client: httpx.Client) -> None:
    many = ["assert f() == 1  # " + "x" * 1000] * 250
    reply = client.post("/trace", json={"code": PASSING["code"], "test": many})
    assert error(reply, 413, "too_large").startswith("test is ")


BROKEN = "def f():\n    return 1\n\n\ndef g(:\n    pass\n"


def test_blocks_of_a_program_that_does_not_parse_is_a_syntax_error_with_its_line(
    client: httpx.Client,
) -> None:
    message = error(client.post("/blocks", json={"code": BROKEN}), 422, "syntax_error")
    assert ":5:" in message
    assert "syntax" in message


def test_a_trace_of_a_program_that_does_not_parse_is_stored_as_a_syntax_error(
    client: httpx.Client,
) -> None:
    reply = client.post("/trace", json={"code": BROKEN, "test": "assert f() == 1"})
    assert reply.status_code == 200
    traced = reply.json()
    assert traced["status"] == "syntax_error"
    assert "program.py:5:" in traced["message"]
    assert traced["cases"] == []
    stored = client.get(f"/results/{traced['id']}")
    assert stored.status_code == 200
    assert stored.json()["kind"] == "trace"
    assert stored.json()["result"]["status"] == "syntax_error"


def test_a_trace_with_a_test_that_does_not_parse_says_so(client: httpx.Client) -> None:
    reply = client.post("/trace", json={"code": PASSING["code"], "test": "assert f(== 1"})
    assert reply.status_code == 200
    assert reply.json()["status"] == "test_syntax_error"
    assert reply.json()["message"].startswith("test.py:1:")


def test_a_debug_with_a_test_that_does_not_parse_is_bad_input(client: httpx.Client) -> None:
    reply = client.post("/debug", json={"code": PASSING["code"], "test": "assert f(== 1"})
    assert "the test does not parse: test.py:1:" in error(reply, 422, "bad_input")


@pytest.mark.parametrize(
    ("limits", "status", "kind", "words"),
    [
        ({"timeout_s": 999}, 422, "bad_input", "limit timeout_s: at most 10.0"),
        ({"memory_mb": 1 << 20}, 422, "bad_input", "limit memory_mb: at most"),
        ({"max_events": 10**9}, 422, "bad_input", "limit max_events: at most"),
        ({"timeout_s": -1}, 422, "invalid_request", "body.limits.timeout_s: Input should be"),
        ({"memory_mb": 1}, 422, "invalid_request", "body.limits.memory_mb"),
        ({"timeout_s": "soon"}, 422, "invalid_request", "body.limits.timeout_s"),
        ({"nope": 1}, 422, "invalid_request", "body.limits.nope: Extra inputs are not"),
        ([1, 2], 422, "invalid_request", "body.limits"),
    ],
    ids=["timeout", "memory", "events", "negative", "below-min", "a-word", "unknown", "a-list"],
)
@pytest.mark.parametrize("path", ["/trace", "/debug"])
def test_limits_past_the_servers_or_not_limits_are_refused(
    client: httpx.Client, path: str, limits: Any, status: int, kind: str, words: str
) -> None:
    reply = client.post(path, json={**PASSING, "limits": limits})
    assert words in error(reply, status, kind)


REFUSED_AT_SUBMISSION: list[tuple[dict[str, Any], int, str, str]] = [
    ({"limits": {"timeout_s": 9999}}, 422, "bad_input", "limit timeout_s: at most 10.0"),
    ({"max_iterations": 99}, 422, "bad_input", "max_iterations: at most 50 on this server"),
    ({"base_url": "http://127.0.0.1:9/v1"}, 403, "forbidden", "LDB_ALLOWED_BASE_URLS"),
    ({"code": "x = 1\n" * (CODE_LIMIT // 6 + 1)}, 413, "too_large", "code is"),
]


@pytest.mark.parametrize(
    ("change", "status", "kind", "words"),
    REFUSED_AT_SUBMISSION,
    ids=["limit-over", "rounds-over", "model-server", "code-over"],
)
def test_every_debug_route_refuses_what_it_would_not_run_the_same_way_at_once(
    client: httpx.Client, change: dict[str, Any], status: int, kind: str, words: str
) -> None:
    """/debug, its stream and a job: the same status, type and words, and no job queued to
    fail item by item later."""
    request = {**PASSING, **change}
    assert words in error(client.post("/debug", json=request), status, kind)
    streamed = client.post("/debug/stream", json=request)
    assert streamed.headers["content-type"].startswith("application/json")
    assert words in error(streamed, status, kind)
    jobs_before = len(client.get("/jobs").json())
    second = {"requests": [PASSING, request]}
    message = error(client.post("/jobs", json=second), status, kind)
    assert message.startswith("requests[1]: ") and words in message
    assert len(client.get("/jobs").json()) == jobs_before


def test_a_lower_timeout_stops_an_endless_program_in_about_that_time(
    client: httpx.Client,
) -> None:
    endless = {"code": "def f():\n    while True:\n        pass\n", "test": "assert f() == 1"}
    started = time.monotonic()
    reply = client.post("/trace", json={**endless, "limits": {"timeout_s": 1.5}})
    elapsed = time.monotonic() - started
    assert reply.status_code == 200
    traced = reply.json()
    assert traced["status"] == "timeout"
    assert traced["message"] == "the run took longer than 1.5 s and was stopped"
    assert 1.4 < elapsed < 6.0, elapsed


@pytest.mark.parametrize(
    "base_url",
    [
        "https://evil.example/v1",
        LISTED + "evil",
        LISTED.replace("/v1", ""),
        LISTED.replace("127.0.0.1", "localhost"),
    ],
    ids=["elsewhere", "a-longer-path", "a-shorter-path", "another-name"],
)
def test_a_model_server_not_listed_is_forbidden(client: httpx.Client, base_url: str) -> None:
    request = {"code": MOVING_AVERAGE, "test": MOVING_AVERAGE_TEST, "base_url": base_url}
    message = error(client.post("/debug", json=request), 403, "forbidden")
    assert repr(base_url) in message
    assert "LDB_ALLOWED_BASE_URLS" in message
    message = error(client.post("/jobs", json={"requests": [request]}), 403, "forbidden")
    assert repr(base_url) in message


# Named, not shown: the port differs in each process that collects the tests.
@pytest.mark.parametrize(
    "base_url",
    [LISTED, LISTED + "/", LISTED + "/deeper"],
    ids=["as-listed", "a-trailing-slash", "a-deeper-path"],
)
def test_a_listed_model_server_passes_the_check(client: httpx.Client, base_url: str) -> None:
    # The offline engine asks no server: the run says only that the check let it through.
    request = {"code": MOVING_AVERAGE, "test": MOVING_AVERAGE_TEST, "base_url": base_url}
    reply = client.post("/debug", json={**request, "model": "offline"})
    assert reply.status_code == 200, reply.text
    assert reply.json()["status"] == "fixed"


def test_a_listed_model_server_that_does_not_answer_ends_the_run_as_an_error(
    client: httpx.Client,
) -> None:
    request = {"code": MOVING_AVERAGE, "test": MOVING_AVERAGE_TEST, "base_url": LISTED}
    reply = client.post("/debug", json={**request, "model": "gpt-4o-mini"})
    # Not a 502: the loop keeps what it found, and says why it stopped.
    assert reply.status_code == 200, reply.text
    debugged = reply.json()
    assert debugged["status"] == "error"
    assert debugged["message"].startswith(f"the model failed: gpt-4o-mini at {LISTED}: ")
    assert "Connection refused" in debugged["message"]
    assert debugged["program"] == MOVING_AVERAGE
    assert debugged["iterations"][0]["status"] == "failed"
    assert client.get(f"/results/{debugged['id']}").json()["result"]["status"] == "error"


# Tight limits, so that the attacks that run until stopped are stopped soon.
TIGHT = {"timeout_s": 1.0, "case_cpu_s": 0.5, "cpu_s": 2, "memory_mb": 128}

ATTACKS: dict[str, tuple[str, set[str]]] = {
    "fork-bomb": (
        "import os\n"
        "def attack():\n"
        "    while True:\n"
        "        try:\n"
        "            os.fork()\n"
        "        except OSError:\n"
        "            pass\n",
        {"timeout", "crashed"},
    ),
    "memory-bomb": (
        "def attack():\n"
        "    hoard = []\n"
        "    while True:\n"
        "        hoard.append(bytearray(16 << 20))\n",
        {"memory_limit"},
    ),
    "endless-loop": ("def attack():\n    while True:\n        pass\n", {"timeout"}),
    "50-MB-of-output": (
        "import sys\n"
        "def attack():\n"
        "    chunk = 'x' * (1 << 20)\n"
        "    for _ in range(50):\n"
        "        sys.stdout.write(chunk)\n",
        {"output_limit"},
    ),
    "reading-etc-shadow": ("def attack():\n    return open('/etc/shadow').read()\n", {"failed"}),
    "writing-outside-tmp": (
        "def attack():\n    open('/usr/ldb-was-here', 'w').write('owned')\n",
        {"failed"},
    ),
    "killing-the-parent": (
        "import os, signal\ndef attack():\n    os.kill(os.getppid(), signal.SIGKILL)\n",
        {"failed", "crashed"},
    ),
    "exiting-early": ("import os\ndef attack():\n    os._exit(0)\n", {"crashed"}),
}


@pytest.mark.parametrize("name", list(ATTACKS))
def test_a_hostile_program_is_answered_and_the_service_stays_well(
    client: httpx.Client, name: str
) -> None:
    code, outcomes = ATTACKS[name]
    request = {"code": code, "test": "assert attack() is None", "limits": TIGHT}
    traced = client.post("/trace", json=request)
    assert traced.status_code == 200, traced.text
    assert traced.json()["status"] in outcomes, traced.json()["message"]
    assert "root:" not in traced.text
    debugged = client.post("/debug", json={**request, "max_iterations": 1})
    assert debugged.status_code == 200, debugged.text
    # Never a fix: at most a repair that drops the attack, which a check doubts.
    assert debugged.json()["status"] in ("unfixed", "plausible"), debugged.json()["message"]
    assert debugged.json()["iterations"][0]["status"] in outcomes
    assert_well(client)
