"""`ldb trace` from the command line, and golden traces of the examples."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

import ldb
from ldb.schema import json_schema
from tests.helpers.cli import ldb_command
from tests.helpers.golden import GOLDEN, compare
from tests.helpers.paths import EXAMPLES

# Each example with a test beside it: (program, test file, entry point for check()).
TRACED = [
    ("second_largest", None),
    ("parse_intervals", None),
    ("shapes", "describe"),
]


@pytest.mark.parametrize(("name", "entry_point"), TRACED)
def test_example_traces_match_their_golden_files(name: str, entry_point: str | None) -> None:
    """The same trace on every backend and Python version: the fields that say which ran,
    and how long it took, are left out."""
    program = (EXAMPLES / f"{name}.py").read_text()
    test = (EXAMPLES / f"{name}_test.py").read_text()
    result = ldb.trace(program, test, entry_point=entry_point)
    document = result.model_dump(mode="json", exclude={"tracer", "sandbox", "python", "seconds"})
    compare(GOLDEN / "trace" / f"{name}.json", json.dumps(document, indent=2) + "\n")


def trace_command(*args: str) -> tuple[int, str, str]:
    result = ldb_command("trace", *args)
    return result.returncode, result.stdout, result.stderr


def test_failing_test_exits_1_and_shows_expected_and_actual_first() -> None:
    code, out, _ = trace_command(
        str(EXAMPLES / "second_largest.py"),
        "--test-file",
        str(EXAMPLES / "second_largest_test.py"),
    )
    assert code == 1
    lines = out.splitlines()
    assert lines[0].startswith("FAILED  1 of 4 cases passed")
    assert lines[2:5] == [
        "  ✗ assert second_largest([7, 7]) is None",
        "      expected is None",
        "      actual   7",
    ]
    assert "Trace of case 2" in out
    assert "second = n" in out and "│ second=7" in out
    assert "⇒ return 7" in out


def test_passing_test_exits_0_and_json_matches_the_schema() -> None:
    code, out, _ = trace_command(
        str(EXAMPLES / "shapes.py"),
        "--test-file",
        str(EXAMPLES / "shapes_test.py"),
        "--entry-point",
        "describe",
        "--json",
    )
    assert code == 0
    document = json.loads(out)
    jsonschema.validate(document, json_schema("trace"))
    assert document["status"] == "passed"
    assert document["schema_version"] == ldb.SCHEMA_VERSION


def test_test_text_limits_and_tracer_options(tmp_path: Path) -> None:
    program = tmp_path / "count.py"
    program.write_text(
        "def count(n):\n    t = 0\n    for i in range(n):\n        t += i\n    return t\n"
    )
    code, out, _ = trace_command(
        str(program),
        "--test",
        "assert count(100) == 4950",
        "--visits-per-block",
        "3",
        "--tracer",
        "settrace",
        "--json",
    )
    assert code == 0
    document = json.loads(out)
    assert document["tracer"] == "settrace"
    assert max(e["visit"] for e in document["events"]) == 3


@pytest.mark.parametrize(
    ("program", "test", "message"),
    [
        ("def f(:\n", "assert f()", "prog.py:1:7: syntax error"),
        ("def f():\n    return 1\n", "assert f(", "test.py:1:"),
        ("def f():\n    return 1\n", "x = 1", "no assert"),
    ],
)
def test_bad_input_exits_2_with_one_line(
    tmp_path: Path, program: str, test: str, message: str
) -> None:
    path = tmp_path / "prog.py"
    path.write_text(program)
    code, out, err = trace_command(str(path), "--test", test)
    assert code == 2
    assert message in err
    assert len(err.strip().splitlines()) == 1
    assert out == ""


def test_options_out_of_range_are_bad_input(tmp_path: Path) -> None:
    path = tmp_path / "prog.py"
    path.write_text("def f():\n    return 1\n")
    code, _, err = trace_command(str(path), "--test", "assert f()", "--timeout", "-1")
    assert code == 2
    assert "--timeout: Input should be greater than 0" in err


def test_a_test_is_required() -> None:
    code, _, err = trace_command(str(EXAMPLES / "shapes.py"))
    assert code == 2
    assert "--test" in err


@pytest.mark.parametrize("command", ["trace", "debug"])
def test_an_unisolated_run_says_so_in_one_warning_line_unless_json(command: str) -> None:
    arguments = [
        command,
        str(EXAMPLES / "shapes.py"),
        "--test-file",
        str(EXAMPLES / "shapes_test.py"),
        "--entry-point",
        "describe",
    ]
    unisolated = {"LDB_SANDBOX": "unisolated"}
    shown = ldb_command(*arguments, env=unisolated)
    assert shown.returncode == 0, shown.stderr
    warnings = [line for line in shown.stderr.splitlines() if "warning" in line]
    assert warnings == [
        "ldb: warning: the program ran unisolated (LDB_SANDBOX=unisolated asks for it)"
    ]
    as_json = ldb_command(*arguments, "--json", env=unisolated)
    assert json.loads(as_json.stdout)["sandbox"] == "unisolated"
    assert "warning" not in as_json.stderr
    if ldb.sandbox_status().mode == "bwrap":
        isolated = ldb_command(*arguments)
        assert "warning" not in isolated.stderr
