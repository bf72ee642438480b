"""`ldb debug` from the command line: exit codes, JSON, the rounds as a person reads them."""

from __future__ import annotations

import json
import os
import re
import subprocess
import textwrap
from collections.abc import Iterator, Mapping
from pathlib import Path

import jsonschema
import pytest

import ldb
from ldb.cli import main
from testbed.chat_server import ChatServer
from tests.helpers.cli import ldb_command
from tests.helpers.paths import ROOT
from tests.helpers.plausible import CLAMP, CLAMP_FAILED, CLAMP_TEST, OVERFITTED
from tests.helpers.settings import settings_without

# Settings from the developer's shell that would steer the run away from the offline engine,
# send a key somewhere, or colour the output.
OUTSIDE = (
    "LDB_MODEL",
    "LDB_BASE_URL",
    "OPENAI_BASE_URL",
    "LDB_API_KEY",
    "OPENAI_API_KEY",
    "FORCE_COLOR",
    "NO_COLOR",
    "TTY_COMPATIBLE",
    "TTY_INTERACTIVE",
    "COLORTERM",
)

TOTAL = textwrap.dedent(
    """\
    def total(xs):
        s = 0
        for i in range(len(xs) - 1):
            s += xs[i]
        return s
    """
)
TOTAL_TEST = "assert total([1, 2, 3]) == 6\nassert total([]) == 0\nassert total([5]) == 5\n"
TOTAL_FIXED = TOTAL.replace("range(len(xs) - 1)", "range(len(xs))")

COUNT = textwrap.dedent(
    """\
    def count_at_most(xs, limit):
        n = 0
        for x in xs:
            if x < limit:
                n += 1
        return n
    """
)
COUNT_TEST = textwrap.dedent(
    """\
    assert count_at_most([1, 2, 3], 2) == 2
    assert count_at_most([5], 5) == 1
    assert count_at_most([1, 2, 3], 3) == 3
    assert count_at_most([], 5) == 0
    """
)

# Two top-level functions: a check(candidate) test cannot tell which one it is for.
TWO_FUNCTIONS = TOTAL + "\n\ndef mean(xs):\n    return total(xs) / len(xs)\n"
CHECK_TEST = textwrap.dedent(
    """\
    def check(candidate):
        assert candidate([1, 2, 3]) == 6
        assert candidate([4]) == 4
    """
)

_SGR = re.compile(r"\x1b\[([0-9;]*)m")


