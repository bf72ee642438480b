"""A repair that passes the given test but fails an example of the task is `plausible`, with its
doubts, wherever the service shows a result: `/debug`, its stream, a job, the stored result,
its view and the OpenAPI document."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from api.schemas import DebugResponse
from testbed import server
from testbed.chat_server import ChatServer
from tests.helpers import sse
from tests.helpers.plausible import (
    CLAMP,
    CLAMP_FAILED,
    CLAMP_TEST,
    OVERFITTED,
    RIGHT,
    overfitting_model,
)


@pytest.fixture(scope="module")
def model() -> Iterator[ChatServer]:
    with ChatServer(overfitting_model) as chat:
        yield chat


@pytest.fixture(scope="module")
def service(model: ChatServer) -> Iterator[server.Service]:
    with server.running({"LDB_ALLOWED_BASE_URLS": model.url}) as running:
        yield running


@pytest.fixture
def request_body(model: ChatServer) -> dict[str, Any]:
    return {"code": CLAMP, "test": CLAMP_TEST, "model": "loopback", "base_url": model.url}


def assert_plausible(result: dict[str, Any]) -> None:
    assert (result["status"], result["program"]) == ("plausible", OVERFITTED), result
    [doubt] = result["doubts"]
    assert doubt.startswith("fails 2 of ") and CLAMP_FAILED in doubt
    assert result["message"].endswith("a check doubts it: look before trusting it")


def test_debug_answers_plausible_with_its_doubts_and_stores_it(
    client: httpx.Client, request_body: dict[str, Any]
) -> None:
    reply = client.post("/debug", json=request_body)
    assert reply.status_code == 200, reply.text
    answered = reply.json()
    assert_plausible(answered)
    DebugResponse.model_validate(answered)
    stored = client.get(f"/results/{answered['id']}")
    assert stored.status_code == 200, stored.text
    assert stored.json()["kind"] == "debug"
    assert stored.json()["result"] == {k: v for k, v in answered.items() if k != "id"}
    view = client.get(f"/results/{answered['id']}/view")
    assert view.status_code == 200, view.text
    summary = view.json()["summary"]
    assert (summary["status"], summary["doubts"]) == ("plausible", answered["doubts"])
    assert summary["message"] == answered["message"]
    assert view.json()["views"][-1]["title"] == "Final (plausible)"


def test_the_stream_ends_plausible(client: httpx.Client, request_body: dict[str, Any]) -> None:
    events = sse.read(client, "POST", "/debug/stream", json=request_body)
    assert [each.event for each in events][-2:] == ["tests", "done"]
    assert events[-2].data["status"] == "passed"  # the tests pass; the examples do not
    done = events[-1].data
    assert_plausible(done)
    assert client.get(f"/results/{done['id']}").json()["result"]["status"] == "plausible"


def test_a_jobs_item_is_plausible_not_fixed(
    client: httpx.Client, request_body: dict[str, Any]
) -> None:
    right = {**request_body, "code": RIGHT}
    submitted = client.post("/jobs", json={"requests": [request_body, right]})
    assert submitted.status_code == 202, submitted.text
    job_id = submitted.json()["id"]
    deadline = time.monotonic() + 60
    while (status := client.get(f"/jobs/{job_id}").json())["state"] != "done":
        assert time.monotonic() < deadline, status
        time.sleep(0.05)
    plausible, other = status["items"]
    assert plausible["status"] == "plausible"
    assert plausible["message"].endswith("look before trusting it")
    assert_plausible(client.get(f"/results/{plausible['result_id']}").json()["result"])
    # A program whose tests pass as given is not debugged, whatever the model would answer.
    assert (other["status"], other["message"]) == ("passed", None)
    events = sse.read(client, "GET", f"/jobs/{job_id}/events")
    items = {each.data["index"]: each.data["status"] for each in events if each.event == "item"}
    assert items == {0: "plausible", 1: "passed"}


def test_openapi_lists_plausible_and_doubts(client: httpx.Client) -> None:
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    for name in ("DebugResponse", "ProjectDebugResponse", "DebugResult", "ProjectDebugResult"):
        properties = schemas[name]["properties"]
        assert "plausible" in properties["status"]["enum"], name
        assert properties["doubts"]["type"] == "array", name
    assert "plausible" in schemas["JobItem"]["properties"]["status"]["enum"]
