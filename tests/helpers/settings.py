"""ldb's settings read afresh around a test, with some of the developer's environment unset."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator

import pytest

from ldb.settings import get_settings


@contextlib.contextmanager
def settings_without(monkeypatch: pytest.MonkeyPatch, names: Iterable[str]) -> Iterator[None]:
    """Unsets `names` for the test (monkeypatch restores them) and reads the settings again
    on entering and on leaving, so that neither the test nor the next sees stale ones."""
    for name in names:
        monkeypatch.delenv(name, raising=False)
    get_settings.cache_clear()
    try:
        yield
    finally:
        get_settings.cache_clear()
