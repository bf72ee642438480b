"""Every statement the store runs, in SQLite's and PostgreSQL's dialects side by side."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Dialect = Literal["sqlite", "postgres"]


@dataclass(frozen=True)
class Sql:
    """One statement in each dialect, with each one's placeholders (`?` and `%s`)."""

    sqlite: str
    postgres: str

    def text(self, dialect: Dialect) -> str:
        return self.sqlite if dialect == "sqlite" else self.postgres


def both(sqlite: str) -> Sql:
    """A statement both databases take as it is, but for their placeholders."""
    return Sql(sqlite, sqlite.replace("?", "%s"))


_TABLES = """
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
SQLITE_SCHEMA = "PRAGMA journal_mode=WAL;\nPRAGMA synchronous=NORMAL;\n" + _TABLES

SQLITE_COLUMNS = "PRAGMA table_info(results)"
SQLITE_ADD_REQUEST = "ALTER TABLE results ADD COLUMN request TEXT"
"""A database from before requests were kept with their results lacks the column."""

# PostgreSQL's REAL is four bytes, a second's precision lost on today's timestamps: times are
# DOUBLE PRECISION here. Replicas starting together would race to create the same tables
# (IF NOT EXISTS is no guard against a concurrent CREATE), so each creates them under a lock.
# The advisory locks' keys are numbers no other application on the database should use: "ldb"
# in ASCII (0x6C6462), then which lock.
POSTGRES_SCHEMA_LOCK = "SELECT pg_advisory_xact_lock(1818518017)"
POSTGRES_SCHEMA = _TABLES.replace(" REAL", " DOUBLE PRECISION")

PUT_RESULT = both("INSERT INTO results (id, kind, created, body, request) VALUES (?, ?, ?, ?, ?)")
RESULT = both("SELECT id, kind, created, body, request FROM results WHERE id = ?")

SUBMIT = both(
    "INSERT INTO jobs (id, created, state, requests, total) VALUES (?, ?, 'queued', ?, ?)"
)
# SQLite's BEGIN IMMEDIATE has taken the file's one write lock; PostgreSQL locks the row, and
# a replica claiming at the same moment passes over it to the next job instead of waiting.
CLAIMABLE = Sql(
    sqlite="SELECT id FROM jobs WHERE state = 'queued' "
    "OR (state = 'running' AND lease_until < ?) ORDER BY created LIMIT 1",
    postgres="SELECT id FROM jobs WHERE state = 'queued' "
    "OR (state = 'running' AND lease_until < %s) ORDER BY created LIMIT 1 "
    "FOR UPDATE SKIP LOCKED",
)
TAKE = both("UPDATE jobs SET state = 'running', owner = ?, lease_until = ? WHERE id = ?")
RENEW = both("UPDATE jobs SET lease_until = ? WHERE id = ? AND owner = ? AND state = 'running'")
RELEASE = both(
    "UPDATE jobs SET state = 'queued', owner = NULL, lease_until = NULL "
    "WHERE id = ? AND owner = ? AND state = 'running'"
)
FINISH = both(
    "UPDATE jobs SET state = 'done', finished = ?, lease_until = NULL "
    "WHERE id = ? AND owner = ? AND state = 'running'"
)
CANCEL = both(
    "UPDATE jobs SET state = 'cancelled', finished = ?, lease_until = NULL "
    "WHERE id = ? AND state IN ('queued', 'running')"
)
# Whatever writes a job's items or events locks its row first: its events are numbered one
# after another with no gap and in the order they commit, however many replicas write them.
LOCK_JOB = Sql(
    sqlite="SELECT owner, state FROM jobs WHERE id = ?",
    postgres="SELECT owner, state FROM jobs WHERE id = %s FOR UPDATE",
)

JOB = both("SELECT id, created, state, requests, finished FROM jobs WHERE id = ?")
JOB_IDS = both("SELECT id FROM jobs ORDER BY created DESC LIMIT ?")
COUNTS = both("SELECT state, COUNT(*) FROM jobs GROUP BY state")

ITEMS = both(
    "SELECT position, status, result_id, message FROM job_items WHERE job_id = ? ORDER BY position"
)
PUT_ITEM = Sql(
    sqlite="INSERT OR REPLACE INTO job_items (job_id, position, status, result_id, message) "
    "VALUES (?, ?, ?, ?, ?)",
    postgres="INSERT INTO job_items (job_id, position, status, result_id, message) "
    "VALUES (%s, %s, %s, %s, %s) ON CONFLICT (job_id, position) DO UPDATE SET "
    "status = EXCLUDED.status, result_id = EXCLUDED.result_id, message = EXCLUDED.message",
)
ADD_ITEM = both(
    "INSERT INTO job_items (job_id, position, status, result_id, message) "
    "VALUES (?, ?, ?, ?, ?) ON CONFLICT (job_id, position) DO NOTHING"
)

LAST_SEQ = both("SELECT COALESCE(MAX(seq), 0) FROM job_events WHERE job_id = ?")
ADD_EVENT = both("INSERT INTO job_events (job_id, seq, event, data) VALUES (?, ?, ?, ?)")
EVENTS = both("SELECT seq, event, data FROM job_events WHERE job_id = ? AND seq > ? ORDER BY seq")

DELETE_ITEMS = both("DELETE FROM job_items WHERE job_id = ?")
DELETE_EVENTS = both("DELETE FROM job_events WHERE job_id = ?")
DELETE_JOB = both("DELETE FROM jobs WHERE id = ?")

# One replica purges at a time; the others, finding the lock taken, leave it to that one.
PURGE_LOCK = Sql(
    sqlite="SELECT 1",  # BEGIN IMMEDIATE has taken the file's one write lock
    postgres="SELECT pg_try_advisory_xact_lock(1818518018)",
)
_ENDED_BEFORE = "SELECT id FROM jobs WHERE state IN ('done', 'cancelled') AND finished < ?"
PURGE_ITEMS = both(f"DELETE FROM job_items WHERE job_id IN ({_ENDED_BEFORE})")
PURGE_EVENTS = both(f"DELETE FROM job_events WHERE job_id IN ({_ENDED_BEFORE})")
PURGE_JOBS = both("DELETE FROM jobs WHERE state IN ('done', 'cancelled') AND finished < ?")
PURGE_RESULTS = both("DELETE FROM results WHERE created < ?")
