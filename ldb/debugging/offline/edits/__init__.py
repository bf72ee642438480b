"""Candidate edits for repair by search: small mutations of the statements on given lines."""

from __future__ import annotations

import ast
import bisect
import warnings
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

from ldb.debugging.offline.edits.source import Source
from ldb.debugging.offline.edits.specs import Spec, Specs

__all__ = ["Edit", "edits"]

_OPERATORS = (
    "comparison",
    "arithmetic",
    "boolean",
    "range_bound",
    "slice_bound",
    "constant",
    "negation",
    "drop_condition",
    "swap_operands",
    "variable",
    "return_value",
)
"""Every operator, in the order they are tried among edits of equal cost."""
_RANK = {name: rank for rank, name in enumerate(_OPERATORS)}


@dataclass(frozen=True)
class Edit:
    """One candidate: a small change to one statement, and the whole program it makes."""

    operator: str
    """Which kind of edit: one of `comparison`, `arithmetic`, `boolean`, `range_bound`,
    `slice_bound`, `constant`, `negation`, `drop_condition`, `swap_operands`, `variable`,
    `return_value`."""
    line: int
    """The 1-based line of the program the edit changes (its first changed character)."""
    before: str
    """The source text replaced, e.g. `i < n`."""
    after: str
    """What replaces it, e.g. `i <= n`."""
    program: str
    """The whole edited program."""
    cost: int
    """1 for the smallest edits; larger for bigger or less likely ones."""

    @property
    def description(self) -> str:
        return f"line {self.line}: `{_flat(self.before)}` → `{_flat(self.after)}`"


def edits(
    program: str, lines: Sequence[int], *, values: Mapping[str, str] | None = None
) -> Iterator[Edit]:
    """Candidate edits of the statements on `lines`, taken in the order given (most suspicious
    first); within a line, cheapest first, then in the order of `_OPERATORS`.

    A line selects every statement it holds part of (for `if`, `while`, `for` and `with`, only
    their header). Each candidate compiles and differs from the original and from every earlier
    candidate; only the text of the changed node is replaced, so the rest of the program stays
    byte-identical. `values` maps a variable's name to the type of its values at run time (as
    `"int"`, `"list"`); variables are swapped only for others of the same type, with the types
    of names it lacks guessed from literals. A program that does not parse yields nothing."""
    try:
        source = Source(program, values or {})
    except (SyntaxError, ValueError):
        return
    seen = {program}
    done: set[ast.stmt] = set()
    for line in lines:
        statements = [s for s in source.statements.get(line, ()) if s not in done]
        done.update(statements)
        specs = [spec for statement in statements for spec in Specs(source, statement).all()]
        specs.sort(key=lambda spec: (spec.cost, _RANK[spec.operator]))
        for spec in specs:
            edit = _apply(source, spec)
            if edit.program not in seen and _compiles(source, edit.program, spec):
                seen.add(edit.program)
                yield edit


def _apply(source: Source, spec: Spec) -> Edit:
    start, end = spec.anchor
    after, cursor = [], start
    for change_start, change_end, text in spec.changes:
        after += [source.text[cursor:change_start], text]
        cursor = change_end
    after.append(source.text[cursor:end])
    new = "".join(after)
    line = bisect.bisect_right(source.starts, spec.changes[0][0])
    program = source.text[:start] + new + source.text[end:]
    return Edit(spec.operator, line, source.text[start:end], new, program, spec.cost)


def _compiles(source: Source, program: str, spec: Spec) -> bool:
    # The change lies inside one top-level statement: compiling that alone tells the same
    # and is much faster than compiling the whole program for every candidate. `compile` is
    # called here, in the package itself, so that tests can count the calls by patching it.
    first, last = spec.top.lineno, spec.top.end_lineno or spec.top.lineno
    start = source.starts[first - 1]
    end = source.starts[last] if last < len(source.starts) else len(source.text)
    delta = len(program) - len(source.text)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            compile(program[start : end + delta], "<edit>", "exec", dont_inherit=True)
        except (SyntaxError, ValueError):
            return False
    return True


def _flat(text: str) -> str:
    return " ".join(text.split()) if "\n" in text or "\r" in text else text
