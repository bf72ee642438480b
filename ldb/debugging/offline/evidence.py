"""How far to trust an edit that passes the tests: the marks of overfitted repairs, its size
by AST distance, and its agreement with the task, the trace and the other edits that pass."""

from __future__ import annotations

import ast
import difflib
import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

from ldb import asts
from ldb.debugging.offline.edits import Edit
from ldb.debugging.offline.probes import (
    TIMEOUT,
    Answers,
    Path,
    Probe,
    answers,
    observed,
    probes,
)
from ldb.debugging.offline.repair import Moved
from ldb.settings import RunLimits

_GUARDS = {ast.Assert: "an `assert`", ast.Return: "a `return`", ast.Raise: "a `raise`"}
_NUMBER = re.compile(r"(?<![\w.])-?\d+(?:\.\d+)?(?!\w|\.\d)")
_SMALL_NUMBERS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
_NUMBER_WORDS = {
    **{word: float(n) for n, word in enumerate(_SMALL_NUMBERS)},
    "ten": 10.0,
    "eleven": 11.0,
    "twelve": 12.0,
    "twenty": 20.0,
    "hundred": 100.0,
    "thousand": 1000.0,
    "square": 2.0,
    "squared": 2.0,
    "cube": 3.0,
    "cubed": 3.0,
    "cubic": 3.0,
    "half": 2.0,
    "double": 2.0,
    "twice": 2.0,
    "triple": 3.0,
    "thrice": 3.0,
    "quarter": 4.0,
    "even": 2.0,
    "odd": 2.0,
    "binary": 2.0,
    "decimal": 10.0,
    "digit": 10.0,
    "digits": 10.0,
}
"""Words that name a number: the task that says "cube" has named 3, "even" 2."""
_DRASTIC = 6
"""An expression of this many nodes or more replaced by a bare name or literal is gutted."""


@dataclass(frozen=True)
class Weighed:
    """An edit that passes the tests, with what speaks against it."""

    edit: Edit
    flags: list[str]
    """The marks of an overfitted repair it bears, a sentence each."""
    distance: int
    """Nodes removed plus nodes added: the size of the change."""
    changed: int = 0
    """Probes near a passing test on which it answers otherwise than the program did."""
    answers: Answers = ()


@dataclass(frozen=True)
class Choice:
    """The edit to keep among those that pass, and the doubts about it."""

    edit: Edit
    doubts: list[str]


def marks(
    original: str,
    edit: Edit,
    *,
    task: str | None,
    values: Mapping[str, str],
    suspected_lines: Collection[int],
) -> Weighed:
    """The edit weighed on its own: the marks of overfitting it bears and its size."""
    try:
        before, after = asts.parse_module(original), asts.parse_module(edit.program)
    except (SyntaxError, ValueError):
        return Weighed(edit, [], 0)
    changes = _changes(before, after)
    flags = [
        *_guards_removed(before, after),
        *_throwaway_read(before, after),
        *_left_unused(before, after),
        *_task_numbers_changed(changes, task),
        *_gutted(changes, original, edit.program),
        *_other_types(changes, values),
    ]
    if suspected_lines and edit.line not in suspected_lines:
        flags.append(f"it changes line {edit.line}, which no failing case ran")
    return Weighed(edit, flags, sum(_size(old) + _size(new) for old, new in changes))


