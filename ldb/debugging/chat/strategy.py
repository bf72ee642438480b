"""The debugging strategy that asks a chat model: LDB's block verdicts then a repair, or
Self-Debugging's simple and explanation feedback, over one conversation."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from ldb.debugging.chat import prompt
from ldb.debugging.chat.replies import parse_program, parse_verdicts
from ldb.debugging.strategy import Round, Step, Strategy
from ldb.errors import ModelError, UnusableReply
from ldb.literals import Feedback, Level
from ldb.llm.base import ChatModel, Message, Usage
from ldb.models import Verdict

_ASK_AGAIN = "I could not use that answer: {why}. Please answer again in the format asked for."


T = TypeVar("T")


class _OutOfTokens(Exception):
    pass


@dataclass
class ChatStrategy(Strategy):
    """LDB with a chat model. The conversation goes on across rounds (each repair is the
    model's own answer), trimmed to `history_tokens` as LDB trims it."""

    model: ChatModel
    feedback: Feedback = "blocks"
    level: Level = "block"
    max_tokens: int | None = None
    """Tokens the whole run may use; past it the run stops instead of asking again."""
    trace_tokens: int = 2500
    """Room for the trace in one verdict request."""
    history_tokens: int = 12000
    retries: int = 1
    """Times an unusable reply is asked for again."""
    translation: bool = False
    """The task is a C++ program to translate (TransCoder), as LDB words it."""
    messages: list[Message] = field(default_factory=list)
    used: Usage = field(default_factory=Usage)

    @property
    def name(self) -> str:
        return self.model.name

    def close(self) -> None:
        """Lets go of the model's connections (a model written before `ChatModel.close`
        existed has none to let go of)."""
        close = getattr(self.model, "close", None)
        if callable(close):
            close()

    def step(self, state: Round) -> Step:
        replies: list[str] = []
        before = self.used
        if not self.messages:
            self.messages = prompt.opening(state.task, state.program, translation=self.translation)
        case = (
            state.result.cases[state.result.traced_case]
            if state.result.traced_case is not None
            else None
        )
        verdicts: list[Verdict] = []
        shown: str | None = None
        try:
            if case is None:
                # Nothing ran to trace (the program does not even load): the result says why.
                why = f"The program fails: {state.result.message}"
                request: Message = {"role": "user", "content": f"{why}\n{prompt.REPAIR_REQUEST}"}
            elif self.feedback == "blocks" and state.result.events:
                traced = prompt.verdict_request(
                    state.result, state.graphs, self.level, self.trace_tokens, state.program
                )
                shown = traced.shown
                reply = self._ask(traced.message, replies)
                verdicts = self._retrying(
                    lambda text: parse_verdicts(text, traced.labels), reply, replies
                )
                request = prompt.repair()
            elif self.feedback == "explain":
                request = prompt.explain(case)
            else:
                request = prompt.simple(case)
            reply = self._ask(request, replies)
            program = self._retrying(
                lambda text: parse_program(text, state.defines, state.program), reply, replies
            )
        except UnusableReply as error:
            return self._step(verdicts, None, shown, replies, before, str(error))
        except _OutOfTokens:
            spent = f"the token budget ({self.max_tokens}) is spent"
            return self._step(verdicts, None, shown, replies, before, spent)
        except ModelError as error:
            failure = f"the model failed: {error}"
            return self._step(verdicts, None, shown, replies, before, failure, failed=True)
        return self._step(verdicts, program, shown, replies, before, None)

    def _step(
        self,
        verdicts: list[Verdict],
        program: str | None,
        shown: str | None,
        replies: list[str],
        before: Usage,
        message: str | None,
        *,
        failed: bool = False,
    ) -> Step:
        spent = Usage(
            self.used.prompt_tokens - before.prompt_tokens,
            self.used.completion_tokens - before.completion_tokens,
        )
        return Step(verdicts, program, shown, replies, spent, message=message, failed=failed)

    def _ask(self, message: Message, replies: list[str]) -> str:
        if self.max_tokens is not None and self.used.total_tokens >= self.max_tokens:
            raise _OutOfTokens
        self.messages.append(message)
        self.messages = prompt.trim(self.messages, self.history_tokens)
        remaining = None
        if self.max_tokens is not None:
            remaining = max(1, self.max_tokens - self.used.total_tokens)
        completion = self.model.complete(self.messages, max_tokens=remaining)
        self.used += completion.usage
        replies.append(completion.text)
        self.messages.append({"role": "assistant", "content": completion.text})
        return completion.text

    def _retrying(self, read: Callable[[str], T], reply: str, replies: list[str]) -> T:
        """What `read` makes of the reply; an unusable one is asked for again, `retries`
        times at most."""
        attempts = 0
        while True:
            try:
                return read(reply)
            except UnusableReply as error:
                if attempts >= self.retries:
                    raise
                attempts += 1
                again: Message = {"role": "user", "content": _ASK_AGAIN.format(why=error)}
                reply = self._ask(again, replies)
