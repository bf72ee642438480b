"""A corpus of one-line bugs in small algorithm programs, each of one of 17 bug classes, with its
fix, the tests the debugger sees and the hidden tests that score it, read from `corpus.jsonl`.

Run: python -m bench.bugs --check to check every bug (one line a violation, exit status 1 on
any); python -m bench.bugs [--limit N] [--budget S] [--only CLASS] [--json FILE] to benchmark
the offline engine on the corpus.
"""

from __future__ import annotations

import ast
import difflib
import json
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ldb
from ldb.debugging.offline.examples import examples

PATH = Path(__file__).with_name("corpus.jsonl")

CLASSES = (
    "change_identifier",
    "change_numeric_literal",
    "change_boolean_literal",
    "wrong_function_name",
    "more_function_args",
    "fewer_function_args",
    "swapped_arguments",
    "change_caller",
    "change_binary_operator",
    "change_unary_operator",
    "change_operand",
    "more_specific_condition",
    "less_specific_condition",
    "missing_statement",
    "extra_statement",
    "wrong_return",
    "wrong_augmented_assignment",
)
"""The single-statement bug classes of the ManySStuBs4J and PySStuBs studies, with wrong
returns and wrong augmented assignments, in the order the corpus documents them."""

VISIBLE_TESTS = range(3, 6)
HIDDEN_TESTS = range(8, 16)
EXAMPLES = range(1, 3)
PROGRAM_LINES = range(5, 31)

_ID = re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)*")
_KEYS = {"id", "class", "task", "entry_point", "program", "fixed", "visible", "hidden"}
_EDIT = {"missing_statement": ("insert", 0, 1), "extra_statement": ("delete", 1, 0)}
"""How program and fixed differ, by class: a (difflib tag, program lines, fixed lines) hunk;
every other class changes one line."""
_CHANGED = ("replace", 1, 1)
_NOT_EXTRA = ("assert", "return", "raise")
"""An extra statement is never one of these: deleting it would be no repair of the logic."""


@dataclass(frozen=True)
class Bug:
    id: str
    kind: str
    """One of `CLASSES`; the JSON key is `class`."""
    task: str
    """What the function must do, as a user would ask, ending with one or two examples in the
    form `f(args) == value`."""
    entry_point: str
    program: str
    """The buggy program."""
    fixed: str
    """The program with the bug undone: one line changed, inserted or deleted."""
    visible: tuple[str, ...]
    """The asserts the debugger sees: at least one fails on `program`."""
    hidden: tuple[str, ...]
    """The asserts that score a repair: all of `visible` and more; all pass on `fixed`."""


def load(path: Path = PATH) -> list[Bug]:
    """Every bug of the corpus at `path`, in file order; ValueError names a line that is not
    a bug's record."""
    bugs = []
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            where = f"{path}:{number}"
            try:
                record = json.loads(line)
            except json.JSONDecodeError as error:
                raise ValueError(f"{where}: {error}") from None
            bugs.append(_bug(record, where))
    return bugs


def _bug(record: Any, where: str) -> Bug:
    if not isinstance(record, dict) or set(record) != _KEYS:
        keys = sorted(record) if isinstance(record, dict) else type(record).__name__
        raise ValueError(f"{where}: keys {keys}, expected {sorted(_KEYS)}")
    texts = {key: record[key] for key in _KEYS - {"visible", "hidden"}}
    tests = {key: record[key] for key in ("visible", "hidden")}
    if not all(isinstance(value, str) for value in texts.values()) or not all(
        isinstance(value, list) and all(isinstance(test, str) for test in value)
        for value in tests.values()
    ):
        raise ValueError(f"{where}: visible and hidden must be lists of strings, the rest strings")
    return Bug(
        id=texts["id"],
        kind=texts["class"],
        task=texts["task"],
        entry_point=texts["entry_point"],
        program=texts["program"],
        fixed=texts["fixed"],
        visible=tuple(tests["visible"]),
        hidden=tuple(tests["hidden"]),
    )


def problems(bug: Bug) -> list[str]:
    """What is wrong with `bug`, empty when nothing is; its programs are run in ldb's sandbox
    once nothing is wrong short of running them."""
    found = _field_problems(bug) + _test_problems(bug)
    found += _source_problems("program", bug.program, bug.entry_point)
    found += _source_problems("fixed", bug.fixed, bug.entry_point)
    edit = _edit_problem(bug)
    if edit:
        found.append(edit)
    return found or _run_problems(bug)


def corpus_problems(bugs: list[Bug]) -> list[str]:
    """What is wrong with the corpus as a whole: ids or programs that repeat."""
    found = []
    ids = Counter(bug.id for bug in bugs)
    if repeated := sorted(name for name, count in ids.items() if count > 1):
        found.append(f"repeated ids: {repeated}")
    programs = Counter(bug.program for bug in bugs)
    if twice := [bug.id for bug in bugs if programs[bug.program] > 1]:
        found.append(f"the same program in: {twice}")
    return found


