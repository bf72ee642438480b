"""Which strategy debugs: the offline engine, a recorded model, or a chat model by name."""

from __future__ import annotations

from pathlib import Path

from ldb.debugging.chat.strategy import ChatStrategy
from ldb.debugging.offline.engine import OfflineEngine
from ldb.debugging.strategy import Judge
from ldb.errors import InputError
from ldb.llm.base import ChatModel
from ldb.settings import DebugOptions, default_model, get_settings

OFFLINE = "offline"
REPLAY = "replay:"


def choose(options: DebugOptions) -> Judge:
    """`offline` (also when no model is named anywhere), `replay:FILE` (a recording, see
    `ldb.llm.RecordingModel`), or a model on the OpenAI-compatible server at `base_url`. The
    caller closes it (it is a context manager)."""
    name = options.model or default_model()
    if name == OFFLINE:
        return OfflineEngine(level=options.level)
    if name.startswith(REPLAY):
        path = Path(name.removeprefix(REPLAY))
        if not name.removeprefix(REPLAY):
            raise InputError("replay: needs the recording's path (replay:FILE)")
        if not path.is_file():
            raise InputError(f"no recording at {path}")
        from ldb.llm.replay import ReplayModel

        chat: ChatModel = ReplayModel.from_file(path)
    else:
        from ldb.llm.openai import OpenAIChatModel  # the HTTP client, only when asked for

        key = options.api_key.get_secret_value() if options.api_key is not None else None
        settings = get_settings()
        chat = OpenAIChatModel(
            name,
            base_url=options.base_url,
            api_key=key,
            seed=options.seed,
            timeout_s=settings.model_timeout_s,
            max_retries=settings.model_retries,
        )
    return ChatStrategy(
        chat, feedback=options.feedback, level=options.level, max_tokens=options.max_tokens
    )
