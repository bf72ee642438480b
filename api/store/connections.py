"""The store's way to its database: a SQLite file, or a PostgreSQL server's URL, each giving
sessions that run the statements of `api.store.sql` in its own dialect."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any, Protocol

from api.store import sql

POSTGRES_SCHEMES = ("postgresql://", "postgres://")
"""The URLs of a PostgreSQL server (libpq's two spellings); any other address is a file."""


class Rows(Protocol):
    """What a statement gives back: sqlite3's cursor and psycopg's alike."""

    @property
    def rowcount(self) -> int: ...

    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...


class Session:
    """The statements of one transaction (or of one read), each run in its database's
    dialect."""

    def __init__(self, execute: Callable[[str, Sequence[Any]], Rows], dialect: sql.Dialect) -> None:
        self._execute = execute
        self.dialect = dialect

    def run(self, statement: sql.Sql, *params: Any) -> Rows:
        return self._execute(statement.text(self.dialect), params)


class Database(Protocol):
    """Sessions on one database, for any number of threads at once."""

    where: str
    """The database, for logs: a path, or a URL without its password."""

    def session(self, write: bool = False) -> AbstractContextManager[Session]:
        """A session whose statements commit together when it ends (or none, on an error);
        `write` says it will write, so that SQLite takes its write lock first."""
        ...

    def close(self) -> None: ...


def open_database(address: str | Path) -> Database:
    """The database at `address`: a `postgresql://` URL, or else a SQLite file's path."""
    if str(address).startswith(POSTGRES_SCHEMES):
        # Imported only here: a service on SQLite never loads the driver.
        from api.store.postgres import PostgresDatabase

        return PostgresDatabase(str(address))
    return SqliteDatabase(Path(address))


class SqliteDatabase:
    """One connection per process, used under a lock: SQLite serialises writers anyway, and
    WAL lets the other processes read while one writes."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.where = str(path)
        self._connection = sqlite3.connect(
            path, check_same_thread=False, isolation_level=None, timeout=30
        )
        self._lock = threading.Lock()
        with self._lock:
            self._connection.executescript(sql.SQLITE_SCHEMA)
            columns = {row[1] for row in self._connection.execute(sql.SQLITE_COLUMNS)}
            if "request" not in columns:
                self._connection.execute(sql.SQLITE_ADD_REQUEST)

    @contextmanager
    def session(self, write: bool = False) -> Iterator[Session]:
        with self._lock:
            db = self._connection
            if not write:
                yield Session(db.execute, "sqlite")
                return
            # BEGIN IMMEDIATE: the write lock is taken at once, so that a read-then-write (a
            # claim) cannot interleave with another process's.
            db.execute("BEGIN IMMEDIATE")
            try:
                yield Session(db.execute, "sqlite")
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")

    def close(self) -> None:
        with self._lock:
            self._connection.close()
