"""Stored results and jobs in one SQLite file: what a restart must not lose, shared safely by
every worker process of the service."""

from __future__ import annotations

import json
import sqlite3
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

JobState = Literal["queued", "running", "done", "cancelled"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS results (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    created REAL NOT NULL,
    body TEXT NOT NULL,
    request TEXT
);
CREATE TABLE IF NOT EXISTS jobs (
    id TEXT PRIMARY KEY,
    created REAL NOT NULL,
    state TEXT NOT NULL,
    requests TEXT NOT NULL,
    total INTEGER NOT NULL,
    owner TEXT,
    lease_until REAL,
    finished REAL
);
CREATE INDEX IF NOT EXISTS jobs_by_state ON jobs (state, created);
CREATE TABLE IF NOT EXISTS job_items (
    job_id TEXT NOT NULL,
    position INTEGER NOT NULL,
    status TEXT NOT NULL,
    result_id TEXT,
    message TEXT,
    PRIMARY KEY (job_id, position)
);
CREATE TABLE IF NOT EXISTS job_events (
    job_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    event TEXT NOT NULL,
    data TEXT NOT NULL,
    PRIMARY KEY (job_id, seq)
);
"""


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


class Store:
    """One connection per process, used under a lock: SQLite serialises writers anyway, and
    WAL lets the other processes read while one writes."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._connection = sqlite3.connect(
            path, check_same_thread=False, isolation_level=None, timeout=30
        )
        self._lock = threading.Lock()
        with self._locked() as db:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            db.executescript(_SCHEMA)
            columns = {row[1] for row in db.execute("PRAGMA table_info(results)")}
            if "request" not in columns:  # a database from before requests were kept
                db.execute("ALTER TABLE results ADD COLUMN request TEXT")

    def close(self) -> None:
        with self._lock:
            self._connection.close()

    @contextmanager
    def _locked(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            yield self._connection

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE: the write lock is taken at once, so a read-then-write (a claim)
        cannot interleave with another process's."""
        with self._locked() as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")

    def put_result(self, kind: str, body: str, request: dict[str, Any] | None = None) -> str:
        result_id = uuid.uuid4().hex
        asked = json.dumps(request) if request is not None else None
        with self._locked() as db:
            db.execute(
                "INSERT INTO results (id, kind, created, body, request) VALUES (?, ?, ?, ?, ?)",
                (result_id, kind, time.time(), body, asked),
            )
        return result_id

    def result(self, result_id: str) -> StoredResult | None:
        with self._locked() as db:
            row = db.execute(
                "SELECT id, kind, created, body, request FROM results WHERE id = ?", (result_id,)
            ).fetchone()
        if row is None:
            return None
        request = json.loads(row[4]) if row[4] else None
        return StoredResult(row[0], row[1], row[2], row[3], request)

    def submit(self, requests: list[dict[str, Any]]) -> str:
        job_id = uuid.uuid4().hex
        with self._locked() as db:
            db.execute(
                "INSERT INTO jobs (id, created, state, requests, total) VALUES (?, ?, ?, ?, ?)",
                (job_id, time.time(), "queued", json.dumps(requests), len(requests)),
            )
        return job_id

    def claim(self, owner: str, lease_s: float) -> Job | None:
        """The oldest job waiting, or running under a lease that has run out (its worker
        died), now leased to `owner`; None when there is none."""
        now = time.time()
        with self._transaction() as db:
            row = db.execute(
                "SELECT id FROM jobs WHERE state = 'queued' "
                "OR (state = 'running' AND lease_until < ?) ORDER BY created LIMIT 1",
                (now,),
            ).fetchone()
            if row is None:
                return None
            db.execute(
                "UPDATE jobs SET state = 'running', owner = ?, lease_until = ? WHERE id = ?",
                (owner, now + lease_s, row[0]),
            )
        return self.job(row[0])

    def renew(self, job_id: str, owner: str, lease_s: float) -> bool:
        """Extends the lease; False when the job is no longer this owner's to run (it was
        cancelled, or its lease ran out and another worker took it)."""
        with self._locked() as db:
            changed = db.execute(
                "UPDATE jobs SET lease_until = ? WHERE id = ? AND owner = ? AND state = 'running'",
                (time.time() + lease_s, job_id, owner),
            ).rowcount
        return changed == 1

    def record_item(
        self, job_id: str, position: int, status: str, result_id: str | None, message: str | None
    ) -> None:
        with self._locked() as db:
            db.execute(
                "INSERT OR REPLACE INTO job_items (job_id, position, status, result_id, message) "
                "VALUES (?, ?, ?, ?, ?)",
                (job_id, position, status, result_id, message),
            )

    def add_event(self, job_id: str, event: str, data: dict[str, Any]) -> int:
        with self._transaction() as db:
            return _append_event(db, job_id, event, data)

    def events(self, job_id: str, after: int = 0) -> list[JobEvent]:
        with self._locked() as db:
            rows = db.execute(
                "SELECT seq, event, data FROM job_events WHERE job_id = ? AND seq > ? ORDER BY seq",
                (job_id, after),
            ).fetchall()
        return [JobEvent(seq, event, json.loads(data)) for seq, event, data in rows]

    def finish(self, job_id: str, owner: str, data: dict[str, Any]) -> bool:
        """Marks the job done and says so in its events, at once: a reader that sees the
        state also finds the event."""
        with self._transaction() as db:
            changed = db.execute(
                "UPDATE jobs SET state = 'done', finished = ?, lease_until = NULL "
                "WHERE id = ? AND owner = ? AND state = 'running'",
                (time.time(), job_id, owner),
            ).rowcount
            if changed:
                _append_event(db, job_id, "done", data)
        return changed == 1

    def release(self, job_id: str, owner: str) -> None:
        """Hands a running job back to the queue (its worker is stopping): another worker, or
        this one after a restart, takes it up at once."""
        with self._locked() as db:
            db.execute(
                "UPDATE jobs SET state = 'queued', owner = NULL, lease_until = NULL "
                "WHERE id = ? AND owner = ? AND state = 'running'",
                (job_id, owner),
            )

    def cancel(self, job_id: str, data: dict[str, Any]) -> bool:
        """Cancels a job not yet ended, with its `cancelled` event; False when there is no
        such job or it had ended."""
        with self._transaction() as db:
            changed = db.execute(
                "UPDATE jobs SET state = 'cancelled', finished = ?, lease_until = NULL "
                "WHERE id = ? AND state IN ('queued', 'running')",
                (time.time(), job_id),
            ).rowcount
            if changed:
                _append_event(db, job_id, "cancelled", data)
        return changed == 1

    def job(self, job_id: str) -> Job | None:
        with self._locked() as db:
            row = db.execute(
                "SELECT id, created, state, requests, finished FROM jobs WHERE id = ?", (job_id,)
            ).fetchone()
            if row is None:
                return None
            items = db.execute(
                "SELECT position, status, result_id, message FROM job_items WHERE job_id = ? "
                "ORDER BY position",
                (job_id,),
            ).fetchall()
        return Job(
            id=row[0],
            created=row[1],
            state=row[2],
            requests=json.loads(row[3]),
            items=[JobItem(*item) for item in items],
            finished=row[4],
        )

    def jobs(self, limit: int = 100) -> list[Job]:
        with self._locked() as db:
            ids = [
                row[0]
                for row in db.execute(
                    "SELECT id FROM jobs ORDER BY created DESC LIMIT ?", (limit,)
                ).fetchall()
            ]
        return [job for job in map(self.job, ids) if job is not None]

    def counts(self) -> dict[str, int]:
        """Jobs in each state."""
        with self._locked() as db:
            rows = db.execute("SELECT state, COUNT(*) FROM jobs GROUP BY state").fetchall()
        return {str(state): int(count) for state, count in rows}

    def purge(self, older_than_s: float) -> int:
        """Drops finished jobs and results older than `older_than_s`; how many went."""
        cutoff = time.time() - older_than_s
        with self._transaction() as db:
            old = [
                row[0]
                for row in db.execute(
                    "SELECT id FROM jobs WHERE state IN ('done', 'cancelled') AND finished < ?",
                    (cutoff,),
                ).fetchall()
            ]
            for table in ("job_items", "job_events"):
                db.executemany(f"DELETE FROM {table} WHERE job_id = ?", [(i,) for i in old])
            db.executemany("DELETE FROM jobs WHERE id = ?", [(i,) for i in old])
            gone = db.execute("DELETE FROM results WHERE created < ?", (cutoff,)).rowcount
        return len(old) + gone


def _append_event(db: sqlite3.Connection, job_id: str, event: str, data: dict[str, Any]) -> int:
    (last,) = db.execute(
        "SELECT COALESCE(MAX(seq), 0) FROM job_events WHERE job_id = ?", (job_id,)
    ).fetchone()
    db.execute(
        "INSERT INTO job_events (job_id, seq, event, data) VALUES (?, ?, ?, ?)",
        (job_id, last + 1, event, json.dumps(data)),
    )
    return int(last) + 1
