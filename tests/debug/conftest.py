"""Fixtures of the debug loop's tests: the model backends' scripted server and clean settings."""

from __future__ import annotations

from tests.llm.conftest import chat_server, no_model_settings

# Imported, not copied: pytest finds fixtures by name in a conftest's namespace.
__all__ = ["chat_server", "no_model_settings"]
