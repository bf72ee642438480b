"""The debug loop on real runs: statuses, rounds, the seeded choice of the traced case, and
the offline engine repairing a program end to end."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

import ldb
from ldb.debugging.strategy import Round, Step, Strategy
from ldb.run.tracing import trace_cases
from tests.helpers.plausible import CLAMP, CLAMP_TEST, OVERFITTED

EXAMPLES = Path(__file__).parents[2] / "examples"
MOVING_AVERAGE = (EXAMPLES / "moving_average.py").read_text()
MOVING_AVERAGE_TESTS = (EXAMPLES / "moving_average_test.py").read_text()

# Wrong on every odd number: four failing cases to choose among, one passing.
HALVE = """\
def halve(n):
    return n // 2 + n % 2 * 0
"""
HALVE_TESTS = [
    "assert halve(4) == 2",
    "assert halve(1) == 0.5",
    "assert halve(3) == 1.5",
    "assert halve(5) == 2.5",
    "assert halve(7) == 3.5",
]


@dataclass
class Scripted(Strategy):
    """A strategy that hands back the programs it is given, one per round, and records what
    each round showed it."""

    programs: list[str | None]
    failed: bool = False
    doubts: list[str] = field(default_factory=list)
    rounds: list[Round] = field(default_factory=list)
    name: str = "scripted"
    closed: int = 0

    def close(self) -> None:
        self.closed += 1

    def step(self, state: Round) -> Step:
        self.rounds.append(state)
        program = self.programs[min(state.index, len(self.programs) - 1)]
        message = "the model failed: 503" if self.failed else "gave up"
        return Step(
            [],
            program,
            message=None if program else message,
            failed=self.failed,
            doubts=self.doubts,
        )


def test_the_offline_engine_fixes_an_off_by_one_and_says_where() -> None:
    stages: list[str] = []
    result = ldb.debug(
        MOVING_AVERAGE, MOVING_AVERAGE_TESTS, progress=lambda stage, _: stages.append(stage)
    )
    assert result.status == "fixed"
    assert result.model == "offline"
    assert "range(len(values) - width + 1)" in result.program
    assert "-    for start in range(len(values) - width):" in result.diff
    assert ldb.trace(result.program, MOVING_AVERAGE_TESTS).status == "passed"
    [first] = result.iterations
    assert first.edit is not None and first.edit.startswith("line 8:")
    assert [c.status for c in first.cases].count("passed") == 1
    blamed = [v for v in first.verdicts if v.correct is False]
    assert blamed and all(v.function == "moving_average" for v in blamed)
    [graph] = [g for g in ldb.blocks(MOVING_AVERAGE) if g.qualname == "moving_average"]
    assert {v.block for v in first.verdicts} <= {b.id for b in graph.blocks}
    assert stages == ["tests", "trace", "verdicts", "repair", "iteration", "tests", "done"]


def test_a_passing_program_takes_no_round() -> None:
    fixed = MOVING_AVERAGE.replace("- width)", "- width + 1)")
    result = ldb.debug(fixed, MOVING_AVERAGE_TESTS)
    assert (result.status, result.iterations, result.diff) == ("passed", [], "")
    assert result.program == fixed


def test_no_round_at_all_leaves_the_program_failing() -> None:
    result = ldb.debug(
        MOVING_AVERAGE, MOVING_AVERAGE_TESTS, options=ldb.DebugOptions(max_iterations=0)
    )
    assert result.status == "unfixed"
    assert result.iterations == []
    assert result.program == MOVING_AVERAGE
    assert result.message == "the tests still fail after 0 rounds"


def test_rounds_stop_at_max_iterations_and_each_round_sees_the_last_repair() -> None:
    still_wrong = [MOVING_AVERAGE.replace("- width)", f"- width - {k})") for k in (1, 2, 3)]
    scripted = Scripted(list(still_wrong))
    result = ldb.debug(
        MOVING_AVERAGE,
        MOVING_AVERAGE_TESTS,
        strategy=scripted,
        options=ldb.DebugOptions(max_iterations=3),
    )
    assert result.status == "unfixed"
    assert [i.index for i in result.iterations] == [0, 1, 2]
    assert [r.program for r in scripted.rounds] == [MOVING_AVERAGE, *still_wrong[:2]]
    assert result.program == still_wrong[2]
    assert result.message == "the tests still fail after 3 rounds"


def test_a_repair_on_the_second_round_is_fixed() -> None:
    wrong = MOVING_AVERAGE.replace("- width)", "- width - 1)")
    right = MOVING_AVERAGE.replace("- width)", "- width + 1)")
    result = ldb.debug(MOVING_AVERAGE, MOVING_AVERAGE_TESTS, strategy=Scripted([wrong, right]))
    assert result.status == "fixed"
    assert len(result.iterations) == 2
    assert result.iterations[1].program == wrong
    assert result.program == right


def test_a_repair_failing_an_example_the_task_shows_is_only_plausible() -> None:
    only_the_test = CLAMP.replace("return min(x, high)", "return 0 if x < 0 else min(x, high)")
    result = ldb.debug(CLAMP, CLAMP_TEST, strategy=Scripted([only_the_test]))
    assert result.status == "fixed"  # it passes the other examples too
    result = ldb.debug(CLAMP, CLAMP_TEST, strategy=Scripted([OVERFITTED]))
    assert result.status == "plausible"
    assert result.program == OVERFITTED
    [doubt] = result.doubts
    assert doubt.startswith("fails 2 of the 2 examples of the task and the program's own checks")
    assert "`assert clamp(5, 0, 3) == 3` (gives 0)" in doubt
    assert result.message is not None and "a check doubts it" in result.message


def test_a_repair_the_strategy_doubts_is_plausible_and_a_passing_program_has_no_doubts() -> None:
    right = MOVING_AVERAGE.replace("- width)", "- width + 1)")
    doubted = Scripted([right], doubts=["another repair passes the tests too"])
    result = ldb.debug(MOVING_AVERAGE, MOVING_AVERAGE_TESTS, strategy=doubted)
    assert (result.status, result.doubts) == ("plausible", ["another repair passes the tests too"])
    passing = ldb.debug(right, MOVING_AVERAGE_TESTS, strategy=doubted)
    assert (passing.status, passing.doubts) == ("passed", [])


def test_a_strategy_without_a_repair_ends_unfixed_and_a_failing_one_in_error() -> None:
    gave_up = ldb.debug(MOVING_AVERAGE, MOVING_AVERAGE_TESTS, strategy=Scripted([None]))
    assert (gave_up.status, gave_up.message) == ("unfixed", "gave up")
    failed = ldb.debug(MOVING_AVERAGE, MOVING_AVERAGE_TESTS, strategy=Scripted([None], failed=True))
    assert (failed.status, failed.message) == ("error", "the model failed: 503")
    assert len(failed.iterations) == 1


def traced_cases(seed: int) -> list[int | None]:
    scripted = Scripted([HALVE.replace("n // 2 + n % 2 * 0", f"n / 2 + {seed} * 0 + 1")])
    options = ldb.DebugOptions(seed=seed, max_iterations=2)
    ldb.debug(HALVE, HALVE_TESTS, strategy=scripted, options=options)
    return [r.result.traced_case for r in scripted.rounds]


def test_the_seed_picks_the_failing_case_reproducibly() -> None:
    chosen = {seed: traced_cases(seed) for seed in range(6)}
    assert traced_cases(3) == chosen[3]
    firsts = {cases[0] for cases in chosen.values()}
    assert len(firsts) > 1, "every seed traced the same case"
    assert firsts <= {1, 2, 3, 4}, "a passing case was traced"


def test_a_program_that_does_not_parse_is_debugged_not_refused() -> None:
    scripted = Scripted([MOVING_AVERAGE.replace("- width)", "- width + 1)")])
    broken = MOVING_AVERAGE.replace("averages = []", "averages = [")
    result = ldb.debug(broken, MOVING_AVERAGE_TESTS, strategy=scripted)
    assert result.status == "fixed"
    assert scripted.rounds[0].result.status == "syntax_error"
    assert scripted.rounds[0].graphs == []
    offline = ldb.debug(broken, MOVING_AVERAGE_TESTS)
    assert offline.status == "unfixed"
    assert offline.message


@pytest.mark.parametrize(
    ("test", "words"),
    [
        ("assert moving_average(", "the test does not parse"),
        ("x = 1", "the test holds no assert and no test_* function"),
    ],
)
def test_a_bad_test_is_refused_as_bad_input(test: str, words: str) -> None:
    with pytest.raises(ldb.InputError) as refused:
        ldb.debug(MOVING_AVERAGE, test)
    assert str(refused.value).startswith(words)
    assert str(refused.value).count(words) == 1


@pytest.mark.parametrize(
    ("arguments", "words"),
    [
        ({"max_iterations": -1}, "option max_iterations: Input should be greater than or equal"),
        ({"limits": {"timeout_s": -2}}, "limit timeout_s: Input should be greater than 0"),
        ({"limits": {"memory_mb": "lots"}}, "limit memory_mb: Input should be a valid integer"),
        ({"limits": {"timeout": 2}}, "limit timeout: Extra inputs are not permitted"),
    ],
)
def test_bad_options_are_refused_naming_them_before_any_run(
    arguments: dict[str, Any], words: str
) -> None:
    with pytest.raises(ldb.InputError, match=words):
        ldb.DebugOptions(**arguments)


def test_trace_follows_the_case_asked_for_and_trace_cases_gives_each_case() -> None:
    result = ldb.trace(HALVE, HALVE_TESTS, case=3)
    assert result.traced_case == 3
    assert any(e.state.get("n") == "5" for e in result.events)
    assert ldb.trace(HALVE, HALVE_TESTS).traced_case == 1
    whole, cases = trace_cases(HALVE, HALVE_TESTS)
    assert [c.case.status for c in cases] == ["passed", "failed", "failed", "failed", "failed"]
    assert [c.case for c in cases] == whole.cases
    called_with = [next(e.state["n"] for e in c.events if e.block is None) for c in cases]
    assert called_with == ["4", "1", "3", "5", "7"]
    assert all(c.visits == {("halve", 0): 1} for c in cases)


def test_a_strategy_is_closed_by_whoever_made_it(monkeypatch: pytest.MonkeyPatch) -> None:
    given = Scripted([None])
    ldb.debug(MOVING_AVERAGE, MOVING_AVERAGE_TESTS, strategy=given)
    assert (len(given.rounds), given.closed) == (1, 0)  # the caller's, to close

    chosen = Scripted([None])
    monkeypatch.setattr("ldb.debugging.loop.choose", lambda options: chosen)
    ldb.debug(MOVING_AVERAGE, MOVING_AVERAGE_TESTS)
    assert (len(chosen.rounds), chosen.closed) == (1, 1)

    failing = Scripted([None])
    failing.step = lambda state: (_ for _ in ()).throw(RuntimeError("broke"))  # type: ignore[method-assign]
    monkeypatch.setattr("ldb.debugging.loop.choose", lambda options: failing)
    with pytest.raises(RuntimeError, match="broke"):
        ldb.debug(MOVING_AVERAGE, MOVING_AVERAGE_TESTS)
    assert failing.closed == 1
