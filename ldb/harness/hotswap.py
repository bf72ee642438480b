"""A candidate repair swapped into a warm interpreter: each changed function's code replaced in
place, so that every reference to it (imported by name, wrapped by a decorator, bound as a
method) runs the new code, without importing anything again.

Only changes inside function bodies can be swapped: a change to what runs on import (module
or class code, a decorator, a default value, a signature) needs a fresh interpreter, and
`Swapper.swap` says so. What is known of a file before any candidate (its functions' code,
where their bodies lie) is learnt once, in the warm session, and inherited by each child.
"""

from __future__ import annotations

import ast
import difflib
import gc
import os
import sys
import types
from collections.abc import Iterator, Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class _Known:
    """A file as the warm session imported it."""

    module: types.ModuleType | None
    """None: not imported; a child that imports it reads the new text from the file."""
    lines: list[str]
    bodies: list[tuple[int, int]]
    """The lines of each function's body (first statement to last line), when the body
    starts on a line of its own: a change within one runs only when the function does."""
    functions: dict[str, list[types.CodeType]]


class Swapper:
    """Swaps candidates' files (relative paths under `root`) into this interpreter."""

    def __init__(self, root: str) -> None:
        self.root = root
        self._known: dict[tuple[str, str], _Known | None] = {}

    def learn(self, relative: str, text: str) -> None:
        """Know `relative` as holding `text` before any candidate (done once per text, before
        forking, so that every child has it)."""
        if (relative, text) not in self._known:
            self._known[relative, text] = _learnt(os.path.join(self.root, relative), text)

    def swap(self, files: Mapping[str, str], originals: Mapping[str, str]) -> bool:
        """Swap each file's new text over the functions of its module, when imported; False
        when some change cannot be swapped (the interpreter is then left part-swapped: a
        child's, which ends)."""
        for relative, text in files.items():
            if text == originals[relative]:
                continue
            self.learn(relative, originals[relative])
            known = self._known[relative, originals[relative]]
            if known is None:
                return False
            if known.module is not None and not _swap_module(known, text):
                return False
        return True


def _learnt(path: str, text: str) -> _Known | None:
    """What swapping into `path` needs to know of its text; None when nothing can be
    swapped into it (a test module whose asserts pytest rewrote, a text that does not
    compile)."""
    module = _imported(path)
    if module is None:
        return _Known(None, [], [], {})
    loader = getattr(module, "__loader__", None)
    if type(loader).__name__ == "AssertionRewritingHook":
        return None
    try:
        tree = ast.parse(text)
        code = compile(text, str(module.__file__), "exec", dont_inherit=True)
    except (SyntaxError, ValueError):
        return None
    bodies = [
        (node.body[0].lineno, node.end_lineno or node.body[-1].lineno)
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body[0].lineno > _header_end(node)
    ]
    return _Known(module, text.split("\n"), bodies, _functions(code))


def _header_end(node: ast.FunctionDef | ast.AsyncFunctionDef) -> int:
    """The last line of a `def`'s header: where its arguments and return annotation end."""
    ends = [node.lineno]
    ends += [
        n.end_lineno or n.lineno for n in ast.walk(node.args) if isinstance(n, ast.expr | ast.arg)
    ]
    if node.returns is not None:
        ends.append(node.returns.end_lineno or node.returns.lineno)
    return max(ends)


def _imported(path: str) -> types.ModuleType | None:
    real = os.path.realpath(path)
    for module in list(sys.modules.values()):
        filename = getattr(module, "__file__", None)
        if isinstance(filename, str) and os.path.realpath(filename) == real:
            return module
    return None


def _swap_module(known: _Known, text: str) -> bool:
    new_lines = text.split("\n")
    if not _within_a_body(known, new_lines):
        return False
    assert known.module is not None
    try:
        code = compile(text, str(known.module.__file__), "exec", dont_inherit=True)
    except (SyntaxError, ValueError):
        return False
    after = _functions(code)
    if {name: len(codes) for name, codes in known.functions.items()} != {
        name: len(codes) for name, codes in after.items()
    }:
        return False
    for function in _live_functions(str(known.module.__file__)):
        old = function.__code__
        # Functions may share a qualname (two comprehensions, lambdas, a conditional `def`):
        # the nth of them is the nth again.
        place = next(
            (i for i, seen in enumerate(known.functions.get(old.co_qualname, [])) if seen == old),
            None,
        )
        if place is None:
            continue
        replacement = after[old.co_qualname][place]
        if replacement == old:
            continue
        if replacement.co_freevars != old.co_freevars:
            return False
        function.__code__ = replacement
    return True


def _within_a_body(known: _Known, new_lines: list[str]) -> bool:
    """Whether every run of lines that differs lies inside a function's body."""
    old_lines = known.lines
    # The lines alike at both ends taken off first: matching whole long files is slow.
    shortest = min(len(old_lines), len(new_lines))
    head = 0
    while head < shortest and old_lines[head] == new_lines[head]:
        head += 1
    tail = 0
    while tail < shortest - head and old_lines[-1 - tail] == new_lines[-1 - tail]:
        tail += 1
    matcher = difflib.SequenceMatcher(
        None,
        old_lines[head : len(old_lines) - tail],
        new_lines[head : len(new_lines) - tail],
        autojunk=False,
    )
    for tag, start, end, _, _ in matcher.get_opcodes():
        if tag == "equal":
            continue
        # Old lines start+1..end (1-based) replaced or removed; for lines only added, the
        # old lines either side of where they go.
        start, end = start + head, end + head
        first, last = (start + 1, end) if end > start else (start, start + 1)
        if not any(low <= first and last <= high for low, high in known.bodies):
            return False
    return True


def _functions(code: types.CodeType) -> dict[str, list[types.CodeType]]:
    """Every function's code under a module's, by qualname, in the order compiled."""
    found: dict[str, list[types.CodeType]] = {}
    for inner in _nested(code):
        found.setdefault(inner.co_qualname, []).append(inner)
    return found


def _nested(code: types.CodeType) -> Iterator[types.CodeType]:
    for constant in code.co_consts:
        if isinstance(constant, types.CodeType):
            yield constant
            yield from _nested(constant)


def _live_functions(path: str) -> list[types.FunctionType]:
    return [
        thing
        for thing in gc.get_objects()
        if isinstance(thing, types.FunctionType) and thing.__code__.co_filename == path
    ]
