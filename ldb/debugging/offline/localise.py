"""Spectrum-based fault localisation: which blocks the failing cases share and the passing
ones avoid (Ochiai), with ties broken by what the states show."""

from __future__ import annotations

import ast
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from ldb import asts
from ldb.models import Event, FunctionGraph, Verdict
from ldb.run.tracing import CaseTrace

BlockKey = tuple[str, int]
"""A block of the program: its function's qualname and its id in that function's CFG."""

_NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:e[-+]?\d+)?")
_TYPE_OF_REPR = (
    (re.compile(r"-?\d+"), "int"),
    (re.compile(r"-?\d+\.\d*(e[-+]?\d+)?|-?inf|nan"), "float"),
    (re.compile(r"""(?s)['"].*['"]"""), "str"),
    (re.compile(r"(?s)\[.*\]"), "list"),
    (re.compile(r"(?s)\{.*\}"), "dict"),
    (re.compile(r"(?s)\(.*\)"), "tuple"),
    (re.compile(r"True|False"), "bool"),
    (re.compile(r"None"), "None"),
)
_PASSED = ("passed",)
_FAILED = ("failed", "error", "timeout")


@dataclass
class Suspect:
    """A block with its suspiciousness and the evidence for it, in words."""

    function: str
    block: int
    score: float
    failing: int
    """Failing cases that ran the block."""
    passing: int
    """Passing cases that ran it."""
    lines: list[int]
    evidence: list[str] = field(default_factory=list)
    visit: int | None = None
    """The visit, in the failing case whose states were read, at which the evidence
    appeared."""
    weight: int = 0
    """How strongly the states point here: the tie-breaker between equal scores."""

    @property
    def key(self) -> BlockKey:
        return (self.function, self.block)


@dataclass(frozen=True)
class Localisation:
    """The blocks the failing cases ran, most suspicious first."""

    suspects: list[Suspect]
    failing_cases: int
    passing_cases: int

    def lines(self, limit: int | None = None) -> list[int]:
        """The program's lines in order of suspicion, each once."""
        ordered: list[int] = []
        for suspect in self.suspects[:limit]:
            ordered += [line for line in suspect.lines if line not in ordered]
        return ordered


def localise(
    graphs: Sequence[FunctionGraph], traces: Sequence[CaseTrace], focus: int | None = None
) -> Localisation:
    """Rank every block a failing case ran by Ochiai over the cases' block spectra; between
    equal scores, blocks where the failing run's state first went wrong rank higher. The
    states read are those of case `focus` when it failed (the case shown to the user), else
    of the first failing case."""
    failing = [t for t in traces if t.case.status in _FAILED]
    passing = [t for t in traces if t.case.status in _PASSED]
    by_name = {graph.qualname: graph for graph in graphs}
    failing_ran = [blocks_run(trace) for trace in failing]
    passing_ran = [blocks_run(trace) for trace in passing]
    suspects: dict[BlockKey, Suspect] = {}
    for key in set().union(*failing_ran):
        graph = by_name.get(key[0])
        if graph is None or key[0] == "<module>":
            continue
        in_failing = sum(key in blocks for blocks in failing_ran)
        in_passing = sum(key in blocks for blocks in passing_ran)
        score = in_failing / math.sqrt(len(failing) * (in_failing + in_passing))
        block = graph.block(key[1])
        suspects[key] = Suspect(key[0], key[1], score, in_failing, in_passing, block.lines)
    if failing:
        focused = traces[focus] if focus is not None and 0 <= focus < len(traces) else None
        shown = next((t for t in failing if t is focused), failing[0])
        _weigh_states(suspects, by_name, shown, passing)
    for suspect in suspects.values():
        suspect.evidence.insert(0, _spectrum_words(suspect, len(failing), len(passing)))
    order = sorted(
        suspects.values(),
        key=lambda s: (-round(s.score, 9), -s.weight, -(s.lines[0] if s.lines else 0)),
    )
    return Localisation(order, len(failing), len(passing))


def verdicts(localisation: Localisation, threshold: float = 0.9) -> list[Verdict]:
    """A verdict for every suspect. The blocks scoring within `threshold` of the top score
    are the suspects; where the states point at some of them, those are incorrect and the
    rest of the group not judged (they ran as often, but nothing in their states is wrong);
    where the states point nowhere, the whole group is incorrect. Lower blocks are correct."""
    if not localisation.suspects:
        return []
    top = localisation.suspects[0].score
    group = [s for s in localisation.suspects if s.score >= top * threshold and s.score > 0]
    group = group or localisation.suspects[:1]
    pointed = any(s.weight > 0 for s in group)
    found = []
    for suspect in localisation.suspects:
        correct: bool | None = True
        if suspect in group:
            correct = None if pointed and suspect.weight == 0 else False
        found.append(
            Verdict(
                function=suspect.function,
                block=suspect.block,
                visit=suspect.visit,
                correct=correct,
                explanation="; ".join(suspect.evidence),
                suspiciousness=round(suspect.score, 4),
            )
        )
    return found


def blocks_run(trace: CaseTrace) -> set[BlockKey]:
    """The blocks a case ran: its path through the program, as a set."""
    ran = {key for key, count in trace.visits.items() if count > 0}
    ran.update((e.function, e.block) for e in trace.events if e.block is not None)
    return ran


