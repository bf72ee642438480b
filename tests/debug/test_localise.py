"""Fault localisation from real runs: spectra across cases, ties broken by the states."""

from __future__ import annotations

import ldb
from ldb.debugging.offline.examples import examples
from ldb.debugging.offline.localise import localise, verdicts
from ldb.run.tracing import trace_cases

# `<` where `<=` is meant: the last element is skipped only when it is the maximum.
RUNNING_MAX = """\
def running_max(xs):
    best = xs[0]
    out = []
    for x in xs:
        if x > best:
            best = x
        out.append(best)
    return out
"""

CLAMP = """\
def clamp(x, low, high):
    if x < low:
        return low
    if x > high:
        return low
    return x
"""
CLAMP_TESTS = [
    "assert clamp(5, 0, 10) == 5",
    "assert clamp(-3, 0, 10) == 0",
    "assert clamp(0, 0, 10) == 0",
    "assert clamp(12, 0, 10) == 10",
]

PAIRS = """\
def pair_sums(xs):
    sums = []
    for i in range(len(xs)):
        sums.append(xs[i] + xs[i + 1])
    return sums
"""


def ranked(program: str, tests: list[str]) -> list[tuple[int, list[int]]]:
    _, traces = trace_cases(program, tests)
    return [(s.block, s.lines) for s in localise(ldb.blocks(program), traces).suspects]


def test_the_block_only_failing_cases_run_ranks_first() -> None:
    _, traces = trace_cases(CLAMP, CLAMP_TESTS)
    localisation = localise(ldb.blocks(CLAMP), traces)
    top = localisation.suspects[0]
    assert top.lines == [5]
    assert top.score == 1.0
    assert (localisation.failing_cases, localisation.passing_cases) == (1, 3)
    judged = verdicts(localisation)
    assert judged[0].correct is False
    assert "runs in 1 of 1 failing case and 0 of 3 passing" in judged[0].explanation
    assert "returns 0 where the test expects 10" in judged[0].explanation
    assert all(v.correct for v in judged[1:])
    assert localisation.lines(1) == [5]


def test_an_exception_breaks_the_tie_between_blocks_every_case_runs() -> None:
    tests = ["assert pair_sums([1, 2, 3]) == [3, 5]", "assert pair_sums([]) == []"]
    suspects = ranked(PAIRS, tests)
    assert suspects[0][1] == [4]
    _, traces = trace_cases(PAIRS, tests)
    top = localise(ldb.blocks(PAIRS), traces).suspects[0]
    assert any("raises IndexError" in words for words in top.evidence)


def test_a_value_beyond_what_passing_runs_saw_is_named() -> None:
    program = (
        "def last_index(xs, target):\n"
        "    i = len(xs)\n"
        "    while i >= 0:\n"
        "        if xs[i - 1] == target:\n"
        "            return i\n"
        "        i -= 1\n"
        "    return -1\n"
    )
    tests = [
        "assert last_index([4], 9) == -1",
        "assert last_index([5, 5], 5) == 1",
    ]
    _, traces = trace_cases(program, tests)
    localisation = localise(ldb.blocks(program), traces)
    words = " ".join(" ".join(s.evidence) for s in localisation.suspects)
    assert "where passing runs saw" in words


def test_with_no_failing_case_nothing_is_suspect() -> None:
    _, traces = trace_cases(RUNNING_MAX, ["assert running_max([1, 3, 2]) == [1, 3, 3]"])
    assert localise(ldb.blocks(RUNNING_MAX), traces).suspects == []


def test_examples_in_a_task_become_asserts() -> None:
    task = """Return the second largest distinct value, or None.
    >>> second([3, 1, 4])
    3
    >>> second([7, 7])
    >>> second([1, 2,
    ... ])
    Also second([5, 9, 2]) == 5, and second([2, 2, 8]) ➞ 2.
    second(   # not an example
    """
    assert examples(task, "second") == [
        "assert second([3, 1, 4]) == 3",
        "assert second([7, 7]) is None",
        "assert second([5, 9, 2]) == 5",
        "assert second([2, 2, 8]) == 2",
    ]
    assert examples("nothing here", "second") == []
