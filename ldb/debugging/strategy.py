"""What a debugging strategy (a chat model, or the offline engine) is given each round of the
loop, and what it gives back: for one program, or for a project's files."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from ldb.closing import Closing
from ldb.llm.base import Usage
from ldb.models import FunctionGraph, TraceResult, Verdict
from ldb.settings import RunLimits

if TYPE_CHECKING:
    from ldb.project.runs import ProjectRuns


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
    doubts: list[str] = field(default_factory=list)
    """What speaks against the repair, a sentence each, though it passes the tests it was
    checked on: a repair with doubts that makes every test pass ends the run `plausible`."""


@dataclass(frozen=True)
class ProjectRound:
    """One round of debugging a project: its files as they stand, how its tests went, one
    failing target traced."""

    index: int
    task: str | None
    runs: ProjectRuns
    """Runs of the project's tests (plain, traced, with files replaced)."""
    files: Mapping[str, str]
    """The files earlier rounds changed (a relative path → its text); the rest are the
    tree's."""
    tests: Sequence[str]
    """What a repair is checked against (node ids or test files): the targets' files."""
    targets: frozenset[str]
    """The failing tests to make pass, by node id."""
    passing: frozenset[str]
    """The tests that pass now: a repair must keep them passing."""
    kept: frozenset[str]
    """The other tests of the targets' files that passed before any repair: at the end they
    must pass too."""
    result: TraceResult
    """The tests' run now, one failing target traced; events name their files."""
    graphs: Mapping[str, Sequence[FunctionGraph]]
    """The CFGs of each file the traced test ran code of."""
    editable: frozenset[str]
    """The files a repair may change."""

    @property
    def goal(self) -> frozenset[str]:
        """The tests that pass when the project is repaired."""
        return self.targets | self.kept

    def text(self, relative: str) -> str:
        """A file as this round sees it."""
        return self.runs.text(relative, self.files)

    def limits_for_candidates(self, traced_seconds: float) -> RunLimits:
        """The limits of a run checking a candidate repair: an edit that loops forever must
        cost little, so a test gets a few times what a traced run of them all took."""
        limits = self.runs.limits
        return limits.updated(case_cpu_s=min(limits.case_cpu_s, max(1.0, 5 * traced_seconds)))


@dataclass(frozen=True)
class ProjectStep:
    """A strategy's answer for a project: its verdicts (each naming its file), and the files
    to test next (every file changed so far; None: no repair)."""

    verdicts: list[Verdict]
    files: dict[str, str] | None
    feedback: str | None = None
    replies: list[str] = field(default_factory=list)
    usage: Usage = Usage()
    edit: str | None = None
    message: str | None = None
    failed: bool = False
    doubts: list[str] = field(default_factory=list)


class Strategy(Closing, Protocol):
    """Judges a round's blocks and repairs its program. A context manager: what it holds (a
    model's HTTP client) is released on leaving it, and whoever makes one closes it."""

    @property
    def name(self) -> str:
        """`offline`, or the chat model's name."""

    def step(self, state: Round) -> Step: ...


class ProjectStrategy(Closing, Protocol):
    """Judges a project round's blocks and repairs its files; a context manager as a
    `Strategy` is."""

    @property
    def name(self) -> str:
        """`offline`, or the chat model's name."""

    def step_project(self, state: ProjectRound) -> ProjectStep: ...


class Judge(Strategy, ProjectStrategy, Protocol):
    """A strategy for programs and projects alike, as ldb's own are (the offline engine, a
    chat model)."""
