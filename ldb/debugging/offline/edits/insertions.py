"""Missing statements: one statement inserted where the rest of the function implies it.

Each rule reads a pattern of the function and inserts the statement its pattern lacks:
- a membership test on a collection nothing adds to: the element added at the start of its
  branch (`if x not in seen:` → `seen.add(x)`);
- a membership test guarding an append of the same element to a list others remove from:
  the element removed first (moving it to the end, as a least-recently-used list does);
- a `while` whose test reads an integer its body never assigns: `v += 1` or `v -= 1` at the
  end of the body;
- a list made empty and never added to: a value computed in a loop appended to it;
- a recursive function without a base case: one at its top;
- an accumulator passed on (`tokens.append(number)`) and never reset: reset after;
- a list made sorted and appended to: sorted again after the append;
- a branch in a loop that falls through: `continue` or `break` at its end.
"""

from __future__ import annotations

import ast

from ldb.debugging.offline.edits.context import Context, operands
from ldb.debugging.offline.edits.facts import Facts
from ldb.debugging.offline.edits.layout import insert_after, insert_before, unit
from ldb.debugging.offline.edits.scopes import SCOPES, guess
from ldb.debugging.offline.edits.source import Change

_COST = 4
_JUMPS = (ast.Return, ast.Raise, ast.Continue, ast.Break)
_EMPTY = {"list": "[]", "str": '""', "tuple": "()", "int": "0", "float": "0.0", "dict": "{}"}


def propose(context: Context) -> None:
    if context.facts is None:
        return
    _membership(context, context.facts)
    _progress(context)
    _collect(context, context.facts)
    _base_case(context, context.facts)
    _reset(context, context.facts)
    _resort(context, context.facts)
    _jump(context)


def _insert(context: Context, change: Change | None) -> None:
    context.insert("insert_statement", _COST, change)


def _at_end(context: Context, body: list[ast.stmt], line: str) -> None:
    """Insert the line at the end of the block: before a final `return` or other jump, which
    it would not follow."""
    last = body[-1]
    source = context.source
    change = insert_before(source, last, [line]) if isinstance(last, _JUMPS) else None
    _insert(context, change or insert_after(source, last, [line]))


def _membership(context: Context, facts: Facts) -> None:
    statement, source = context.statement, context.source
    if not isinstance(statement, ast.If):
        return
    for test in [statement.test, *(o for o, _, _ in operands(statement.test))]:
        if not (
            isinstance(test, ast.Compare)
            and len(test.ops) == 1
            and isinstance(test.comparators[0], ast.Name)
            and test.comparators[0].id in context.scope
        ):
            continue
        element, collection = source.segment(test.left), test.comparators[0].id
        if "\n" in element:
            continue
        kind = source.type_of(collection, context.scope)
        adding = _adding(kind, collection, element)
        absent = isinstance(test.ops[0], ast.NotIn)
        if adding and not facts.added_to(collection):
            if absent:
                _insert(context, insert_before(source, statement.body[0], [adding]))
            elif not statement.orelse and isinstance(statement.body[-1], _JUMPS):
                # `if x in seen: continue` skips the ones seen: the others are to be noted.
                _insert(context, insert_after(source, statement, [adding]))
        appended = f"{collection}.append({element})"
        if (
            not absent
            and kind in ("list", None)
            and facts.removed_from(collection)
            and any(source.segment(s) == appended for s in statement.body)
        ):
            removal = f"{collection}.remove({element})"
            _insert(context, insert_before(source, statement.body[0], [removal]))


def _adding(kind: str | None, collection: str, element: str) -> str | None:
    if kind == "set":
        return f"{collection}.add({element})"
    if kind == "list":
        return f"{collection}.append({element})"
    if kind == "dict":
        return f"{collection}[{element}] = True"
    return None


