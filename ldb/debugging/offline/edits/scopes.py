"""What is in scope at a statement: the variables of its function, class or module, with types."""

from __future__ import annotations

import ast
import builtins

Scope = dict[str, str | None]
"""The variables of a function (or class body, or module), in order of appearance, with the
type each one's assignments show, if they agree."""

SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)

_LITERAL_TYPES: dict[type[ast.AST], str] = {
    ast.List: "list",
    ast.ListComp: "list",
    ast.Dict: "dict",
    ast.DictComp: "dict",
    ast.Set: "set",
    ast.SetComp: "set",
    ast.Tuple: "tuple",
    ast.JoinedStr: "str",
    ast.Compare: "bool",
}
_CALL_TYPES = {
    "len": "int",
    "int": "int",
    "ord": "int",
    "float": "float",
    "str": "str",
    "chr": "str",
    "repr": "str",
    "list": "list",
    "sorted": "list",
    "dict": "dict",
    "set": "set",
    "tuple": "tuple",
    "bool": "bool",
}
_ANNOTATION_TYPES = {
    **{name: name for name in ("int", "float", "str", "bool", "list", "dict", "set", "tuple")},
    "List": "list",
    "Dict": "dict",
    "Set": "set",
    "Tuple": "tuple",
}
_BUILTINS = frozenset(dir(builtins))


def read_scope(node: ast.AST, *, method: bool, module_names: set[str]) -> Scope:
    """The variables of the function, class body or module `node`: not the names it defines
    functions, classes or modules for, nor a method's first parameter, nor builtins and
    module-level names it only reads."""
    reader = _ScopeReader()
    first = None
    if isinstance(node, FUNCTIONS):
        found = parameters(node.args)
        for parameter in found:
            reader.note(parameter.arg, _annotation_type(parameter.annotation), stored=True)
        if method and found:
            first = found[0].arg
    body = node.body if isinstance(node, (*SCOPES, ast.Module)) else []
    for statement in body:
        reader.visit(statement)
    outside = _BUILTINS | module_names
    variables = {
        name: _agreed(kinds)
        for name, kinds in reader.evidence.items()
        if name not in reader.definitions
        and (name in reader.stored or name not in outside)
        and name != first
    }
    return variables


def parameters(arguments: ast.arguments) -> list[ast.arg]:
    found = [*arguments.posonlyargs, *arguments.args]
    found += [arguments.vararg] if arguments.vararg else []
    found += arguments.kwonlyargs
    found += [arguments.kwarg] if arguments.kwarg else []
    return found


def definitions(body: list[ast.stmt]) -> set[str]:
    """Names the statements bind to functions, classes and modules rather than to values."""
    names: set[str] = set()
    for statement in body:
        if isinstance(statement, SCOPES):
            names.add(statement.name)
        elif isinstance(statement, ast.Import | ast.ImportFrom):
            names.update((a.asname or a.name).split(".")[0] for a in statement.names)
    return names


def targets(target: ast.AST) -> tuple[str, ...]:
    return tuple(n.id for n in ast.walk(target) if isinstance(n, ast.Name))


def _agreed(kinds: list[str | None]) -> str | None:
    """The one type the evidence shows; `None` (the placeholder value) and unknowns are no
    evidence, and disagreement means unknown."""
    known = {kind for kind in kinds if kind not in (None, "None")}
    return known.pop() if len(known) == 1 else None


def _annotation_type(annotation: ast.expr | None) -> str | None:
    if isinstance(annotation, ast.Subscript):
        annotation = annotation.value
    if isinstance(annotation, ast.Name):
        return _ANNOTATION_TYPES.get(annotation.id)
    return None


def guess(node: ast.expr) -> str | None:
    """The type of the expression's value where a literal or a constructor makes it obvious."""
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        node = node.operand
    if isinstance(node, ast.Constant):
        return None if node.value is None else type(node.value).__name__
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        return "bool"
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
        return _CALL_TYPES.get(node.func.id)
    if isinstance(node, ast.BinOp):
        left, right = guess(node.left), guess(node.right)
        if left == right == "int" and isinstance(node.op, ast.Div):
            return "float"
        return left if left == right else None
    return _LITERAL_TYPES.get(type(node))


class _ScopeReader(ast.NodeVisitor):
    """Reads one scope's names (not those of nested functions, lambdas or comprehensions)
    with the types their assignments show."""

    def __init__(self) -> None:
        self.evidence: dict[str, list[str | None]] = {}
        self.stored: set[str] = set()
        self.definitions: set[str] = set()
        self.inner: list[set[str]] = []

    def note(self, name: str, kind: str | None, *, stored: bool) -> None:
        if any(name in bound for bound in self.inner):
            return
        self.evidence.setdefault(name, []).append(kind)
        if stored:
            self.stored.add(name)

    def visit_Name(self, node: ast.Name) -> None:
        self.note(node.id, None, stored=not isinstance(node.ctx, ast.Load))

    def visit_Call(self, node: ast.Call) -> None:
        # A name only ever called is a function, not a variable to swap.
        if not isinstance(node.func, ast.Name):
            self.visit(node.func)
        for argument in [*node.args, *node.keywords]:
            self.visit(argument)

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        self.definitions.add(node.name)
        for expression in [*node.decorator_list, *node.args.defaults, *node.args.kw_defaults]:
            if expression is not None:
                self.visit(expression)

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        self.definitions.add(node.name)

    def visit_Import(self, node: ast.Import | ast.ImportFrom) -> None:
        self.definitions.update(definitions([node]))

    visit_ImportFrom = visit_Import

    def visit_Assign(self, node: ast.Assign) -> None:
        for target in node.targets:
            if isinstance(target, ast.Name):
                self.note(target.id, guess(node.value), stored=True)
        self.generic_visit(node)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        if isinstance(node.target, ast.Name):
            self.note(node.target.id, _annotation_type(node.annotation), stored=True)
        self.visit(node.target)
        if node.value is not None:
            self.visit(node.value)

    def visit_For(self, node: ast.For | ast.AsyncFor) -> None:
        iterator = node.iter
        if isinstance(iterator, ast.Call) and isinstance(iterator.func, ast.Name):
            if iterator.func.id == "range" and isinstance(node.target, ast.Name):
                self.note(node.target.id, "int", stored=True)
            elif iterator.func.id == "enumerate" and isinstance(node.target, ast.Tuple):
                index = node.target.elts[0]
                if isinstance(index, ast.Name):
                    self.note(index.id, "int", stored=True)
        self.generic_visit(node)

    visit_AsyncFor = visit_For

    def visit_Lambda(self, node: ast.Lambda) -> None:
        for default in [*node.args.defaults, *node.args.kw_defaults]:
            if default is not None:
                self.visit(default)
        self.inner.append({p.arg for p in parameters(node.args)})
        self.visit(node.body)
        self.inner.pop()

    def visit_comprehension_node(self, node: ast.expr) -> None:
        generators: list[ast.comprehension] = getattr(node, "generators", [])
        self.inner.append(set())
        for index, generator in enumerate(generators):
            if index == 0:
                # The first iterable is evaluated in the enclosing scope.
                bound = self.inner.pop()
                self.visit(generator.iter)
                self.inner.append(bound)
            else:
                self.visit(generator.iter)
            self.inner[-1].update(targets(generator.target))
            for condition in generator.ifs:
                self.visit(condition)
        for name in ("elt", "key", "value"):
            part = getattr(node, name, None)
            if isinstance(part, ast.expr):
                self.visit(part)
        self.inner.pop()

    visit_ListComp = visit_SetComp = visit_GeneratorExp = visit_DictComp = visit_comprehension_node
