"""What every chat model backend offers: `complete(messages) -> Completion`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, Protocol, TypedDict

from ldb.closing import Closing

Role = Literal["system", "user", "assistant"]


class Message(TypedDict):
    """One turn of a chat, as the chat-completions API takes it."""

    role: Role
    content: str


@dataclass(frozen=True)
class Usage:
    """Tokens a request (or, summed, a whole run) used, as the server counted them."""

    prompt_tokens: int = 0
    completion_tokens: int = 0

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            self.prompt_tokens + other.prompt_tokens,
            self.completion_tokens + other.completion_tokens,
        )


@dataclass(frozen=True)
class Completion:
    """A model's reply: its text and what it cost."""

    text: str
    usage: Usage
    model: str


class ChatModel(Closing, Protocol):
    """A chat model: given the conversation so far, the next assistant message. It holds
    connections until closed (`Closing`); a backend names this class as its base."""

    @property
    def name(self) -> str:
        """The model's name as results report it (never a key or a URL with credentials)."""

    def complete(self, messages: Sequence[Message], *, max_tokens: int | None = None) -> Completion:
        """The reply to `messages`; raises `ldb.ModelError` when the model cannot answer."""
