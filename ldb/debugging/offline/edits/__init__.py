"""Candidate edits for repair by search: small mutations of the statements on given lines, and
pairs of them on two lines.

The operators cover the single-statement bug classes that studies of real bugs find most
(ManySStuBs4J, PySStuBs): a wrong operator, literal, identifier, function, receiver or
argument list, a condition too strict or too loose, a statement missing or extra, a wrong
returned value or augmented assignment."""

from __future__ import annotations

import ast
import bisect
import warnings
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

from ldb.debugging.offline.edits.context import Spec
from ldb.debugging.offline.edits.source import Change, Source
from ldb.debugging.offline.edits.specs import Specs

__all__ = ["Edit", "edit_pairs", "edits"]

_OPERATORS = (
    "comparison",
    "arithmetic",
    "boolean",
    "range_bound",
    "slice_bound",
    "constant",
    "bool_literal",
    "negation",
    "drop_condition",
    "swap_operands",
    "function_name",
    "swap_arguments",
    "literal",
    "unary",
    "operand",
    "variable",
    "initial_value",
    "augmented",
    "keep_result",
    "drop_argument",
    "add_argument",
    "return_value",
    "add_condition",
    "insert_statement",
    "delete_statement",
)
"""Every operator, in the order they are tried among edits of equal cost."""
_RANK = {name: rank for rank, name in enumerate(_OPERATORS)}


@dataclass(frozen=True)
class Edit:
    """One candidate: a small change to one statement, and the whole program it makes."""

    operator: str
    """Which kind of edit: one of `comparison`, `arithmetic`, `boolean`, `range_bound`,
    `slice_bound`, `constant`, `bool_literal`, `negation`, `drop_condition`, `swap_operands`,
    `function_name`, `swap_arguments`, `literal`, `unary`, `operand`, `variable`,
    `initial_value`, `augmented`, `keep_result`, `drop_argument`, `add_argument`,
    `return_value`, `add_condition`, `insert_statement`, `delete_statement`. A two-line edit
    has its first change's."""
    line: int
    """The 1-based line of the program the edit changes (its first changed character); for
    inserted lines, the first line of the statement that asks for them (the branch's header
    for an insertion at the start of the branch, the statement they follow otherwise)."""
    before: str
    """The source text replaced, e.g. `i < n`; empty for an insertion."""
    after: str
    """What replaces it, e.g. `i <= n`; empty for a deletion."""
    program: str
    """The whole edited program."""
    cost: int
    """1 for the smallest edits; larger for bigger or less likely ones; a pair's is the sum."""
    also: tuple[Edit, ...] = ()
    """For a two-line edit, the other change, as the single edit it is on its own (whose
    `program` has only that change); empty for a single edit."""

    @property
    def description(self) -> str:
        if not self.before:
            own = f"line {self.line}: `{_flat(self.after)}` inserted"
        elif not self.after:
            own = f"line {self.line}: `{_flat(self.before)}` deleted"
        else:
            own = f"line {self.line}: `{_flat(self.before)}` → `{_flat(self.after)}`"
        return "; ".join([own, *(other.description for other in self.also)])

    @property
    def change(self) -> str:
        """The description without its line, as a verb phrase: `changing `a` → `b``."""
        words = self.description.partition(": ")[2]
        return words if words.endswith(("inserted", "deleted")) else f"changing {words}"


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
    for specs in _by_line(source, lines):
        for spec in specs:
            edit = _apply(source, spec)
            if edit.program not in seen and _compiles(source, edit.program, spec):
                seen.add(edit.program)
                yield edit


def edit_pairs(
    program: str,
    first_lines: Sequence[int],
    second_lines: Sequence[int],
    *,
    values: Mapping[str, str] | None = None,
    per_line: int = 8,
) -> Iterator[Edit]:
    """Two-line edits: each of the `per_line` cheapest single edits of a line of
    `first_lines` together with each of a line of `second_lines`, of another statement and
    apart from it; cheapest pair first (by the sum of costs), then in the order of the lines
    given. Each compiles and differs from the others; its `Edit` is the first change's, with
    the second in `also`. For a search to try after the single edits of the same lines."""
    try:
        source = Source(program, values or {})
    except (SyntaxError, ValueError):
        return
    firsts = list(_cheapest(source, first_lines, per_line))
    same = list(first_lines) == list(second_lines)
    seconds = firsts if same else list(_cheapest(source, second_lines, per_line))
    pairs = [
        (one.cost + other.cost, i, j, one, other)
        for i, one in enumerate(firsts)
        for j, other in enumerate(seconds)
        if one.spec.statement is not other.spec.statement and _apart(one.spec, other.spec)
    ]
    pairs.sort(key=lambda pair: pair[:3])
    seen = {program}
    for cost, _, _, one, other in pairs:
        changes = sorted([*one.spec.changes, *other.spec.changes], key=lambda c: (c[0], c[1]))
        edited = _spliced(source.text, changes)
        if edited not in seen and _compiles_whole(edited):
            seen.add(edited)
            first = one.edit
            yield Edit(
                first.operator, first.line, first.before, first.after, edited, cost, (other.edit,)
            )


@dataclass(frozen=True)
class _Single:
    spec: Spec
    edit: Edit

    @property
    def cost(self) -> int:
        return self.spec.cost


def _cheapest(source: Source, lines: Sequence[int], per_line: int) -> Iterator[_Single]:
    """The first `per_line` edits of each line as `edits` yields them, with their specs."""
    seen = {source.text}
    for specs in _by_line(source, lines):
        taken = 0
        for spec in specs:
            if taken == per_line:
                break
            edit = _apply(source, spec)
            if edit.program not in seen and _compiles(source, edit.program, spec):
                seen.add(edit.program)
                taken += 1
                yield _Single(spec, edit)


def _apart(one: Spec, other: Spec) -> bool:
    """Whether two edits change separate text, so that both can be made at once."""
    (a, b), (c, d) = sorted([one.anchor, other.anchor])
    return b <= c and (a, b) != (c, d)


def _by_line(source: Source, lines: Sequence[int]) -> Iterator[list[Spec]]:
    """The specs of each line's statements in turn (none twice), cheapest first."""
    done: set[ast.stmt] = set()
    for line in lines:
        statements = [s for s in source.statements.get(line, ()) if s not in done]
        done.update(statements)
        specs = [spec for statement in statements for spec in Specs(source, statement).all()]
        specs.sort(key=lambda spec: (spec.cost, _RANK[spec.operator]))
        yield specs


def _spliced(text: str, changes: Sequence[Change]) -> str:
    parts, cursor = [], 0
    for start, end, new in changes:
        parts += [text[cursor:start], new]
        cursor = end
    parts.append(text[cursor:])
    return "".join(parts)


def _apply(source: Source, spec: Spec) -> Edit:
    start, end = spec.anchor
    after, cursor = [], start
    for change_start, change_end, text in spec.changes:
        after += [source.text[cursor:change_start], text]
        cursor = change_end
    after.append(source.text[cursor:end])
    new = "".join(after)
    # Inserted lines are an edit of the statement whose pattern asks for them: its block is
    # the one to blame, and a search for the line's edits finds them at that line.
    line = spec.statement.lineno
    if start != end:
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


def _compiles_whole(program: str) -> bool:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            compile(program, "<edit>", "exec", dont_inherit=True)
        except (SyntaxError, ValueError):
            return False
    return True


def _flat(text: str) -> str:
    return " ".join(text.split()) if "\n" in text or "\r" in text else text
