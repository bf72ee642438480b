"""The seeded-bug corpus is sound: every bug parses, names its fault where program and fix
differ, and has tests that pass on the fix and both pass and fail on the bug, run in ldb's
sandbox."""

from __future__ import annotations

import dataclasses
from collections import Counter

import pytest

from testbed.seeded_bugs import (
    HARD_KINDS,
    KINDS,
    SMALL_EDIT_KINDS,
    SeededBug,
    corpus_problems,
    differing_lines,
    load,
    run_problems,
    static_problems,
)

BUGS = load()


@pytest.mark.parametrize("bug", BUGS, ids=[bug.id for bug in BUGS])
def test_bug_is_sound(bug: SeededBug) -> None:
    assert static_problems(bug) == []
    assert run_problems(bug) == []


def test_ids_are_unique() -> None:
    assert corpus_problems(BUGS) == []


def test_every_kind_is_covered() -> None:
    kinds = Counter(bug.kind for bug in BUGS)
    assert set(kinds) == set(KINDS)
    assert all(kinds[kind] >= 3 for kind in SMALL_EDIT_KINDS)
    small = sum(bug.small_edit for bug in BUGS)
    assert (small, sum(kinds[kind] for kind in HARD_KINDS)) == (46, 4)


def test_a_missing_statement_is_placed_between_its_neighbours() -> None:
    fixed = "def f(x):\n    x += 1\n    x *= 2\n    return x\n"
    program = "def f(x):\n    x += 1\n    return x\n"
    assert differing_lines(program, fixed) == [{2, 3}]
    assert differing_lines(fixed.replace("2", "3"), fixed) == [{3}]


CLAMP_FIXED = """\
def clamp(x, low, high):
    if x < low:
        return low
    if x > high:
        return high
    return x
"""
CLAMP = SeededBug(
    id="clamp_high",
    task="Clamp x into [low, high]. clamp(5, 0, 3) == 3",
    entry_point="clamp",
    program=CLAMP_FIXED.replace("return high", "return low"),
    fixed=CLAMP_FIXED,
    tests=[
        "assert clamp(5, 0, 3) == 3",
        "assert clamp(-1, 0, 3) == 0",
        "assert clamp(0, 0, 3) == 0",
        "assert clamp(2, 0, 3) == 2",
        "assert clamp(3, 0, 3) == 3",
    ],
    fault_lines=[5],
    kind="wrong_variable",
)


def test_the_validator_accepts_a_sound_bug() -> None:
    assert static_problems(CLAMP) == []
    assert run_problems(CLAMP) == []


def test_the_validator_names_what_is_wrong() -> None:
    assert static_problems(dataclasses.replace(CLAMP, fault_lines=[2])) == [
        "fault lines [2] are not where program and fixed differ",
        "a difference between program and fixed has no fault line",
    ]
    assert static_problems(dataclasses.replace(CLAMP, tests=CLAMP.tests[:4])) == [
        "4 tests, not 5 to 8"
    ]
    everything_passes = dataclasses.replace(CLAMP, program=CLAMP.fixed)
    assert "program and fixed are the same" in static_problems(everything_passes)
    assert run_problems(everything_passes)[-1] == "no test fails on the buggy program"
    twice = corpus_problems([CLAMP, CLAMP])
    assert twice == ["repeated ids: ['clamp_high']"]
