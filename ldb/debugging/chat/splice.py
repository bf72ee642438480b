"""A file with the definitions of a model's code put in place of its own, the rest kept byte for
byte.

The code is what a model returns for one file: whole functions, methods, classes, assignments
and the imports they need, each at the top level of the code. Each goes where the file's own of
that name is:

- a function replaces the file's top-level function of its name, else the method of its name
  (in the one class that has it), re-indented to the original's indentation; new, it is added
  at the file's end. Its decorators replace the original's; without any, the original's stay.
- a class replaces the class of its name whole when it defines every method that class does;
  otherwise it holds only the methods changed (a model's habit), and each is put into the
  class as a method alone would be.
- an assignment to one name replaces the file's assignment to it; new, it goes after the
  imports. So does an import, with only the names the file does not import yet.
- any other statement must be one the file has already (the model returned more of the file
  than it changed); `pass`, `...` and docstrings are skipped.

Lines that begin inside a string move only with the code around them (a function the prompt
showed dedented, strings and all, and answered so); otherwise they stay as written. A file
that does not parse (the bug may be a syntax error) is read line by line: its functions and
classes by their headers and indentation, its imports by their first word.
"""

from __future__ import annotations

import ast
import io
import re
import textwrap
import tokenize
from dataclasses import dataclass, field

from ldb import asts

_DEFS = (ast.FunctionDef, ast.AsyncFunctionDef)
_HEADER = re.compile(r"(?P<indent>[ \t]*)(?:async[ \t]+)?(?P<kind>def|class)[ \t]+(?P<name>\w+)")
_IMPORT = re.compile(r"(?:import|from)[ \t]")
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")
"""A line with its ending, as Python counts lines (a form feed or U+2028 ends none)."""
_NEWLINE = re.compile(r"\r\n|\r|\n")
# Strings spanning lines come as one STRING token before 3.12, as FSTRING_MIDDLE pieces after.
_STRING_TOKENS = frozenset({tokenize.STRING, getattr(tokenize, "FSTRING_MIDDLE", tokenize.STRING)})
# What parsing text raises when it is no Python: ValueError for a NUL byte, the other two for
# code nested too deep.
_UNPARSABLE = (SyntaxError, ValueError, MemoryError, RecursionError)


class SpliceError(ValueError):
    """The code cannot be put into the file; the message says why, for the model to read."""


@dataclass(frozen=True)
class Span:
    """A definition in a file: lines `first`..`last` (from 1, inclusive), its decorators
    from `first`, its `def` or `class` line at `header`."""

    name: str
    first: int
    header: int
    last: int
    indent: str
    decorators: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Class:
    span: Span
    methods: list[Span]
    statements: frozenset[str]
    """The class body's other statements, dumped, for telling one the code repeats."""
    body_indent: str


@dataclass
class _Layout:
    """Where a file's top-level definitions are."""

    functions: list[Span] = field(default_factory=list)
    classes: list[_Class] = field(default_factory=list)
    assignments: list[Span] = field(default_factory=list)
    imports: list[tuple[ast.Import | ast.ImportFrom, Span]] = field(default_factory=list)
    statements: set[str] = field(default_factory=set)
    top: int = 0
    """The line a first import goes after: the docstring's last, or the leading comments'."""


@dataclass(frozen=True)
class _Piece:
    """A statement of the code as lines (no line endings), with the lines that begin inside a
    string (indexes into `lines`) and the indentation of its header."""

    lines: list[str]
    inside: frozenset[int]
    indent: str
    decorators: tuple[str, ...]


