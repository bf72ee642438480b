"""Stored results and jobs, what a restart must not lose: in one SQLite file shared by one
machine's worker processes, or in a PostgreSQL database shared by several machines' replicas."""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from api.store import sql
from api.store.connections import Session, open_database

JobState = Literal["queued", "running", "done", "cancelled"]


@dataclass(frozen=True)
class StoredResult:
    id: str
    kind: str
    created: float
    body: str
    """The result's JSON, as it was sent."""
    request: dict[str, Any] | None = None
    """What was asked for (program, test, ...), for the viewer to trace it again."""


@dataclass(frozen=True)
class JobItem:
    position: int
    status: str
    result_id: str | None
    message: str | None


@dataclass(frozen=True)
class Job:
    id: str
    created: float
    state: JobState
    requests: list[dict[str, Any]]
    items: list[JobItem]
    finished: float | None

    @property
    def total(self) -> int:
        return len(self.requests)


@dataclass(frozen=True)
class JobEvent:
    seq: int
    event: str
    data: dict[str, Any]


@dataclass(frozen=True)
class Outcome:
    """How one request of a job ended."""

    status: str
    message: str | None = None
    result: tuple[str, str, dict[str, Any] | None] | None = None
    """The result to keep, when there is one: its kind, its JSON and what was asked."""