def _field_problems(bug: Bug) -> list[str]:
    found = []
    if not _ID.fullmatch(bug.id):
        found.append(f"id {bug.id!r} is not snake_case")
    if bug.kind not in CLASSES:
        found.append(f"unknown class {bug.kind!r}")
    if not bug.entry_point.isidentifier():
        found.append(f"entry point {bug.entry_point!r} is not a name")
    shown = examples(bug.task, bug.entry_point)
    if len(shown) not in EXAMPLES:
        found.append(f"the task shows {len(shown)} examples `{bug.entry_point}(...) == value`")
    return found


def _test_problems(bug: Bug) -> list[str]:
    found = []
    if len(bug.visible) not in VISIBLE_TESTS:
        found.append(f"{len(bug.visible)} visible tests, not 3 to 5")
    if len(bug.hidden) not in HIDDEN_TESTS:
        found.append(f"{len(bug.hidden)} hidden tests, not 8 to 15")
    call = f"{bug.entry_point}("
    for test in dict.fromkeys(bug.visible + bug.hidden):
        if "\n" in test or not test.startswith("assert ") or call not in test:
            found.append(f"not a one-line assert calling {bug.entry_point}: {test!r}")
    unseen = [test for test in bug.visible if test not in bug.hidden]
    if unseen:
        found.append(f"visible tests not among the hidden ones: {unseen}")
    return found


def _source_problems(name: str, source: str, entry_point: str) -> list[str]:
    found = []
    if not source.endswith("\n"):
        found.append(f"{name} does not end with a newline")
    lines = len(source.splitlines())
    if lines not in PROGRAM_LINES:
        found.append(f"{name} has {lines} lines, not 5 to 30")
    try:
        tree = ast.parse(source)
    except SyntaxError as error:
        return [*found, f"{name} does not parse: {error}"]
    defined = {node.name for node in tree.body if isinstance(node, ast.FunctionDef)}
    if entry_point not in defined:
        found.append(f"{name} does not define {entry_point}")
    return found


def _edit_problem(bug: Bug) -> str | None:
    """How program and fixed break the one-line difference rule of `bug`'s class, if they do."""
    program, fixed = bug.program.splitlines(), bug.fixed.splitlines()
    matcher = difflib.SequenceMatcher(None, program, fixed, autojunk=False)
    opcodes = [opcode for opcode in matcher.get_opcodes() if opcode[0] != "equal"]
    hunks = [(tag, i2 - i1, j2 - j1) for tag, i1, i2, j1, j2 in opcodes]
    wanted = _EDIT.get(bug.kind, _CHANGED)
    if hunks != [wanted]:
        differ = _words(hunks)
        return f"{bug.kind} needs {_words([wanted])}, but program and fixed differ by {differ}"
    _, i1, i2, j1, j2 = opcodes[0]
    lines = program[i1:i2] + fixed[j1:j2]
    if any(not line.strip() or line.lstrip().startswith("#") for line in lines):
        return "the line that differs is blank or a comment"
    first = lines[0].split()[0]
    if bug.kind == "extra_statement" and first in _NOT_EXTRA:
        return f"the extra statement is a `{first}`"
    if bug.kind == "wrong_return" and not all(line.split()[0] == "return" for line in lines):
        return "wrong_return changes a line other than a return"
    return None


def _words(hunks: Sequence[tuple[str, int, int]]) -> str:
    if not hunks:
        return "nothing"
    words = []
    for tag, old, new in hunks:
        if tag == "insert":
            words.append(f"{_lines(new)} missing from program")
        elif tag == "delete":
            words.append(f"{_lines(old)} too many in program")
        elif old == new:
            words.append(f"{_lines(old)} changed")
        else:
            words.append(f"{_lines(old)} changed into {new}")
    return ", ".join(words)


def _lines(count: int) -> str:
    return "one line" if count == 1 else f"{count} lines"


def _run_problems(bug: Bug) -> list[str]:
    """What is wrong with how the tests run: one sandbox run of `fixed` on the hidden tests and
    the task's examples, one of `program` on the visible tests."""
    found = []
    extra = [test for test in examples(bug.task, bug.entry_point) if test not in bug.hidden]
    fixed = ldb.trace(bug.fixed, [*bug.hidden, *extra], entry_point=bug.entry_point, tracer="off")
    failing = [case.test for case in fixed.cases if case.status != "passed"]
    if fixed.status != "passed" or failing:
        why = f" ({fixed.message})" if fixed.message else ""
        first = f", first {failing[0]!r}" if failing else ""
        found.append(f"fixed: {fixed.status}{why}, {len(failing)} tests fail{first}")
    buggy = ldb.trace(bug.program, list(bug.visible), entry_point=bug.entry_point, tracer="off")
    statuses = Counter(case.status for case in buggy.cases)
    if not statuses["failed"] + statuses["error"]:
        why = f" ({buggy.message})" if buggy.message else ""
        found.append(f"program: no visible test fails ({buggy.status}{why})")
    if set(statuses) - {"passed", "failed", "error"}:
        found.append(f"program: visible tests end {dict(statuses)}")
    return found
