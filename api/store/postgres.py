"""The store on a PostgreSQL server: a small pool of psycopg connections shared by every
thread, and the server's absence told as `StoreUnavailable`."""

from __future__ import annotations

import logging
import select
import threading
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
from psycopg.conninfo import conninfo_to_dict
from psycopg.pq import TransactionStatus

from api.errors import StoreUnavailable
from api.store import sql
from api.store.connections import Session

log = logging.getLogger("ldb.store")

POOL_SIZE = 10
"""Connections one process keeps at most. Each is held only for one store call (a few
milliseconds), so ten serve a process's many threads; PostgreSQL's default of 100 connections
serves nine replicas."""

WAIT_S = 10.0
"""How long a call waits for one of the pool's connections before it is refused."""

_CONNECTING: dict[str, Any] = {
    "application_name": "ldb",
    "connect_timeout": 3,
    # A server that vanished without closing its connections (a network cut, a host gone)
    # is noticed within seconds rather than after the kernel's hours-long defaults.
    "keepalives": 1,
    "keepalives_idle": 10,
    "keepalives_interval": 5,
    "keepalives_count": 3,
    "tcp_user_timeout": 15_000,
}
"""What the store connects with, unless the URL says otherwise."""

Connection = psycopg.Connection[tuple[Any, ...]]


class PostgresDatabase:
    """Sessions on a PostgreSQL server, its tables created at the first connection."""

    def __init__(self, url: str, size: int = POOL_SIZE) -> None:
        self.where = redacted(url)
        self._pool = _Pool({**_CONNECTING, **conninfo_to_dict(url)}, size)
        self._down = False
        with self._reached() as connection, connection.transaction():
            connection.execute(sql.POSTGRES_SCHEMA_LOCK)
            connection.execute(sql.POSTGRES_SCHEMA)

    @contextmanager
    def session(self, write: bool = False) -> Iterator[Session]:
        with self._reached() as connection:
            if not write:
                yield Session(connection.execute, "postgres")
                return
            with connection.transaction():
                yield Session(connection.execute, "postgres")

    def close(self) -> None:
        self._pool.close()

    @contextmanager
    def _reached(self) -> Iterator[Connection]:
        """A connection; a failure to reach the server, or losing it midway, is
        `StoreUnavailable` (whatever the call wrote is rolled back, unless the server lost
        it while committing)."""
        try:
            with self._pool.connection() as connection:
                yield connection
        except psycopg.OperationalError as error:
            if not self._down:
                log.warning("the database %s is unavailable: %s", self.where, error)
            self._down = True
            raise StoreUnavailable("the database is unavailable; try again shortly") from error
        if self._down:
            self._down = False
            log.info("the database %s is back", self.where)


class _Pool:
    """Up to `size` connections, each opened when first wanted and dropped once it fails:
    while the server is away a call fails at once (there is no background reconnection to
    wait out), and the first call after it returns connects again."""

    def __init__(self, connecting: dict[str, Any], size: int) -> None:
        self._connecting = connecting
        self._size = size
        self._slots = threading.BoundedSemaphore(size)
        self._idle: list[Connection] = []
        self._lock = threading.Lock()
        self._closed = False

    @contextmanager
    def connection(self) -> Iterator[Connection]:
        if not self._slots.acquire(timeout=WAIT_S):
            raise StoreUnavailable(f"all {self._size} connections to the database are busy")
        try:
            connection = self._take()
            try:
                yield connection
            finally:
                self._give_back(connection)
        finally:
            self._slots.release()

    def close(self) -> None:
        with self._lock:
            self._closed = True
            for connection in self._idle:
                connection.close()
            self._idle.clear()

    def _take(self) -> Connection:
        with self._lock:
            while self._idle:
                connection = self._idle.pop()
                if _sound(connection):
                    return connection
                connection.close()
        return psycopg.connect(autocommit=True, **self._connecting)

    def _give_back(self, connection: Connection) -> None:
        idle = connection.info.transaction_status == TransactionStatus.IDLE
        with self._lock:
            if idle and not connection.closed and not self._closed:
                self._idle.append(connection)
                return
        connection.close()


def _sound(connection: Connection) -> bool:
    """Whether an idle connection is still worth using. A server says nothing to an idle
    client but when it drops the connection (it stopped or restarted, or an administrator
    ended the session), so anything to read means it is gone: found now, it costs no failed
    call after every restart of the server."""
    if connection.closed:
        return False
    waiting = select.poll()
    waiting.register(connection.fileno(), select.POLLIN)
    return not waiting.poll(0)


def redacted(url: str) -> str:
    """The URL without its password, for logs."""
    parts = urllib.parse.urlsplit(url)
    netloc = parts.netloc
    if parts.password is not None:
        user, _, host = netloc.rpartition("@")
        netloc = f"{user.partition(':')[0]}:***@{host}"
    query = urllib.parse.urlencode(
        [
            (key, "***" if key == "password" else value)
            for key, value in urllib.parse.parse_qsl(parts.query)
        ],
        safe="*",
    )
    return urllib.parse.urlunsplit(parts._replace(netloc=netloc, query=query))
