"""The seeded-bug corpus: small programs of our own, each with one planted fault, its fix and
its tests, read from `seeded_bugs.jsonl` beside this module.

Run: python -m testbed.seeded_bugs to check every bug (each program and fix parses, the fault
lines are where program and fix differ, the tests pass on the fix and split the buggy program
into passing and failing cases, all in ldb's sandbox); one line a bug, exit status 1 on any
violation.
"""

from __future__ import annotations

import ast
import difflib
import json
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ldb

PATH = Path(__file__).with_name("seeded_bugs.jsonl")

SMALL_EDIT_KINDS = (
    "comparison",
    "arithmetic",
    "boolean",
    "constant",
    "range_bound",
    "slice_bound",
    "negation",
    "extra_condition",
    "swapped_operands",
    "wrong_variable",
    "wrong_return",
    "missing_statement",
    "wrong_init",
    "wrong_call",
)
"""Faults one small edit of one line undoes: what a repair search should find."""
HARD_KINDS = ("logic",)
"""Faults beyond one small edit: a repair search should not find these."""
KINDS = SMALL_EDIT_KINDS + HARD_KINDS

TESTS_PER_BUG = range(5, 9)
LINES_PER_PROGRAM = range(5, 36)


@dataclass(frozen=True)
class SeededBug:
    id: str
    task: str
    """What the function must do, as a user would ask, with one example call."""
    entry_point: str
    program: str
    """The buggy program."""
    fixed: str
    """The program with the fault undone and nothing else changed."""
    tests: list[str]
    """One-line asserts: some pass on `program`, at least one fails, all pass on `fixed`."""
    fault_lines: list[int]
    """1-based lines of `program` holding the fault; for a missing statement, the line just
    before the gap."""
    kind: str

    @property
    def small_edit(self) -> bool:
        return self.kind in SMALL_EDIT_KINDS


def load(path: Path = PATH) -> list[SeededBug]:
    """Every bug of the corpus, in file order."""
    bugs = []
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if line.strip():
                bugs.append(_bug(json.loads(line), f"{path}:{number}"))
    return bugs


def _bug(record: dict[str, Any], where: str) -> SeededBug:
    fields = set(SeededBug.__dataclass_fields__)
    if set(record) != fields:
        raise ValueError(f"{where}: fields {sorted(record)}, expected {sorted(fields)}")
    return SeededBug(
        id=str(record["id"]),
        task=str(record["task"]),
        entry_point=str(record["entry_point"]),
        program=str(record["program"]),
        fixed=str(record["fixed"]),
        tests=[str(test) for test in record["tests"]],
        fault_lines=[int(line) for line in record["fault_lines"]],
        kind=str(record["kind"]),
    )


def differing_lines(program: str, fixed: str) -> list[set[int]]:
    """For each place `program` differs from `fixed`, the lines of `program` a fault line may
    name there: the changed lines, or, where lines of `fixed` are missing, the two lines either
    side of the gap."""
    lines = program.splitlines()
    matcher = difflib.SequenceMatcher(None, fixed.splitlines(), lines, autojunk=False)
    hunks = []
    for tag, _, _, start, end in matcher.get_opcodes():
        if tag == "delete":
            hunks.append({n for n in (start, start + 1) if 1 <= n <= len(lines)})
        elif tag != "equal":
            hunks.append(set(range(start + 1, end + 1)))
    return hunks


def static_problems(bug: SeededBug) -> list[str]:
    """What is wrong with `bug` short of running it."""
    problems = []
    if bug.kind not in KINDS:
        problems.append(f"unknown kind {bug.kind!r}")
    if f"{bug.entry_point}(" not in bug.task:
        problems.append("the task shows no example call")
    if len(bug.tests) not in TESTS_PER_BUG:
        problems.append(f"{len(bug.tests)} tests, not 5 to 8")
    for test in bug.tests:
        if "\n" in test or not test.startswith("assert ") or f"{bug.entry_point}(" not in test:
            problems.append(f"not a one-line assert calling {bug.entry_point}: {test!r}")
    for name, source in (("program", bug.program), ("fixed", bug.fixed)):
        try:
            tree = ast.parse(source)
        except SyntaxError as error:
            problems.append(f"{name} does not parse: {error}")
            continue
        defined = {node.name for node in tree.body if isinstance(node, ast.FunctionDef)}
        if bug.entry_point not in defined:
            problems.append(f"{name} does not define {bug.entry_point}")
    if len(bug.program.splitlines()) not in LINES_PER_PROGRAM:
        problems.append(f"the program has {len(bug.program.splitlines())} lines, not 5 to 35")
    hunks = differing_lines(bug.program, bug.fixed)
    if not hunks:
        problems.append("program and fixed are the same")
    if not bug.fault_lines:
        problems.append("no fault lines")
    allowed = set().union(*hunks)
    stray = sorted(set(bug.fault_lines) - allowed)
    if stray:
        problems.append(f"fault lines {stray} are not where program and fixed differ")
    if any(not hunk & set(bug.fault_lines) for hunk in hunks):
        problems.append("a difference between program and fixed has no fault line")
    return problems


def run_problems(bug: SeededBug) -> list[str]:
    """What is wrong with how `bug`'s tests run, on the buggy program and on its fix."""
    problems = []
    buggy = ldb.trace(bug.program, bug.tests, entry_point=bug.entry_point, tracer="off")
    statuses = Counter(case.status for case in buggy.cases)
    if buggy.status != "failed" or set(statuses) - {"passed", "failed", "error"}:
        problems.append(f"buggy program: {buggy.status} ({dict(statuses)}) {buggy.message or ''}")
    if not statuses["passed"]:
        problems.append("no test passes on the buggy program")
    if not statuses["failed"] + statuses["error"]:
        problems.append("no test fails on the buggy program")
    fixed = ldb.trace(bug.fixed, bug.tests, entry_point=bug.entry_point, tracer="off")
    if fixed.status != "passed":
        failing = [case.test for case in fixed.cases if case.status != "passed"]
        problems.append(f"fixed program: {fixed.status} {fixed.message or ''} {failing}")
    return problems


def corpus_problems(bugs: list[SeededBug]) -> list[str]:
    """What is wrong with the corpus as a whole."""
    repeated = sorted(name for name, count in Counter(bug.id for bug in bugs).items() if count > 1)
    return [f"repeated ids: {repeated}"] if repeated else []


def main() -> None:
    bugs = load()
    failed = False
    for bug in bugs:
        problems = static_problems(bug) or run_problems(bug)
        failed = failed or bool(problems)
        verdict = "; ".join(problems) if problems else "ok"
        lines = ",".join(str(line) for line in bug.fault_lines)
        print(f"{bug.id:36} {bug.kind:17} line {lines:7} {verdict}")
    for problem in corpus_problems(bugs):
        failed = True
        print(problem)
    kinds = Counter(bug.kind for bug in bugs)
    print(f"{len(bugs)} bugs: " + ", ".join(f"{kind} {kinds[kind]}" for kind in KINDS))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
