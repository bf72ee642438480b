"""A client for the service these tests take (the session's, unless a module has its own)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from testbed import server


@pytest.fixture
def client(service: server.Service) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=service.url, timeout=120) as http:
        yield http
