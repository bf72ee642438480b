"""Candidate edits for repair by search: small mutations of the statements on given lines."""

from __future__ import annotations

import ast
import bisect
import builtins
import re
import warnings
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field

from ldb import asts

_Change = tuple[int, int, str]
"""Replace the program's characters `[start, end)` by the text."""
_Node = ast.expr | ast.stmt

# Operator precedences, lowest first, as the grammar binds them (after `ast._Precedence`).
_NAMED, _TUPLE, _YIELD, _TEST, _OR, _AND, _NOT, _CMP, _BOR, _BXOR, _BAND = range(11)
_SHIFT, _ARITH, _TERM, _FACTOR, _POWER, _AWAIT, _ATOM = range(11, 18)

_SYMBOLS: dict[type[ast.AST], str] = {
    ast.Add: "+",
    ast.Sub: "-",
    ast.Mult: "*",
    ast.Div: "/",
    ast.FloorDiv: "//",
    ast.Mod: "%",
    ast.Pow: "**",
    ast.LShift: "<<",
    ast.RShift: ">>",
    ast.BitOr: "|",
    ast.BitXor: "^",
    ast.BitAnd: "&",
    ast.MatMult: "@",
    ast.Lt: "<",
    ast.LtE: "<=",
    ast.Gt: ">",
    ast.GtE: ">=",
    ast.Eq: "==",
    ast.NotEq: "!=",
    ast.In: "in",
    ast.NotIn: "not in",
    ast.Is: "is",
    ast.IsNot: "is not",
    ast.And: "and",
    ast.Or: "or",
}
_BINARY_PRECEDENCE: dict[type[ast.AST], int] = {
    ast.Add: _ARITH,
    ast.Sub: _ARITH,
    ast.Mult: _TERM,
    ast.Div: _TERM,
    ast.FloorDiv: _TERM,
    ast.Mod: _TERM,
    ast.MatMult: _TERM,
    ast.Pow: _POWER,
    ast.LShift: _SHIFT,
    ast.RShift: _SHIFT,
    ast.BitOr: _BOR,
    ast.BitXor: _BXOR,
    ast.BitAnd: _BAND,
}
_COMPARISONS: dict[type[ast.AST], tuple[type[ast.cmpop], ...]] = {
    ast.Lt: (ast.LtE, ast.Gt),
    ast.LtE: (ast.Lt, ast.GtE),
    ast.Gt: (ast.GtE, ast.Lt),
    ast.GtE: (ast.Gt, ast.LtE),
    ast.Eq: (ast.NotEq,),
    ast.NotEq: (ast.Eq,),
    ast.In: (ast.NotIn,),
    ast.NotIn: (ast.In,),
    ast.Is: (ast.IsNot,),
    ast.IsNot: (ast.Is,),
}
_ARITHMETIC: dict[type[ast.AST], tuple[type[ast.operator], ...]] = {
    ast.Add: (ast.Sub,),
    ast.Sub: (ast.Add,),
    ast.Mult: (ast.FloorDiv,),
    ast.FloorDiv: (ast.Mult, ast.Div, ast.Mod),
    ast.Div: (ast.FloorDiv,),
    ast.Mod: (ast.FloorDiv,),
}
# `+` is among them: it concatenates strings and lists, where order matters.
_ORDERED_OPERANDS = (
    ast.Add,
    ast.Sub,
    ast.Div,
    ast.FloorDiv,
    ast.Mod,
    ast.Pow,
    ast.LShift,
    ast.RShift,
    ast.MatMult,
)
_NUMERIC = frozenset({"int", "float", "bool"})

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
_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)
_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)
_NOT_EXPRESSIONS = (ast.expr_context, ast.operator, ast.boolop, ast.cmpop, ast.unaryop)
_NEWLINE = re.compile(r"\r\n|\r|\n")
_COMMENT = re.compile(r"#[^\r\n]*")


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
        source = _Source(program, values or {})
    except (SyntaxError, ValueError):
        return
    seen = {program}
    done: set[ast.stmt] = set()
    for line in lines:
        statements = [s for s in source.statements.get(line, ()) if s not in done]
        done.update(statements)
        specs = [spec for statement in statements for spec in source.specs(statement)]
        specs.sort(key=lambda spec: (spec.cost, _RANK[spec.operator]))
        for spec in specs:
            edit = source.apply(spec)
            if edit.program not in seen and source.compiles(edit.program, spec):
                seen.add(edit.program)
                yield edit


