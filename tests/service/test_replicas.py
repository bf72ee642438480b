"""Several replicas on one PostgreSQL database: one killed mid-job, the other finishes every
request of it and runs none twice; the database gone for seconds mid-job, requests answer 503
meanwhile and the job ends after with nothing lost or doubled."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from api.store import Store
from testbed import server
from tests.helpers import databases, sse
from tests.helpers.paths import EXAMPLES

REQUEST = {
    "code": (EXAMPLES / "moving_average.py").read_text(),
    "test": (EXAMPLES / "moving_average_test.py").read_text(),
    "model": "offline",
}
"""Fixed by the offline engine in one round, a few tenths of a second."""
TOTAL = 20

Status = dict[str, Any]


def wait(client: httpx.Client, job_id: str, done: int = TOTAL, timeout: float = 60) -> Status:
    """The job once `done` of its requests are (and, for all of them, once it ended)."""
    deadline = time.monotonic() + timeout
    while True:
        reply = client.get(f"/jobs/{job_id}")
        if reply.status_code == 200:
            status: Status = reply.json()
            if status["done"] >= done and (done < TOTAL or status["state"] == "done"):
                return status
        assert time.monotonic() < deadline, reply.text
        time.sleep(0.05)


def assert_each_request_recorded_once(client: httpx.Client, database: str, job_id: str) -> None:
    """Every request fixed, its outcome and `item` event written once, its result stored once,
    and the job's events numbered without a gap, ending in one `done`."""
    status = client.get(f"/jobs/{job_id}").json()
    assert status["state"] == "done"
    assert [(item["index"], item["status"]) for item in status["items"]] == [
        (index, "fixed") for index in range(TOTAL)
    ]
    events = sse.read(client, "GET", f"/jobs/{job_id}/events")
    assert [int(each.id or 0) for each in events] == list(range(1, len(events) + 1))
    assert [each.event for each in events].count("done") == 1
    assert events[-1].event == "done"
    items = [each.data for each in events if each.event == "item"]
    assert Counter(each["index"] for each in items) == Counter(range(TOTAL))
    recorded = {item["index"]: item["result_id"] for item in status["items"]}
    assert {each["index"]: each["result_id"] for each in items} == recorded
    assert databases.rows(database, "SELECT COUNT(*) FROM results") == [(TOTAL,)]


def owner_pid(database: str, job_id: str) -> int:
    """The process of the replica running the job (owners are `host-pid-nonce`)."""
    [(owner,)] = databases.rows(database, f"SELECT owner FROM jobs WHERE id = '{job_id}'")
    return int(owner.rsplit("-", 2)[1])


@pytest.fixture
def replicas(postgres: databases.Postgres) -> Iterator[tuple[str, list[server.Service]]]:
    """Two replicas on a new database, running two requests of a job at once, with a lease
    that runs out 2 s after its worker last reported."""
    database = postgres.database()
    env = {"LDB_DATABASE": database, "LDB_LEASE_S": "2", "LDB_JOB_PARALLEL": "2"}
    started = [server.start(env), server.start(env)]
    try:
        for each in started:
            assert each.process.poll() is None, server.stop(each)[1]
        yield database, started
    finally:
        for each in started:
            server.stop(each)


def test_a_replica_killed_mid_job_leaves_it_to_the_other(
    replicas: tuple[str, list[server.Service]],
) -> None:
    database, services = replicas
    with httpx.Client(base_url=services[0].url, timeout=60) as first:
        job_id = first.post("/jobs", json={"requests": [REQUEST] * TOTAL}).json()["id"]
        wait(first, job_id, done=3)
    running = owner_pid(database, job_id)
    killed = next(each for each in services if each.process.pid == running)
    survivor = next(each for each in services if each is not killed)
    killed.process.kill()
    killed.process.wait()

    store = Store(database)
    try:
        before = store.job(job_id)
    finally:
        store.close()
    assert before is not None
    assert before.state == "running"
    assert 3 <= len(before.items) < TOTAL

    with httpx.Client(base_url=survivor.url, timeout=60) as client:
        wait(client, job_id)
        assert_each_request_recorded_once(client, database, job_id)
        after = client.get(f"/jobs/{job_id}").json()["items"]
        events = sse.read(client, "GET", f"/jobs/{job_id}/events")
    assert owner_pid(database, job_id) == survivor.process.pid
    for item in before.items:
        assert after[item.position]["result_id"] == item.result_id, "run once, kept"
    started = [each.data for each in events if each.event == "started"]
    assert started == [{"done": 0, "total": TOTAL}, {"done": len(before.items), "total": TOTAL}]


def test_a_database_gone_for_seconds_is_503_meanwhile_and_the_job_ends_after() -> None:
    with databases.postgres() as postgres:
        database = postgres.database()
        env = {"LDB_DATABASE": database, "LDB_JOB_PARALLEL": "2"}
        with (
            server.running(env) as service,
            httpx.Client(base_url=service.url, timeout=60) as client,
        ):
            job_id = client.post("/jobs", json={"requests": [REQUEST] * TOTAL}).json()["id"]
            wait(client, job_id, done=3)
            postgres.stop()
            try:
                refused = [client.get(f"/jobs/{job_id}"), client.post("/jobs", json={})]
                refused.append(client.post("/jobs", json={"requests": [REQUEST]}))
                health = client.get("/health")
                time.sleep(2)
            finally:
                postgres.start()
            for reply in [refused[0], refused[2]]:
                assert reply.status_code == 503, reply.text
                assert reply.headers["Retry-After"] == "5"
                assert reply.json()["error"]["type"] == "store_unavailable"
            assert refused[1].status_code == 422, "what could never pass is refused as ever"
            assert health.status_code == 200
            assert health.json()["database"] == "down"

            wait(client, job_id)
            assert client.get("/health").json()["database"] == "up"
            assert_each_request_recorded_once(client, database, job_id)
            jobs = client.get("/jobs").json()
            assert [job["id"] for job in jobs] == [job_id], "the refused job was not queued"
            events = sse.read(client, "GET", f"/jobs/{job_id}/events")
        assert [each.event for each in events].count("started") >= 2, "resumed"