def put(text: str, code: str, path: str) -> str:
    """`text`, the file at `path`, with each top-level statement of `code` put in place of its
    own (see the module's docstring). SpliceError when the code does not parse, names a
    definition ambiguously, or leaves the file unparsable."""
    # The pieces are cut from the code as written (its indentation says which lines inside
    # strings move with it); the tree, from the code dedented when it came indented.
    tree, parsed = _parsed_code(code, path)
    lines = [line.rstrip("\r\n") for line in _LINE.findall(code)]
    inside = _string_lines(parsed)
    imports: list[ast.Import | ast.ImportFrom] = []
    for node in tree.body:
        piece = _piece(node, lines, inside)
        if isinstance(node, _DEFS):
            text = _put_function(text, node.name, piece, path)
        elif isinstance(node, ast.ClassDef):
            text = _put_class(text, node, lines, inside, path)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            imports.append(node)
        elif (name := _assigned(node)) is not None:
            text = _put_assignment(text, name, piece, path)
        elif not _skipped(node) and ast.dump(node) not in _layout(text).statements:
            raise SpliceError(
                f"line {node.lineno} of the code for {path} (`{lines[node.lineno - 1].strip()}`)"
                f" is not a function, a class, an import or an assignment, and {path} has no"
                " such statement"
            )
    for node in imports:
        text = _put_import(text, node, lines)
    try:
        asts.parse_module(text, path)
    except _UNPARSABLE as error:
        raise SpliceError(f"with the reply's code, {path} does not parse: {_why(error)}") from error
    return text


def _parsed_code(code: str, path: str) -> tuple[ast.Module, str]:
    """The code's tree, and the code it is of: dedented when it came indented (a method
    returned as it sits in its class)."""
    error: Exception | None = None
    for candidate in (code, textwrap.dedent(code), _dedented_as_first(code)):
        try:
            tree = asts.parse_module(candidate, path)
        except _UNPARSABLE as found:
            error = error or found
            continue
        if not tree.body:
            raise SpliceError(f"the block for {path} holds no code")
        return tree, candidate
    assert error is not None
    raise SpliceError(f"the code for {path} does not parse: {_why(error)}")


def _dedented_as_first(code: str) -> str:
    """The code less its first line's indentation, wherever a line has it (a line inside a
    string may start further left)."""
    lines = _LINE.findall(code)
    first = next((line for line in lines if line.strip()), "")
    indent = first[: len(first) - len(first.lstrip())]
    return "".join(line[len(indent) :] if line.startswith(indent) else line for line in lines)


def _why(error: Exception) -> str:
    if isinstance(error, SyntaxError):
        return f"line {error.lineno}: {error.msg}"
    return str(error) or type(error).__name__


def _string_lines(code: str) -> frozenset[int]:
    """The lines of `code` (from 1) that begin inside a string."""
    inside: set[int] = set()
    for token in tokenize.generate_tokens(io.StringIO(code).readline):
        if token.type in _STRING_TOKENS:
            inside.update(range(token.start[0] + 1, token.end[0] + 1))
    return frozenset(inside)


def _piece(node: ast.stmt, lines: list[str], inside: frozenset[int]) -> _Piece:
    decorators = getattr(node, "decorator_list", [])
    first = min([d.lineno for d in decorators] + [node.lineno])
    last = node.end_lineno or node.lineno
    header = lines[node.lineno - 1]
    return _Piece(
        lines[first - 1 : last],
        frozenset(number - first for number in inside if first <= number <= last),
        header[: len(header) - len(header.lstrip())],
        tuple(ast.unparse(d) for d in decorators),
    )


def _put_function(text: str, name: str, piece: _Piece, path: str) -> str:
    layout = _layout(text)
    found = _one([f for f in layout.functions if f.name == name], piece, name, path)
    if found is not None:
        return _replace(text, found, piece)
    owners = [c for c in layout.classes if any(m.name == name for m in c.methods)]
    if len(owners) > 1:
        classes = ", ".join(c.span.name for c in owners)
        raise SpliceError(
            f"`{name}` is a method of more than one class in {path} ({classes}): return it"
            " inside its class"
        )
    if owners:
        return _put_method(text, owners[0].span.name, name, piece, path)
    return _append(text, _reindented(piece, ""), blank=2)


