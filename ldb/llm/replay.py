"""Chat models that answer from a recording, and the wrapper that records one."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ldb.errors import InputError, ModelError
from ldb.llm.base import ChatModel, Completion, Message, Usage


class ReplayModel(ChatModel):
    """Answers with the replies it was given, in order, whatever it is asked; `requests`
    keeps every conversation it was asked to continue, so tests can check the prompts."""

    def __init__(self, replies: Sequence[Completion | str], name: str = "replay") -> None:
        self._name = name
        self._replies = [
            reply if isinstance(reply, Completion) else Completion(reply, Usage(), name)
            for reply in replies
        ]
        self.requests: list[list[Message]] = []

    @classmethod
    def from_file(cls, path: str | Path, name: str = "replay") -> ReplayModel:
        """The replies of a JSON lines file, as `RecordingModel` writes it: each line a bare
        string or `{"reply": str, "prompt_tokens"?: int, "completion_tokens"?: int,
        "model"?: str, "messages"?: [...]}`; blank lines are skipped."""
        path = Path(path)
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as error:
            raise InputError(f"cannot read the recording {path}: {error}") from None
        replies: list[Completion | str] = []
        for number, line in enumerate(lines, start=1):
            if line.strip():
                try:
                    replies.append(_recorded(json.loads(line), name))
                except ValueError as error:
                    raise InputError(f"{path}:{number}: {error}") from None
        return cls(replies, name)

    @property
    def name(self) -> str:
        return self._name

    def complete(self, messages: Sequence[Message], *, max_tokens: int | None = None) -> Completion:
        # A copy: callers go on appending to the list they passed.
        self.requests.append([{"role": m["role"], "content": m["content"]} for m in messages])
        turn = len(self.requests) - 1
        if turn >= len(self._replies):
            raise ModelError(f"the recording has no more replies ({len(self._replies)} were used)")
        return self._replies[turn]


class RecordingModel(ChatModel):
    """Passes each request to `model` and appends the exchange to `path` as one JSON line
    (`messages`, `reply`, `prompt_tokens`, `completion_tokens`, `model`), written out before
    the reply is returned, so `ReplayModel.from_file(path)` can play the run again."""

    def __init__(self, model: ChatModel, path: str | Path) -> None:
        self._model = model
        self._path = Path(path)

    @property
    def name(self) -> str:
        return self._model.name

    def close(self) -> None:
        self._model.close()

    def complete(self, messages: Sequence[Message], *, max_tokens: int | None = None) -> Completion:
        completion = self._model.complete(messages, max_tokens=max_tokens)
        exchange = {
            "messages": list(messages),
            "reply": completion.text,
            "prompt_tokens": completion.usage.prompt_tokens,
            "completion_tokens": completion.usage.completion_tokens,
            "model": completion.model,
        }
        # Opened for each line, so a run that dies midway leaves every exchange before it.
        with self._path.open("a", encoding="utf-8") as file:
            file.write(json.dumps(exchange) + "\n")
        return completion


def _recorded(entry: Any, name: str) -> Completion | str:
    """One recorded reply; ValueError says what is wrong with it."""
    if isinstance(entry, str):
        return entry
    if not isinstance(entry, dict) or not isinstance(entry.get("reply"), str):
        raise ValueError('expected a JSON string or an object with a string "reply"')
    counts = [entry.get(key, 0) for key in ("prompt_tokens", "completion_tokens")]
    if not all(isinstance(count, int) and not isinstance(count, bool) for count in counts):
        raise ValueError("token counts must be integers")
    model = entry.get("model", name)
    if not isinstance(model, str):
        raise ValueError('"model" must be a string')
    return Completion(entry["reply"], Usage(*counts), model)