def _progress(context: Context) -> None:
    statement = context.statement
    if not isinstance(statement, ast.While):
        return
    # A loop whose body assigns (or mutates) none of the names its test reads never ends.
    changed = {
        n.id
        for s in statement.body
        for n in ast.walk(s)
        if isinstance(n, ast.Name) and not isinstance(n.ctx, ast.Load)
    }
    changed |= {
        n.func.value.id
        for s in statement.body
        for n in ast.walk(s)
        if isinstance(n, ast.Call)
        and isinstance(n.func, ast.Attribute)
        and isinstance(n.func.value, ast.Name)
    }
    compared = {
        o.id
        for n in ast.walk(statement.test)
        if isinstance(n, ast.Compare) and not isinstance(n.ops[0], ast.Eq | ast.NotEq)
        for o in [n.left, *n.comparators]
        if isinstance(o, ast.Name)
    }
    names = [n.id for n in ast.walk(statement.test) if isinstance(n, ast.Name)]
    if changed & set(names):
        return
    for name in dict.fromkeys(names):
        kind = context.source.type_of(name, context.scope)
        if name not in context.scope:
            continue
        if kind == "int" or (kind is None and name in compared):
            for symbol in ("+=", "-="):
                _at_end(context, statement.body, f"{name} {symbol} 1")


def _collect(context: Context, facts: Facts) -> None:
    """A list the function makes and never fills: the value a loop computes appended."""
    lists = [
        name
        for name, values in facts.assigned.items()
        if len(values) == 1 and _empty_list(values[0]) and not facts.added_to(name)
    ]
    statement = context.statement
    if not lists:
        return
    if (
        isinstance(statement, ast.Assign)
        and len(statement.targets) == 1
        and isinstance(target := statement.targets[0], ast.Name)
        and context.loop(statement) is not None
    ):
        for name in lists:
            if name != target.id:
                change = insert_after(context.source, statement, [f"{name}.append({target.id})"])
                _insert(context, change)
    elif isinstance(statement, ast.For) and isinstance(statement.target, ast.Name):
        for name in lists:
            _at_end(context, statement.body, f"{name}.append({statement.target.id})")


def _empty_list(node: ast.expr) -> bool:
    if isinstance(node, ast.List):
        return not node.elts
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "list"


def _base_case(context: Context, facts: Facts) -> None:
    function, statement = context.function, context.statement
    if function is None or not facts.recursive:
        return
    body = function.body
    docstring = isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant)
    first = body[1] if docstring and len(body) > 1 else body[0]
    if statement not in (body[0], first):
        return
    if isinstance(first, ast.If) and isinstance(first.body[0], ast.Return | ast.Raise):
        return
    parameters = [*function.args.posonlyargs, *function.args.args]
    if function in context.source.methods:
        parameters = parameters[1:]
    if not parameters:
        return
    name = parameters[0].arg
    kind = _parameter_kind(context, function, name)
    if kind == "int":
        cases = [(f"{name} <= 1", name), (f"{name} <= 0", "0"), (f"{name} == 0", "1")]
        cases.append((f"{name} <= 1", "1"))
    elif kind == "sequence":
        cases = [(f"not {name}", empty) for empty in _empties(context, facts, name)]
    else:
        return
    step = unit(context.source, first, function)
    for test, result in cases:
        lines = [f"if {test}:", f"{step}return {result}"]
        _insert(context, insert_before(context.source, first, lines))


def _parameter_kind(
    context: Context, function: ast.FunctionDef | ast.AsyncFunctionDef, name: str
) -> str | None:
    """`int` or `sequence`, as the parameter's values or its uses in the function show."""
    kind = context.source.type_of(name, context.scope)
    if kind in ("list", "str", "tuple"):
        return "sequence"
    if kind is not None:
        return kind
    for node in ast.walk(function):
        if (
            isinstance(node, ast.BinOp)
            and isinstance(node.left, ast.Name)
            and node.left.id == name
            and isinstance(node.op, ast.Sub | ast.FloorDiv)
        ):
            return "int"
        if (
            isinstance(node, ast.Subscript)
            and isinstance(node.value, ast.Name)
            and node.value.id == name
            and isinstance(node.slice, ast.Slice)
        ):
            return "sequence"
    return None


