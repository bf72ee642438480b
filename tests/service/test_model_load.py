"""Model-backed debug sessions at once: a session waiting on its model holds no sandbox run, so
a service with one run at a time keeps many model calls in flight, for /debug and for a job's
requests alike; calls to one model server stay within its own limit."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from testbed import server
from testbed.chat_server import ChatServer, Reply, Request, completion_body
from tests.helpers.paths import EXAMPLES

PROGRAM = (EXAMPLES / "moving_average.py").read_text()
TEST = (EXAMPLES / "moving_average_test.py").read_text()
FIXED = PROGRAM.replace("range(len(values) - width)", "range(len(values) - width + 1)")
LATENCY_S = 0.6
SESSIONS = 6


def model_answer(request: Request) -> Reply:
    """Verdicts when shown a trace, else the repaired program; each after `LATENCY_S`."""
    asked = request.json["messages"][-1]["content"] if request.json else ""
    if "[BLOCK-" in asked:
        text = json.dumps({"block": "BLOCK-1", "correct": False, "explanation": "ends early"})
    else:
        text = f"```python\n{FIXED}```"
    return Reply(200, completion_body(text), {"Content-Type": "application/json"}, LATENCY_S)


@pytest.fixture(scope="module")
def model() -> Iterator[ChatServer]:
    with ChatServer(model_answer) as chat:
        yield chat


def request_to(model: ChatServer) -> dict[str, Any]:
    return {"code": PROGRAM, "test": TEST, "model": "loopback", "base_url": model.url}


@pytest.fixture(scope="module")
def one_run(model: ChatServer) -> Iterator[server.Service]:
    """One sandbox run at a time."""
    env = {"LDB_ALLOWED_BASE_URLS": model.url, "LDB_MAX_RUNS": "1"}
    with server.running(env) as running:
        yield running


def test_sessions_waiting_on_their_model_hold_no_run(
    one_run: server.Service, model: ChatServer
) -> None:
    model.most_in_flight = 0
    loads: list[dict[str, Any]] = []
    stop = threading.Event()

    def watch() -> None:
        with httpx.Client(base_url=one_run.url, timeout=10) as http:
            while not stop.is_set():
                loads.append(http.get("/health").json())
                time.sleep(0.02)

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        with ThreadPoolExecutor(SESSIONS) as clients:
            replies = list(
                clients.map(
                    lambda _: httpx.post(
                        f"{one_run.url}/debug", json=request_to(model), timeout=120
                    ),
                    range(SESSIONS),
                )
            )
    finally:
        stop.set()
        watcher.join()
    assert [reply.status_code for reply in replies] == [200] * SESSIONS
    assert {(r.json()["status"], r.json()["program"]) for r in replies} == {("fixed", FIXED)}
    # One run at a time, yet every session had its model call out at once.
    assert model.most_in_flight >= SESSIONS
    assert max(load["runs"]["active"] for load in loads) <= 1
    assert max(load["model_calls"]["in_flight"] for load in loads) >= SESSIONS // 2
    assert all(load["runs"]["limit"] == 1 for load in loads)


def test_a_jobs_model_backed_requests_are_in_flight_together(
    one_run: server.Service, model: ChatServer
) -> None:
    model.most_in_flight = 0
    with httpx.Client(base_url=one_run.url, timeout=60) as http:
        reply = http.post("/jobs", json={"requests": [request_to(model)] * SESSIONS})
        assert reply.status_code == 202, reply.text
        job = reply.json()["id"]
        deadline = time.monotonic() + 120
        while (status := http.get(f"/jobs/{job}").json())["state"] != "done":
            assert time.monotonic() < deadline, status
            time.sleep(0.1)
    assert [item["status"] for item in status["items"]] == ["fixed"] * SESSIONS
    assert model.most_in_flight >= SESSIONS


def test_calls_to_one_model_server_stay_within_its_limit(model: ChatServer) -> None:
    env = {"LDB_ALLOWED_BASE_URLS": model.url, "LDB_MAX_MODEL_CALLS_PER_SERVER": "2"}
    model.most_in_flight = 0
    with server.running(env) as service, ThreadPoolExecutor(SESSIONS) as clients:
        replies = list(
            clients.map(
                lambda _: httpx.post(f"{service.url}/debug", json=request_to(model), timeout=120),
                range(SESSIONS),
            )
        )
    assert [reply.json()["status"] for reply in replies] == ["fixed"] * SESSIONS
    assert model.most_in_flight == 2
