"""Fixtures of the model backends' tests: a scripted server, and no settings from outside."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ldb.settings import get_settings
from tests.llm.chat_server import ChatServer

SETTINGS_ENV = ("LDB_BASE_URL", "OPENAI_BASE_URL", "LDB_API_KEY", "OPENAI_API_KEY")


@pytest.fixture(autouse=True)
def no_model_settings(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A key or server in the developer's environment must neither leak into nor steer a
    test; each test sets what it needs and the settings are read again around it."""
    for name in SETTINGS_ENV:
        monkeypatch.delenv(name, raising=False)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture
def chat_server() -> Iterator[ChatServer]:
    with ChatServer() as server:
        yield server
