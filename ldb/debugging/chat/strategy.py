"""The debugging strategy that asks a chat model: LDB's block verdicts then a repair, or
Self-Debugging's simple and explanation feedback, over one conversation (for one program, or
for a project's files)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TypeVar

from ldb.debugging.chat import project_prompt, prompt
from ldb.debugging.chat.prompt import TracePrompt
from ldb.debugging.chat.replies import parse_program, parse_project_repair, parse_verdicts
from ldb.debugging.offline.project import ranked
from ldb.debugging.strategy import Judge, ProjectRound, ProjectStep, Round, Step
from ldb.errors import ModelError, UnusableReply
from ldb.literals import Feedback, Level
from ldb.llm.base import ChatModel, Message, Usage
from ldb.models import Verdict

_ASK_AGAIN = "I could not use that answer: {why}. Please answer again in the format asked for."


T = TypeVar("T")


class _OutOfTokens(Exception):
    pass


@dataclass
class ChatStrategy(Judge):
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
    opening_size: int = field(default=3, init=False, repr=False)
    """The messages of the opening that trimming keeps: the task and the first program, or
    (for a project) the first request, which holds the task and the failing test."""

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

    def step_project(self, state: ProjectRound) -> ProjectStep:
        """LDB over a project's files: verdicts on the trace of the failing test (the most
        suspicious functions shown), then whole functions, each under its file."""
        replies: list[str] = []
        before = self.used
        case = project_prompt.failing_case(state.result)
        failure = project_prompt.failure(case, state.result.message, state.text)
        tests_editable = any(test.partition("::")[0] in state.editable for test in state.tests)
        verdicts: list[Verdict] = []
        shown: str | None = None
        try:
            traced = self._trace_request(state)
            if traced is not None:
                shown = traced.shown
                reply = self._ask(self._framed(state.task, failure, traced.message), replies)
                verdicts = self._retrying(
                    lambda text: parse_verdicts(text, traced.labels), reply, replies
                )
                request = project_prompt.repair(tests_editable=tests_editable)
            else:
                request = project_prompt.code_request(
                    state.result,
                    state.graphs,
                    state.text,
                    state.editable,
                    explain=self.feedback == "explain",
                    tests_editable=tests_editable,
                    budget_tokens=self.trace_tokens,
                )
                request = self._framed(state.task, failure, request)
            reply = self._ask(request, replies)
            texts = _Texts(state)
            changed = self._retrying(
                lambda text: parse_project_repair(text, texts, state.editable), reply, replies
            )
        except UnusableReply as error:
            return self._project_step(verdicts, None, shown, replies, before, str(error))
        except _OutOfTokens:
            spent = f"the token budget ({self.max_tokens}) is spent"
            return self._project_step(verdicts, None, shown, replies, before, spent)
        except ModelError as error:
            why = f"the model failed: {error}"
            return self._project_step(verdicts, None, shown, replies, before, why, failed=True)
        files = {**state.files, **changed}
        return self._project_step(verdicts, files, shown, replies, before, None)

    def _trace_request(self, state: ProjectRound) -> TracePrompt | None:
        """The verdict request of a round, when its feedback is LDB's and a test was traced
        (the most suspicious functions told by a traced run of the check's tests)."""
        result = state.result
        if self.feedback != "blocks" or result.traced_case is None or not result.events:
            return None
        ranking = project_prompt.scores(ranked(state)[3])
        traced = project_prompt.verdict_request(
            result, state.graphs, state.text, ranking, self.level, self.trace_tokens
        )
        return traced if traced.labels else None

    def _framed(self, task: str | None, failure: str, request: Message) -> Message:
        """A round's first request with the failure it is about: on the first round, the
        conversation opens with them (one user message, not two in a row: some chat
        templates refuse that); on a later one, they say the tests still fail."""
        if self.messages:
            return project_prompt.again(failure, request)
        *self.messages, first = project_prompt.opening(task, failure, request)
        self.opening_size = len(self.messages) + 1
        return first

    def _project_step(
        self,
        verdicts: list[Verdict],
        files: dict[str, str] | None,
        shown: str | None,
        replies: list[str],
        before: Usage,
        message: str | None,
        *,
        failed: bool = False,
    ) -> ProjectStep:
        spent = self._spent(before)
        return ProjectStep(verdicts, files, shown, replies, spent, message=message, failed=failed)

    def _spent(self, before: Usage) -> Usage:
        return Usage(
            self.used.prompt_tokens - before.prompt_tokens,
            self.used.completion_tokens - before.completion_tokens,
        )

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
        spent = self._spent(before)
        return Step(verdicts, program, shown, replies, spent, message=message, failed=failed)

    def _ask(self, message: Message, replies: list[str]) -> str:
        if self.max_tokens is not None and self.used.total_tokens >= self.max_tokens:
            raise _OutOfTokens
        self.messages.append(message)
        self.messages = prompt.trim(self.messages, self.history_tokens, self.opening_size)
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


class _Texts(Mapping[str, str]):
    """The files a repair may name (those it may change, and the tests checked), each read
    as the round sees it when first named."""

    def __init__(self, state: ProjectRound) -> None:
        self._state = state
        tests = {test.partition("::")[0] for test in state.tests}
        self._paths = frozenset(state.editable | tests)
        self._read: dict[str, str] = {}

    def __getitem__(self, path: str) -> str:
        if path not in self._read:
            if path not in self._paths:
                raise KeyError(path)
            self._read[path] = self._state.text(path)
        return self._read[path]

    def __contains__(self, path: object) -> bool:
        return path in self._paths

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(self._paths))

    def __len__(self) -> int:
        return len(self._paths)
