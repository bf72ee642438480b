"""The store on both backends, SQLite and PostgreSQL: results kept, jobs claimed under leases
and each by one worker, outcomes recorded once, events numbered without gaps however many
write them, old records purged; and on PostgreSQL, a server that goes away and comes back."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import psycopg
import pytest

from api.errors import StoreUnavailable
from api.store import Outcome, Store, sql
from api.store.postgres import redacted
from tests.helpers import databases

LEASE_S = 60.0
FIXED = Outcome("fixed", None, ("debug", '{"status": "fixed"}', {"code": "x = 1"}))


@pytest.fixture
def store(database: str) -> Iterator[Store]:
    opened = Store(database)
    yield opened
    opened.close()


def claimed(store: Store, owner: str = "worker") -> str:
    """A new job of two requests, claimed by `owner`."""
    job_id = store.submit([{"code": "a"}, {"code": "b"}])
    job = store.claim(owner, LEASE_S)
    assert job is not None
    assert job.id == job_id
    return job_id


def test_a_result_is_kept_with_what_was_asked(store: Store) -> None:
    result_id = store.put_result("trace", '{"status": "passed"}', {"code": "x = 1"})
    stored = store.result(result_id)
    assert stored is not None
    assert (stored.id, stored.kind, stored.body) == (result_id, "trace", '{"status": "passed"}')
    assert stored.request == {"code": "x = 1"}
    assert abs(stored.created - time.time()) < 60
    bare = store.result(store.put_result("debug", "{}"))
    assert bare is not None
    assert bare.request is None


def test_what_is_not_there_is_none(store: Store) -> None:
    assert store.result("nosuchresult") is None
    assert store.job("nosuchjob") is None
    assert store.events("nosuchjob") == []
    assert store.add_event("nosuchjob", "started", {}) == 0
    assert store.claim("worker", LEASE_S) is None


def test_a_submitted_job_waits_in_the_queue_with_its_requests(store: Store) -> None:
    first = store.submit([{"code": "a"}])
    second = store.submit([{"code": "b"}, {"code": "c"}])
    job = store.job(second)
    assert job is not None
    assert (job.state, job.total, job.items, job.finished) == ("queued", 2, [], None)
    assert job.requests == [{"code": "b"}, {"code": "c"}]
    assert [each.id for each in store.jobs()] == [second, first]
    assert [each.id for each in store.jobs(limit=1)] == [second]
    assert store.counts() == {"queued": 2}


def test_the_oldest_waiting_job_is_claimed_and_each_once(store: Store) -> None:
    first = store.submit([{"code": "a"}])
    second = store.submit([{"code": "b"}])
    taken = [store.claim("one", LEASE_S), store.claim("two", LEASE_S)]
    assert [job.id if job else None for job in taken] == [first, second]
    assert {job.state for job in taken if job} == {"running"}
    assert store.claim("three", LEASE_S) is None
    assert store.counts() == {"running": 2}


def test_a_lease_that_ran_out_lets_another_worker_take_the_job(store: Store) -> None:
    job_id = store.submit([{"code": "a"}])
    assert store.claim("dead", -1.0) is not None  # a lease that has already run out
    again = store.claim("alive", LEASE_S)
    assert again is not None
    assert again.id == job_id
    assert not store.renew(job_id, "dead", LEASE_S)
    assert store.renew(job_id, "alive", LEASE_S)
    assert store.claim("third", LEASE_S) is None


def test_a_released_job_is_claimed_again_at_once(store: Store) -> None:
    job_id = claimed(store, "stopping")
    store.release(job_id, "someone else")
    assert store.claim("next", LEASE_S) is None
    store.release(job_id, "stopping")
    job = store.job(job_id)
    assert job is not None
    assert job.state == "queued"
    again = store.claim("next", LEASE_S)
    assert again is not None
    assert again.id == job_id


def test_an_outcome_is_recorded_once_with_its_result_and_item_event(store: Store) -> None:
    job_id = claimed(store)
    assert store.record_outcome(job_id, "worker", 1, FIXED)
    assert not store.record_outcome(job_id, "worker", 1, FIXED), "recorded already"
    assert store.record_outcome(job_id, "worker", 0, Outcome("error", "does not parse"))
    job = store.job(job_id)
    assert job is not None
    error, fixed = job.items
    assert (error.position, error.status, error.result_id) == (0, "error", None)
    assert error.message == "does not parse"
    assert (fixed.position, fixed.status, fixed.message) == (1, "fixed", None)
    assert fixed.result_id is not None
    result = store.result(fixed.result_id)
    assert result is not None
    assert (result.kind, result.body, result.request) == FIXED.result
    assert [(each.seq, each.event, each.data) for each in store.events(job_id)] == [
        (1, "item", {"index": 1, "status": "fixed", "result_id": fixed.result_id}),
        (2, "item", {"index": 0, "status": "error"}),
    ]


def test_an_outcome_is_refused_once_the_job_is_not_the_workers(store: Store) -> None:
    job_id = claimed(store)
    assert not store.record_outcome(job_id, "another", 0, FIXED)
    assert store.cancel(job_id, {"done": 0})
    assert not store.record_outcome(job_id, "worker", 0, FIXED)
    assert not store.record_outcome("nosuchjob", "worker", 0, FIXED)
    job = store.job(job_id)
    assert job is not None
    assert job.items == []
    assert [each.event for each in store.events(job_id)] == ["cancelled"]


def test_record_item_sets_an_items_outcome(store: Store) -> None:
    job_id = claimed(store)
    store.record_item(job_id, 0, "error", None, "first")
    store.record_item(job_id, 0, "fixed", "someresult", None)
    job = store.job(job_id)
    assert job is not None
    assert [(each.status, each.result_id, each.message) for each in job.items] == [
        ("fixed", "someresult", None)
    ]


def test_a_job_ends_once_done_or_cancelled_with_its_event(store: Store) -> None:
    done = claimed(store)
    assert store.add_event(done, "started", {"done": 0, "total": 2}) == 1
    assert not store.finish(done, "another", {"total": 2})
    assert store.finish(done, "worker", {"total": 2})
    assert not store.finish(done, "worker", {"total": 2})
    assert not store.cancel(done, {"done": 2})
    queued = store.submit([{"code": "c"}])
    assert store.cancel(queued, {"done": 0})
    assert not store.cancel("nosuchjob", {"done": 0})
    assert [(each.seq, each.event) for each in store.events(done)] == [(1, "started"), (2, "done")]
    assert [each.data for each in store.events(done, after=1)] == [{"total": 2}]
    ended = [store.job(done), store.job(queued)]
    assert [(job.state, job.finished is not None) for job in ended if job] == [
        ("done", True),
        ("cancelled", True),
    ]
    assert not store.renew(done, "worker", LEASE_S)


def test_purge_drops_ended_jobs_and_results_older_than_asked(store: Store) -> None:
    ended = claimed(store)
    store.record_outcome(ended, "worker", 0, FIXED)
    store.finish(ended, "worker", {"total": 2})
    running = claimed(store)
    store.put_result("trace", "{}")
    assert store.purge(3600) == 0
    # Older than a minute from now: everything ended, every result.
    assert store.purge(-60) == 1 + 2
    assert store.job(ended) is None
    assert store.events(ended) == []
    assert store.job(running) is not None
    assert store.counts() == {"running": 1}


def test_workers_of_several_replicas_claim_each_job_once(database: str) -> None:
    replicas = [Store(database), Store(database)]
    try:
        jobs = {replicas[0].submit([{"code": str(n)}]) for n in range(30)}

        def drain(worker: int) -> list[str]:
            store = replicas[worker % 2]
            taken = []
            while (job := store.claim(f"worker-{worker}", LEASE_S)) is not None:
                taken.append(job.id)
            return taken

        with ThreadPoolExecutor(8) as pool:
            taken = [job for each in pool.map(drain, range(8)) for job in each]
    finally:
        for store in replicas:
            store.close()
    assert sorted(taken) == sorted(jobs)


def test_events_are_numbered_in_order_without_gaps_however_many_write(database: str) -> None:
    replicas = [Store(database), Store(database)]
    try:
        job_id = claimed(replicas[0])
        start = threading.Barrier(8)

        def write(writer: int) -> list[int]:
            store = replicas[writer % 2]
            start.wait()
            return [store.add_event(job_id, "trace", {"writer": writer}) for _ in range(20)]

        with ThreadPoolExecutor(8) as pool:
            numbers = list(pool.map(write, range(8)))
        events = replicas[1].events(job_id)
    finally:
        for store in replicas:
            store.close()
    assert [each.seq for each in events] == list(range(1, 161))
    assert sorted(seq for each in numbers for seq in each) == list(range(1, 161))
    assert all(each == sorted(each) for each in numbers)
    assert Counter(each.data["writer"] for each in events) == dict.fromkeys(range(8), 20)


def test_replicas_starting_together_make_the_tables_once(database: str) -> None:
    start = threading.Barrier(6)

    def open_one(_: int) -> Store:
        start.wait()
        return Store(database)

    with ThreadPoolExecutor(6) as pool:
        opened = list(pool.map(open_one, range(6)))
    job_id = opened[0].submit([{"code": "a"}])
    assert all(store.job(job_id) is not None for store in opened)
    for store in opened:
        store.close()


def test_one_replica_purges_at_a_time(postgres: databases.Postgres) -> None:
    url = postgres.database()
    store = Store(url)
    try:
        store.put_result("trace", "{}")
        with psycopg.connect(url) as other:
            # Another replica's purge, holding the lock until its transaction ends.
            taken = other.execute(sql.PURGE_LOCK.postgres).fetchone()
            assert taken == (True,)
            assert store.purge(-60) == 0
        assert store.purge(-60) == 1
    finally:
        store.close()


def test_a_server_that_goes_away_is_unavailable_until_it_returns() -> None:
    with databases.postgres() as server:
        store = Store(server.database())
        try:
            job_id = store.submit([{"code": "a"}])
            store.counts()  # a connection left idle in the pool
            server.stop()
            for call in (
                store.counts,
                lambda: store.job(job_id),
                lambda: store.put_result("t", "{}"),
            ):
                began = time.monotonic()
                with pytest.raises(StoreUnavailable) as refused:
                    call()
                assert time.monotonic() - began < 5
            assert refused.value.headers == {"Retry-After": "5"}
            server.start()
            # The idle connection died with the server: it is dropped, not failed on.
            assert store.counts() == {"queued": 1}
            assert store.job(job_id) is not None
        finally:
            store.close()


def test_a_server_not_there_is_unavailable_from_the_start() -> None:
    began = time.monotonic()
    with pytest.raises(StoreUnavailable):
        Store(f"postgresql://ldb@127.0.0.1:{databases.free_port()}/ldb")
    assert time.monotonic() - began < 5


def test_the_url_is_told_without_its_password() -> None:
    assert redacted("postgresql://ldb:s3cret@db:5432/ldb") == "postgresql://ldb:***@db:5432/ldb"
    assert (
        redacted("postgresql://db/ldb?sslmode=require&password=s3cret")
        == "postgresql://db/ldb?sslmode=require&password=***"
    )
    assert redacted("postgresql://ldb@db/ldb") == "postgresql://ldb@db/ldb"