def choose(
    original: str,
    passing_edits: Sequence[Edit],
    *,
    tests: Sequence[str],
    passing_tests: Collection[int],
    entry_point: str | None,
    task: str | None,
    values: Mapping[str, str],
    suspected_lines: Collection[int],
    limits: RunLimits,
    test_paths: Sequence[Path] = (),
) -> Choice:
    """The edit to keep among several that pass every test (in the order the search found
    them), and what speaks against it. Each is run on inputs near the tests' own: the least
    marked edit wins, then the one that changes the program's answers least near the tests
    it passed, then the smallest. Another unmarked edit that answers otherwise on some of
    those inputs is a doubt: the tests do not tell the two apart. So is a changed answer on
    an input whose run takes the path of a passing test and of no failing one (`test_paths`
    gives each test's): the program was likely right there, as on that test."""
    weighed = [
        marks(original, edit, task=task, values=values, suspected_lines=suspected_lines)
        for edit in passing_edits
    ]
    near = probes(tests, entry_point) if entry_point else []
    if near:
        before, before_paths = observed(original, near, limits=limits)
        kinds = expected_kinds(tests)
        weighed = [_probed(w, near, before, passing_tests, kinds, limits) for w in weighed]
    order = sorted(
        range(len(weighed)),
        key=lambda i: (len(weighed[i].flags), weighed[i].changed, weighed[i].distance, i),
    )
    chosen = weighed[order[0]]
    doubts = list(chosen.flags)
    rivals = [weighed[i] for i in order[1:] if not weighed[i].flags]
    disagreement = _disagreement(chosen, rivals, near)
    if disagreement:
        doubts.append(disagreement)
    if near and test_paths:
        changed = _changed_where_right(
            chosen, near, before, before_paths, passing_tests, test_paths
        )
        if changed:
            doubts.append(changed)
    if len(tests) < 2:
        doubts.append(
            "a single test case shows it, and one case cannot tell a fix from a special case"
        )
    return Choice(chosen.edit, doubts)


def weak_tests(moved: Sequence[Moved], passing: int) -> str | None:
    """Why the tests barely tell a repair from any other change, if they do: every failing
    case expects what most edits that change its answer give (a yes/no, say), and at most
    one passing case stands in the way of a wrong one."""
    if not moved or passing > 1 or any(m.ease < _EASY for m in moved):
        return None
    changed = sum(m.changed for m in moved)
    hit = sum(m.passed for m in moved)
    cases = "the failing case" if len(moved) == 1 else "each failing case"
    others = ("no passing case", "one passing case")[passing]
    return (
        f"{cases} expects what most edits that change its answer give ({hit} of {changed} "
        f"such edits tried pass), and {others} checks the rest: the tests barely tell this "
        "edit from another"
    )


_EASY = 0.5
"""A failing case passed by this share of the edits that move it says little."""


def _changed_where_right(
    chosen: Weighed,
    near: Sequence[Probe],
    before: Answers,
    before_paths: Sequence[Path | None],
    passing_tests: Collection[int],
    test_paths: Sequence[Path],
) -> str | None:
    """The first probe whose run in the original program takes a passing test's path (and
    no failing test's) and on which the edit changes the answer, in words."""
    passing = {path for i, path in enumerate(test_paths) if i in passing_tests}
    failing = {path for i, path in enumerate(test_paths) if i not in passing_tests}
    alike = passing - failing
    if not alike:
        return None
    for probe, path, old, new in zip(near, before_paths, before, chosen.answers, strict=True):
        if path in alike and old != new and TIMEOUT not in (old, new):
            return (
                f"it changes the answer for {probe.call} ({old} before, {new} now), whose run "
                "takes the same path as a test the program passed"
            )
    return None


def _probed(
    weighed: Weighed,
    near: Sequence[Probe],
    before: Answers,
    passing_tests: Collection[int],
    kinds: set[str],
    limits: RunLimits,
) -> Weighed:
    """The edit run on the probes: how often it changes the program's answers near the tests
    it passed, and a mark where it makes the program raise, or answer a kind of value no
    test expects, where before it answered as the tests do."""
    now = answers(weighed.edit.program, near, limits=limits)
    flags = list(weighed.flags)
    changed = 0
    broken = None
    for probe, old, new in zip(near, before, now, strict=True):
        if TIMEOUT in (old, new) or old == new:
            continue
        changed += probe.source in passing_tests
        if broken is None and _kind(old) in kinds and _kind(new) not in kinds:
            broken = f"it makes {probe.call} {_said(new)}, where the program gave {old}"
    if broken is not None:
        flags.append(broken)
    return Weighed(weighed.edit, flags, weighed.distance, changed, now)


