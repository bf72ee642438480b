"""A client for the service these tests take (the session's, unless a module has its own), and
the databases a store may live in."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from testbed import server
from tests.helpers import databases


@pytest.fixture
def client(service: server.Service) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=service.url, timeout=120) as http:
        yield http


@pytest.fixture(scope="session")
def postgres() -> Iterator[databases.Postgres]:
    """A PostgreSQL server for the session (for each worker), started when first asked for;
    its tests skip where none can be started."""
    with databases.postgres() as running:
        yield running


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A new store's address, on each backend in turn: a SQLite file, or a database of its
    own on the session's PostgreSQL server."""
    if request.param == "sqlite":
        return str(tmp_path / "service.sqlite3")
    postgres: databases.Postgres = request.getfixturevalue("postgres")
    return postgres.database()
