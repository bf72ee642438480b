"""The store's databases in tests: a real PostgreSQL server made for them (initdb into a
temporary folder, a free loopback port, an unprivileged user when the tests run as root), and
a look at either backend's tables behind the store's back."""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import socket
import sqlite3
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest

from api.store.connections import POSTGRES_SCHEMES

DEBIAN = Path("/usr/lib/postgresql")
"""Where Debian's postgresql package keeps the server's programs, off PATH: `<version>/bin`."""

UNPRIVILEGED = ("postgres", "nobody")
"""Whom the server runs as when the tests run as root (it refuses root): the user Debian's
package makes, else the one every system has."""


def programs() -> Path | None:
    """The folder of initdb, pg_ctl and postgres: beside the initdb on PATH, else the newest
    of Debian's; None when there is none."""
    found = shutil.which("initdb")
    if found:
        return Path(found).resolve().parent
    versions = [each for each in DEBIAN.glob("*/bin") if (each / "initdb").exists()]
    versions.sort(key=lambda each: int(each.parent.name) if each.parent.name.isdigit() else 0)
    return versions[-1] if versions else None


def server_user() -> pwd.struct_passwd | None:
    """Whom the server runs as: None for the tests' own user, unless that is root."""
    if os.geteuid() != 0:
        return None
    for name in UNPRIVILEGED:
        with contextlib.suppress(KeyError):
            return pwd.getpwnam(name)
    pytest.skip(
        f"PostgreSQL will not run as root, and there is no user {' or '.join(UNPRIVILEGED)}"
    )


@dataclass
class Postgres:
    """A server of its own: its cluster in `folder`, listening on `port` on loopback, trusting
    the user `ldb` without a password."""

    programs: Path
    folder: Path
    port: int
    user: pwd.struct_passwd | None

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://ldb@127.0.0.1:{self.port}/{database}"

    def database(self) -> str:
        """A new, empty database's URL."""
        name = f"ldb_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(self.url(), autocommit=True) as admin:
            admin.execute(f"CREATE DATABASE {name}")
        return self.url(name)

    def start(self) -> None:
        # Durability traded for speed: a test's cluster is thrown away with its folder.
        options = (
            f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        log = self.folder / "server.log"
        data = str(self.folder / "data")
        self._run("pg_ctl", "-D", data, "-l", str(log), "-o", options, "-w", "start")

    def stop(self) -> None:
        """A fast shutdown, as an administrator's: sessions are ended, not waited for."""
        self._run("pg_ctl", "-D", str(self.folder / "data"), "-m", "fast", "-w", "stop")

    def initdb(self) -> None:
        data = str(self.folder / "data")
        self._run("initdb", "-D", data, "-U", "ldb", "--auth=trust", "-E", "UTF8", "--locale=C")

    def _run(self, program: str, *args: str) -> None:
        command = [str(self.programs / program), *args]
        who: dict[str, Any] = {}
        if self.user is not None:
            who = {"user": self.user.pw_uid, "group": self.user.pw_gid, "extra_groups": []}
        done = subprocess.run(command, capture_output=True, text=True, timeout=60, **who)
        if done.returncode != 0:
            log = self.folder / "server.log"
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise RuntimeError(f"{' '.join(command)}: {done.stderr or done.stdout}\n{tail}")


@contextlib.contextmanager
def postgres() -> Iterator[Postgres]:
    """A new PostgreSQL server, stopped and deleted after; skips, naming what is missing,
    where there is none to start."""
    folder = programs()
    if folder is None:
        pytest.skip(
            "PostgreSQL tests need its initdb, pg_ctl and postgres: none on PATH nor under "
            f"{DEBIAN}/*/bin (Debian's postgresql package; .ci/run installs it)"
        )
    user = server_user()
    # As root, straight under /tmp: the server's user must reach its folder, which a private
    # folder of root's (pytest's, or TMPDIR's) would not let it.
    root = Path(tempfile.mkdtemp(prefix="ldb-postgres-", dir="/tmp" if user else None))
    try:
        if user is not None:
            os.chown(root, user.pw_uid, user.pw_gid)
        server = Postgres(folder, root, free_port(), user)
        server.initdb()
        server.start()
        try:
            yield server
        finally:
            with contextlib.suppress(RuntimeError):
                server.stop()
    finally:
        shutil.rmtree(root, ignore_errors=True)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def rows(database: str, query: str) -> list[tuple[Any, ...]]:
    """The rows a query without parameters finds in the store's tables, on either backend."""
    if database.startswith(POSTGRES_SCHEMES):
        with psycopg.connect(database) as connection:
            return connection.execute(query).fetchall()
    with contextlib.closing(sqlite3.connect(database)) as connection:
        return connection.execute(query).fetchall()