class Store:
    """Results and jobs in the database at `database`: a `postgresql://` URL, or else a SQLite
    file's path. Safe to use from many threads, and from many processes (and, on PostgreSQL,
    machines) at once. On PostgreSQL a call made while the server cannot be reached raises
    `api.errors.StoreUnavailable`."""

    def __init__(self, database: str | Path) -> None:
        self._db = open_database(database)
        self.where = self._db.where
        """The database, for logs: a path, or a URL without its password."""

    def close(self) -> None:
        self._db.close()

    def put_result(self, kind: str, body: str, request: dict[str, Any] | None = None) -> str:
        result_id = uuid.uuid4().hex
        with self._db.session() as db:
            _put_result(db, result_id, kind, body, request)
        return result_id

    def result(self, result_id: str) -> StoredResult | None:
        with self._db.session() as db:
            row = db.run(sql.RESULT, result_id).fetchone()
        if row is None:
            return None
        request = json.loads(row[4]) if row[4] else None
        return StoredResult(row[0], row[1], row[2], row[3], request)

    def submit(self, requests: list[dict[str, Any]]) -> str:
        job_id = uuid.uuid4().hex
        with self._db.session() as db:
            db.run(sql.SUBMIT, job_id, time.time(), json.dumps(requests), len(requests))
        return job_id

    def claim(self, owner: str, lease_s: float) -> Job | None:
        """The oldest job waiting, or running under a lease that has run out (its worker
        died), now leased to `owner`; None when there is none."""
        now = time.time()
        with self._db.session(write=True) as db:
            row = db.run(sql.CLAIMABLE, now).fetchone()
            if row is None:
                return None
            db.run(sql.TAKE, owner, now + lease_s, row[0])
        return self.job(row[0])

    def renew(self, job_id: str, owner: str, lease_s: float) -> bool:
        """Extends the lease; False when the job is no longer this owner's to run (it was
        cancelled, or its lease ran out and another worker took it)."""
        with self._db.session() as db:
            changed = db.run(sql.RENEW, time.time() + lease_s, job_id, owner).rowcount
        return changed == 1

    def record_item(
        self, job_id: str, position: int, status: str, result_id: str | None, message: str | None
    ) -> None:
        with self._db.session() as db:
            db.run(sql.PUT_ITEM, job_id, position, status, result_id, message)

    def record_outcome(self, job_id: str, owner: str, position: int, outcome: Outcome) -> bool:
        """Keeps the request's result (when it has one), records it as the job's item and
        says so in an `item` event (`index`, `status` and the `result_id`), all at once;
        unless the job is no longer `owner`'s to run, or the item was recorded already (a
        call repeated after its commit was lost with the database). Whether it was recorded:
        a request's result is written once, and its `item` event with it."""
        result_id = uuid.uuid4().hex
        kept = outcome.result
        with self._db.session(write=True) as db:
            row = db.run(sql.LOCK_JOB, job_id).fetchone()
            if row is None or tuple(row) != (owner, "running"):
                return False
            item = (job_id, position, outcome.status, result_id if kept else None, outcome.message)
            if not db.run(sql.ADD_ITEM, *item).rowcount:
                return False
            data: dict[str, Any] = {"index": position, "status": outcome.status}
            if kept is not None:
                _put_result(db, result_id, *kept)
                data["result_id"] = result_id
            _append_event(db, job_id, "item", data)
        return True

    def add_event(self, job_id: str, event: str, data: dict[str, Any]) -> int:
        """The event's number, one after the job's last; 0, and nothing written, when there
        is no such job (it was deleted)."""
        with self._db.session(write=True) as db:
            if db.run(sql.LOCK_JOB, job_id).fetchone() is None:
                return 0
            return _append_event(db, job_id, event, data)

    def events(self, job_id: str, after: int = 0) -> list[JobEvent]:
        with self._db.session() as db:
            rows = db.run(sql.EVENTS, job_id, after).fetchall()
        return [JobEvent(seq, event, json.loads(data)) for seq, event, data in rows]

    def finish(self, job_id: str, owner: str, data: dict[str, Any]) -> bool:
        """Marks the job done and says so in its events, at once: a reader that sees the
        state also finds the event."""
        with self._db.session(write=True) as db:
            changed = db.run(sql.FINISH, time.time(), job_id, owner).rowcount
            if changed:
                _append_event(db, job_id, "done", data)
        return changed == 1

    def release(self, job_id: str, owner: str) -> None:
        """Hands a running job back to the queue (its worker is stopping): another worker, or
        this one after a restart, takes it up at once."""
        with self._db.session() as db:
            db.run(sql.RELEASE, job_id, owner)

    def cancel(self, job_id: str, data: dict[str, Any]) -> bool:
        """Cancels a job not yet ended, with its `cancelled` event; False when there is no
        such job or it had ended."""
        with self._db.session(write=True) as db:
            changed = db.run(sql.CANCEL, time.time(), job_id).rowcount
            if changed:
                _append_event(db, job_id, "cancelled", data)
        return changed == 1

    def delete_job(self, job_id: str) -> bool:
        """Removes a job with its items and events (the results its requests stored stay);
        False when there is no such job. Its row is locked first, as whatever writes its
        items or events locks it, so that none is written once it is gone."""
        with self._db.session(write=True) as db:
            if db.run(sql.LOCK_JOB, job_id).fetchone() is None:
                return False
            db.run(sql.DELETE_ITEMS, job_id)
            db.run(sql.DELETE_EVENTS, job_id)
            db.run(sql.DELETE_JOB, job_id)
        return True

    def job(self, job_id: str) -> Job | None:
        with self._db.session() as db:
            row = db.run(sql.JOB, job_id).fetchone()
            if row is None:
                return None
            items = db.run(sql.ITEMS, job_id).fetchall()
        return Job(
            id=row[0],
            created=row[1],
            state=row[2],
            requests=json.loads(row[3]),
            items=[JobItem(*item) for item in items],
            finished=row[4],
        )

    def jobs(self, limit: int = 100) -> list[Job]:
        with self._db.session() as db:
            ids = [row[0] for row in db.run(sql.JOB_IDS, limit).fetchall()]
        return [job for job in map(self.job, ids) if job is not None]

    def counts(self) -> dict[str, int]:
        """Jobs in each state."""
        with self._db.session() as db:
            rows = db.run(sql.COUNTS).fetchall()
        return {str(state): int(count) for state, count in rows}

    def purge(self, older_than_s: float) -> int:
        """Drops finished jobs and results older than `older_than_s`; how many went (none
        when another replica is purging the same database at the time)."""
        cutoff = time.time() - older_than_s
        with self._db.session(write=True) as db:
            (free,) = db.run(sql.PURGE_LOCK).fetchone()
            if not free:
                return 0
            db.run(sql.PURGE_ITEMS, cutoff)
            db.run(sql.PURGE_EVENTS, cutoff)
            jobs = db.run(sql.PURGE_JOBS, cutoff).rowcount
            results = db.run(sql.PURGE_RESULTS, cutoff).rowcount
        return jobs + results


def _put_result(
    db: Session, result_id: str, kind: str, body: str, request: dict[str, Any] | None
) -> None:
    asked = json.dumps(request) if request is not None else None
    db.run(sql.PUT_RESULT, result_id, kind, time.time(), body, asked)


def _append_event(db: Session, job_id: str, event: str, data: dict[str, Any]) -> int:
    """The event numbered after the job's last; the caller holds the job's row lock."""
    (last,) = db.run(sql.LAST_SEQ, job_id).fetchone()
    db.run(sql.ADD_EVENT, job_id, int(last) + 1, event, json.dumps(data))
    return int(last) + 1
