"""Fixtures of the model backends' tests: a scripted server, and no settings from outside."""

from __future__ import annotations

from tests.helpers.model_fixtures import chat_server, no_model_settings

__all__ = ["chat_server", "no_model_settings"]
