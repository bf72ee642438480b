"""The service under load and behind a token: many requests of every kind at once are each
answered as their kind is (503 with Retry-After once the gate is full, never another 5xx) and
leave nothing running; with LDB_AUTH_TOKEN set only /health answers without the token, and the
token shows nowhere."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from testbed import server
from tests.helpers.service_answers import (
    MOVING_AVERAGE,
    MOVING_AVERAGE_TEST,
    PASSING,
    assert_well,
    error,
)

TIGHT = {"timeout_s": 1.0, "case_cpu_s": 0.5, "cpu_s": 2, "memory_mb": 128}
SLEEPER = {
    "code": "import time\ndef f():\n    time.sleep(60)\n",
    "test": "assert f() is None",
    "limits": TIGHT,
}
# A request holding a turn of the gate (or its place in the queue) for 1.5 s or more.
HOLD: dict[str, Any] = {"json": {**SLEEPER, "limits": {"timeout_s": 1.5}}, "timeout": 60}


@dataclass
class Probe:
    """One request of the load, and what it may be answered."""

    name: str
    path: str
    request: dict[str, Any]
    statuses: set[int]
    outcome: str | None = None  # the result's `status` on a 200
    kind: dict[int, str] = field(default_factory=dict)  # the error type of each error status


GATED = {503: "busy"}

PROBES = [
    Probe("blocks", "/blocks", {"json": {"code": MOVING_AVERAGE}}, {200, 503}, kind=GATED),
    Probe("trace", "/trace", {"json": PASSING}, {200, 503}, "passed", GATED),
    Probe(
        "debug",
        "/debug",
        {"json": {"code": MOVING_AVERAGE, "test": MOVING_AVERAGE_TEST}},
        {200, 503},
        "fixed",
        GATED,
    ),
    Probe(
        "syntax-error",
        "/blocks",
        {"json": {"code": "def f(:\n"}},
        {422, 503},
        kind={422: "syntax_error", **GATED},
    ),
    Probe(
        "bad-json",
        "/trace",
        {"content": b"{", "headers": {"content-type": "application/json"}},
        {422},
        kind={422: "invalid_request"},
    ),
    Probe(
        "wrong-types",
        "/debug",
        {"json": {"code": 5, "test": {}}},
        {422},
        kind={422: "invalid_request"},
    ),
    Probe(
        "too-large",
        "/trace",
        {"json": {**PASSING, "code": "x = 1\n" * 400_000}},
        {413},
        kind={413: "too_large"},
    ),
    Probe(
        "body-too-large",
        "/blocks",
        {
            "content": json.dumps({"code": "x = 1\n" * 400_000}),
            "headers": {"content-type": "application/json"},
        },
        {413},
        kind={413: "too_large"},
    ),
    Probe(
        "endless",
        "/trace",
        {
            "json": {
                "code": "def f():\n    while True:\n        pass\n",
                "test": "assert f()",
                "limits": TIGHT,
            }
        },
        {200, 503},
        "timeout",
        GATED,
    ),
    Probe(
        "memory-bomb",
        "/trace",
        {
            "json": {
                "code": "def f():\n"
                "    hoard = []\n"
                "    while True:\n"
                "        hoard.append(bytearray(16 << 20))\n",
                "test": "assert f()",
                "limits": TIGHT,
            }
        },
        {200, 503},
        "memory_limit",
        GATED,
    ),
    Probe(
        "hostile-debug",
        "/debug",
        {
            "json": {
                "code": "import os\ndef f():\n    os._exit(0)\n",
                "test": "assert f()",
                "max_iterations": 1,
                "limits": TIGHT,
            }
        },
        {200, 503},
        "unfixed",
        GATED,
    ),
]


def _check(probe: Probe, reply: httpx.Response) -> None:
    where = f"{probe.name}: {reply.status_code} {reply.text[:300]}"
    assert reply.status_code in probe.statuses, where
    if reply.status_code == 200:
        if probe.outcome is not None:
            assert reply.json()["status"] == probe.outcome, where
        return
    error(reply, reply.status_code, probe.kind[reply.status_code])
    if reply.status_code == 503:
        assert int(reply.headers["retry-after"]) > 0, where


def _all_at_once(url: str, calls: list[tuple[str, dict[str, Any]]]) -> list[httpx.Response]:
    """Each `(path, request)` POSTed from its own thread, released together."""
    start = threading.Barrier(len(calls))
    limits = httpx.Limits(max_connections=len(calls), max_keepalive_connections=len(calls))
    with httpx.Client(base_url=url, timeout=120, limits=limits) as http:

        def post(call: tuple[str, dict[str, Any]]) -> httpx.Response:
            start.wait()
            return http.post(call[0], **call[1])

        with ThreadPoolExecutor(max_workers=len(calls)) as pool:
            return list(pool.map(post, calls))


def test_fifty_mixed_requests_at_once_are_each_answered_as_their_kind(
    service: server.Service, client: httpx.Client
) -> None:
    probes = [PROBES[index % len(PROBES)] for index in range(50)]
    replies = _all_at_once(service.url, [(probe.path, probe.request) for probe in probes])
    for probe, reply in zip(probes, replies, strict=True):
        _check(probe, reply)
    # Most went through: the default queue (32) holds all but a few of them.
    assert sum(reply.status_code == 200 for reply in replies) >= 20
    assert_well(client)


@pytest.fixture(scope="module")
def narrow() -> Iterator[server.Service]:
    """A service that runs 2 requests at once and queues 4 more."""
    with server.running({"LDB_MAX_SESSIONS": "2", "LDB_MAX_QUEUED": "4"}) as running:
        yield running


def test_past_the_queue_requests_are_refused_busy_with_retry_after(
    narrow: server.Service,
) -> None:
    loads: list[dict[str, Any]] = []
    stop = threading.Event()

    def watch() -> None:
        with httpx.Client(base_url=narrow.url, timeout=10) as http:
            while not stop.is_set():
                loads.append(http.get("/health").json()["queue"])
                time.sleep(0.05)

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        calls = [("/trace", {"json": SLEEPER})] * 12
        calls += [("/blocks", {"json": {"code": MOVING_AVERAGE}})] * 2
        calls += [("/debug", {"json": {"code": MOVING_AVERAGE, "test": MOVING_AVERAGE_TEST}})] * 2
        started = time.monotonic()
        replies = _all_at_once(narrow.url, calls)
        elapsed = time.monotonic() - started
    finally:
        stop.set()
        watcher.join()
    statuses = [reply.status_code for reply in replies]
    assert set(statuses) <= {200, 503}, statuses
    busy = [reply for reply in replies if reply.status_code == 503]
    # 6 requests hold the gate (2 at work, 4 waiting) for a second or more each: the other
    # 10, all sent at once, are refused unless the machine is too slow to send them within
    # that first second.
    assert len(busy) >= 6, statuses
    assert statuses.count(200) >= 6, statuses
    for reply in busy:
        message = error(reply, 503, "busy")
        assert "running" in message
        assert reply.headers["retry-after"] == "2"
    for call, reply in zip(calls, replies, strict=True):
        if reply.status_code == 200 and call[0] == "/trace":
            assert reply.json()["status"] == "timeout"
    assert elapsed < 10
    assert max(load["active"] for load in loads) == 2, loads
    assert max(load["waiting"] for load in loads) <= 4, loads
    assert all(load["limit"] == 2 for load in loads)
    with httpx.Client(base_url=narrow.url, timeout=60) as http:
        assert_well(http)


REFUSALS: list[tuple[str, dict[str, Any], int, str]] = [
    ("/trace", {"json": {**PASSING, "code": "x = 1\n" * 40_000}}, 413, "too_large"),
    ("/debug", {"json": {**PASSING, "test": "assert True\n" * 20_000}}, 413, "too_large"),
    ("/trace", {"json": {**PASSING, "limits": {"timeout_s": 999}}}, 422, "bad_input"),
    ("/debug", {"json": {**PASSING, "limits": {"memory_mb": 1 << 20}}}, 422, "bad_input"),
    ("/debug", {"json": {**PASSING, "base_url": "https://evil.example/v1"}}, 403, "forbidden"),
    ("/trace", {"json": {"code": 5}}, 422, "invalid_request"),
    ("/jobs", {"json": {"requests": [{**PASSING, "code": "x = 1\n" * 40_000}]}}, 413, "too_large"),
]


def test_while_busy_a_request_that_can_never_pass_is_refused_for_what_it_is(
    narrow: server.Service,
) -> None:
    # Busy says "retry": a request refused for its own sake must hear why instead.
    holders = [
        threading.Thread(target=httpx.post, args=(f"{narrow.url}/trace",), kwargs=HOLD)
        for _ in range(6)
    ]
    for holder in holders:
        holder.start()
    try:
        with httpx.Client(base_url=narrow.url, timeout=60) as http:
            deadline = time.monotonic() + 5
            while http.get("/health").json()["queue"]["waiting"] < 4:
                assert time.monotonic() < deadline, "the gate never filled"
                time.sleep(0.02)
            error(http.post("/trace", json=PASSING), 503, "busy")
            for path, request_args, status, kind in REFUSALS:
                error(http.post(path, **request_args), status, kind)
            error(http.post("/debug", json=PASSING), 503, "busy")
    finally:
        for holder in holders:
            holder.join()
    with httpx.Client(base_url=narrow.url, timeout=60) as http:
        assert_well(http)


TOKEN = "s3cret"

GUARDED: list[tuple[str, str, dict[str, Any]]] = [
    ("GET", "/version", {}),
    ("POST", "/blocks", {"json": {"code": "x = 1\n"}}),
    ("POST", "/trace", {"json": PASSING}),
    ("POST", "/debug", {"json": PASSING}),
    ("POST", "/debug/stream", {"json": PASSING}),
    ("GET", "/jobs", {}),
    ("POST", "/jobs", {"json": {"requests": [PASSING]}}),
    ("GET", "/jobs/x", {}),
    ("POST", "/jobs/x/cancel", {}),
    ("DELETE", "/jobs/x", {}),
    ("GET", "/jobs/x/events", {}),
    ("GET", "/results/x", {}),
    # Refused for the token before the body is looked at.
    ("POST", "/trace", {"json": {"code": 5}}),
]


@pytest.fixture(scope="module")
def guarded() -> Iterator[server.Service]:
    with server.running({"LDB_AUTH_TOKEN": TOKEN}) as running:
        yield running


def test_health_needs_no_token(guarded: server.Service) -> None:
    reply = httpx.get(f"{guarded.url}/health")
    assert reply.status_code == 200
    assert reply.json()["status"] == "ok"


@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer nope", f"Bearer {TOKEN}x", f"Bearer {TOKEN[:-1]}", f"Basic {TOKEN}", TOKEN],
    ids=["none", "wrong", "longer", "shorter", "basic", "no-scheme"],
)
@pytest.mark.parametrize(
    ("method", "path", "request_args"),
    GUARDED,
    ids=[f"{method}-{path}" for method, path, _ in GUARDED[:-1]] + ["invalid-body"],
)
def test_without_the_token_everything_else_is_unauthorized(
    guarded: server.Service,
    method: str,
    path: str,
    request_args: dict[str, Any],
    authorization: str | None,
) -> None:
    headers = {"Authorization": authorization} if authorization else {}
    reply = httpx.request(
        method, f"{guarded.url}{path}", headers=headers, timeout=60, **request_args
    )
    error(reply, 401, "unauthorized")
    assert reply.headers["www-authenticate"] == "Bearer"
    assert TOKEN not in reply.text


def test_with_the_token_everything_works(guarded: server.Service) -> None:
    with httpx.Client(
        base_url=guarded.url, timeout=60, headers={"Authorization": f"Bearer {TOKEN}"}
    ) as http:
        assert http.get("/version").status_code == 200
        assert http.post("/blocks", json={"code": "x = 1\n"}).status_code == 200
        traced = http.post("/trace", json=PASSING)
        assert traced.json()["status"] == "passed"
        debugged = http.post("/debug", json={"code": MOVING_AVERAGE, "test": MOVING_AVERAGE_TEST})
        assert debugged.json()["status"] == "fixed"
        for result_id in (traced.json()["id"], debugged.json()["id"]):
            assert http.get(f"/results/{result_id}").status_code == 200
        error(http.get("/results/x"), 404, "not_found")
        job = http.post("/jobs", json={"requests": [PASSING]})
        assert job.status_code == 202
        assert http.get(f"/jobs/{job.json()['id']}").status_code == 200
        assert job.json()["id"] in {each["id"] for each in http.get("/jobs").json()}
        # The body is checked once the token is.
        error(http.post("/trace", json={"code": 5}), 422, "invalid_request")
        assert_well(http)


def test_without_a_token_set_everything_works_without_one(client: httpx.Client) -> None:
    assert client.get("/version").status_code == 200
    traced = client.post("/trace", json=PASSING)
    assert traced.json()["status"] == "passed"
    assert client.get(f"/results/{traced.json()['id']}").status_code == 200
    assert client.get("/jobs").status_code == 200
    assert client.post("/jobs", json={"requests": [PASSING]}).status_code == 202
    # A token sent to a service that asks for none is no error.
    blocks = client.post(
        "/blocks", json={"code": "x = 1\n"}, headers={"Authorization": "Bearer anything"}
    )
    assert blocks.status_code == 200


def test_the_token_shows_in_no_answer_nor_the_log() -> None:
    token = "t0ken-for-no-eyes"
    service = server.start({"LDB_AUTH_TOKEN": token})
    seen: list[str] = []
    try:
        assert service.process.poll() is None
        with httpx.Client(base_url=service.url, timeout=60) as http:
            for authorization in (None, f"Bearer {token}x", f"Bearer {token}"):
                headers = {"Authorization": authorization} if authorization else {}
                for method, path, request_args in GUARDED:
                    reply = http.request(method, path, headers=headers, **request_args)
                    assert reply.status_code < 500, reply.text
                    seen.append(reply.text)
                    seen.append(json.dumps(dict(reply.headers)))
            seen.append(http.get("/health").text)
            seen.append(http.get("/openapi.json").text)
    finally:
        out, err = server.stop(service)
    assert not [text for text in seen if token in text]
    assert token not in out
    assert token not in err