def _put_method(text: str, owner: str, name: str, piece: _Piece, path: str) -> str:
    """The method put into class `owner` (the one of that name; a new method at its end)."""
    cls = [c for c in _layout(text).classes if c.span.name == owner][-1]
    found = _one([m for m in cls.methods if m.name == name], piece, f"{owner}.{name}", path)
    if found is not None:
        return _replace(text, found, piece)
    return _insert(text, cls.span.last, _reindented(piece, cls.body_indent), blank=1)


def _put_class(
    text: str, node: ast.ClassDef, lines: list[str], inside: frozenset[int], path: str
) -> str:
    piece = _piece(node, lines, inside)
    classes = [c for c in _layout(text).classes if c.span.name == node.name]
    if not classes:
        return _append(text, _reindented(piece, ""), blank=2)
    if len(classes) > 1:
        raise SpliceError(f"{path} defines the class `{node.name}` more than once")
    [cls] = classes
    given = {member.name for member in node.body if isinstance(member, _DEFS)}
    if {method.name for method in cls.methods} <= given:
        return _replace(text, cls.span, piece)
    for member in node.body:
        if isinstance(member, _DEFS):
            member_piece = _piece(member, lines, inside)
            text = _put_method(text, node.name, member.name, member_piece, path)
        elif not _skipped(member) and ast.dump(member) not in cls.statements:
            raise SpliceError(
                f"the class `{node.name}` for {path} leaves out methods the file's has, so only"
                f" its methods can be used, but its line {member.lineno} changes something else:"
                " return the class whole"
            )
    return text


def _put_assignment(text: str, name: str, piece: _Piece, path: str) -> str:
    layout = _layout(text)
    found = [a for a in layout.assignments if a.name == name]
    if len(found) > 1:
        raise SpliceError(f"{path} assigns `{name}` more than once at its top level")
    if found:
        return _replace(text, found[0], piece)
    after = max((span.last for _, span in layout.imports), default=layout.top)
    return _insert(text, after, _reindented(piece, ""), blank=1)


def _put_import(text: str, node: ast.Import | ast.ImportFrom, lines: list[str]) -> str:
    """The import's names the file lacks, after its imports (a `__future__` one first)."""
    layout = _layout(text)
    have = {key for found, _ in layout.imports for key in _bound(found)}
    keys = zip(node.names, _bound(node), strict=True)
    missing = [alias for alias, key in keys if key not in have]
    if not missing:
        return text
    if len(missing) == len(node.names):
        new = textwrap.dedent("\n".join(lines[node.lineno - 1 : node.end_lineno])).splitlines()
    elif isinstance(node, ast.Import):
        new = [ast.unparse(ast.Import(names=missing))]
    else:
        new = [ast.unparse(ast.ImportFrom(module=node.module, names=missing, level=node.level))]
    future = isinstance(node, ast.ImportFrom) and node.module == "__future__"
    earlier = [
        span.last
        for found, span in layout.imports
        if not future or (isinstance(found, ast.ImportFrom) and found.module == "__future__")
    ]
    after = max(earlier, default=layout.top)
    below = _LINE.findall(text)[after:]
    if not layout.imports and below and below[0].strip():
        new.append("")  # the first import, kept apart from the code it comes before
    return _insert(text, after, new, blank=0)


def _bound(node: ast.Import | ast.ImportFrom) -> list[tuple[str, ...]]:
    """What each name of an import binds, to tell one the file has already."""
    if isinstance(node, ast.Import):
        return [("import", a.name, a.asname or "") for a in node.names]
    module = f"{'.' * node.level}{node.module or ''}"
    return [("from", module, a.name, a.asname or "") for a in node.names]


def _assigned(node: ast.stmt) -> str | None:
    """The one name a top-level assignment binds."""
    if isinstance(node, ast.Assign) and len(node.targets) == 1:
        target = node.targets[0]
    elif isinstance(node, ast.AnnAssign):
        target = node.target
    else:
        return None
    return target.id if isinstance(target, ast.Name) else None


def _skipped(node: ast.stmt) -> bool:
    """`pass`, `...` or a docstring: nothing to put anywhere."""
    if isinstance(node, ast.Pass):
        return True
    return isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)


