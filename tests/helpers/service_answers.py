"""What the service's answers must look like: the one error body, and a service still well."""

from __future__ import annotations

import re
from typing import Any

import httpx

from tests.helpers.paths import EXAMPLES

MOVING_AVERAGE = (EXAMPLES / "moving_average.py").read_text()
MOVING_AVERAGE_TEST = (EXAMPLES / "moving_average_test.py").read_text()

PASSING = {"code": "def f():\n    return 1\n", "test": "assert f() == 1"}

# What the middleware gives a request whose own X-Request-ID it does not take.
GIVEN_ID = re.compile(r"[0-9a-f]{32}")


def error(reply: httpx.Response, status: int, kind: str) -> str:
    """Checks `reply` is the error `kind` with `status` in the one body shape, carrying the
    request's id and no traceback; its message."""
    assert reply.status_code == status, reply.text
    assert reply.headers["content-type"] == "application/json", reply.text
    body: Any = reply.json()
    assert set(body) == {"error"}, body
    assert set(body["error"]) == {"type", "message", "request_id"}, body
    assert all(isinstance(value, str) and value for value in body["error"].values()), body
    assert body["error"]["request_id"] == reply.headers["x-request-id"]
    assert "Traceback" not in reply.text
    assert 'File "' not in reply.text
    assert body["error"]["type"] == kind, body
    message: str = body["error"]["message"]
    return message


def assert_well(client: httpx.Client) -> None:
    """The service answers /health with nothing running or waiting, and runs a program."""
    health = client.get("/health")
    assert health.status_code == 200, health.text
    queue = health.json()["queue"]
    assert (queue["active"], queue["waiting"]) == (0, 0), queue
    traced = client.post("/trace", json=PASSING)
    assert traced.status_code == 200, traced.text
    assert traced.json()["status"] == "passed", traced.json()