def expected_kinds(tests: Sequence[str]) -> set[str]:
    """The kinds of value the tests expect (`list`, `int`, …): the right-hand sides of their
    `==` comparisons, and `bool` for a bare `assert f(x)`; ints count as floats too."""
    kinds: set[str] = set()
    for test in tests:
        try:
            tree = asts.parse_module(test)
        except (SyntaxError, ValueError):
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Compare) and isinstance(node.ops[0], ast.Eq | ast.Is):
                try:
                    value = ast.literal_eval(node.comparators[0])
                except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
                    continue
                kinds.add(type(value).__name__)
            elif isinstance(node, ast.Assert) and not isinstance(node.test, ast.Compare):
                kinds.add("bool")
    if "int" in kinds:
        kinds.add("float")
    return kinds


def _kind(answer: str) -> str:
    if answer.startswith("raises ") or answer == TIMEOUT:
        return answer.split(" ")[0]
    try:
        return type(ast.literal_eval(answer)).__name__
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return "other"


def _said(answer: str) -> str:
    return answer if answer.startswith("raises ") else f"give {answer}"


def _disagreement(chosen: Weighed, rivals: Sequence[Weighed], near: Sequence[Probe]) -> str | None:
    differing = []
    for rival in rivals:
        for probe, ours, theirs in zip(near, chosen.answers, rival.answers, strict=True):
            if ours != theirs and TIMEOUT not in (ours, theirs):
                differing.append((rival, probe, ours, theirs))
                break
    if not differing:
        return None
    rival, probe, ours, theirs = differing[0]
    others = len(differing) - 1
    more = f" (and {others} more such edit{'s' * (others != 1)})" if others else ""
    return (
        f"another edit passes the tests too, {rival.edit.description}{more}, and answers "
        f"otherwise: {probe.call} gives {ours} with this repair and {theirs} with that one"
    )


Change = tuple[object, object]
"""A part of the old program and what replaced it (None: inserted or deleted)."""


def _changes(before: object, after: object) -> list[Change]:
    """The smallest differing parts of two trees: where types or plain values differ, or a
    list of statements or expressions grew or shrank."""
    if type(before) is not type(after):
        return [(before, after)]
    if isinstance(before, ast.AST):
        assert isinstance(after, ast.AST)
        if isinstance(before, ast.expr_context):
            return []
        found: list[Change] = []
        for field in before._fields:
            if field == "type_comment":
                continue
            old, new = getattr(before, field, None), getattr(after, field, None)
            if not isinstance(old, ast.AST | list) and old != new:
                # A plain field (a name, a literal's value) changed: the node is the change.
                return [(before, after)]
            found += _changes(old, new)
        return found
    if isinstance(before, list):
        assert isinstance(after, list)
        if len(before) == len(after):
            return [c for old, new in zip(before, after, strict=True) for c in _changes(old, new)]
        return _list_changes(before, after)
    return [] if before == after else [(before, after)]


def _list_changes(before: list[object], after: list[object]) -> list[Change]:
    keys = [[_dump(item) for item in items] for items in (before, after)]
    matcher = difflib.SequenceMatcher(None, keys[0], keys[1], autojunk=False)
    found: list[Change] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        if tag == "replace" and i2 - i1 == j2 - j1:
            for old, new in zip(before[i1:i2], after[j1:j2], strict=True):
                found += _changes(old, new)
            continue
        found += [(old, None) for old in before[i1:i2]]
        found += [(None, new) for new in after[j1:j2]]
    return found


def _dump(node: object) -> str:
    return ast.dump(node) if isinstance(node, ast.AST) else repr(node)


def _size(node: object) -> int:
    if isinstance(node, ast.AST):
        return sum(1 for n in ast.walk(node) if not isinstance(n, ast.expr_context))
    return 0 if node is None else 1


def _guards_removed(before: ast.Module, after: ast.Module) -> list[str]:
    flags = []
    for kind, words in _GUARDS.items():
        lost = _count(before, kind) - _count(after, kind)
        if lost > 0:
            flags.append(f"it deletes {words}, as overfitted repairs do")
    return flags