@dataclass(frozen=True)
class _Spec:
    """An edit before its program is built: the node it rewrites and the changes inside it."""

    operator: str
    cost: int
    anchor: tuple[int, int]
    changes: tuple[_Change, ...]
    top: ast.stmt
    """The top-level statement holding the change: the part of the program to compile."""


@dataclass(frozen=True)
class _Site:
    """An expression of a statement with where it sits."""

    node: ast.expr
    parent: ast.AST
    place: str
    bound: tuple[str, ...]
    """Names bound by the lambdas and comprehensions around it."""


_Scope = dict[str, str | None]
"""The variables of a function (or class body, or module), in order of appearance, with the
type each one's assignments show, if they agree."""


@dataclass
class _Place:
    scope: ast.AST
    top: ast.stmt


@dataclass
class _Source:
    """The program parsed, with its statements indexed by line and its scopes read."""

    text: str
    values: Mapping[str, str]
    tree: ast.Module = field(init=False)
    starts: list[int] = field(init=False)
    statements: dict[int, list[ast.stmt]] = field(init=False, default_factory=dict)
    places: dict[ast.stmt, _Place] = field(init=False, default_factory=dict)
    scopes: dict[ast.AST, _Scope] = field(init=False, default_factory=dict)
    methods: set[ast.AST] = field(init=False, default_factory=set)
    module_names: set[str] = field(init=False, default_factory=set)

    def __post_init__(self) -> None:
        with warnings.catch_warnings():
            # Warnings about the program (invalid escapes, `is` with a literal) are not ours.
            warnings.simplefilter("ignore")
            self.tree = asts.parse_module(self.text)
        self.starts = [0, *(m.end() for m in _NEWLINE.finditer(self.text))]
        self._index(self.tree.body, self.tree, None)
        self.module_names = _definitions(self.tree.body)

    def _index(self, body: list[ast.stmt], scope: ast.AST, top: ast.stmt | None) -> None:
        for statement in body:
            self.places[statement] = _Place(scope, top or statement)
            end = _header_end(statement)
            for line in range(statement.lineno, end + 1):
                self.statements.setdefault(line, []).append(statement)
            inner = statement if isinstance(statement, _SCOPES) else scope
            if isinstance(statement, _FUNCTIONS) and isinstance(scope, ast.ClassDef):
                decorators = {d.id for d in statement.decorator_list if isinstance(d, ast.Name)}
                if "staticmethod" not in decorators:
                    self.methods.add(statement)
            for child in _child_bodies(statement):
                self._index(child, inner, top or statement)

    def offset(self, line: int, column: int) -> int:
        """The character offset of a node position (whose column counts UTF-8 bytes)."""
        start = self.starts[line - 1]
        end = self.starts[line] if line < len(self.starts) else len(self.text)
        text = self.text[start:end]
        if text.isascii():
            return start + column
        return start + len(text.encode()[:column].decode())

    def span(self, node: _Node) -> tuple[int, int]:
        start = self.offset(node.lineno, node.col_offset)
        end_line, end_column = node.end_lineno, node.end_col_offset
        assert end_line is not None and end_column is not None
        return start, self.offset(end_line, end_column)

    def segment(self, node: _Node) -> str:
        start, end = self.span(node)
        return self.text[start:end]

    def apply(self, spec: _Spec) -> Edit:
        start, end = spec.anchor
        after, cursor = [], start
        for change_start, change_end, text in spec.changes:
            after += [self.text[cursor:change_start], text]
            cursor = change_end
        after.append(self.text[cursor:end])
        new = "".join(after)
        line = bisect.bisect_right(self.starts, spec.changes[0][0])
        program = self.text[:start] + new + self.text[end:]
        return Edit(spec.operator, line, self.text[start:end], new, program, spec.cost)

    def compiles(self, program: str, spec: _Spec) -> bool:
        # The change lies inside one top-level statement: compiling that alone tells the same
        # and is much faster than compiling the whole program for every candidate.
        first, last = spec.top.lineno, spec.top.end_lineno or spec.top.lineno
        start = self.starts[first - 1]
        end = self.starts[last] if last < len(self.starts) else len(self.text)
        delta = len(program) - len(self.text)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                compile(program[start : end + delta], "<edit>", "exec", dont_inherit=True)
            except (SyntaxError, ValueError):
                return False
        return True

    def scope(self, statement: ast.stmt) -> _Scope:
        node = self.places[statement].scope
        if node not in self.scopes:
            self.scopes[node] = self._read_scope(node)
        return self.scopes[node]

    def _read_scope(self, node: ast.AST) -> _Scope:
        reader = _ScopeReader()
        first = None
        if isinstance(node, _FUNCTIONS):
            parameters = _parameters(node.args)
            for parameter in parameters:
                reader.note(parameter.arg, _annotation_type(parameter.annotation), stored=True)
            if node in self.methods and parameters:
                first = parameters[0].arg
        body = node.body if isinstance(node, (*_SCOPES, ast.Module)) else []
        for statement in body:
            reader.visit(statement)
        outside = _BUILTINS | self.module_names
        variables = {
            name: _agreed(kinds)
            for name, kinds in reader.evidence.items()
            if name not in reader.definitions
            and (name in reader.stored or name not in outside)
            and name != first
        }
        return variables

    def type_of(self, name: str, scope: _Scope) -> str | None:
        return self.values.get(name) or scope.get(name)

    def specs(self, statement: ast.stmt) -> list[_Spec]:
        return _Specs(self, statement).all()


