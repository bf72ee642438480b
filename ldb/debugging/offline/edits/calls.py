"""Edits of calls: a function or method confused with a similar one, an argument too many or
one missing, two arguments swapped."""

from __future__ import annotations

import ast

from ldb.debugging.offline.edits.context import Context, has_attribute, is_range
from ldb.debugging.offline.edits.scopes import guess
from ldb.debugging.offline.edits.sites import Site
from ldb.debugging.offline.edits.source import Change, find_symbol

# Builtins called by name, and methods, that studies of real bugs find confused most.
_FUNCTIONS: dict[str, tuple[str, ...]] = {
    "min": ("max",),
    "max": ("min",),
    "any": ("all",),
    "all": ("any",),
    "sum": ("len",),
    "len": ("sum",),
    "sorted": ("reversed",),
    "reversed": ("sorted",),
    "int": ("round", "float"),
    "round": ("int",),
    "float": ("int",),
}
_METHODS: dict[str, tuple[str, ...]] = {
    "strip": ("lstrip", "rstrip"),
    "lstrip": ("rstrip", "strip"),
    "rstrip": ("lstrip", "strip"),
    "startswith": ("endswith",),
    "endswith": ("startswith",),
    "upper": ("lower",),
    "lower": ("upper",),
    "isupper": ("islower",),
    "islower": ("isupper",),
    "title": ("capitalize",),
    "capitalize": ("title",),
    "isdigit": ("isalpha", "isalnum"),
    "isalpha": ("isdigit", "isalnum"),
    "isalnum": ("isalpha", "isdigit"),
    "append": ("extend",),
    "extend": ("append",),
    "find": ("rfind", "index"),
    "rfind": ("find", "rindex"),
    "index": ("find", "rindex"),
    "rindex": ("index", "rfind"),
    "remove": ("discard",),
    "discard": ("remove",),
    "keys": ("values", "items"),
    "values": ("keys", "items"),
    "items": ("keys", "values"),
    "split": ("rsplit",),
    "rsplit": ("split",),
    "pop": ("popleft",),
    "popleft": ("pop",),
    "floor": ("ceil",),
    "ceil": ("floor",),
    "log": ("log2", "log10"),
    "log2": ("log", "log10"),
    "log10": ("log", "log2"),
}
# Calls whose arguments have different roles: swapping them is never the slip. (`range`'s
# bounds have edits of their own, which know which variants are the same range.)
_UNSWAPPED = frozenset(
    {"isinstance", "issubclass", "getattr", "setattr", "hasattr", "print", "range"}
)
_TYPE_NAMES = frozenset({"int", "float", "str", "bool", "list", "dict", "set", "tuple", "type"})


def propose(context: Context) -> None:
    for site in context.sites:
        node = site.node
        if isinstance(node, ast.Call):
            _function_name(context, site, node)
            _swap_arguments(context, node)
            _drop_argument(context, node)
            _add_argument(context, site, node)


def _builtin(context: Context, site: Site, name: str) -> bool:
    """Whether `name` means the builtin here, not a variable or a definition of the program."""
    shadowed = name in context.scope or name in site.bound or name in context.source.module_names
    return not shadowed


def _function_name(context: Context, site: Site, call: ast.Call) -> None:
    func = call.func
    if isinstance(func, ast.Name) and _builtin(context, site, func.id):
        for other in _FUNCTIONS.get(func.id, ()):
            if _builtin(context, site, other):
                context.replace("function_name", 2, call, func, other)
    elif isinstance(func, ast.Attribute) and func.attr in _METHODS:
        end = context.source.span(func)[1]
        start = end - len(func.attr)
        if context.source.text[start:end] != func.attr:
            return
        receiver = context.kind(func.value)
        for other in _METHODS[func.attr]:
            if has_attribute(receiver, other):
                context.add("function_name", 2, call, (start, end, other))


