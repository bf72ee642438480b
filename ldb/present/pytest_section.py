"""A project debug result as a section of pytest's terminal summary: the failing case, the path
through the suspected function with the state at the block judged wrong, the verdicts, and the
repair as a diff. Lines of segments marked up in pytest's own terms, for its terminal writer."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ldb.models import Event, ProjectDebugResult, ProjectIteration, Verdict
from ldb.present import sources

Markup = tuple[str, ...]
"""Names of pytest's `TerminalWriter` markup (`red`, `bold`, …): none for plain text."""
Segment = tuple[str, Markup]
Line = list[Segment]

QUIET, NORMAL, VERBOSE = -1, 0, 1
"""How much a section shows: pytest's `-q`, none, `-v`."""

_HEADLINES: dict[str, tuple[str, Markup]] = {
    "passed": ("PASSES under ldb", ("green", "bold")),
    "fixed": ("FIXED", ("green", "bold")),
    "plausible": ("PLAUSIBLE", ("yellow", "bold")),
    "unfixed": ("NO REPAIR FOUND", ("red", "bold")),
    "error": ("ERROR", ("red", "bold")),
}

_PASSES = (
    "the test passes when ldb runs it: it may depend on what ldb's runs leave out (the "
    "environment, which starts empty: pass variables with --ldb-env) or on tests run before it"
)


def section(
    result: ProjectDebugResult,
    source: Callable[[str], str | None],
    detail: int = NORMAL,
    same_as: str | None = None,
) -> list[Line]:
    """The lines shown for one debugged test; `source` gives a file's text as the verdicts
    judged it; `same_as` names the test whose section above showed this repair already."""
    lines = [_headline(result)]
    lines += [[("  doubt: ", ("yellow", "bold")), (doubt, ())] for doubt in result.doubts]
    if result.status == "passed":
        lines.append([(f"  {_PASSES}", ())])
    shown_in = sources.files_shown(source)
    if detail > QUIET and result.iterations:
        lines += _first_round(result.iterations[0], shown_in, detail, said=result.message or "")
        for later in result.iterations[1:] if detail >= VERBOSE else ():
            lines += _later_round(later, shown_in)
    if result.status == "unfixed" and result.iterations:
        lines += _tried(result.iterations)
    if result.patch and same_as is not None:
        lines.append([(f"the same repair as for {same_as}, above", ("bold",))])
    elif result.patch:
        words = "patch" if result.status in ("fixed", "plausible") else "the change so far"
        lines.append([(f"{words}:", ("bold",))])
        lines += diff_lines(result.patch)
    if result.applied:
        lines.append([(f"applied to {', '.join(sorted(result.files))}", ("green",))])
    return lines


def diff_lines(patch: str) -> list[Line]:
    """A unified diff coloured as git colours it."""
    coloured: list[Line] = []
    for text in patch.rstrip("\n").splitlines():
        if text.startswith(("diff --git", "--- ", "+++ ")):
            markup: Markup = ("bold",)
        elif text.startswith("@@"):
            markup = ("cyan",)
        elif text.startswith("+"):
            markup = ("green",)
        elif text.startswith("-"):
            markup = ("red",)
        else:
            markup = ()
        coloured.append([(text, markup)])
    return coloured


def _headline(result: ProjectDebugResult) -> Line:
    words, markup = _HEADLINES[result.status]
    rounds = len(result.iterations)
    line: Line = [(words, markup)]
    if result.status != "passed":
        line.append((f" after {rounds} round{'s' * (rounds != 1)}", ()))
    if result.message and result.status in ("unfixed", "error", "plausible"):
        line.append((f": {result.message}", ("red",) if result.status != "plausible" else ()))
    usage = f", {result.usage.total_tokens} tokens" if result.usage.total_tokens else ""
    line.append((f"   [{result.model}{usage}, {result.seconds:.1f} s]", ()))
    return line


