"""Jobs: many debug requests run in the background, followed by polling or by events, cancelled,
deleted, and finished exactly once across restarts, crashes and workers sharing one
database."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

import ldb
from api.store import Job, Store
from testbed import server
from tests.helpers import databases, sse
from tests.helpers.paths import EXAMPLES

PROGRAM = (EXAMPLES / "moving_average.py").read_text()
TEST = (EXAMPLES / "moving_average_test.py").read_text()
REQUEST = {"code": PROGRAM, "test": TEST, "model": "offline"}
"""Fixed by the offline engine in one round, a few tenths of a second."""
MOST = 40

Status = dict[str, Any]


ONE_AT_A_TIME = {"LDB_JOB_PARALLEL": "1"}
"""A job's requests in order, one after the other: what these tests follow request by request
(requests side by side are tests/service/test_model_load.py's)."""


@pytest.fixture(scope="module")
def service() -> Iterator[server.Service]:
    with server.running({"LDB_MAX_JOB_REQUESTS": str(MOST), **ONE_AT_A_TIME}) as running:
        yield running


def submit(client: httpx.Client, requests: list[dict[str, Any]]) -> str:
    reply = client.post("/jobs", json={"requests": requests})
    assert reply.status_code == 202, reply.text
    job_id: str = reply.json()["id"]
    return job_id


def ended(status: Status) -> bool:
    return status["state"] in ("done", "cancelled")


def wait(
    client: httpx.Client, job_id: str, until: Callable[[Status], bool] = ended, timeout: float = 60
) -> Status:
    deadline = time.monotonic() + timeout
    while True:
        status: Status = client.get(f"/jobs/{job_id}").json()
        if until(status):
            return status
        assert time.monotonic() < deadline, status
        time.sleep(0.05)


def stored_job(database: str, job_id: str) -> Job:
    """The job as the database holds it while no service runs."""
    store = Store(database)
    try:
        job = store.job(job_id)
    finally:
        store.close()
    assert job is not None
    return job


def assert_finished_once(client: httpx.Client, job_id: str, total: int) -> list[sse.Event]:
    """Every request recorded once, and the job's events end in a single `done`."""
    status = client.get(f"/jobs/{job_id}").json()
    assert status["state"] == "done"
    assert [item["index"] for item in status["items"]] == list(range(total))
    assert {item["status"] for item in status["items"]} == {"fixed"}
    events = sse.read(client, "GET", f"/jobs/{job_id}/events")
    assert events[-1].event == "done"
    assert [each.event for each in events].count("done") == 1
    assert [int(each.id or 0) for each in events] == list(range(1, len(events) + 1))
    # The stream stops at `done`; anything written after it shows on reconnecting.
    assert sse.read(client, "GET", f"/jobs/{job_id}/events", last_event_id=len(events)) == []
    return events


def item_events(events: list[sse.Event]) -> Counter[int]:
    return Counter(each.data["index"] for each in events if each.event == "item")


@pytest.fixture(scope="module")
def three(service: server.Service) -> dict[str, Any]:
    """The answer to submitting three requests as a job."""
    reply = httpx.post(f"{service.url}/jobs", json={"requests": [REQUEST] * 3})
    assert reply.status_code == 202, reply.text
    body: dict[str, Any] = reply.json()
    return body


def test_a_job_is_accepted_at_once_as_queued(three: dict[str, Any]) -> None:
    assert three == {"id": three["id"], "state": "queued", "total": 3}


def test_a_job_runs_each_request_and_stores_its_result(
    client: httpx.Client, three: dict[str, Any]
) -> None:
    status = wait(client, three["id"])
    assert status["state"] == "done"
    assert (status["total"], status["done"]) == (3, 3)
    assert status["finished"] >= status["created"]
    assert [item["index"] for item in status["items"]] == [0, 1, 2]
    for item in status["items"]:
        assert (item["status"], item["message"]) == ("fixed", None)
        stored = client.get(f"/results/{item['result_id']}")
        assert stored.status_code == 200, stored.text
        assert stored.json()["kind"] == "debug"
        result = ldb.DebugResult.model_validate(stored.json()["result"])
        assert result.status == "fixed"
        assert ldb.trace(result.program, TEST).status == "passed"
    assert len({item["result_id"] for item in status["items"]}) == 3


def test_the_job_list_holds_the_job(client: httpx.Client, three: dict[str, Any]) -> None:
    wait(client, three["id"])
    listed = {job["id"]: job for job in client.get("/jobs").json()}
    assert listed[three["id"]]["state"] == "done"
    assert listed[three["id"]]["done"] == 3


ROUND = ["tests", "trace", "verdicts", "repair", "iteration", "tests", "item"]
"""A request's events: its failing round, the round that passes, and its outcome."""


def test_job_events_tell_each_stage_of_each_request_in_order(
    client: httpx.Client, three: dict[str, Any]
) -> None:
    status = wait(client, three["id"])
    events = sse.read(client, "GET", f"/jobs/{three['id']}/events")
    assert [each.event for each in events] == ["started", *ROUND * 3, "done"]
    assert [each.id for each in events] == [str(n) for n in range(1, len(events) + 1)]
    assert events[0].data == {"done": 0, "total": 3}
    assert events[-1].data == {"total": 3}
    requests = events[1:-1]
    assert [each.data["index"] for each in requests] == [i for i in range(3) for _ in ROUND]
    outcomes = [each.data for each in requests if each.event == "item"]
    assert outcomes == [
        {"index": item["index"], "status": "fixed", "result_id": item["result_id"]}
        for item in status["items"]
    ]


def test_reconnecting_with_last_event_id_sends_only_later_events(
    client: httpx.Client, three: dict[str, Any]
) -> None:
    wait(client, three["id"])
    url = f"/jobs/{three['id']}/events"
    events = sse.read(client, "GET", url)
    for seen in (1, 9, len(events) - 1, len(events)):
        assert sse.read(client, "GET", url, last_event_id=seen) == events[seen:]


def test_a_request_that_fails_is_an_error_item_and_the_others_run(client: httpx.Client) -> None:
    unparsable = {**REQUEST, "test": "assert moving_average([1], 1 == [1.0]\n"}
    status = wait(client, submit(client, [REQUEST, unparsable, REQUEST]))
    assert status["state"] == "done"
    assert [item["status"] for item in status["items"]] == ["fixed", "error", "fixed"]
    error = status["items"][1]
    assert error["result_id"] is None
    assert error["message"].startswith("the test does not parse")
    events = sse.read(client, "GET", f"/jobs/{status['id']}/events")
    assert [each.data for each in events if each.event == "item"][1] == {
        "index": 1,
        "status": "error",
    }


def test_a_job_of_no_requests_is_invalid(client: httpx.Client) -> None:
    reply = client.post("/jobs", json={"requests": []})
    assert reply.status_code == 422
    assert reply.json()["error"]["type"] == "invalid_request"


def test_a_job_over_the_limit_is_too_large_and_not_queued(client: httpx.Client) -> None:
    before = len(client.get("/jobs").json())
    reply = client.post("/jobs", json={"requests": [REQUEST] * (MOST + 1)})
    assert reply.status_code == 413
    assert reply.json()["error"]["type"] == "too_large"
    assert str(MOST) in reply.json()["error"]["message"]
    assert len(client.get("/jobs").json()) == before


def test_an_unknown_job_is_not_found(client: httpx.Client) -> None:
    for method, path in [
        ("GET", "/jobs/nosuchjob"),
        ("POST", "/jobs/nosuchjob/cancel"),
        ("DELETE", "/jobs/nosuchjob"),
        ("GET", "/jobs/nosuchjob/events"),
    ]:
        reply = client.request(method, path)
        assert reply.status_code == 404, (method, path, reply.text)
        assert reply.json()["error"]["type"] == "not_found"


def test_cancelling_stops_a_running_job_and_drops_a_queued_one(client: httpx.Client) -> None:
    running = submit(client, [REQUEST] * 30)
    queued = submit(client, [REQUEST] * 3)
    wait(client, running, until=lambda status: status["done"] >= 1)
    assert client.get(f"/jobs/{queued}").json()["state"] == "queued"

    dropped = client.post(f"/jobs/{queued}/cancel")
    assert dropped.status_code == 200
    assert (dropped.json()["state"], dropped.json()["done"]) == ("cancelled", 0)
    reply = client.post(f"/jobs/{running}/cancel")
    assert reply.status_code == 200
    cancelled = reply.json()
    assert cancelled["state"] == "cancelled"
    assert cancelled["finished"] is not None
    done = cancelled["done"]
    assert 1 <= done < 30

    # One worker: a job submitted now runs only once it has let go of the cancelled one.
    wait(client, submit(client, [REQUEST]))
    after = client.get(f"/jobs/{running}").json()
    assert after["state"] == "cancelled"
    assert after["done"] in (done, done + 1), "only the request running when cancelled may end"
    assert [item["index"] for item in after["items"]] == list(range(after["done"]))
    assert client.get(f"/jobs/{queued}").json()["items"] == []

    events = sse.read(client, "GET", f"/jobs/{running}/events")
    assert events[-1].event == "cancelled"
    # The event counts the items seen just before the cancel, the reply those just after.
    assert done - 1 <= events[-1].data["done"] <= done
    assert [each.event for each in events].count("cancelled") == 1
    later = sse.read(client, "GET", f"/jobs/{running}/events", last_event_id=len(events))
    assert not {"cancelled", "done", "started"} & {each.event for each in later}

    again = client.post(f"/jobs/{running}/cancel")
    assert again.status_code == 200
    assert again.json() == after
    assert sse.read(client, "GET", f"/jobs/{running}/events", last_event_id=len(events)) == later


def test_deleting_a_running_job_cancels_and_removes_it_and_keeps_its_results(
    client: httpx.Client,
) -> None:
    running = submit(client, [REQUEST] * 30)
    status = wait(client, running, until=lambda status: status["done"] >= 1)
    kept = status["items"][0]["result_id"]

    reply = client.delete(f"/jobs/{running}")
    assert (reply.status_code, reply.content) == (204, b"")
    for method, path in [
        ("GET", f"/jobs/{running}"),
        ("GET", f"/jobs/{running}/events"),
        ("POST", f"/jobs/{running}/cancel"),
        ("DELETE", f"/jobs/{running}"),
    ]:
        gone = client.request(method, path)
        assert gone.status_code == 404, (method, path, gone.text)
        assert gone.json()["error"]["type"] == "not_found"
    assert running not in {job["id"] for job in client.get("/jobs").json()}
    # What it stored is a result: it stays, at its own address.
    assert client.get(f"/results/{kept}").status_code == 200

    # One worker: a job submitted now runs only once it has let go of the deleted one, which
    # writes nothing more of it.
    wait(client, submit(client, [REQUEST]))
    assert client.get(f"/jobs/{running}").status_code == 404


def test_deleting_an_ended_job_removes_it(client: httpx.Client) -> None:
    ended_job = submit(client, [REQUEST])
    wait(client, ended_job)
    assert client.delete(f"/jobs/{ended_job}").status_code == 204
    assert client.get(f"/jobs/{ended_job}").status_code == 404


def finish_on_a_second_service(env: dict[str, str], job_id: str, before: Job) -> list[sse.Event]:
    """Another service on the database finishes the job of 20 requests once, keeping each
    result recorded `before`, and starts again from where the first stopped; the job's
    events."""
    with server.running(env) as second, httpx.Client(base_url=second.url, timeout=60) as client:
        after = wait(client, job_id)
        events = assert_finished_once(client, job_id, 20)
    for item in before.items:
        assert after["items"][item.position]["result_id"] == item.result_id
    started = [each.data for each in events if each.event == "started"]
    assert started == [{"done": 0, "total": 20}, {"done": len(before.items), "total": 20}]
    return events


def test_a_job_survives_a_graceful_restart(database: str) -> None:
    env = {"LDB_DATABASE": database, **ONE_AT_A_TIME}
    first = server.start(env)
    try:
        with httpx.Client(base_url=first.url, timeout=60) as client:
            job_id = submit(client, [REQUEST] * 20)
            wait(client, job_id, until=lambda status: status["done"] >= 1)
    finally:
        _, err = server.stop(first)
    assert "Application shutdown complete" in err

    before = stored_job(database, job_id)
    assert before.state == "queued", "a worker that stops hands its job back"
    assert 1 <= len(before.items) < 20

    events = finish_on_a_second_service(env, job_id, before)
    assert item_events(events) == Counter(range(20))


def test_a_job_survives_a_crash_once_its_lease_runs_out(database: str) -> None:
    env = {"LDB_DATABASE": database, "LDB_LEASE_S": "2", **ONE_AT_A_TIME}
    first = server.start(env)
    try:
        with httpx.Client(base_url=first.url, timeout=60) as client:
            job_id = submit(client, [REQUEST] * 20)
            wait(client, job_id, until=lambda status: status["done"] >= 1)
        first.process.kill()
    finally:
        server.stop(first)

    before = stored_job(database, job_id)
    assert before.state == "running", "a killed worker keeps its lease until it runs out"
    assert 1 <= len(before.items) < 20

    events = finish_on_a_second_service(env, job_id, before)
    # A request's outcome and its `item` event are written together: a kill loses both or
    # neither.
    assert item_events(events) == Counter(range(20))


def owner_pids(database: str) -> dict[str, int]:
    """Each job's last worker, by process id (owners are `host-pid-nonce`)."""
    rows = databases.rows(database, "SELECT id, owner FROM jobs")
    return {job_id: int(owner.rsplit("-", 2)[1]) for job_id, owner in rows}


def test_two_services_on_one_database_share_the_jobs_and_run_each_once(database: str) -> None:
    env = {"LDB_DATABASE": database}
    with (
        server.running(env) as one,
        server.running(env) as two,
        httpx.Client(base_url=one.url, timeout=60) as first,
        httpx.Client(base_url=two.url, timeout=60) as second,
    ):
        jobs = [submit(first, [REQUEST] * 2) for _ in range(6)]
        for job_id in jobs:
            wait(second, job_id)
            events = assert_finished_once(second, job_id, 2)
            assert [each.event for each in events].count("started") == 1
            assert item_events(events) == Counter(range(2))
        pids = owner_pids(database)
    assert set(pids) == set(jobs)
    assert set(pids.values()) == {one.process.pid, two.process.pid}