def _flat(text: str) -> str:
    return " ".join(text.split()) if "\n" in text or "\r" in text else text


def _header_end(statement: ast.stmt) -> int:
    """The last line of the statement's own text: for a compound statement, of its header."""
    if not _child_bodies(statement):
        return statement.end_lineno or statement.lineno
    header: list[ast.AST] = [node for _, node in _roots(statement)]
    if isinstance(statement, _FUNCTIONS):
        header += [*_parameters(statement.args), *filter(None, [statement.returns])]
    ends: list[int] = [
        end
        for root in header
        for n in ast.walk(root)
        if isinstance(end := getattr(n, "end_lineno", None), int)
    ]
    return max([statement.lineno, *ends])


def _child_bodies(statement: ast.stmt) -> list[list[ast.stmt]]:
    bodies: list[list[ast.stmt]] = []
    for name in ("body", "orelse", "finalbody"):
        body = getattr(statement, name, None)
        if isinstance(body, list) and body and isinstance(body[0], ast.stmt):
            bodies.append(body)
    bodies += [h.body for h in getattr(statement, "handlers", ())]
    bodies += [case.body for case in getattr(statement, "cases", ())]
    return bodies


def _roots(statement: ast.stmt) -> list[tuple[str, ast.AST]]:
    """The expressions that are the statement's own: a compound statement's header only."""
    match statement:
        case ast.If() | ast.While():
            return [("test", statement.test)]
        case ast.For() | ast.AsyncFor():
            return [("target", statement.target), ("iter", statement.iter)]
        case ast.With() | ast.AsyncWith():
            return [("items", item) for item in statement.items]
        case ast.FunctionDef() | ast.AsyncFunctionDef():
            defaults = [*statement.args.defaults, *statement.args.kw_defaults]
            return [("defaults", d) for d in defaults if d is not None]
        case ast.Match():
            return [("subject", statement.subject)]
        case ast.ClassDef() | ast.Try() | ast.TryStar():
            return []
    roots: list[tuple[str, ast.AST]] = []
    for name, value in ast.iter_fields(statement):
        if name == "annotation":
            continue
        if isinstance(value, ast.AST):
            roots.append((name, value))
        elif isinstance(value, list):
            roots += [(name, item) for item in value if isinstance(item, ast.AST)]
    return roots


def _parameters(arguments: ast.arguments) -> list[ast.arg]:
    found = [*arguments.posonlyargs, *arguments.args]
    found += [arguments.vararg] if arguments.vararg else []
    found += arguments.kwonlyargs
    found += [arguments.kwarg] if arguments.kwarg else []
    return found


def _definitions(body: list[ast.stmt]) -> set[str]:
    """Names the statements bind to functions, classes and modules rather than to values."""
    names: set[str] = set()
    for statement in body:
        if isinstance(statement, _SCOPES):
            names.add(statement.name)
        elif isinstance(statement, ast.Import | ast.ImportFrom):
            names.update((a.asname or a.name).split(".")[0] for a in statement.names)
    return names