def debug_command(
    *args: str,
    stdin: str | None = None,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """`ldb debug ARGS` with none of `OUTSIDE` inherited, plus `env`."""
    clean = {name: value for name, value in os.environ.items() if name not in OUTSIDE}
    return ldb_command("debug", *args, stdin=stdin, cwd=cwd, env={**clean, **(env or {})})


def colours(text: str) -> set[int]:
    """The foreground and background colour codes of the SGR escapes in `text`."""
    codes = {int(code) for params in _SGR.findall(text) for code in params.split(";") if code}
    return {code for code in codes if 30 <= code <= 49 or 90 <= code <= 107}


@pytest.fixture
def no_outside_settings(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The same for `main` run in this process: settings read again without `OUTSIDE`."""
    with settings_without(monkeypatch, OUTSIDE):
        yield


@pytest.fixture
def total(tmp_path: Path) -> Path:
    path = tmp_path / "total.py"
    path.write_text(TOTAL)
    return path


def test_tests_that_already_pass_exit_0_after_no_round(tmp_path: Path) -> None:
    (tmp_path / "total.py").write_text(TOTAL_FIXED)
    result = debug_command("total.py", "--test", TOTAL_TEST, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("PASSED  after 0 rounds   [offline, ")
    assert "Round" not in result.stdout


def test_an_off_by_one_is_fixed_and_each_round_shown(total: Path) -> None:
    result = debug_command("total.py", "--test", TOTAL_TEST, cwd=total.parent)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    lines = out.splitlines()
    assert lines[:4] == [
        "Round 1  1 of 3 cases pass",
        "  ✗ assert total([5]) == 5",
        "      expected 5",
        "      actual   0",
    ]
    assert any(line.startswith("  ✗ line ") for line in lines), out
    assert any(line.startswith("  ✓ line ") for line in lines), out
    assert "  repair: line 3: `range(len(xs) - 1)` → `range(len(xs))`" in out
    diff = lines[lines.index("--- a/total.py") :]
    assert diff[1] == "+++ b/total.py"
    assert "-    for i in range(len(xs) - 1):" in diff
    assert "+    for i in range(len(xs)):" in diff
    assert lines[-1].startswith("FIXED  after 1 round   [offline, ")
    # Not a terminal: no escapes on either stream, and no spinner on standard error.
    assert "\x1b" not in out
    assert result.stderr == ""


def test_json_is_one_document_of_the_schema_and_its_program_passes(tmp_path: Path) -> None:
    (tmp_path / "count.py").write_text(COUNT)
    result = debug_command("count.py", "--test", COUNT_TEST, "--json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    document = json.loads(result.stdout)
    schema = json.loads((ROOT / "schemas" / "debug.schema.json").read_text())
    jsonschema.validate(document, schema)
    assert document["schema_version"] == ldb.SCHEMA_VERSION
    assert (document["status"], document["message"], document["model"]) == (
        "fixed",
        None,
        "offline",
    )
    assert document["program"] == COUNT.replace("x < limit", "x <= limit")
    assert "-        if x < limit:\n+        if x <= limit:\n" in document["diff"]
    [iteration] = document["iterations"]
    assert iteration["program"] == COUNT
    assert iteration["diff"] == document["diff"]
    assert [case["status"] for case in iteration["cases"]].count("failed") == 3
    assert iteration["verdicts"]
    assert {"function", "block", "correct", "explanation"} <= set(iteration["verdicts"][0])
    assert any(verdict["correct"] is False for verdict in iteration["verdicts"])
    assert ldb.trace(document["program"], COUNT_TEST).status == "passed"


def test_a_bug_no_small_edit_fixes_exits_1(tmp_path: Path) -> None:
    (tmp_path / "total.py").write_text('def total(xs):\n    return "nope"\n')
    result = debug_command("total.py", "--test", TOTAL_TEST, cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    assert result.stdout.startswith("Round 1  0 of 3 cases pass\n")
    last = result.stdout.splitlines()[-1]
    assert last.startswith("UNFIXED  after 1 round  no edit of the suspicious lines passes")


def test_no_rounds_allowed_exits_1_with_the_program_unchanged(total: Path) -> None:
    result = debug_command(str(total), "--test", TOTAL_TEST, "--max-iterations", "0", "--json")
    assert result.returncode == 1, result.stderr
    document = json.loads(result.stdout)
    assert document["status"] == "unfixed"
    assert document["message"] == "the tests still fail after 0 rounds"
    assert document["iterations"] == []
    assert (document["program"], document["diff"]) == (TOTAL, "")


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--test", "assert total("], "ldb: the test does not parse: test.py:1:"),
        (["--test", TOTAL_TEST, "--feedback", "nope"], "invalid choice: 'nope'"),
    ],
    ids=["test syntax error", "unknown feedback"],
)
def test_bad_input_exits_2_and_says_why(total: Path, options: list[str], message: str) -> None:
    result = debug_command("total.py", *options, cwd=total.parent)
    assert result.returncode == 2
    assert message in result.stderr
    assert result.stdout == ""


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["missing.py", "--test", TOTAL_TEST], "missing.py: no such file"),
        (["two.py", "--test-file", "missing_test.py"], "missing_test.py: no such file"),
        (["two.py", "--test", TOTAL_TEST, "--task-file", "no.txt"], "no.txt: no such file"),
        (["two.py", "--test", "x = total([1])"], "the test holds no assert and no test_*"),
        (["two.py", "--test", TOTAL_TEST, "--timeout", "-1"], "--timeout: Input should be greater"),
        (
            ["two.py", "--test", TOTAL_TEST, "--max-iterations", "-1"],
            "--max-iterations: Input should be",
        ),
        (["two.py", "--test", CHECK_TEST], "cannot tell which function the test is for"),
    ],
    ids=["no program", "no test file", "no task file", "no assert", "timeout", "rounds", "check"],
)
@pytest.mark.usefixtures("no_outside_settings")
def test_more_bad_input_is_one_line_and_exit_2(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    arguments: list[str],
    message: str,
) -> None:
    """The same way to exit code 2 as above, run in this process to save a start each."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "two.py").write_text(TWO_FUNCTIONS)
    assert main(["debug", *arguments]) == 2
    captured = capsys.readouterr()
    assert captured.err.startswith(f"ldb: {message}")
    assert len(captured.err.splitlines()) == 1
    assert captured.out == ""


def test_a_missing_recording_is_bad_input(total: Path) -> None:
    recording = total.parent / "nowhere.jsonl"
    result = debug_command(str(total), "--test", TOTAL_TEST, "--model", f"replay:{recording}")
    assert result.returncode == 2
    assert result.stderr == f"ldb: no recording at {recording}\n"
    assert result.stdout == ""


def test_a_model_server_that_refuses_is_a_model_error(total: Path) -> None:
    """An HTTP error the client does not retry: a refused connection would be retried with
    backoff for seconds (tests/llm covers that with the sleeps stubbed out)."""
    with ChatServer() as server:
        server.reply(401, json.dumps({"error": {"message": "invalid key"}}))
        result = debug_command(
            str(total), "--test", TOTAL_TEST, "--model", "gpt-test", "--base-url", server.url
        )
        assert len(server.requests) == 1
    assert result.returncode == 3, result.stderr
    last = result.stdout.splitlines()[-1]
    assert last.startswith(f"ERROR  after 1 round  the model failed: gpt-test at {server.url}")
    assert "HTTP 401: invalid key" in last


def test_the_task_and_no_outside_key_reach_a_chat_model(
    total: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-from-the-developer-shell")
    (total.parent / "task.txt").write_text("Sum the numbers in a list.\n")
    with ChatServer() as server:
        server.complete(f"```python\n{TOTAL_FIXED}```")
        result = debug_command(
            "total.py",
            *("--test", TOTAL_TEST, "--task-file", "task.txt"),
            *("--model", "gpt-test", "--base-url", server.url, "--feedback", "simple"),
            cwd=total.parent,
        )
        [request] = server.requests
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1].startswith("FIXED  after 1 round   [gpt-test, 15 tokens")
    assert "authorization" not in request.headers
    assert request.json["model"] == "gpt-test"
    opening = request.json["messages"][1]["content"]
    assert opening.endswith("\nSum the numbers in a list.\n")


def test_the_task_examples_join_a_single_visible_test(total: Path) -> None:
    """With one visible assert, the offline engine also tests the examples the task gives."""
    result = debug_command(
        "total.py",
        *("--test", "assert total([1, 2, 3]) == 6", "--entry-point", "total"),
        *("--task", "Sum a list, so that total([4, 5]) == 9."),
        cwd=total.parent,
    )
    assert result.returncode == 0, result.stderr
    assert "(2 of 2 cases pass" in result.stdout


def test_program_from_stdin_with_a_check_test_from_a_file(tmp_path: Path) -> None:
    """Two functions: without --entry-point the test could be for either (see above)."""
    (tmp_path / "check_test.py").write_text(CHECK_TEST)
    result = debug_command(
        *("-", "--test-file", "check_test.py", "--entry-point", "total"),
        stdin=TWO_FUNCTIONS,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[:2] == ["Round 1  0 of 2 cases pass", "  ✗ assert candidate([4]) == 4"]
    assert "--- a/<stdin>" in lines and "+    for i in range(len(xs)):" in lines
    assert lines[-1].startswith("FIXED  after 1 round")


@pytest.mark.parametrize(
    ("env", "coloured"),
    [
        ({"FORCE_COLOR": "1"}, True),
        ({"FORCE_COLOR": "1", "NO_COLOR": "1"}, False),
    ],
    ids=["FORCE_COLOR", "NO_COLOR"],
)
def test_colour_when_forced_unless_no_color(
    total: Path, env: dict[str, str], coloured: bool
) -> None:
    result = debug_command(
        "total.py", "--test", TOTAL_TEST, cwd=total.parent, env={"TERM": "xterm", **env}
    )
    assert result.returncode == 0, result.stderr
    lines = {_SGR.sub("", line): line for line in result.stdout.splitlines()}
    removed = lines["-    for i in range(len(xs) - 1):"]
    added = lines["+    for i in range(len(xs)):"]
    if coloured:
        assert colours(removed) and colours(added)
        assert colours(removed) != colours(added)
    else:
        assert colours(result.stdout) == set()


def test_a_repair_failing_the_tasks_examples_is_plausible_in_yellow_and_exits_1(
    tmp_path: Path,
) -> None:
    """A model whose repair passes the visible test and fails the docstring's other examples:
    shown with its diff as a fix is, but PLAUSIBLE, each doubt listed, and exit code 1."""
    (tmp_path / "clamp.py").write_text(CLAMP)
    model = ("--model", "gpt-test", "--feedback", "simple")
    with ChatServer() as server:
        server.complete(f"```python\n{OVERFITTED}```")
        server.complete(f"```python\n{OVERFITTED}```")
        shown = debug_command(
            "clamp.py",
            *("--test", CLAMP_TEST, *model, "--base-url", server.url),
            cwd=tmp_path,
            env={"TERM": "xterm", "FORCE_COLOR": "1"},
        )
        as_json = debug_command(
            "clamp.py",
            *("--test", CLAMP_TEST, *model, "--base-url", server.url, "--json"),
            cwd=tmp_path,
        )
    assert shown.returncode == 1, shown.stderr
    lines = {_SGR.sub("", line): line for line in shown.stdout.splitlines()}
    plain = list(lines)
    assert "-    return min(x, high)" in plain and "+    return 0" in plain
    outcome, doubt = plain[-2:]
    assert outcome.startswith(
        "PLAUSIBLE  after 1 round  the tests pass after a repair, but a check doubts it: "
        "look before trusting it   [gpt-test, 15 tokens, "
    )
    assert doubt.startswith("  doubt: fails 2 of ") and CLAMP_FAILED in doubt
    assert 33 in colours(lines[outcome]) and 32 not in colours(lines[outcome])  # yellow

    assert as_json.returncode == 1, as_json.stderr
    document = json.loads(as_json.stdout)
    jsonschema.validate(document, json.loads((ROOT / "schemas" / "debug.schema.json").read_text()))
    assert (document["status"], document["program"]) == ("plausible", OVERFITTED)
    assert document["doubts"] == [doubt.removeprefix("  doubt: ")]
    assert document["message"].endswith("a check doubts it: look before trusting it")


def test_help_says_a_plausible_repair_exits_1() -> None:
    shown = ldb_command("debug", "--help")
    assert shown.returncode == 0
    words = " ".join(shown.stdout.split())
    assert "1 still failing or only plausible (the tests pass after a repair that a check" in words
    assert "a plausible one, which a check doubts, is never written" in words
