"""Fixtures every test may take (where the repository's examples live, the service), and the
order the tests run in."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from testbed import server
from tests.helpers.paths import EXAMPLES


@pytest.fixture
def examples() -> Path:
    return EXAMPLES


@pytest.fixture(scope="session")
def service() -> Iterator[server.Service]:
    """The service with its defaults (no token, a fresh database), one for the whole session
    (for each worker). A test whose service must differ, stop or be alone defines its own."""
    with server.running() as running:
        yield running


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The slow tests first, so that pytest-xdist's workers, handed whole files in this order,
    do not end with one of them still walking the standard library while the other waits."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)
