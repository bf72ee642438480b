"""Fixtures of the debug loop's tests: the model backends' scripted server and clean settings."""

from __future__ import annotations

from tests.helpers.model_fixtures import chat_server, no_model_settings

__all__ = ["chat_server", "no_model_settings"]
