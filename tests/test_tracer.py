"""The block tracer, run for real in a child process, on every backend this Python has."""

from __future__ import annotations

import sys
import textwrap
from typing import Any

import pytest

import ldb
from ldb.models import Event, TraceResult

BACKENDS = ["settrace", *(["monitoring"] if hasattr(sys, "monitoring") else [])]


@pytest.fixture(params=BACKENDS)
def tracer(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def run(code: str, test: str | list[str], tracer: str, **limits: Any) -> TraceResult:
    """`ldb.trace` under `tracer`, with this machine's limits but for those named."""
    chosen = ldb.RunLimits(**limits)
    return ldb.trace(textwrap.dedent(code), test, tracer=tracer, limits=chosen)  # type: ignore[arg-type]


def blocks_of(code: str, function: str) -> ldb.FunctionGraph:
    return next(g for g in ldb.blocks(textwrap.dedent(code)) if g.qualname == function)


def block_with(graph: ldb.FunctionGraph, text: str) -> int:
    return next(b.id for b in graph.blocks if text in b.source)


def of(events: list[Event], function: str) -> list[Event]:
    return [e for e in events if e.function == function]


LOOP = """
def total(xs):
    t = 0
    for x in xs:
        if x > 0:
            t += x
    return t
"""


def test_events_have_exactly_the_documented_fields(tracer: str) -> None:
    result = run(LOOP, "assert total([1, -2, 3]) == 4", tracer)
    assert result.status == "passed"
    for event in result.events:
        fields = set(event.model_dump())
        assert fields - {"return", "exception"} == {
            "step",
            "function",
            "block",
            "visit",
            "depth",
            "frame",
            "parent_frame",
            "state",
        }
    assert [e.step for e in result.events] == list(range(1, len(result.events) + 1))


def test_states_follow_the_blocks_and_loop_iterations(tracer: str) -> None:
    result = run(LOOP, "assert total([1, -2, 3]) == 4", tracer)
    graph = blocks_of(LOOP, "total")
    call, *blocks = result.events
    assert call.block is None and call.state == {"xs": "[1, -2, 3]"}
    path = [(e.block, e.visit) for e in blocks]
    header = block_with(graph, "for x in xs:")
    test = block_with(graph, "if x > 0:")
    add = block_with(graph, "t += x")
    assert path == [
        (0, 1),
        (header, 1),
        (test, 1),
        (add, 1),
        (header, 2),
        (test, 2),
        (header, 3),
        (test, 3),
        (add, 2),
        (header, 4),
        (block_with(graph, "return t"), 1),
    ]
    adds = [e.state["t"] for e in blocks if e.block == add]
    assert adds == ["1", "4"]
    assert blocks[-1].return_value == "4"
    assert blocks[-1].model_dump()["return"] == "4"


def test_failing_comparison_reports_expected_and_actual_once(tracer: str) -> None:
    code = """
    calls = []
    def f(x):
        calls.append(x)
        return x * 2
    """
    result = run(code, "assert f(2) == 5\nassert len(calls) == 1", tracer)
    first, second = result.cases
    assert (first.status, first.expected, first.actual) == ("failed", "5", "4")
    assert first.error is not None
    assert (first.error.type, first.error.file, first.error.line) == (
        "AssertionFailure",
        "test.py",
        1,
    )
    # The call was evaluated once: the next case sees one call, not two.
    assert second.status == "passed"
    assert result.status == "failed" and result.traced_case == 0


@pytest.mark.parametrize(
    ("test", "expected", "actual"),
    [
        ("assert f(3) != 6", "!= 6", "6"),
        ("assert f(3) < 2", "< 2", "6"),
        ("assert f(3) in [1, 2]", "in [1, 2]", "6"),
        ("assert 7 == f(3)", "7", "6"),
        ("assert abs(f(3) - 6.5) < 0.1", "within 0.1 of 6.5", "6"),
        ("assert not f(3)", "a falsy value", "6"),
        ("assert f(0)", "a truthy value", "0"),
    ],
)
def test_every_comparison_form_reports_both_sides(test: str, expected: str, actual: str) -> None:
    result = run("def f(x):\n    return x * 2\n", test, "settrace")
    case = result.cases[0]
    assert (case.status, case.expected, case.actual) == ("failed", expected, actual)


def test_an_exception_is_an_error_with_type_message_and_line(tracer: str) -> None:
    code = """
    def ratio(a, b):
        return a / b
    """
    result = run(code, "x = 1\nassert ratio(1, 1) == 1\nassert ratio(x, 0) == 0", tracer)
    case = result.cases[1]
    assert case.status == "error"
    assert case.error is not None
    assert (case.error.type, case.error.message) == ("ZeroDivisionError", "division by zero")
    assert (case.error.file, case.error.line) == ("program.py", 3)
    last = result.events[-1]
    assert last.exception == "ZeroDivisionError: division by zero"
    assert last.state == {"a": "1", "b": "0"}


def test_a_caught_exception_is_attached_to_the_block_it_left(tracer: str) -> None:
    code = """
    def safe(x):
        try:
            y = 10 // x
        except ZeroDivisionError:
            y = 0
        return y
    """
    result = run(code, "assert safe(0) == 0", tracer)
    raised = [e for e in result.events if e.exception is not None]
    assert len(raised) == 1
    assert raised[0].exception == "ZeroDivisionError: integer division or modulo by zero"
    assert result.events[-1].return_value == "0"


def test_recursion_tells_frames_apart_and_keeps_the_final_return(tracer: str) -> None:
    code = """
    def fib(n):
        if n < 2:
            return n
        return fib(n - 1) + fib(n - 2)
    """
    result = run(code, "assert fib(20) == 6765", tracer)
    assert result.status == "passed"
    last = result.events[-1]
    assert (last.function, last.depth, last.return_value) == ("fib", 1, "6765")
    assert last.state == {"n": "20"}
    frames = {e.frame: e for e in result.events if e.block is None}
    assert len(frames) > 3
    for event in frames.values():
        if event.parent_frame is not None:
            assert frames[event.parent_frame].depth == event.depth - 1
    # The snapshot budget bounds the trace of 21891 calls.
    assert len(result.events) < 200
    assert not all(v.exact for v in result.visits)


def test_mutual_recursion_links_calls_across_functions(tracer: str) -> None:
    code = """
    def even(n):
        return True if n == 0 else odd(n - 1)
    def odd(n):
        return False if n == 0 else even(n - 1)
    """
    result = run(code, "assert even(4)", tracer)
    calls = [(e.function, e.depth) for e in result.events if e.block is None]
    assert calls == [("even", 1), ("odd", 2), ("even", 3), ("odd", 4), ("even", 5)]


def test_a_million_iterations_cost_a_bounded_trace(tracer: str) -> None:
    code = """
    def count(n):
        t = 0
        for i in range(n):
            t += i
        return t
    """
    result = run(code, "assert count(10**6) == 499999500000", tracer, visits_per_block=5)
    assert result.status == "passed"
    assert len(result.events) <= 2 + 2 * 5 + 2
    graph = blocks_of(code, "count")
    loop = {block_with(graph, "for i in range(n):"), block_with(graph, "t += i")}
    counts = {(v.block, v.visits, v.exact) for v in result.visits if v.block in loop}
    assert counts == {(block, 5, False) for block in loop}
    assert result.events[-1].return_value == "499999500000"


def test_exact_counts_count_every_visit(tracer: str) -> None:
    code = """
    def count(n):
        t = 0
        for i in range(n):
            t += i
        return t
    """
    result = run(
        code, "assert count(1000) == 499500", tracer, visits_per_block=5, exact_counts=True
    )
    graph = blocks_of(code, "count")
    visits = {v.block: v.visits for v in result.visits}
    assert visits[block_with(graph, "t += i")] == 1000
    assert all(v.exact for v in result.visits)


def test_generators_closures_classes_and_properties(tracer: str) -> None:
    code = """
    class Counter:
        def __init__(self, step):
            self.step = step
            self.seen = []

        @property
        def last(self):
            return self.seen[-1]

        def run(self, n):
            def scaled(i):
                return i * self.step
            for value in self.values(n):
                self.seen.append(scaled(value))
            return self

        def values(self, n):
            for i in range(n):
                yield i
    """
    result = run(code, "assert Counter(3).run(4).last == 9", tracer)
    assert result.status == "passed"
    functions = {e.function for e in result.events}
    assert {
        "Counter.__init__",
        "Counter.last",
        "Counter.run",
        "Counter.run.<locals>.scaled",
        "Counter.values",
    } <= functions
    scaled = of(result.events, "Counter.run.<locals>.scaled")
    assert [e.return_value for e in scaled if e.return_value] == ["0", "3", "6", "9"]
    generator = of(result.events, "Counter.values")
    assert len([e for e in generator if e.block is None]) == 1


def test_values_are_captured_when_recorded_not_later(tracer: str) -> None:
    code = """
    def grow():
        xs = []
        for i in range(3):
            xs.append(i)
        return len(xs)
    """
    result = run(code, "assert grow() == 3", tracer)
    seen = [e.state["xs"] for e in result.events if "xs" in e.state]
    assert seen[:3] == ["[]", "[]", "[0]"]


def test_huge_and_hostile_values_are_bounded(tracer: str) -> None:
    code = """
    class Slow:
        def __repr__(self):
            while True:
                pass
    class Broken:
        def __repr__(self):
            raise ValueError("no repr")
    class Loud:
        def __repr__(self):
            return "x" * 10**7
    def make():
        text = "ab" * (5 * 1024 * 1024)
        numbers = list(range(10**6))
        loop = [1]
        loop.append(loop)
        slow, broken, loud = Slow(), Broken(), Loud()
        return 0
    """
    result = run(code, "assert make() == 0", tracer, max_value_chars=100)
    assert result.status == "passed"
    state = result.events[-1].state
    assert state["text"].endswith("(len 10485760)") and len(state["text"]) < 200
    assert state["numbers"].endswith("(len 1000000)") and "999999" in state["numbers"]
    assert state["loop"] == "[1, [...]]"
    assert state["slow"] == "<Slow object (repr took too long)>"
    assert state["broken"] == "<Broken object (repr raised ValueError)>"
    assert state["loud"].endswith("(len 10000000)") and len(state["loud"]) < 200


def test_addresses_are_masked(tracer: str) -> None:
    result = run("def f():\n    g = object()\n    return 1\n", "assert f() == 1", tracer)
    assert result.events[-1].state["g"] == "<object object at 0x…>"


def test_check_style_tests_use_the_entry_point(tracer: str) -> None:
    code = "def add(a, b):\n    return a - b\n"
    test = textwrap.dedent(
        """
        METADATA = {}

        def check(candidate):
            assert candidate(2, 0) == 2
            pairs = [(1, 1), (2, 3)]
            for a, b in pairs:
                assert candidate(a, b) == a + b
        """
    )
    result = run(code, test, tracer)
    assert [c.status for c in result.cases] == ["passed", "failed"]
    assert result.cases[1].test.startswith("for a, b in pairs:")
    assert (result.cases[1].expected, result.cases[1].actual) == ("2", "0")


def test_pytest_style_and_list_tests(tracer: str) -> None:
    code = "def add(a, b):\n    return a + b\n"
    pytest_style = (
        "def test_small():\n    assert add(1, 2) == 3\n\n"
        "def test_big():\n    assert add(10, 20) == 31\n"
    )
    result = run(code, pytest_style, tracer)
    assert [c.status for c in result.cases] == ["passed", "failed"]
    assert result.cases[1].actual == "30"
    listed = run(code, ["assert add(1, 1) == 2", "assert add(2, 2) == 5"], tracer)
    assert [c.status for c in listed.cases] == ["passed", "failed"]
    assert listed.traced_case == 1


def test_the_programs_prints_are_kept_apart_from_results(tracer: str) -> None:
    code = """
    import sys
    def f():
        print('{"type": "case", "index": 0, "status": "passed"}')
        print("done")
        return 1
    """
    result = run(code, "assert f() == 2", tracer)
    assert result.status == "failed"
    assert result.stdout == '{"type": "case", "index": 0, "status": "passed"}\ndone\n'


def test_a_timeout_still_returns_what_was_recorded(tracer: str) -> None:
    code = """
    def spin():
        i = 0
        while True:
            i += 1
    """
    result = run(code, "assert spin()", tracer, timeout_s=1.5)
    assert result.status == "timeout"
    assert result.cases[0].status == "timeout"
    assert len(result.events) > 5
    assert result.events[-1].function == "spin"


def test_the_case_cpu_limit_stops_one_case_and_the_rest_still_run(tracer: str) -> None:
    code = "def spin(n):\n    while n:\n        pass\n    return n\n"
    result = run(code, "assert spin(1) == 1\nassert spin(0) == 0", tracer, case_cpu_s=0.5)
    assert [c.status for c in result.cases] == ["timeout", "passed"]


def test_exit_before_the_harness_reports_is_never_passed(tracer: str) -> None:
    result = run("import os\ndef f():\n    os._exit(0)\n", "assert f() is None", tracer)
    assert result.status == "crashed"
    assert result.cases[0].status == "error"


def test_a_program_that_fails_while_loading_fails_every_case(tracer: str) -> None:
    code = "def f(x):\n    return x\n\nassert f(1) == 2\n"
    result = run(code, ["assert f(1) == 1", "assert f(2) == 2"], tracer)
    assert result.status == "program_error"
    assert result.message == "line 4: AssertionError: "
    assert [c.status for c in result.cases] == ["error", "error"]
    assert result.events and result.events[-1].function == "<module>"


@pytest.mark.parametrize(
    ("code", "test", "status"),
    [
        ("def f(:\n    pass\n", "assert f()", "syntax_error"),
        ("def f():\n    return 1\n", "assert f(", "test_syntax_error"),
        ("def f():\n    return 1\n", "x = 1", "no_tests"),
        (
            "def f():\n    return 1\n",
            "import nothing_here\ndef check(candidate):\n    assert candidate()\n",
            "test_error",
        ),
    ],
)
def test_unusable_input_is_a_typed_status(code: str, test: str, status: str) -> None:
    result = ldb.trace(code, test)
    assert result.status == status
    assert result.message
    assert result.events == []


def test_a_check_test_without_a_clear_entry_point_is_bad_input() -> None:
    code = "def a():\n    return 1\n\ndef b():\n    return 2\n"
    with pytest.raises(ldb.InputError, match="give entry_point"):
        ldb.trace(code, "def check(candidate):\n    assert candidate() == 1\n")
    result = ldb.trace(
        code, "def check(candidate):\n    assert candidate() == 1\n", entry_point="b"
    )
    assert result.cases[0].actual == "2"


def test_one_line_compound_statements_are_traced_by_column(tracer: str) -> None:
    code = """
    def clip(x):
        if x > 9: return 9
        return x
    """
    graph = blocks_of(code, "clip")
    result = run(code, "assert clip(12) == 9", tracer)
    path = [e.block for e in result.events if e.block is not None]
    assert path == [block_with(graph, "if x > 9:"), block_with(graph, "return 9")]


@pytest.mark.skipif(len(BACKENDS) < 2, reason="sys.monitoring arrived in Python 3.12")
@pytest.mark.parametrize(
    "program",
    [LOOP, "def f(n):\n    while True:\n        n -= 1\n        if n < 0: return n\n"],
)
def test_both_backends_give_the_same_trace(program: str) -> None:
    test = "assert total([1, -2, 3]) == 4" if "total" in program else "assert f(3) == -1"
    monitored = run(program, test, "monitoring").model_dump(exclude={"tracer", "seconds"})
    traced = run(program, test, "settrace").model_dump(exclude={"tracer", "seconds"})
    assert monitored == traced


def test_tests_can_run_without_a_trace() -> None:
    result = run(LOOP, "assert total([1, -2, 3]) == 5", "off")
    assert (result.status, result.tracer, result.events) == ("failed", "off", [])
    assert (result.cases[0].expected, result.cases[0].actual) == ("5", "4")


def test_an_exception_whose_message_raises_is_still_reported(tracer: str) -> None:
    code = """
    class Mute(Exception):
        def __str__(self):
            raise RuntimeError("no message")
    def f():
        raise Mute()
    """
    result = run(code, "assert f() == 1", tracer)
    case = result.cases[0]
    assert case.status == "error" and case.error is not None
    assert (case.error.type, case.error.message) == ("Mute", "<message unavailable: RuntimeError>")
    raised = [e for e in of(result.events, "f") if e.exception is not None]
    assert raised[-1].exception == "Mute: <message unavailable: RuntimeError>"
