"""Chat models: OpenAI-compatible servers, recordings to replay, and the protocol they share."""

from __future__ import annotations

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
