"""The data every layer of ldb exchanges: pydantic models with a stable JSON form."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict, Field

from ldb.literals import Feedback, Level

if TYPE_CHECKING:
    import networkx as nx

SCHEMA_VERSION = 1
"""Bumped whenever a JSON document ldb writes changes incompatibly."""

EdgeKind = Literal[
    "next",
    "true",
    "false",
    "loop",
    "loop_exit",
    "break",
    "continue",
    "return",
    "raise",
    "exception",
    "case",
    "finally",
    "assert_fail",
]
"""Why control may pass from one block to another; the README's table explains each kind."""


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)


SpanKind = Literal["statement", "header", "passive"]
"""A whole simple statement; the header of a compound statement (through its colon); or a
passive header, whose code says nothing of which way control goes: an `except` clause (its
type test runs whether or not the clause matches) or `while True:`."""


class Span(_Frozen):
    """Where one statement (or the header of a compound statement) sits in the source.

    Lines are 1-based; columns are 0-based UTF-8 byte offsets, as `ast` and `co_positions`
    report them, so a span can be matched against bytecode positions directly.
    """

    line: int
    col: int
    end_line: int
    end_col: int
    kind: SpanKind = "statement"


class Edge(_Frozen):
    """One successor of a block."""

    id: int
    kind: EdgeKind


class Block(_Frozen):
    """A basic block: statements entered only at the first and left only after the last."""

    id: int
    start_line: int | None = Field(description="First line of the block; null for the exit.")
    end_line: int | None = Field(description="Last line of the block; null for the exit.")
    lines: list[int] = Field(description="The line each statement of the block starts on.")
    source: str = Field(description="The block's statements, dedented; empty for the exit.")
    unreachable: bool = Field(description="No path leads here from the entry.")
    successors: list[Edge]
    spans: list[Span] = Field(default_factory=list, exclude=True)


class FunctionGraph(_Frozen):
    """The control-flow graph of one unit of code: a function, a class body or the module."""

    name: str
    qualname: str = Field(description="As Python's __qualname__; '<module>' for module code.")
    start_line: int = Field(description="The unit's first line, decorators included.")
    entry: int
    exit: int
    blocks: list[Block] = Field(description="In source order; the synthetic exit block is last.")

    def block(self, block_id: int) -> Block:
        return self.blocks[block_id]

    def to_networkx(self) -> nx.DiGraph:
        """The graph as a `networkx.DiGraph`: nodes are block ids carrying the `Block` under
        "block"; edges carry their `kind` (and all `kinds`, should two kinds join one pair)."""
        import networkx as nx

        graph = nx.DiGraph(name=self.qualname, entry=self.entry, exit=self.exit)
        for block in self.blocks:
            graph.add_node(block.id, block=block)
        for block in self.blocks:
            for edge in block.successors:
                if graph.has_edge(block.id, edge.id):
                    graph.edges[block.id, edge.id]["kinds"].append(edge.kind)
                else:
                    graph.add_edge(block.id, edge.id, kind=edge.kind, kinds=[edge.kind])
        return graph


class BlocksReport(_Frozen):
    """What `ldb blocks --json` prints: the graphs of every unit of one program."""

    schema_version: int = SCHEMA_VERSION
    functions: list[FunctionGraph]


def _absent(value: object) -> bool:
    return value is None


class Event(_Frozen):
    """What one executed block did: the variable state after it (repr strings), plus the
    return value when it returned and the exception when one was raised in it. An event with
    `block` null is a call: the state at entry, that is the arguments."""

    step: int = Field(description="Order of the event within its test case, from 1.")
    file: str | None = Field(
        default=None,
        exclude_if=_absent,
        description="A project's file the function is in, relative to its root; absent for a "
        "single program.",
    )
    function: str = Field(description="Qualname of the unit the block belongs to.")
    block: int | None = Field(description="The block's id in `ldb blocks`; null for a call.")
    visit: int = Field(description="Which visit of this block in this frame (loop iteration).")
    depth: int = Field(description="Call depth among the program's frames; 1 = called by the test.")
    frame: int = Field(description="Tells apart calls of the same function (recursion).")
    parent_frame: int | None = Field(description="The calling frame, null for a call by the test.")
    state: dict[str, str]
    return_value: str | None = Field(default=None, alias="return", exclude_if=_absent)
    exception: str | None = Field(default=None, exclude_if=_absent)

    model_config = ConfigDict(
        frozen=True, extra="forbid", validate_by_name=True, serialize_by_alias=True
    )


CaseStatus = Literal["passed", "failed", "error", "timeout", "not_run", "skipped"]
"""`skipped`: a project's test that pytest skipped."""


