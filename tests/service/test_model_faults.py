"""A model server that hangs, resets its connections or answers 500 for a while: each session
succeeds on retry or ends with a typed error, none holds a sandbox run meanwhile, and the
service stays healthy for everyone else."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from testbed import server
from testbed.chat_server import ChatServer, Reply, Request, completion_body
from tests.helpers.paths import EXAMPLES

PROGRAM = (EXAMPLES / "moving_average.py").read_text()
TEST = (EXAMPLES / "moving_average_test.py").read_text()
FIXED = PROGRAM.replace("range(len(values) - width)", "range(len(values) - width + 1)")
JSON = {"Content-Type": "application/json"}


def good(request: Request) -> Reply:
    asked = request.json["messages"][-1]["content"] if request.json else ""
    if "[BLOCK-" in asked:
        text = json.dumps({"block": "BLOCK-1", "correct": False, "explanation": "ends early"})
    else:
        text = f"```python\n{FIXED}```"
    return Reply(200, completion_body(text), JSON)


@pytest.fixture(scope="module")
def model() -> Iterator[ChatServer]:
    with ChatServer(good) as chat:
        yield chat


@pytest.fixture(scope="module")
def service(model: ChatServer) -> Iterator[server.Service]:
    """One sandbox run at a time; a model call given up on after a second, tried 3 times."""
    env = {
        "LDB_ALLOWED_BASE_URLS": model.url,
        "LDB_MAX_RUNS": "1",
        "LDB_MODEL_TIMEOUT_S": "1",
        "LDB_MODEL_RETRIES": "2",
    }
    with server.running(env) as running:
        yield running


def debug(service: server.Service, model: ChatServer) -> httpx.Response:
    body = {"code": PROGRAM, "test": TEST, "model": "loopback", "base_url": model.url}
    return httpx.post(f"{service.url}/debug", json=body, timeout=120)


@pytest.mark.parametrize(
    "fault",
    [
        Reply(500, '{"error": {"message": "overloaded"}}', JSON),
        Reply(429, '{"error": {"message": "slow down"}}', {**JSON, "Retry-After": "0"}),
        Reply(reset=True),
        Reply(200, completion_body("late"), JSON, delay_s=5),  # past the 1 s timeout
    ],
    ids=["500", "429", "reset", "hang"],
)
def test_a_fault_for_a_while_is_retried_and_the_session_succeeds(
    service: server.Service, model: ChatServer, fault: Reply
) -> None:
    model.queue(fault)
    reply = debug(service, model)
    assert reply.status_code == 200, reply.text
    result = reply.json()
    assert (result["status"], result["program"]) == ("fixed", FIXED)


def test_a_model_that_keeps_failing_ends_the_session_with_a_typed_error(
    service: server.Service, model: ChatServer
) -> None:
    for _ in range(3):
        model.reply(503, '{"error": {"message": "down for maintenance"}}', headers=JSON)
    reply = debug(service, model)
    assert reply.status_code == 200, reply.text
    result = reply.json()
    assert result["status"] == "error"
    assert result["message"].startswith("the model failed: ")
    assert "HTTP 503: down for maintenance (3 attempts)" in result["message"]


def test_sessions_waiting_on_a_hanging_model_hold_no_run_and_others_are_served(
    service: server.Service, model: ChatServer
) -> None:
    for _ in range(6):  # two sessions, each tried three times, each past the timeout
        model.reply(200, completion_body("late"), headers=JSON, delay_s=5)
    outcomes: list[httpx.Response] = []
    hanging = [
        threading.Thread(target=lambda: outcomes.append(debug(service, model))) for _ in range(2)
    ]
    for thread in hanging:
        thread.start()
    loads: list[dict[str, Any]] = []
    with httpx.Client(base_url=service.url, timeout=30) as http:
        deadline = time.monotonic() + 30
        while not any(load["model_calls"]["in_flight"] >= 2 for load in loads):
            assert time.monotonic() < deadline, loads[-1:]
            loads.append(http.get("/health").json())
            time.sleep(0.02)
        # While both wait on the model, the one sandbox run is free for anyone.
        assert loads[-1]["runs"]["active"] == 0
        traced = http.post("/trace", json={"code": PROGRAM, "test": TEST})
        assert traced.status_code == 200 and traced.json()["status"] == "failed"
        assert http.get("/health").json()["status"] == "ok"
    for thread in hanging:
        thread.join(60)
    assert [reply.status_code for reply in outcomes] == [200, 200]
    for reply in outcomes:
        assert reply.json()["status"] == "error"
        assert "ReadTimeout" in reply.json()["message"]
