"""Inputs near the tests' own, and what programs answer on them: more evidence about a repair
where the visible tests are few."""

from __future__ import annotations

import ast
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from ldb import asts
from ldb.debugging.offline.localise import BlockKey, blocks_run
from ldb.models import TraceResult
from ldb.run.tracing import trace, trace_cases
from ldb.settings import RunLimits

_MOST = 40
"""Probes per program: enough to tell repairs apart, few enough to cost one short run."""
_BIG = 10**6
"""Integers past this are only nudged by one: a larger one could make a run slow."""


@dataclass(frozen=True)
class Probe:
    """A call of the entry point on an input derived from a test's, and the test it came
    from."""

    call: str
    """`f(3, [1, 2])`, as it is run."""
    source: int
    """The index of the visible test whose call it varies."""


Answers = tuple[str, ...]
"""What a program gives on each probe: the repr of its value, or `raises T`, or `timeout`."""
TIMEOUT = "timeout"
Path = frozenset[BlockKey]
"""The blocks a run went through."""


def probes(tests: Sequence[str], entry_point: str) -> list[Probe]:
    """Calls of `entry_point` on inputs one step from those of the tests' calls (a number
    one more or less, a list or string shortened or reversed, a flag flipped), one argument
    varied at a time, each distinct and none a call the tests make; round-robin over the
    tests so that each contributes."""
    calls = [list(_literal_calls(test, entry_point)) for test in tests]
    seen = {_call(entry_point, arguments) for found in calls for arguments in found}
    lists: list[list[Probe]] = []
    for index, found in enumerate(calls):
        own: list[Probe] = []
        for arguments in found:
            for varied in _variations(arguments):
                call = _call(entry_point, varied)
                if call not in seen:
                    seen.add(call)
                    own.append(Probe(call, index))
        lists.append(own)
    chosen: list[Probe] = []
    for round_ in range(max((len(own) for own in lists), default=0)):
        chosen += [own[round_] for own in lists if round_ < len(own)]
    return chosen[:_MOST]


def observed(
    program: str, probes_: Sequence[Probe], *, limits: RunLimits
) -> tuple[Answers, list[Path | None]]:
    """What `program` answers on each probe and the blocks it runs there (None where the run
    could not be traced), from one traced run."""
    if not probes_:
        return (), []
    result, traces = trace_cases(program, _cases(probes_), limits=limits)
    by_case = {trace.case.test: frozenset(blocks_run(trace)) for trace in traces}
    return _answers(result, len(probes_)), [by_case.get(case) for case in _cases(probes_)]


def answers(program: str, probes_: Sequence[Probe], *, limits: RunLimits) -> Answers:
    """What `program` answers on each probe, from one run without a trace."""
    if not probes_:
        return ()
    return _answers(trace(program, _cases(probes_), tracer="off", limits=limits), len(probes_))


def _cases(probes_: Sequence[Probe]) -> list[str]:
    # `== ...` never holds for a plain value, so the assert fails and reports the value.
    return [f"assert {probe.call} == ..." for probe in probes_]


def _answers(result: TraceResult, count: int) -> Answers:
    if len(result.cases) != count:
        return tuple(TIMEOUT for _ in range(count))  # no answer told apart from another
    return tuple(_answer(case.status, case.actual, case.error) for case in result.cases)


def _answer(status: str, actual: str | None, error: Any) -> str:
    if status == "timeout":
        return TIMEOUT
    if actual is not None:
        return actual
    if error is not None:
        return f"raises {error.type}"
    return status


def _literal_calls(test: str, entry_point: str) -> Iterator[list[Any]]:
    try:
        tree = asts.parse_module(test)
    except (SyntaxError, ValueError):
        return
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == entry_point
            and not node.keywords
        ):
            try:
                yield [ast.literal_eval(argument) for argument in node.args]
            except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
                continue


def _variations(arguments: list[Any]) -> Iterator[list[Any]]:
    for index, value in enumerate(arguments):
        for varied in _near(value):
            yield [*arguments[:index], varied, *arguments[index + 1 :]]


def _near(value: Any) -> list[Any]:
    if isinstance(value, bool):
        return [not value]
    if isinstance(value, int):
        if abs(value) > _BIG:
            return [value + 1, value - 1]
        return [value + 1, value - 1, 0, value + 2, value - 2, 2 * value, value + 10]
    if isinstance(value, float):
        return [value + 0.5, value - 0.5, -value]
    if isinstance(value, str | list | tuple):
        sequence: Any = value
        found = [
            sequence[:-1],
            sequence[1:],
            sequence[::-1],
            sequence + sequence[-1:],
            sequence + sequence,
            sequence[: len(sequence) // 2],
            sequence[:2],
            sequence[:1],
        ]
        return [v for v in found if v != value]
    if isinstance(value, dict) and value:
        return [dict(list(value.items())[:-1])]
    return []


def _call(entry_point: str, arguments: list[Any]) -> str:
    return f"{entry_point}({', '.join(repr(argument) for argument in arguments)})"