def _spectrum_words(suspect: Suspect, failing: int, passing: int) -> str:
    words = f"runs in {suspect.failing} of {failing} failing case{'s' * (failing != 1)}"
    if passing:
        words += f" and {suspect.passing} of {passing} passing"
    return f"{words} (suspiciousness {suspect.score:.2f})"


def _weigh_states(
    suspects: dict[BlockKey, Suspect],
    by_name: dict[str, FunctionGraph],
    failing: CaseTrace,
    passing: Sequence[CaseTrace],
) -> None:
    """Evidence from the first failing case's states: where an exception arose, where a number
    first left the range the passing runs saw, and what the test's call returned."""
    ranges = _numeric_ranges(passing)
    given = set(_NUMBER.findall(failing.case.test))
    out_of_range_seen = False
    for event in failing.events:
        if event.block is None:
            continue
        suspect = suspects.get((event.function, event.block))
        if suspect is None:
            continue
        if event.exception is not None:
            _note(suspect, event, 3, f"raises {event.exception}")
        if not out_of_range_seen:
            strays = _strays(event, ranges, given)
            if strays:
                out_of_range_seen = True
                _note(suspect, event, 2, "; ".join(strays))
    returns = [e for e in failing.events if e.return_value is not None and e.depth == 1]
    if not returns or failing.case.expected is None or returns[-1].block is None:
        return
    last, block_id = returns[-1], returns[-1].block
    suspect = suspects.get((last.function, block_id))
    if suspect is not None:
        expected = failing.case.expected.removeprefix("is ")
        _note(suspect, last, 1, f"returns {last.return_value} where the test expects {expected}")
    graph = by_name.get(last.function)
    returned = _returned_names(graph.block(block_id).source) if graph is not None else set()
    for name, setter in _setters(failing.events, last, returned).items():
        origin = suspects.get((setter.function, setter.block or 0))
        if origin is not None:
            _note(origin, setter, 2, f"sets `{name}` to {last.return_value}, the value returned")


def _returned_names(source: str) -> set[str]:
    """The variables a block's `return` statement reads."""
    try:
        statements = asts.parse_module(source).body
    except SyntaxError:
        return set()
    last = statements[-1] if statements else None
    if not isinstance(last, ast.Return) or last.value is None:
        return set()
    return {node.id for node in ast.walk(last.value) if isinstance(node, ast.Name)}


def _setters(events: Sequence[Event], returned: Event, names: set[str]) -> dict[str, Event]:
    """For each variable holding the returned value at the return, the block of the same
    frame after which it last became that value (when not the return block itself): where
    the wrong answer was made, not where it was handed back."""
    value = returned.return_value
    names = {name for name in names if returned.state.get(name) == value}
    frame = [e for e in events if e.frame == returned.frame and e.step <= returned.step]
    found: dict[str, Event] = {}
    for name in names:
        before: str | None = None
        for event in frame:
            now = event.state.get(name)
            if now == value and before != value and event.block is not None:
                found[name] = event
            before = now
    return {name: e for name, e in found.items() if e.block != returned.block}


def _note(suspect: Suspect, event: Event, weight: int, words: str) -> None:
    if words not in suspect.evidence:
        suspect.evidence.append(words)
    if weight > suspect.weight:
        suspect.weight = weight
        suspect.visit = event.visit


def _numeric_ranges(passing: Sequence[CaseTrace]) -> dict[tuple[str, str], tuple[float, float]]:
    """The least and greatest value each numeric variable of each function took in passing
    runs."""
    ranges: dict[tuple[str, str], tuple[float, float]] = {}
    for trace in passing:
        for event in trace.events:
            for name, text in event.state.items():
                value = _number(text)
                if value is None:
                    continue
                key = (event.function, name)
                low, high = ranges.get(key, (value, value))
                ranges[key] = (min(low, value), max(high, value))
    return ranges


def _strays(
    event: Event, ranges: dict[tuple[str, str], tuple[float, float]], given: set[str]
) -> list[str]:
    """Numbers outside the passing runs' range, except those the test itself passes in: a
    value taken from the input says nothing about the block that holds it."""
    strays = []
    for name, text in event.state.items():
        if text in given:
            continue
        value = _number(text)
        seen = ranges.get((event.function, name))
        if value is None or seen is None or seen[0] <= value <= seen[1]:
            continue
        low, high = (_show(bound) for bound in seen)
        span = low if low == high else f"{low}..{high}"
        strays.append(f"`{name}` reaches {text}, where passing runs saw {span}")
    return strays


def _number(text: str) -> float | None:
    if _NUMBER.fullmatch(text) is None:
        return None
    try:
        return float(text)
    except ValueError:
        return None


def _show(value: float) -> str:
    return str(int(value)) if value.is_integer() else f"{value:g}"


def value_types(traces: Sequence[CaseTrace]) -> dict[str, str]:
    """The type of each variable's values in the runs, told from their reprs; None does not
    count, being the placeholder of a variable that later holds the real type."""
    found: dict[str, str] = {}
    for trace in traces:
        for event in trace.events:
            for name, text in event.state.items():
                if name not in found:
                    kind = next((k for p, k in _TYPE_OF_REPR if p.fullmatch(text)), None)
                    if kind is not None and kind != "None":
                        found[name] = kind
    return found
