"""What a function does with its names, read once for the edits that look beyond one statement."""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

_ADDING = frozenset({"add", "append", "appendleft", "extend", "insert", "setdefault", "update"})
_REMOVING = frozenset({"clear", "discard", "pop", "popitem", "popleft", "remove"})
_ORDERED = (ast.Lt, ast.LtE, ast.Gt, ast.GtE)


@dataclass
class Facts:
    """A function's own statements (not those of functions or classes nested in it), read
    for the names they touch."""

    name: str
    methods: dict[str, set[str]] = field(default_factory=dict)
    """Each name a method is called on, with the methods."""
    item_stores: set[str] = field(default_factory=set)
    """Names written or deleted through a subscript: `x[i] = v`, `del x[i]`."""
    augmented: set[str] = field(default_factory=set)
    assigned: dict[str, list[ast.expr]] = field(default_factory=dict)
    """Each name a plain assignment binds, with the values, in order."""
    tests: list[ast.expr] = field(default_factory=list)
    """The conditions of its `if` (and `elif`) and `while` statements, in order."""
    ordered: set[str] = field(default_factory=set)
    """Names compared by `<`, `<=`, `>`, `>=` or passed to `min` / `max`."""
    called: set[str] = field(default_factory=set)
    """Functions called by name."""
    returned: list[ast.expr] = field(default_factory=list)
    """The values its `return` statements give."""
    bound: dict[str, int] = field(default_factory=dict)
    """Each name it binds (its parameters too), with the first line that binds it."""

    @classmethod
    def read(cls, function: ast.FunctionDef | ast.AsyncFunctionDef) -> Facts:
        facts = cls(function.name)
        arguments = function.args
        for parameter in [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]:
            facts.bound[parameter.arg] = function.lineno
        for parameter in filter(None, [arguments.vararg, arguments.kwarg]):
            facts.bound[parameter.arg] = function.lineno
        reader = _Reader(facts)
        for statement in function.body:
            reader.visit(statement)
        return facts

    def added_to(self, name: str) -> bool:
        """Whether the function adds to the collection `name` anywhere."""
        adds = bool(self.methods.get(name, set()) & _ADDING)
        return adds or name in self.augmented or name in self.item_stores

    def removed_from(self, name: str) -> bool:
        return bool(self.methods.get(name, set()) & _REMOVING) or name in self.item_stores

    @property
    def recursive(self) -> bool:
        return self.name in self.called

    @property
    def returns_values(self) -> bool:
        return any(not _is_none(value) for value in self.returned)


def _is_none(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and node.value is None


class _Reader(ast.NodeVisitor):
    def __init__(self, facts: Facts) -> None:
        self.facts = facts

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        # A nested function is a scope of its own: what it does is not this one's doing.
        return

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        return

    def visit_If(self, node: ast.If | ast.While) -> None:
        self.facts.tests.append(node.test)
        self.generic_visit(node)

    visit_While = visit_If

    def visit_Return(self, node: ast.Return) -> None:
        if node.value is not None:
            self.facts.returned.append(node.value)
        self.generic_visit(node)

    def visit_Assign(self, node: ast.Assign) -> None:
        for target in node.targets:
            if isinstance(target, ast.Name):
                self.facts.assigned.setdefault(target.id, []).append(node.value)
        self.generic_visit(node)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        if isinstance(node.target, ast.Name):
            self.facts.augmented.add(node.target.id)
        self.generic_visit(node)

    def visit_Name(self, node: ast.Name) -> None:
        if not isinstance(node.ctx, ast.Load):
            self.facts.bound.setdefault(node.id, node.lineno)

    def visit_Subscript(self, node: ast.Subscript) -> None:
        if not isinstance(node.ctx, ast.Load) and isinstance(node.value, ast.Name):
            self.facts.item_stores.add(node.value.id)
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        if isinstance(func, ast.Name):
            self.facts.called.add(func.id)
            if func.id in ("min", "max"):
                names = [a.id for a in node.args if isinstance(a, ast.Name)]
                self.facts.ordered.update(names)
        elif isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
            self.facts.methods.setdefault(func.value.id, set()).add(func.attr)
        self.generic_visit(node)

    def visit_Compare(self, node: ast.Compare) -> None:
        operands = [node.left, *node.comparators]
        for index, op in enumerate(node.ops):
            if isinstance(op, _ORDERED):
                pair = operands[index : index + 2]
                self.facts.ordered.update(o.id for o in pair if isinstance(o, ast.Name))
        self.generic_visit(node)