class TestError(_Frozen):
    """An exception a test case raised (or an assert that failed without comparing)."""

    type: str
    message: str
    line: int | None = Field(description="Line in the test (or program) where it was raised.")
    file: str | None = Field(
        default=None, description="'program.py', the test's name, or a project's file."
    )


class CaseResult(_Frozen):
    """One test case: an assert, a statement of `check`, or a `test_*` function."""

    test: str
    status: CaseStatus
    expected: str | None = None
    actual: str | None = None
    error: TestError | None = None


class BlockVisits(_Frozen):
    """How often a block ran in the traced case; past the snapshot budget only counted, and
    a lower bound (`exact` false) unless exact counts were asked for."""

    file: str | None = Field(default=None, exclude_if=_absent, description="As in `Event`.")
    function: str
    block: int
    visits: int
    exact: bool


TraceStatus = Literal[
    "passed",
    "failed",
    "syntax_error",
    "test_syntax_error",
    "program_error",
    "test_error",
    "no_entry_point",
    "no_tests",
    "timeout",
    "memory_limit",
    "output_limit",
    "crashed",
    "sandbox_error",
    "collection_error",
]


class TraceResult(_Frozen):
    """What `ldb trace` reports: the outcome of every test case and the block-level trace
    of one of them (the first failing case, else the first), all from one run."""

    schema_version: int = SCHEMA_VERSION
    status: TraceStatus
    message: str | None = Field(default=None, description="What went wrong, when it did.")
    tracer: Literal["monitoring", "settrace", "off"] = Field(
        description="The tracing backend; off: the tests ran without a trace."
    )
    sandbox: Literal["bwrap", "unisolated"] = Field(
        description="bwrap: isolated; unisolated: a plain subprocess with rlimits only."
    )
    python: str
    cases: list[CaseResult]
    traced_case: int | None = Field(description="Index into `cases` of the traced case.")
    events: list[Event]
    dropped: int = Field(description="Events of the traced case left out to fit the budget.")
    visits: list[BlockVisits]
    stdout: str = Field(description="What the program printed (capped).")
    seconds: float
    notes: list[str] = Field(
        default_factory=list,
        exclude_if=lambda notes: not notes,
        description="What the run changed of how the tests run (a project's tracing plugins "
        "switched off, …); absent when nothing.",
    )


class SandboxStatus(_Frozen):
    """How this machine runs programs (`ldb.sandbox_status()`, the service's /health)."""

    mode: Literal["bwrap", "unisolated"] = Field(
        description="bwrap: each run isolated; unisolated: a plain subprocess with rlimits only."
    )
    reason: str | None = Field(description="Why runs are unisolated, when they are.")
    pool: bool = Field(description="Runs are forked from a warm sandbox, not started cold.")
    allow_unisolated: bool = Field(
        description="The service may run programs unisolated (LDB_ALLOW_UNISOLATED=1)."
    )


class Verdict(_Frozen):
    """A judgement of one part of the program in the failing run, mapped back to the CFG."""

    file: str | None = Field(default=None, exclude_if=_absent, description="As in `Event`.")
    function: str = Field(description="Qualified name of the function (`<module>` for its code).")
    block: int | None = Field(
        description="The block's id in that function's CFG; null: the function as a whole."
    )
    visit: int | None = Field(
        default=None, description="Which visit of the block was judged (1 = its first)."
    )
    line: int | None = Field(default=None, description="The line judged, at the line level.")
    correct: bool | None = Field(description="null: not judged (the reply said nothing of it).")
    explanation: str
    suspiciousness: float | None = Field(
        default=None, description="The offline engine's score, 0 to 1 (Ochiai)."
    )