def _targets(target: ast.AST) -> tuple[str, ...]:
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


def _guess(node: ast.expr) -> str | None:
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
        left, right = _guess(node.left), _guess(node.right)
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
        self.definitions.update(_definitions([node]))

    visit_ImportFrom = visit_Import

    def visit_Assign(self, node: ast.Assign) -> None:
        for target in node.targets:
            if isinstance(target, ast.Name):
                self.note(target.id, _guess(node.value), stored=True)
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
        self.inner.append({p.arg for p in _parameters(node.args)})
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
            self.inner[-1].update(_targets(generator.target))
            for condition in generator.ifs:
                self.visit(condition)
        for name in ("elt", "key", "value"):
            part = getattr(node, name, None)
            if isinstance(part, ast.expr):
                self.visit(part)
        self.inner.pop()

    visit_ListComp = visit_SetComp = visit_GeneratorExp = visit_DictComp = visit_comprehension_node


def _sites(statement: ast.stmt) -> list[_Site]:
    sites: list[_Site] = []
    for name, root in _roots(statement):
        _walk(root, statement, name, (), sites)
    return sites


def _walk(
    node: ast.AST, parent: ast.AST, name: str, bound: tuple[str, ...], out: list[_Site]
) -> None:
    # Before 3.12, positions inside f-strings can be wrong: leave them alone.
    if isinstance(node, (ast.JoinedStr, *_NOT_EXPRESSIONS)):
        return
    if isinstance(node, ast.expr):
        out.append(_Site(node, parent, name, bound))
    if isinstance(node, ast.Lambda):
        for default in [*node.args.defaults, *node.args.kw_defaults]:
            if default is not None:
                _walk(default, node.args, "defaults", bound, out)
        inner = bound + tuple(p.arg for p in _parameters(node.args))
        _walk(node.body, node, "body", inner, out)
        return
    if isinstance(node, _COMPREHENSIONS):
        inner = bound
        for generator in node.generators:
            _walk(generator.iter, generator, "iter", inner, out)
            inner += _targets(generator.target)
            for condition in generator.ifs:
                _walk(condition, generator, "ifs", inner, out)
        for part_name in ("elt", "key", "value"):
            part = getattr(node, part_name, None)
            if isinstance(part, ast.expr):
                _walk(part, node, part_name, inner, out)
        return
    for child_name, value in ast.iter_fields(node):
        children = value if isinstance(value, list) else [value]
        for child in children:
            if isinstance(child, ast.AST):
                _walk(child, node, child_name, bound, out)


def _precedence(node: ast.AST) -> int:
    match node:
        case ast.NamedExpr():
            return _NAMED
        case ast.Tuple():
            return _TUPLE
        case ast.Yield() | ast.YieldFrom():
            return _YIELD
        case ast.Lambda() | ast.IfExp():
            return _TEST
        case ast.BoolOp():
            return _AND if isinstance(node.op, ast.And) else _OR
        case ast.UnaryOp():
            return _NOT if isinstance(node.op, ast.Not) else _FACTOR
        case ast.Compare():
            return _CMP
        case ast.BinOp():
            return _BINARY_PRECEDENCE[type(node.op)]
        case ast.Await():
            return _AWAIT
        case ast.Starred():
            return _BOR
    return _ATOM


def _slot(parent: ast.AST, name: str) -> int:
    """The lowest precedence an expression may have, unparenthesised, in this place."""
    match parent:
        case ast.BinOp(op=ast.Pow()):
            return _AWAIT if name == "left" else _FACTOR
        case ast.BinOp():
            own = _BINARY_PRECEDENCE[type(parent.op)]
            return own if name == "left" else own + 1
        case ast.UnaryOp():
            return _NOT if isinstance(parent.op, ast.Not) else _FACTOR
        case ast.BoolOp():
            return _precedence(parent) + 1
        case ast.Compare():
            return _CMP + 1
        case ast.IfExp():
            return _TEST if name == "orelse" else _OR
        case ast.Attribute() | ast.Subscript() | ast.Call() | ast.Await():
            return _ATOM if name in ("value", "func") else _TEST
        case ast.Starred():
            return _BOR
    return _TEST