def _first_round(
    iteration: ProjectIteration,
    shown_in: Callable[[str | None], sources.Shown],
    detail: int,
    said: str,
) -> list[Line]:
    """The failing case as ldb saw it, the path through the suspected function and its state
    at the block judged wrong, the verdicts, the round's repair in words (what the headline
    `said` already left out)."""
    lines: list[Line] = []
    if iteration.message and iteration.status != "failed" and iteration.message not in said:
        lines.append([(f"  {iteration.status}: {iteration.message}", ("red",))])
    lines += _case(iteration, status_said=bool(iteration.message))
    events = iteration.trace.events if iteration.trace is not None else []
    blamed = _blamed(iteration.verdicts)
    if blamed is not None:
        lines += _path(blamed, events, dropped=bool(iteration.trace and iteration.trace.dropped))
    judged = sorted(
        (v for v in iteration.verdicts if v.correct is not None), key=lambda v: v.correct is True
    )
    for verdict in judged:
        lines += _verdict(verdict, shown_in, events, detail, verdict is blamed, said)
    if iteration.edit:
        lines.append([("  repair: ", ("bold",)), (iteration.edit, ())])
    return lines


def _later_round(
    iteration: ProjectIteration, shown_in: Callable[[str | None], sources.Shown]
) -> list[Line]:
    """A round after the first, at `-v`: its blamed blocks and its repair."""
    passed = sum(case.status == "passed" for case in iteration.cases)
    lines: list[Line] = [
        [
            (f"round {iteration.index + 1}", ("bold",)),
            (f": {passed} of {len(iteration.cases)} tests pass", ()),
        ]
    ]
    for verdict in iteration.verdicts:
        if verdict.correct is False:
            lines += _verdict(verdict, shown_in, [], VERBOSE, False)
    if iteration.edit:
        lines.append([("  repair: ", ("bold",)), (iteration.edit, ())])
    return lines


def _case(iteration: ProjectIteration, status_said: bool) -> list[Line]:
    """The traced test's expected and actual, or how it failed when it compared nothing (its
    bare status only when the round's message did not say it)."""
    if iteration.traced_case is None:
        return []
    case = iteration.cases[iteration.traced_case]
    lines: list[Line] = []
    if case.expected is not None:
        lines.append([("  expected ", ()), (case.expected, ("green",))])
    if case.actual is not None:
        lines.append([("  actual   ", ()), (case.actual, ("red",))])
    if case.expected is None and case.error is not None:
        first = case.error.message.splitlines()[0] if case.error.message else ""
        words = f"{case.error.type}: {first}" if first else case.error.type
        lines.append([(f"  {words}", ("red",))])
    elif case.expected is None and not status_said:
        lines.append([(f"  {case.status}", ("red",))])
    return lines


def _blamed(verdicts: Sequence[Verdict]) -> Verdict | None:
    """The verdict the section explains: the most suspicious of the blocks judged wrong."""
    wrong = [v for v in verdicts if v.correct is False]
    return max(wrong, key=lambda v: v.suspiciousness or 0.0, default=None)


def _path(blamed: Verdict, events: Sequence[Event], dropped: bool) -> list[Line]:
    """`path through median (gradebook/stats.py): 0 → 2 → (3 → 2) ×4 → 4 → returned 3.5`:
    the blocks of the first call that ran the suspected block, loops folded."""
    frame = _frame_of(blamed, events)
    if frame is None:
        return []
    ran = [e for e in events if e.frame == frame and e.function == blamed.function]
    blocks = [e.block for e in ran if e.block is not None]
    steps = " → ".join(_folded(blocks)) + (" …" if dropped else "")
    where = f" ({blamed.file})" if blamed.file else ""
    ending = next((e for e in reversed(ran) if e.return_value or e.exception), None)
    if ending is not None and ending.exception:
        steps += f" → raised {_short(ending.exception)}"
    elif ending is not None and ending.return_value is not None:
        steps += f" → returned {_short(ending.return_value)}"
    return [[(f"  path through {blamed.function}{where}: ", ("bold",)), (f"blocks {steps}", ())]]


def _frame_of(blamed: Verdict, events: Sequence[Event]) -> int | None:
    """The first call of the suspected function that ran its suspected block (the visit
    judged, when the verdict names one)."""
    for event in events:
        if (event.file, event.function, event.block) != (
            blamed.file,
            blamed.function,
            blamed.block,
        ):
            continue
        if blamed.visit is None or event.visit == blamed.visit:
            return event.frame
    return None


