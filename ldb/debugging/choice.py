"""Which strategy debugs: the offline engine, a recorded model, or a chat model by name."""

from __future__ import annotations

from pathlib import Path

from ldb.debugging.chat.strategy import ChatStrategy
from ldb.debugging.offline.engine import OfflineEngine
from ldb.debugging.strategy import Strategy
from ldb.errors import InputError
from ldb.llm.base import ChatModel
from ldb.llm.openai import OpenAIChatModel
from ldb.llm.replay import ReplayModel
from ldb.models import Feedback, Level
from ldb.settings import default_model

OFFLINE = "offline"
REPLAY = "replay:"


def choose(
    model: str | None,
    *,
    base_url: str | None = None,
    api_key: str | None = None,
    feedback: Feedback = "blocks",
    level: Level = "block",
    seed: int = 0,
    max_tokens: int | None = None,
) -> Strategy:
    """`offline` (also when no model is named anywhere), `replay:FILE` (a recording, see
    `ldb.llm.RecordingModel`), or a model on the OpenAI-compatible server at `base_url`."""
    name = model or default_model()
    if name == OFFLINE:
        return OfflineEngine(level=level)
    if name.startswith(REPLAY):
        path = Path(name.removeprefix(REPLAY))
        if not name.removeprefix(REPLAY):
            raise InputError("replay: needs the recording's path (replay:FILE)")
        if not path.is_file():
            raise InputError(f"no recording at {path}")
        chat: ChatModel = ReplayModel.from_file(path)
    else:
        chat = OpenAIChatModel(name, base_url=base_url, api_key=api_key, seed=seed)
    return ChatStrategy(chat, feedback=feedback, level=level, max_tokens=max_tokens)