def _swap_arguments(context: Context, call: ast.Call) -> None:
    if _name(call) in _UNSWAPPED:
        return
    arguments = call.args
    if any(isinstance(a, ast.Starred) for a in arguments):
        return
    count = len(arguments)
    pairs = [(i, j) for i in range(count) for j in range(i + 1, count)]
    if count > 3:
        pairs = [(i, i + 1) for i in range(count - 1)]
    for i, j in pairs:
        first, second = arguments[i], arguments[j]
        texts = [context.source.segment(first), context.source.segment(second)]
        if texts[0] == texts[1] or {_name_of(first), _name_of(second)} & _TYPE_NAMES:
            continue
        context.add(
            "swap_arguments",
            2,
            call,
            (*context.source.span(first), texts[1]),
            (*context.source.span(second), texts[0]),
        )


def _drop_argument(context: Context, call: ast.Call) -> None:
    if is_range(call):
        return
    arguments: list[ast.expr | ast.keyword] = [*call.args, *call.keywords]
    spans = sorted(context.source.span(a) for a in arguments)
    if len(spans) < 2:
        # `xs.pop(0)` → `xs.pop()`: the one call whose single argument is often one too many.
        if len(spans) == 1 and _name(call) == "pop" and isinstance(call.func, ast.Attribute):
            context.add("drop_argument", 3, call, (*spans[0], ""))
        return
    for index, (start, end) in enumerate(spans):
        if index + 1 < len(spans):
            change: Change = (start, spans[index + 1][0], "")
        else:
            change = (spans[index - 1][1], end, "")
        context.add("drop_argument", 3, call, change)


def _add_argument(context: Context, site: Site, call: ast.Call) -> None:
    name, func = _name(call), call.func
    keywords = {k.arg for k in call.keywords}
    positional = len(call.args) if not call.keywords else None
    builtin = isinstance(func, ast.Name) and _builtin(context, site, func.id)
    added: list[str] = []
    if ((name == "sorted" and builtin) or name == "sort") and "reverse" not in keywords:
        added.append("reverse=True")
    if builtin and name in ("min", "max") and positional == 1:
        added.append("default=0")
    if builtin and name == "round" and positional == 1:
        added += ["0", "1", "2"]
    if builtin and name == "enumerate" and positional == 1:
        added.append("1")
    if (
        name == "pop"
        and isinstance(func, ast.Attribute)
        and not call.args
        and not call.keywords
        and context.kind(func.value) not in ("dict", "set")
    ):
        added.append("0")
    if isinstance(func, ast.Name) and not builtin and positional is not None:
        added += _defaulted(context, site, call, func.id)
    for text in added:
        change = _appended(context, call, text)
        if change is not None:
            context.add("add_argument", 3, call, change)


def _defaulted(context: Context, site: Site, call: ast.Call, name: str) -> list[str]:
    """For a call of a function of the program that leaves out a parameter with a default,
    the variables that may stand for it: of the default's type (or any, for `None`)."""
    definition = context.source.functions.get(name)
    if definition is None or any(isinstance(a, ast.Starred) for a in call.args):
        return []
    parameters = [*definition.args.posonlyargs, *definition.args.args]
    defaults = definition.args.defaults
    given = len(call.args)
    first_default = len(parameters) - len(defaults)
    if not first_default <= given < len(parameters):
        return []
    kind = guess(defaults[given - first_default])
    used = {a.id for a in call.args if isinstance(a, ast.Name)}
    return [v for v in context.variables(site.bound, kind, None) if v not in used]


def _appended(context: Context, call: ast.Call, text: str) -> Change | None:
    """The change adding an argument at the end of the call's arguments."""
    arguments: list[ast.expr | ast.keyword] = [*call.args, *call.keywords]
    if arguments:
        end = max(context.source.span(a)[1] for a in arguments)
        return end, end, f", {text}"
    start, end = context.source.span(call.func)[1], context.source.span(call)[1]
    bracket = find_symbol(context.source.text, start, end, "(", "(")
    return None if bracket is None else (bracket[1], bracket[1], text)


def _name(call: ast.Call) -> str | None:
    func = call.func
    return func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)


def _name_of(node: ast.expr) -> str | None:
    return node.id if isinstance(node, ast.Name) else None