def _one(found: list[Span], piece: _Piece, name: str, path: str) -> Span | None:
    """The definition the piece replaces among those of its name: the only one, or the only
    one decorated as it is (a property's getter and setter share a name)."""
    if len(found) <= 1:
        return found[0] if found else None
    alike = [span for span in found if span.decorators == piece.decorators]
    if len(alike) == 1:
        return alike[0]
    raise SpliceError(f"{path} defines `{name}` more than once: return it with its decorators")


def _replace(text: str, span: Span, piece: _Piece) -> str:
    """The span's lines replaced by the piece at the span's indentation; the span's own
    decorators kept when the piece has none."""
    first = span.first if piece.decorators else span.header
    return _spliced(text, first, span.last, _reindented(piece, span.indent))


def _reindented(piece: _Piece, indent: str) -> list[str]:
    """The piece at `indent`. A line inside a string moves with the code around it when it
    shares the header's indentation (the prompt dedented the function whole, strings and
    all, and the model answers in kind); otherwise it is left as it is."""
    lines = []
    for index, line in enumerate(piece.lines):
        if index in piece.inside:
            inside_string = line.startswith(piece.indent) and bool(line.strip())
            lines.append(indent + line[len(piece.indent) :] if inside_string else line)
        elif not line.strip():
            lines.append("")
        elif line.startswith(piece.indent):
            lines.append(indent + line[len(piece.indent) :])
        else:
            lines.append(indent + line.lstrip())
    return lines


def _spliced(text: str, first: int, last: int, new: list[str]) -> str:
    """Lines `first`..`last` of `text` replaced by `new`, in the file's line endings; the
    file's last line keeps having none if it had none."""
    lines = _LINE.findall(text)
    newline = _newline(text)
    rendered = [line + newline for line in new]
    if last == len(lines) and not lines[-1].endswith(("\n", "\r")):
        rendered[-1] = new[-1]
    return "".join(lines[: first - 1] + rendered + lines[last:])


def _insert(text: str, after: int, new: list[str], *, blank: int) -> str:
    """`new` inserted after line `after` (0: at the top), `blank` empty lines before it."""
    lines = _LINE.findall(text)
    newline = _newline(text)
    if after and not lines[after - 1].endswith(("\n", "\r")):
        lines[after - 1] += newline
    rendered = [newline] * (blank if after else 0) + [line + newline for line in new]
    return "".join(lines[:after] + rendered + lines[after:])


def _append(text: str, new: list[str], *, blank: int) -> str:
    """`new` at the file's end, after `blank` empty lines (counting those already there)."""
    lines = _LINE.findall(text)
    trailing = 0
    while trailing < len(lines) and not lines[len(lines) - 1 - trailing].strip():
        trailing += 1
    return _insert(text, len(lines), new, blank=max(0, blank - trailing))


def _newline(text: str) -> str:
    found = _NEWLINE.search(text)
    return found.group() if found else "\n"


def _layout(text: str) -> _Layout:
    lines = [line.rstrip("\r\n") for line in _LINE.findall(text)]
    try:
        tree = asts.parse_module(text)
    except _UNPARSABLE:
        return _scanned(lines)
    return _from_tree(tree, lines)


def _from_tree(tree: ast.Module, lines: list[str]) -> _Layout:
    layout = _Layout(top=_top(tree, lines))
    for node in tree.body:
        if isinstance(node, _DEFS):
            layout.functions.append(_span(node, node.name, lines))
        elif isinstance(node, ast.ClassDef):
            methods = [_span(m, m.name, lines) for m in node.body if isinstance(m, _DEFS)]
            others = frozenset(ast.dump(m) for m in node.body if not isinstance(m, _DEFS))
            span = _span(node, node.name, lines)
            inner = node.body[0]
            body = span.indent + "    "
            if inner.lineno != node.lineno:
                body = _span(inner, "", lines).indent
            layout.classes.append(_Class(span, methods, others, body))
        elif isinstance(node, ast.Import | ast.ImportFrom):
            layout.imports.append((node, _span(node, "", lines)))
        elif (name := _assigned(node)) is not None:
            layout.assignments.append(_span(node, name, lines))
        else:
            layout.statements.add(ast.dump(node))
    return layout


