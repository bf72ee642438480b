"""What a debugging strategy (a chat model, or the offline engine) is given each round of the
loop, and what it gives back."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from ldb.closing import Closing
from ldb.llm.base import Usage
from ldb.models import FunctionGraph, TraceResult, Verdict
from ldb.settings import RunLimits


@dataclass(frozen=True)
class Round:
    """One round: the program as it stands and how its tests went, the failing case traced."""

    index: int
    task: str | None
    program: str
    tests: str | Sequence[str]
    entry_point: str | None
    result: TraceResult
    graphs: list[FunctionGraph]
    """The program's CFGs; empty when it does not parse."""
    limits: RunLimits
    """The caller's run limits, for every run the strategy makes."""
    defines: str | None = None
    """The function a repaired program must still define: the entry point, or the one the
    test is plainly for; None when that cannot be told."""


@dataclass(frozen=True)
class Step:
    """A strategy's answer: its verdicts, and the program to test next (None: no repair)."""

    verdicts: list[Verdict]
    program: str | None
    feedback: str | None = None
    """What the model was shown of the run."""
    replies: list[str] = field(default_factory=list)
    usage: Usage = Usage()
    edit: str | None = None
    """A repair in words, when the strategy can say it (the offline engine's edit)."""
    message: str | None = None
    """Why there is no repair, when there is none."""
    failed: bool = False
    """The strategy itself failed (the model could not be reached or refused): the run ends
    in `error`, not `unfixed`."""


class Strategy(Closing, Protocol):
    """Judges a round's blocks and repairs its program. A context manager: what it holds (a
    model's HTTP client) is released on leaving it, and whoever makes one closes it."""

    @property
    def name(self) -> str:
        """`offline`, or the chat model's name."""

    def step(self, state: Round) -> Step: ...
