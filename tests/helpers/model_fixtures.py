"""Fixtures of the tests that talk to a model: a scripted server, and no settings from outside.
A conftest takes them by importing them (pytest finds fixtures by name in its namespace)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from testbed.chat_server import ChatServer
from tests.helpers.settings import settings_without

SETTINGS_ENV = ("LDB_BASE_URL", "OPENAI_BASE_URL", "LDB_API_KEY", "OPENAI_API_KEY")


@pytest.fixture(autouse=True)
def no_model_settings(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A key or server in the developer's environment must neither leak into nor steer a
    test; each test sets what it needs and the settings are read again around it."""
    with settings_without(monkeypatch, SETTINGS_ENV):
        yield


@pytest.fixture
def chat_server() -> Iterator[ChatServer]:
    with ChatServer() as server:
        yield server