def _empties(context: Context, facts: Facts, name: str) -> list[str]:
    """What an empty input most likely gives: the empty value of the type the function
    returns, or else the input itself (empty too) or 0."""
    for value in facts.returned:
        parts = [value.left, value.right] if isinstance(value, ast.BinOp) else [value]
        for part in parts:
            kind = guess(part)
            if kind in _EMPTY:
                return [_EMPTY[kind]]
    return [name, "0"]


def _reset(context: Context, facts: Facts) -> None:
    """An accumulator handed on in a loop but never reset: started again after."""
    statement = context.statement
    if not (isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Call)):
        return
    if context.loop(statement) is None:
        return
    for argument in statement.value.args:
        if not isinstance(argument, ast.Name):
            continue
        values = facts.assigned.get(argument.id, [])
        grows = argument.id in facts.augmented or facts.added_to(argument.id)
        if len(values) == 1 and grows and _restartable(values[0]):
            line = f"{argument.id} = {context.source.segment(values[0])}"
            _insert(context, insert_after(context.source, statement, [line]))


def _restartable(node: ast.expr) -> bool:
    if isinstance(node, ast.Constant):
        return type(node.value) in (int, float, str)
    if isinstance(node, ast.List | ast.Dict | ast.Set):
        return not getattr(node, "elts", getattr(node, "keys", []))
    return False


def _resort(context: Context, facts: Facts) -> None:
    """A list made sorted that the function appends to: sorted again."""
    statement = context.statement
    if not (
        isinstance(statement, ast.Expr)
        and isinstance(call := statement.value, ast.Call)
        and isinstance(call.func, ast.Attribute)
        and call.func.attr == "append"
        and isinstance(call.func.value, ast.Name)
    ):
        return
    name = call.func.value.id
    values = facts.assigned.get(name, [])
    made_sorted = any(
        isinstance(v, ast.Call) and isinstance(v.func, ast.Name) and v.func.id == "sorted"
        for v in values
    )
    if made_sorted and "sort" not in facts.methods.get(name, set()):
        _insert(context, insert_after(context.source, statement, [f"{name}.sort()"]))


def _jump(context: Context) -> None:
    """A branch in a loop that should leave the iteration (or the loop) and falls through:
    `continue` or `break` at the end of an `if`'s branch, or after a statement that ends the
    branch its line is in."""
    statement, places = context.statement, context.source.places
    if isinstance(statement, ast.If):
        ends = [statement.body[-1], statement]
    elif _compound(statement):
        return
    else:
        ends = [statement]
        node = statement
        while (parent := places[node].parent) is not None and not isinstance(parent, SCOPES):
            if parent.end_lineno != statement.end_lineno:
                break
            ends.append(parent)
            node = parent
    for last in ends:
        parent = places[last].parent
        if (
            not isinstance(parent, ast.If)
            or isinstance(last, _JUMPS)
            or _is_elif(context, parent, last)
            or context.loop(last) is None
        ):
            continue
        if _skips(context, last):
            _insert(context, insert_after(context.source, last, ["continue"]))
        _insert(context, insert_after(context.source, last, ["break"]))


def _compound(statement: ast.stmt) -> bool:
    return any(isinstance(getattr(statement, name, None), list) for name in ("body", "handlers"))


def _is_elif(context: Context, parent: ast.If, statement: ast.stmt) -> bool:
    start = context.source.span(statement)[0]
    return parent.orelse == [statement] and context.source.text.startswith("elif", start)


def _skips(context: Context, statement: ast.stmt) -> bool:
    """Whether a `continue` after the statement would skip anything of its loop's body."""
    loop = context.loop(statement)
    node = statement
    while node is not loop:
        place = context.source.places[node]
        if place.body[-1] is not node:
            return True
        assert place.parent is not None
        node = place.parent
    return False