class Usage(_Frozen):
    """Model tokens, as the server counted them."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    total_tokens: int = 0


class Iteration(_Frozen):
    """One round of the loop: the program tested, what was found, and what changed."""

    index: int = Field(description="0 for the first round.")
    program: str = Field(description="The program this round tested.")
    status: TraceStatus = Field(
        description="How its tests went as a whole (`failed`, `syntax_error`, `timeout`, ...)."
    )
    message: str | None = Field(
        default=None, description="Why the tests did not run through (a syntax error, ...)."
    )
    cases: list[CaseResult] = Field(description="Its test results.")
    traced_case: int | None = Field(description="Index into `cases` of the case it traced.")
    feedback: str | None = Field(
        description="What the model was shown of the run (the trace summary), if anything."
    )
    verdicts: list[Verdict]
    replies: list[str] = Field(description="The model's raw replies, in order.")
    usage: Usage
    edit: str | None = Field(
        default=None, description="The offline engine's repair, in words (`line 4: ...`)."
    )
    diff: str | None = Field(
        description="Unified diff from this round's program to the next; null: no repair."
    )
    seconds: float


DebugStatus = Literal["passed", "fixed", "plausible", "unfixed", "error"]
"""passed: the tests passed as given; fixed: they pass after a repair that cleared every check
of its evidence; plausible: they pass after a repair, but a check doubts it (`doubts` says
which), so it needs a person's look; unfixed: they still fail when the budget ended; error:
the run could not go on."""
_STATUS_WORDS = (
    "passed: the tests passed as given; fixed: they pass after a repair that cleared every "
    "check of its evidence; plausible: they pass after a repair that a check doubts (see "
    "`doubts`); unfixed: they still fail when the budget ended; error: the run could not go on."
)
_DOUBTS_WORDS = (
    "Why a repair that passes the tests is only plausible, a sentence per check it failed "
    "(an edit of the kind overfitted repairs make, another repair passing the same tests that "
    "answers differently, an example of the task it fails, …); empty otherwise."
)


class DebugResult(_Frozen):
    """What `ldb debug` reports: the final program and every round that led to it."""

    schema_version: int = SCHEMA_VERSION
    status: DebugStatus = Field(description=_STATUS_WORDS)
    message: str | None = Field(default=None, description="Why, when not passed or fixed.")
    doubts: list[str] = Field(default_factory=list, description=_DOUBTS_WORDS)
    program: str = Field(description="The final program (the input when nothing was fixed).")
    diff: str = Field(description="Unified diff from the input program to the final one.")
    model: str = Field(description="`offline`, or the chat model's name.")
    feedback: Feedback
    level: Level
    seed: int
    iterations: list[Iteration]
    usage: Usage
    sandbox: Literal["bwrap", "unisolated"]
    seconds: float


class ProjectIteration(_Frozen):
    """One round of debugging a project: how its tests went, what was judged, what changed."""

    index: int = Field(description="0 for the first round.")
    status: TraceStatus = Field(description="How the tests went as a whole.")
    message: str | None = Field(default=None, description="Why they did not run through.")
    cases: list[CaseResult] = Field(description="Every test run, each named by its node id.")
    traced_case: int | None = Field(description="Index into `cases` of the test traced.")
    trace: TraceResult | None = Field(
        description="The traced test's run: its events and visits name their files."
    )
    feedback: str | None = Field(description="What the model was shown, if anything.")
    verdicts: list[Verdict] = Field(description="Each names its file.")
    replies: list[str] = Field(description="The model's raw replies, in order.")
    usage: Usage
    edit: str | None = Field(default=None, description="The offline engine's repair, in words.")
    patch: str | None = Field(
        description="The repair, as a patch from this round's files to the next; null: none."
    )
    seconds: float


class ProjectDebugResult(_Frozen):
    """What `ldb debug --project` reports: the repair of a repository's failing tests, as a
    patch over its files, and every round that led to it."""

    schema_version: int = SCHEMA_VERSION
    status: DebugStatus = Field(
        description="passed: nothing to debug (the tests named pass); fixed: they pass after "
        "repair, every test of their files that passed still does, and the repair cleared "
        "every check of its evidence; plausible: as fixed, but a check doubts the repair "
        "(see `doubts`); unfixed: the budget ended first; error: the run could not go on."
    )
    message: str | None = Field(default=None, description="Why, when not passed or fixed.")
    doubts: list[str] = Field(default_factory=list, description=_DOUBTS_WORDS)
    root: str = Field(description="The project's root, as given.")
    targets: list[str] = Field(description="The failing tests debugged, as node ids.")
    tests: list[str] = Field(
        description="Every test the repair was checked against: the targets and the other "
        "tests of their files."
    )
    patch: str = Field(
        description="Unified diff of every change, paths relative to the root with a/ and b/ "
        "prefixes (`git apply` takes it); empty when nothing changed."
    )
    files: dict[str, str] = Field(description="The new text of each changed file.")
    applied: bool = Field(description="The patch was written into the project's tree.")
    model: str = Field(description="`offline`, or the chat model's name.")
    feedback: Feedback
    level: Level
    seed: int
    iterations: list[ProjectIteration]
    usage: Usage
    sandbox: Literal["bwrap", "unisolated"]
    python: str = Field(description="The Python that ran the project's tests.")
    notes: list[str] = Field(
        default_factory=list,
        exclude_if=lambda notes: not notes,
        description="As in a trace: what the runs changed of how the tests run.",
    )
    seconds: float
