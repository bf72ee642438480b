"""Chat models: OpenAI-compatible servers, recordings to replay, and the protocol they share.

Each name is imported when first used: the offline engine needs `Usage` and not the HTTP
client.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ldb.lazy import exports

if TYPE_CHECKING:
    from ldb.llm.base import ChatModel, Completion, Message, Usage
    from ldb.llm.openai import OpenAIChatModel
    from ldb.llm.replay import RecordingModel, ReplayModel

__all__ = [
    "ChatModel",
    "Completion",
    "Message",
    "OpenAIChatModel",
    "RecordingModel",
    "ReplayModel",
    "Usage",
]

# Hidden from type checkers, which would otherwise take any misspelt name for a lazy one.
if not TYPE_CHECKING:
    __getattr__ = exports(__name__, __all__, ("ldb.llm.base", "ldb.llm.replay", "ldb.llm.openai"))


def __dir__() -> list[str]:
    return __all__