@dataclass(frozen=True)
class _Run:
    """`part` repeated `times` in a row."""

    part: tuple[int, ...]
    times: int


def _folded(blocks: Sequence[int], longest: int = 6) -> list[str]:
    """The path's blocks with each loop's repeats written once: `(3 → 2) ×4`. Greedy: at
    each point, the repeated run covering the most steps (the shorter on a tie)."""
    shown: list[str] = []
    start = 0
    while start < len(blocks):
        best = _Run((blocks[start],), 1)
        for size in range(1, longest + 1):
            part = tuple(blocks[start : start + size])
            if len(part) < size:
                break
            times = 1
            while tuple(blocks[start + times * size : start + (times + 1) * size]) == part:
                times += 1
            if times > 1 and times * size > best.times * len(best.part):
                best = _Run(part, times)
        words = " → ".join(str(block) for block in best.part)
        if best.times == 1:
            shown.append(words)
        else:
            shown.append(
                f"({words}) ×{best.times}" if len(best.part) > 1 else f"{words} ×{best.times}"
            )
        start += best.times * len(best.part)
    return shown


def _verdict(
    verdict: Verdict,
    shown_in: Callable[[str | None], sources.Shown],
    events: Sequence[Event],
    detail: int,
    with_state: bool,
    said: str = "",
) -> list[Line]:
    """`✗ gradebook/stats.py:23 median, block 4: return …`, the state there and why beneath;
    a block judged correct in one line (its evidence too at `-v`)."""
    wrong = verdict.correct is False
    blocks, written = shown_in(verdict.file)
    block = blocks.get((verdict.function, verdict.block)) if verdict.block is not None else None
    lines_of_block = [verdict.line] if verdict.line is not None else block.lines if block else []
    place = verdict.file or ""
    if lines_of_block:
        place += f":{lines_of_block[0]}" if place else f"line {lines_of_block[0]}"
    about = f"{place} {verdict.function}".strip()
    if verdict.block is not None:
        about += f", block {verdict.block}"
    mark: Segment = ("  ✗ ", ("red", "bold")) if wrong else ("  ✓ ", ("green",))
    line: Line = [mark, (about, ("bold",) if wrong else ())]
    statement = _statement(lines_of_block, written)
    if statement:
        line.append((f": {statement}", ()))
    shown = [line]
    if with_state:
        state = _state(verdict, events)
        if state:
            shown.append([("      state: ", ("bold",)), (state, ())])
    if verdict.explanation and (wrong or detail >= VERBOSE) and verdict.explanation not in said:
        shown.append([(f"      {verdict.explanation}", ())])
    return shown


def _statement(lines: Sequence[int], written: Sequence[str]) -> str | None:
    """The block's first statement, a statement that goes on over several lines (`return {`)
    marked so."""
    first = sources.first_statement(lines, written)
    return f"{first} …" if first is not None and first.endswith(("(", "[", "{", "\\")) else first


def _state(verdict: Verdict, events: Sequence[Event]) -> str | None:
    """The variables after the block judged wrong ran (the visit judged, else the first):
    `values = [4, 1, 3, 2], ordered = [1, 2, 3, 4], middle = 2`."""
    for event in events:
        same = (event.file, event.function, event.block) == (
            verdict.file,
            verdict.function,
            verdict.block,
        )
        if same and (verdict.visit is None or event.visit == verdict.visit):
            pairs = (f"{name} = {_short(value)}" for name, value in event.state.items())
            return ", ".join(pairs) or None
    return None


def _short(value: str, limit: int = 60) -> str:
    """A value cut in the middle to fit beside others on a line: the trace keeps it whole."""
    if len(value) <= limit:
        return value
    half = (limit - 3) // 2
    return f"{value[:half]} … {value[-half:]}"


def _tried(iterations: Sequence[ProjectIteration]) -> list[Line]:
    """What the rounds tried, for a test left failing: each round's repair in words."""
    tried = [it.edit for it in iterations if it.edit]
    if not tried:
        return []
    return [[("  tried: ", ("bold",)), (edit, ())] for edit in tried]
