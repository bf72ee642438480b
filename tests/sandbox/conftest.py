"""Every sandbox test runs twice: runs forked from the pool's zygote, and cold runs."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ldb.settings import get_settings


@pytest.fixture(autouse=True, params=[True, False], ids=["pooled", "cold"])
def pooled(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[bool]:
    monkeypatch.setenv("LDB_POOL", "1" if request.param else "0")
    get_settings.cache_clear()
    yield bool(request.param)
    get_settings.cache_clear()