def _operands(test: ast.expr) -> list[tuple[ast.expr, ast.AST, str]]:
    """The operands of the `and` / `or` a condition is, through nested ones."""
    if not isinstance(test, ast.BoolOp):
        return []
    found: list[tuple[ast.expr, ast.AST, str]] = []
    for value in test.values:
        found += _operands(value) if isinstance(value, ast.BoolOp) else [(value, test, "values")]
    return found


def _is_range(node: ast.AST) -> bool:
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "range"
        and 1 <= len(node.args) <= 3
        and not node.keywords
        and not any(isinstance(a, ast.Starred) for a in node.args)
    )


def _wrap(text: str, precedence: int, needed: int) -> str:
    return f"({text})" if precedence < needed else text


def _int(node: ast.AST) -> int | None:
    """The value of an integer literal, negative ones included; not of a bool."""
    sign = 1
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        node, sign = node.operand, -1
    if isinstance(node, ast.Constant) and type(node.value) is int:
        return sign * node.value
    return None


def _number(value: int) -> tuple[str, int]:
    return str(value), _ATOM if value >= 0 else _FACTOR


class _Specs:
    """The edits of one statement, by operator."""

    def __init__(self, source: _Source, statement: ast.stmt) -> None:
        self.source = source
        self.statement = statement
        self.top = source.places[statement].top
        self.sites = _sites(statement)
        self.found: list[_Spec] = []

    def all(self) -> list[_Spec]:
        self._comparison()
        self._arithmetic()
        self._boolean()
        self._range_bound()
        self._slice_bound()
        self._constant()
        self._negation()
        self._drop_condition()
        self._swap_operands()
        self._variable()
        self._return_value()
        return self.found

    def add(self, operator: str, cost: int, anchor: _Node, *changes: _Change) -> None:
        if not changes:
            return
        spec = _Spec(operator, cost, self.source.span(anchor), changes, self.top)
        self.found.append(spec)

    def replace(self, operator: str, cost: int, anchor: _Node, node: _Node, text: str) -> None:
        self.add(operator, cost, anchor, (*self.source.span(node), text))

    def text(self, node: _Node, needed: int) -> str:
        return _wrap(self.source.segment(node), _precedence(node), needed)

    def shifted(self, node: ast.expr, delta: int) -> tuple[_Change, ...]:
        """Changes adding `delta` to `node`, folded into its literal or its trailing `± k`, made
        in place so that the rest of its text (comments, spacing) stays."""
        start, end = self.source.span(node)
        value = _int(node)
        if value is not None:
            return ((start, end, str(value + delta)),)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add | ast.Sub):
            step = _int(node.right)
            if step is not None and isinstance(node.right, ast.Constant):
                sign = 1 if isinstance(node.op, ast.Add) else -1
                new = sign * step + delta
                found = self._op_token(node.left, node.right, node.op, type(node.op))
                if found is None:
                    return ()
                right_start = self.source.span(node.right)[0]
                if new == 0:
                    # Back over the spaces before the operator, unless they indent its line.
                    kept = self.source.text[: found[0]].rstrip(" \t")
                    cut = found[0] if kept.endswith(("\n", "\r")) else len(kept)
                    return ((cut, end, ""),)
                if new * sign > 0:
                    return ((right_start, end, str(abs(new))),)
                symbol = "+" if new > 0 else "-"
                return ((found[0], found[1], symbol), (right_start, end, str(abs(new))))
        symbol = "+" if delta > 0 else "-"
        if _precedence(node) < _ARITH:
            return ((start, start, "("), (end, end, f") {symbol} {abs(delta)}"))
        return ((end, end, f" {symbol} {abs(delta)}"),)

    def _comparison(self) -> None:
        for site in self.sites:
            node = site.node
            if not isinstance(node, ast.Compare):
                continue
            operands = [node.left, *node.comparators]
            for index, op in enumerate(node.ops):
                for other in _COMPARISONS[type(op)]:
                    change = self._op_token(operands[index], operands[index + 1], op, other)
                    if change:
                        self.add("comparison", 1, node, change)

    def _op_token(
        self, left: _Node, right: _Node, op: ast.AST, new: type[ast.AST]
    ) -> _Change | None:
        start, end = self.source.span(left)[1], self.source.span(right)[0]
        return _find_operator(self.source.text, start, end, op, _SYMBOLS[new])

    def _arithmetic(self) -> None:
        for site in self.sites:
            node = site.node
            if isinstance(node, ast.BinOp):
                for other in _ARITHMETIC.get(type(node.op), ()):
                    change = self._op_token(node.left, node.right, node.op, other)
                    if change:
                        self.add("arithmetic", 1, node, change)
        statement = self.statement
        if isinstance(statement, ast.AugAssign):
            for other in _ARITHMETIC.get(type(statement.op), ()):
                start = self.source.span(statement.target)[1]
                end = self.source.span(statement.value)[0]
                symbol = _SYMBOLS[type(statement.op)] + "="
                change = _find_symbol(self.source.text, start, end, symbol, _SYMBOLS[other] + "=")
                if change:
                    self.add("arithmetic", 1, statement, change)

    def _boolean(self) -> None:
        for site in self.sites:
            node = site.node
            if isinstance(node, ast.BoolOp):
                other = ast.Or if isinstance(node.op, ast.And) else ast.And
                for left, right in zip(node.values, node.values[1:], strict=False):
                    change = self._op_token(left, right, node.op, other)
                    if change:
                        self.add("boolean", 1, node, change)

    def _range_bound(self) -> None:
        for site in self.sites:
            node = site.node
            if not _is_range(node):
                continue
            assert isinstance(node, ast.Call)
            for index, argument in enumerate(node.args):
                for delta in (-1, 1):
                    if _int(argument) == -delta and (index == 2 or index < len(node.args) == 2):
                        # A step of 0 fails; a start of 0 is the variant without a start.
                        continue
                    self.add("range_bound", 1, node, *self.shifted(argument, delta))
            name = self.source.segment(node.func)
            parts = [self.text(a, _TEST) for a in node.args]
            if len(parts) == 1:
                self.replace("range_bound", 1, node, node, f"{name}(1, {parts[0]})")
            elif len(parts) == 2 and _int(node.args[0]) != 0:
                self.replace("range_bound", 1, node, node, f"{name}({parts[1]})")

    def _slice_bound(self) -> None:
        for site in self.sites:
            node = site.node
            if not (isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Slice)):
                continue
            part = node.slice
            bounds = [b for b in (part.lower, part.upper) if b is not None]
            for bound in bounds:
                for delta in (-1, 1):
                    self.add("slice_bound", 1, node, *self.shifted(bound, delta))
            for bound in bounds:
                lower, upper, step = (
                    "" if b is None or b is bound else self.text(b, _TEST)
                    for b in (part.lower, part.upper, part.step)
                )
                text = f"{lower}:{upper}" + (f":{step}" if part.step is not None else "")
                self.replace("slice_bound", 2, node, part, text)

    def _constant(self) -> None:
        for site in self.sites:
            node, parent = site.node, site.parent
            value = _int(node)
            if value is None or (
                isinstance(node, ast.Constant) and isinstance(parent, ast.UnaryOp)
            ):
                continue
            if _is_range(parent) or site.place in ("lower", "upper"):
                # The bound edits shift these already (and know when not to).
                continue
            folds = (
                isinstance(parent, ast.BinOp)
                and isinstance(parent.op, ast.Add | ast.Sub)
                and site.place == "right"
                and isinstance(node, ast.Constant)
            )
            for delta in (-1, 1):
                if folds:
                    assert isinstance(parent, ast.BinOp)
                    self.add("constant", 1, parent, *self.shifted(parent, delta))
                else:
                    text, precedence = _number(value + delta)
                    wrapped = _wrap(text, precedence, _slot(parent, site.place))
                    self.replace("constant", 1, node, node, wrapped)

    def _negation(self) -> None:
        tests: list[tuple[ast.expr, ast.AST, str]] = []
        if isinstance(self.statement, ast.If | ast.While):
            tests.append((self.statement.test, self.statement, "test"))
        tests += [
            (s.node.test, s.node, "test") for s in self.sites if isinstance(s.node, ast.IfExp)
        ]
        # The operands of an `and` / `or` condition too, where one `not` too many hides.
        for test, _, _ in list(tests):
            tests += _operands(test)
        for test, owner, place in tests:
            if isinstance(test, ast.Constant):
                continue
            if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
                text = self.text(test.operand, _slot(owner, place))
            elif _precedence(test) >= _AWAIT:
                text = f"not {self.source.segment(test)}"
            else:
                text = _wrap(f"not ({self.source.segment(test)})", _NOT, _slot(owner, place))
            self.replace("negation", 2, test, test, text)

    def _drop_condition(self) -> None:
        for site in self.sites:
            node = site.node
            if not isinstance(node, ast.BoolOp):
                continue
            word = f" {_SYMBOLS[type(node.op)]} "
            needed = _precedence(node) + 1
            for dropped in node.values:
                kept = [v for v in node.values if v is not dropped]
                if len(kept) == 1:
                    text = self.text(kept[0], _slot(site.parent, site.place))
                else:
                    text = word.join(self.text(v, needed) for v in kept)
                self.replace("drop_condition", 2, node, node, text)

    def _swap_operands(self) -> None:
        for site in self.sites:
            node = site.node
            if isinstance(node, ast.BinOp) and isinstance(node.op, _ORDERED_OPERANDS):
                if isinstance(node.op, ast.Add) and self._numeric(node.left, node.right):
                    continue
                symbol = _SYMBOLS[type(node.op)]
                left = self.text(node.right, _slot(node, "left"))
                right = self.text(node.left, _slot(node, "right"))
                self.replace("swap_operands", 2, node, node, f"{left} {symbol} {right}")
            elif (
                isinstance(node, ast.Compare)
                and len(node.ops) == 1
                and isinstance(node.ops[0], ast.In | ast.NotIn)
            ):
                # Ordering comparisons are left out: `b < a` is the comparison edit `a > b`.
                symbol = _SYMBOLS[type(node.ops[0])]
                left = self.text(node.comparators[0], _CMP + 1)
                right = self.text(node.left, _CMP + 1)
                self.replace("swap_operands", 2, node, node, f"{left} {symbol} {right}")

    def _numeric(self, *operands: ast.expr) -> bool:
        scope = self.source.scope(self.statement)
        kinds = [
            self.source.type_of(o.id, scope) if isinstance(o, ast.Name) else _guess(o)
            for o in operands
        ]
        return all(kind in _NUMERIC for kind in kinds)

    def _variable(self) -> None:
        scope = self.source.scope(self.statement)
        called = {id(s.node.func) for s in self.sites if isinstance(s.node, ast.Call)}
        for site in self.sites:
            node = site.node
            if not isinstance(node, ast.Name) or not isinstance(node.ctx, ast.Load):
                continue
            if id(node) in called or (node.id not in scope and node.id not in site.bound):
                continue
            kind = self.source.type_of(node.id, scope)
            for other in self._candidates(scope, site.bound, kind, node.id):
                self.replace("variable", 2, node, node, other)

    def _return_value(self) -> None:
        statement = self.statement
        if not isinstance(statement, ast.Return) or statement.value is None:
            return
        scope = self.source.scope(statement)
        value = statement.value
        if isinstance(value, ast.Name):
            kind, current = self.source.type_of(value.id, scope), value.id
        else:
            kind, current = _guess(value), None
        for other in self._candidates(scope, (), kind, current):
            self.replace("return_value", 3, value, value, other)

    def _candidates(
        self, scope: _Scope, bound: tuple[str, ...], kind: str | None, current: str | None
    ) -> list[str]:
        names = dict.fromkeys([*scope, *bound])
        return [
            name
            for name in names
            if name != current
            and (
                kind is None or (other := self.source.type_of(name, scope)) is None or other == kind
            )
        ]


def _find_operator(text: str, start: int, end: int, op: ast.AST, new: str) -> _Change | None:
    """The change of the operator written between `start` and `end` to `new`."""
    words = _SYMBOLS[type(op)].split()
    pattern = r"\s+".join(rf"\b{w}\b" if w.isalpha() else re.escape(w) for w in words)
    return _search(text, start, end, pattern, new)


def _find_symbol(text: str, start: int, end: int, symbol: str, new: str) -> _Change | None:
    return _search(text, start, end, re.escape(symbol), new)


def _search(text: str, start: int, end: int, pattern: str, new: str) -> _Change | None:
    # Between two operands only brackets, spaces, comments and the operator can stand; blank
    # the comments so that a symbol inside one is not taken for the operator.
    gap = _COMMENT.sub(lambda m: " " * len(m.group()), text[start:end])
    found = re.search(pattern, gap)
    return None if found is None else (start + found.start(), start + found.end(), new)
