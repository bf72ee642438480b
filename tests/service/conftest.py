"""A running service shared by the tests of a module, and a client for it."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.service import server


@pytest.fixture(scope="module")
def service() -> Iterator[server.Service]:
    """The service with its defaults (no token, a fresh database), for a whole module."""
    with server.running() as running:
        yield running


@pytest.fixture
def client(service: server.Service) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=service.url, timeout=120) as http:
        yield http