def _count(tree: ast.AST, kind: type[ast.AST]) -> int:
    return sum(isinstance(node, kind) for node in ast.walk(tree))


def _throwaway_read(before: ast.Module, after: ast.Module) -> list[str]:
    if _reads(after).get("_", 0) > _reads(before).get("_", 0):
        return ["it reads `_`, a name meant to be thrown away"]
    return []


def _reads(tree: ast.AST) -> dict[str, int]:
    found: dict[str, int] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
            found[node.id] = found.get(node.id, 0) + 1
    return found


def _left_unused(before: ast.Module, after: ast.Module) -> list[str]:
    """Variables a function read before the edit and only sets after it: the edit took the
    last use of a value someone went to the trouble of computing."""
    old_functions = _functions(before)
    flags = []
    for name, function in _functions(after).items():
        old = old_functions.get(name)
        if old is None:
            continue
        read_before, read_now = _reads(old), _reads(function)
        for variable in sorted(_bound(function)):
            if read_before.get(variable) and not read_now.get(variable) and variable != "_":
                flags.append(f"it leaves `{variable}` unused in {name}")
    return flags


def _functions(tree: ast.Module) -> dict[str, ast.FunctionDef | ast.AsyncFunctionDef]:
    return {
        node.name: node
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    }


def _bound(function: ast.FunctionDef | ast.AsyncFunctionDef) -> set[str]:
    names = {a.arg for a in [*function.args.posonlyargs, *function.args.args]}
    names |= {a.arg for a in function.args.kwonlyargs}
    for node in ast.walk(function):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
    return names


def _task_numbers_changed(changes: Sequence[Change], task: str | None) -> list[str]:
    """Numbers the task's words name (not its examples', nor 0 and 1, which every text has)
    that the edit changes: `13` in "divisible by 11 or 13" is not the program's to change."""
    if not task:
        return []
    prose = _prose(task)
    named = {float(text) for text in _NUMBER.findall(prose)}
    named |= {
        _NUMBER_WORDS[word]
        for word in re.findall(r"[a-z]+", prose.lower())
        if word in _NUMBER_WORDS
    }
    named -= {0.0, 1.0, -1.0}
    flags = []
    for old, new in changes:
        if (
            isinstance(old, ast.Constant)
            and type(old.value) in (int, float)
            and old.value in named
            and not (isinstance(new, ast.Constant) and new.value == old.value)
        ):
            flags.append(f"it changes {old.value!r}, a number the task names")
    return flags


def _prose(task: str) -> str:
    """The task without its examples: doctest lines and what follows them, and `f(x) == y`
    lines."""
    kept, in_example = [], False
    for line in task.splitlines():
        stripped = line.strip()
        if stripped.startswith(">>>"):
            in_example = True
            continue
        if in_example and stripped and not stripped.startswith(('"""', "'''")):
            continue
        in_example = False
        if re.search(r"\w\([^)]*\)\s*(==|➞|->|=>|→)", stripped):
            continue
        kept.append(line)
    return "\n".join(kept)


def _gutted(changes: Sequence[Change], original: str, edited: str) -> list[str]:
    flags = []
    for old, new in changes:
        if (
            isinstance(old, ast.expr)
            and _size(old) >= _DRASTIC
            and isinstance(new, ast.Name | ast.Constant)
        ):
            was = ast.get_source_segment(original, old) or ast.unparse(old)
            now = ast.get_source_segment(edited, new) or ast.unparse(new)
            flags.append(f"it replaces `{_short(was)}` by `{now}`, dropping most of it")
    return flags


def _other_types(changes: Sequence[Change], values: Mapping[str, str]) -> list[str]:
    flags = []
    for old, new in changes:
        if isinstance(old, ast.Name) and isinstance(new, ast.Name):
            was, now = values.get(old.id), values.get(new.id)
            if was and now and was != now:
                flags.append(f"it puts `{new.id}` ({now}) where `{old.id}` ({was}) was")
    return flags


def _short(text: str, most: int = 40) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= most else flat[: most - 1] + "…"