def _span(node: ast.stmt, name: str, lines: list[str]) -> Span:
    decorators = getattr(node, "decorator_list", [])
    header = lines[node.lineno - 1]
    return Span(
        name,
        min([d.lineno for d in decorators] + [node.lineno]),
        node.lineno,
        node.end_lineno or node.lineno,
        header[: len(header) - len(header.lstrip())],
        tuple(ast.unparse(d) for d in decorators),
    )


def _top(tree: ast.Module, lines: list[str]) -> int:
    """The module docstring's last line, else the last of the comments the file opens with
    (a shebang, an encoding, a licence): what an import must come after."""
    first = tree.body[0] if tree.body else None
    if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
        text = first.value.value
        if isinstance(text, str):
            return first.end_lineno or first.lineno
    return _leading_comments(lines)


def _leading_comments(lines: list[str]) -> int:
    count = 0
    while count < len(lines) and lines[count].lstrip().startswith("#"):
        count += 1
    return count


def _scanned(lines: list[str]) -> _Layout:
    """The layout of a file that does not parse, read from its lines: each definition runs
    from its header to the last line indented deeper."""
    layout = _Layout(top=_leading_comments(lines))
    found = [scanned for index in range(len(lines)) if (scanned := _scanned_span(lines, index))]
    for kind, span in found:
        if span.indent:
            continue
        if kind == "def":
            layout.functions.append(span)
            continue
        inner = [(k, s) for k, s in found if span.header < s.header <= span.last and s.indent]
        body = min((s.indent for _, s in inner), key=len, default=f"{span.indent}    ")
        methods = [s for k, s in inner if k == "def" and s.indent == body]
        layout.classes.append(_Class(span, methods, frozenset(), body))
    for index, line in enumerate(lines):
        if _IMPORT.match(line):
            last = _statement_end(lines, index)
            try:
                [node] = asts.parse_module("\n".join(lines[index : last + 1])).body
            except _UNPARSABLE:
                continue
            if isinstance(node, ast.Import | ast.ImportFrom):
                layout.imports.append((node, Span("", index + 1, index + 1, last + 1, "")))
    return layout


def _scanned_span(lines: list[str], index: int) -> tuple[str, Span] | None:
    """The definition whose header is line `index` (from 0), with its kind (`def`, `class`)."""
    header = _HEADER.match(lines[index])
    if header is None:
        return None
    indent = header["indent"]
    first = index
    while first > 0 and lines[first - 1].startswith(f"{indent}@"):
        first -= 1
    # Brackets carry only the header on (a signature over several lines): in the body, where
    # the syntax error may be a bracket left open, counting them would run to the file's end.
    last = _statement_end(lines, index)
    for number in range(last + 1, len(lines)):
        line = lines[number]
        stripped = line.strip()
        deeper = len(line) - len(line.lstrip()) > len(indent)
        if stripped and not stripped.startswith("#") and not deeper:
            break
        if stripped:
            last = number
    decorators = tuple(line.strip().removeprefix("@").strip() for line in lines[first:index])
    return header["kind"], Span(header["name"], first + 1, index + 1, last + 1, indent, decorators)


def _statement_end(lines: list[str], index: int) -> int:
    """The last line of the statement starting at `index`: brackets left open, or a
    backslash, carry it on."""
    depth = _depth(lines[index])
    last = index
    while last + 1 < len(lines) and (depth > 0 or lines[last].rstrip().endswith("\\")):
        last += 1
        depth += _depth(lines[last])
    return last


def _depth(line: str) -> int:
    """Brackets the line leaves open (strings and comments not told apart: a guess, for a
    file that does not parse)."""
    return sum(line.count(c) for c in "([{") - sum(line.count(c) for c in ")]}")
