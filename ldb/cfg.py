"""Control-flow graphs of basic blocks for every function, class body and module of a program.

A block is a maximal run of statements entered only at its first and left only after its
last. Leaders are the unit's first statement, every branch target and every statement after
a jump. Besides simple statements, a block holds the *headers* of compound statements: the
test of `if`/`while`, the `for` target and iterable, the subject of `match`, the pattern and
guard of a `case`, the `with` items, the `try:` keyword and each `except` clause. A header
whose statement branches ends its block.

Choices the graphs make, for readers and for the tracer that maps bytecode onto them:

- Expressions never split blocks: lambdas, comprehensions, `yield` and `await` stay inside
  their statement's block (a suspension resumes where it stopped, so it is not a jump).
- Implicit exceptions are drawn only where something can catch them: each block of a `try`
  body has `exception` edges to every handler (and onward, to the `finally` or the exit, unless
  a bare `except`/`except BaseException` catches everything). `raise` and a failing `assert`
  are always drawn, to the handlers, the `finally` or the exit.
- A `try` body, its `else`, each handler and the `finally` start blocks of their own, because
  what they catch differs. `with` does not branch, so its header and body continue the block.
- A `finally` body is one set of blocks, not a copy per way in: a `return`, `break` or
  `continue` that passes through it enters with a `finally` edge, and the end of the `finally`
  body leaves by each way that entered (`next`, `return`, `break`, `continue`, `raise`).
- `case` patterns are tried in turn: each pattern (with its guard) is a block whose `true` edge
  enters the case body and whose `case` edge tries the next pattern (`false` after the last).
- A `while` whose test is a true constant (`while True:`, `while 1:`) has no `loop_exit`
  edge, as Python compiles it; no other test is folded.
- Code after a jump is kept as a real block and marked unreachable.
- Nested functions and classes are statements of the enclosing unit; their bodies are units of
  their own. Class bodies are units because Python runs them as code of their own.
"""

from __future__ import annotations

import ast
import re
import textwrap
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Literal

from ldb.errors import SourceSyntaxError
from ldb.models import Block, Edge, EdgeKind, FunctionGraph, Span, SpanKind
from ldb.source import SourceText, parse
from ldb.wire import PROGRAM_FILENAME

Position = tuple[int, int]
UnitNode = ast.Module | ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef
JumpKind = Literal["return", "break", "continue", "raise"]

MODULE = "<module>"


@dataclass(eq=False, slots=True)
class _Element:
    """A statement, or the header of a compound statement, as it sits in a block."""

    line: int
    col: int
    end_line: int
    end_col: int
    kind: SpanKind = "statement"


@dataclass(eq=False, slots=True)
class _Block:
    elements: list[_Element] = field(default_factory=list)
    successors: list[tuple[_Block, EdgeKind]] = field(default_factory=list)


@dataclass(eq=False, slots=True)
class _Loop:
    header: _Block
    after: _Block


@dataclass(eq=False, slots=True)
class _Try:
    handlers: list[_Block]
    catches_all: bool
    final: _Block | None
    region: Literal["body", "else", "handler"] = "body"
    # The ways control entered the `finally` body other than falling into it; its end leaves
    # by each of them. A dict keeps them in the order they were first seen.
    pending: dict[JumpKind, None] = field(default_factory=dict)


def build(source: str, filename: str = "<string>") -> list[FunctionGraph]:
    """The graph of every unit of a program: the module first, then each function and class
    body in source order. Raises `SourceSyntaxError` when the program does not parse."""
    tree = parse(source, filename)
    text = SourceText(source)
    graphs: list[tuple[Position, FunctionGraph]] = []
    work: list[tuple[UnitNode, str]] = [(tree, MODULE)]
    while work:
        node, qualname = work.pop()
        builder = _UnitBuilder(text)
        body: Sequence[ast.stmt] = node.body
        graph = builder.build(node, qualname, body)
        graphs.append((_unit_position(node), graph))
        if isinstance(node, ast.ClassDef):
            prefix = f"{qualname}."
        elif isinstance(node, ast.Module):
            prefix = ""
        else:
            prefix = f"{qualname}.<locals>."
        work.extend((child, prefix + child.name) for child in builder.nested)
    graphs.sort(key=lambda item: item[0])
    return [graph for _, graph in graphs]


def program_graphs(program: str, filename: str = PROGRAM_FILENAME) -> list[FunctionGraph]:
    """The graphs of a program under test (or of a project's file), as its traces name it, or
    none when it does not parse (a repair, or a round's program, may not)."""
    try:
        return build(program, filename)
    except SourceSyntaxError:
        return []


def find(graphs: Sequence[FunctionGraph], name: str) -> list[FunctionGraph]:
    """The graphs whose qualname, or else whose plain name, is `name`."""
    exact = [graph for graph in graphs if graph.qualname == name]
    return exact or [graph for graph in graphs if graph.name == name]


def _unit_position(node: UnitNode) -> Position:
    if isinstance(node, ast.Module):
        return (0, 0)
    return (_first_line(node), node.col_offset)


def _first_line(node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) -> int:
    return min([node.lineno] + [decorator.lineno for decorator in node.decorator_list])


class _UnitBuilder:
    """Builds the blocks of one unit with a stack of the loops and `try` statements that
    enclose the statement being visited; the stack decides where each jump goes."""

    def __init__(self, text: SourceText) -> None:
        self.text = text
        self.blocks: list[_Block] = []
        self.exit = _Block()
        self.frames: list[_Loop | _Try] = []
        self.current: _Block | None = None
        self.nested: list[ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef] = []
        # Each `finally` end's `next` edge, with the blocks whose falling in it depends on.
        self.fall_throughs: list[tuple[list[_Block], _Block, _Block]] = []

    def build(self, node: UnitNode, qualname: str, body: Sequence[ast.stmt]) -> FunctionGraph:
        entry = self.current = self._new()
        self._suite(body)
        self._link(self.current, self.exit, "next")
        return self._finish(node, qualname, entry)

    # Blocks and edges

    def _new(self) -> _Block:
        block = _Block()
        self.blocks.append(block)
        return block

    def _link(self, source: _Block | None, target: _Block, kind: EdgeKind) -> bool:
        if source is None:
            return False
        edge = (target, kind)
        if edge not in source.successors:
            source.successors.append(edge)
        return True

    def _add(self, element: _Element) -> _Block:
        """Put an element at the end of the current block (a new, unreachable one after a
        jump); a block's first element decides where its implicit exceptions go."""
        block = self.current
        if block is None:
            block = self.current = self._new()
        if not block.elements:
            targets = self._exception_targets(len(self.frames))
            if targets != [self.exit]:
                for target in targets:
                    self._link(block, target, "exception")
        block.elements.append(element)
        return block

    def _leader(self) -> _Block:
        """Start a new block that the current one falls into."""
        block = self._new()
        self._link(self.current, block, "next")
        self.current = block
        return block

    def _exception_targets(self, depth: int) -> list[_Block]:
        """Where an exception raised inside the innermost `depth` frames may go next."""
        targets: list[_Block] = []
        for frame in reversed(self.frames[:depth]):
            if not isinstance(frame, _Try):
                continue
            if frame.region == "body":
                targets.extend(frame.handlers)
                if frame.catches_all:
                    return targets
            if frame.final is not None:
                frame.pending["raise"] = None
                targets.append(frame.final)
                return targets
        targets.append(self.exit)
        return targets

    def _route(self, kind: JumpKind, depth: int) -> tuple[_Block, EdgeKind]:
        """Where a `return`, `break` or `continue` inside the innermost `depth` frames goes:
        its own target, or the nearest `finally` on the way there."""
        for frame in reversed(self.frames[:depth]):
            if isinstance(frame, _Try):
                if frame.final is not None:
                    frame.pending[kind] = None
                    return frame.final, "finally"
            elif kind == "break":
                return frame.after, "break"
            elif kind == "continue":
                return frame.header, "continue"
        return self.exit, kind

    def _jump(self, kind: JumpKind) -> None:
        if kind == "raise":
            for target in self._exception_targets(len(self.frames)):
                self._link(self.current, target, "raise")
        else:
            target, edge = self._route(kind, len(self.frames))
            self._link(self.current, target, edge)
        self.current = None

    # Statements

    def _suite(self, body: Sequence[ast.stmt]) -> None:
        for statement in body:
            visit = _STATEMENT_VISITORS.get(type(statement))
            if visit is None:
                self._add(_statement_element(statement))
            else:
                visit(self, statement)

    def _if(self, node: ast.stmt) -> None:
        assert isinstance(node, ast.If)
        # An `elif` chain is walked in a loop, not by recursion: generated code has chains of
        # thousands, deeper than Python's stack.
        branch_ends: list[_Block | None] = []
        while True:
            test = self._add(self._header(node, node.test))
            self.current = self._new()
            self._link(test, self.current, "true")
            self._suite(node.body)
            branch_ends.append(self.current)
            orelse = node.orelse
            if not orelse:
                join = self._new()
                self._link(test, join, "false")
                break
            self.current = self._new()
            self._link(test, self.current, "false")
            if len(orelse) == 1 and isinstance(orelse[0], ast.If):
                node = orelse[0]
                continue
            self._suite(orelse)
            branch_ends.append(self.current)
            join = self._new()
            break
        for end in branch_ends:
            self._link(end, join, "next")
        self.current = join

    def _loop(self, node: ast.stmt) -> None:
        assert isinstance(node, ast.For | ast.AsyncFor | ast.While)
        header = self._leader()
        after = self._new()
        if isinstance(node, ast.While):
            header_element = self._header(node, node.test)
            endless = isinstance(node.test, ast.Constant) and bool(node.test.value)
            if endless:
                header_element.kind = "passive"
            self._add(header_element)
            enter: EdgeKind = "true"
        else:
            self._add(self._header(node, node.target, node.iter))
            enter, endless = "next", False
        self.current = self._new()
        self._link(header, self.current, enter)
        self.frames.append(_Loop(header, after))
        self._suite(node.body)
        self._link(self.current, header, "loop")
        self.frames.pop()
        if node.orelse:
            # `while True:` never runs its `else`: those blocks stay unreachable.
            self.current = None
            if not endless:
                self.current = self._new()
                self._link(header, self.current, "loop_exit")
            self._suite(node.orelse)
            self._link(self.current, after, "next")
        elif not endless:
            self._link(header, after, "loop_exit")
        self.current = after

    def _try(self, node: ast.stmt) -> None:
        assert isinstance(node, ast.Try | ast.TryStar)
        after = self._new()
        handlers = [self._new() for _ in node.handlers]
        final = self._new() if node.finalbody else None
        frame = _Try(handlers, any(map(_catches_all, node.handlers)), final)
        continuation = final or after
        self.frames.append(frame)
        self._leader()
        self._add(self._keyword(node, "try"))
        self._suite(node.body)
        frame.region = "else"
        if node.orelse:
            if self.current is not None:
                self._leader()
            self._suite(node.orelse)
        falls_in = [self.current] if self.current is not None else []
        self._link(self.current, continuation, "next")
        frame.region = "handler"
        star = isinstance(node, ast.TryStar)
        for index, (handler, block) in enumerate(zip(node.handlers, handlers, strict=True)):
            self.current = block
            self._add(self._handler_header(handler))
            self._suite(handler.body)
            if self.current is not None:
                falls_in.append(self.current)
            self._link(self.current, continuation, "next")
            if star and index + 1 < len(handlers):
                # Each `except*` clause takes its share of an exception group in turn.
                self._link(self.current, handlers[index + 1], "exception")
        # Inside `finally` the statement no longer protects anything: jumps look past it.
        self.frames.pop()
        if final is not None:
            self.current = final
            self._suite(node.finalbody)
            self._leave_finally(frame, falls_in, after)
        self.current = after

    def _leave_finally(self, frame: _Try, falls_in: list[_Block], after: _Block) -> None:
        end = self.current
        if end is None:
            return
        if falls_in:
            # The finally falls through only if something that reaches it falls into it:
            # decided once the whole graph is known (see _prune).
            self._link(end, after, "next")
            self.fall_throughs.append((falls_in, end, after))
        depth = len(self.frames)
        for kind in frame.pending:
            if kind == "raise":
                for target in self._exception_targets(depth):
                    self._link(end, target, "raise")
            else:
                target, edge = self._route(kind, depth)
                self._link(end, target, edge)

    def _with(self, node: ast.stmt) -> None:
        assert isinstance(node, ast.With | ast.AsyncWith)
        parts: list[ast.AST] = []
        for item in node.items:
            parts.append(item.context_expr)
            if item.optional_vars is not None:
                parts.append(item.optional_vars)
        self._add(self._header(node, *parts))
        self._suite(node.body)

    def _match(self, node: ast.stmt) -> None:
        assert isinstance(node, ast.Match)
        previous: _Block | None = self._add(self._header(node, node.subject))
        after = self._new()
        for case in node.cases:
            pattern = self._new()
            self._link(previous, pattern, "case")
            self.current = pattern
            self._add(self._case_header(case))
            self.current = self._new()
            self._link(pattern, self.current, "true")
            self._suite(case.body)
            self._link(self.current, after, "next")
            previous = None if _irrefutable(case) else pattern
        self._link(previous, after, "false")
        self.current = after

    def _assert(self, node: ast.stmt) -> None:
        check = self._add(_statement_element(node))
        passed = self._new()
        self._link(check, passed, "next")
        for target in self._exception_targets(len(self.frames)):
            self._link(check, target, "assert_fail")
        self.current = passed

    def _return(self, node: ast.stmt) -> None:
        self._add(_statement_element(node))
        self._jump("return")

    def _raise(self, node: ast.stmt) -> None:
        self._add(_statement_element(node))
        self._jump("raise")

    def _break(self, node: ast.stmt) -> None:
        self._add(_statement_element(node))
        self._jump("break")

    def _continue(self, node: ast.stmt) -> None:
        self._add(_statement_element(node))
        self._jump("continue")

    def _definition(self, node: ast.stmt) -> None:
        assert isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
        header = self._header(node, *_signature_parts(node), after=self._name_end(node))
        header.line, header.col = _first_line(node), node.col_offset
        # A `def` or `class` statement runs whole where it stands: it branches nowhere.
        header.kind = "statement"
        self._add(header)
        self.nested.append(node)

    # Headers: where each compound statement's own code starts and ends

    def _header(self, node: ast.stmt, *parts: ast.AST, after: Position | None = None) -> _Element:
        """The header of a compound statement: from its keyword through the colon that ends
        it (found by scanning past the brackets, commas and comments after its last part)."""
        end = after or (node.lineno, node.col_offset)
        for part in parts:
            part_end = _end(part)
            if part_end > end:
                end = part_end
        line, col = self._colon_after(end, skip_words=False)
        return _Element(node.lineno, node.col_offset, line, col, "header")

    def _keyword(self, node: ast.stmt, keyword: str) -> _Element:
        line, col = self._colon_after((node.lineno, node.col_offset + len(keyword)), False)
        return _Element(node.lineno, node.col_offset, line, col, "header")

    def _handler_header(self, handler: ast.ExceptHandler) -> _Element:
        start = (handler.lineno, handler.col_offset + len("except"))
        end = _end(handler.type) if handler.type is not None else start
        # `as name` has no node of its own, so the scan may pass over words here.
        line, col = self._colon_after(end, skip_words=True)
        return _Element(handler.lineno, handler.col_offset, line, col, "passive")

    def _case_header(self, case: ast.match_case) -> _Element:
        pattern = case.pattern
        start_line, start_col = self._case_keyword(pattern)
        end = _end(case.guard) if case.guard is not None else _end(pattern)
        line, end_col = self._colon_after(end, skip_words=False)
        return _Element(start_line, start_col, line, end_col, "header")

    def _case_keyword(self, pattern: ast.pattern) -> Position:
        """Where `case` stands: on the pattern's line, or above it when the pattern opens
        with a bracket or a backslash (`case (` then the alternatives, as black writes them)."""
        limit = pattern.col_offset
        for lineno in range(pattern.lineno, max(0, pattern.lineno - 20), -1):
            encoded = self.text.line(lineno).encode()
            at = encoded.rfind(b"case", 0, limit if lineno == pattern.lineno else len(encoded))
            if at >= 0 and not encoded[:at].strip():
                return lineno, at
        return pattern.lineno, pattern.col_offset

    def _name_end(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) -> Position:
        """Where the name after `def`/`class` ends in the source. The name is read from the
        text, not from the node, which holds it NFKC-normalised (`µ` as `μ`)."""
        line = self.text.line(node.lineno)
        found = _DEFINITION_NAME.match(line, self.text.char_col(node.lineno, node.col_offset))
        if found is None:
            return (node.lineno, node.col_offset)
        return (node.lineno, len(line[: found.end()].encode()))

    def _colon_after(self, position: Position, skip_words: bool) -> Position:
        """The position just past the colon that ends a header, scanning from `position`
        over what may stand between a header's last node and its colon. Falls back to
        `position` itself should anything else be found."""
        line, col = position
        text = self.text
        while line <= len(text.lines):
            encoded = text.line(line).encode()
            while col < len(encoded):
                char = encoded[col : col + 1]
                if char == b":":
                    return line, col + 1
                if char == b"#":
                    break
                if char not in _BETWEEN_HEADER_AND_COLON and not (
                    skip_words and (char.isalnum() or char == b"_")
                ):
                    return position
                col += 1
            line, col = line + 1, 0
        return position

    # The finished graph

    def _prune(self, entry: _Block) -> None:
        """Drop each `finally` fall-through that nothing reachable falls into (a try body
        ending in an endless loop): dropping one may strand others, so repeat until none."""
        while self.fall_throughs:
            reached = _raw_reachable(entry)
            dead = [item for item in self.fall_throughs if not reached.intersection(item[0])]
            if not dead:
                return
            for item in dead:
                _, end, after = item
                end.successors.remove((after, "next"))
                self.fall_throughs.remove(item)

    def _finish(self, node: UnitNode, qualname: str, entry: _Block) -> FunctionGraph:
        self._prune(entry)
        if not entry.elements:
            entry = next(_resolve(entry, "next"))[0]
        kept = sorted(
            (block for block in self.blocks if block.elements),
            key=lambda block: (block.elements[0].line, block.elements[0].col),
        )
        ids = {block: index for index, block in enumerate(kept)}
        exit_id = ids[self.exit] = len(kept)
        reached = _reachable(entry)
        blocks = [self._model(block, ids, reached) for block in kept]
        blocks.append(
            Block(
                id=exit_id,
                start_line=None,
                end_line=None,
                lines=[],
                source="",
                unreachable=self.exit not in reached,
                successors=[],
            )
        )
        if isinstance(node, ast.Module):
            name, start_line = MODULE, 1
        else:
            name, start_line = node.name, _first_line(node)
        return FunctionGraph(
            name=name,
            qualname=qualname,
            start_line=start_line,
            entry=ids.get(entry, exit_id),
            exit=exit_id,
            blocks=blocks,
        )

    def _model(self, block: _Block, ids: dict[_Block, int], reached: set[_Block]) -> Block:
        seen: set[tuple[int, EdgeKind]] = set()
        successors: list[Edge] = []
        for target, kind in _successors(block):
            key = (ids[target], kind)
            if key not in seen:
                seen.add(key)
                successors.append(Edge(id=key[0], kind=kind))
        # Where control goes by design reads first; where an exception may take it, after.
        successors.sort(key=lambda edge: edge.kind == "exception")
        elements = block.elements
        return Block(
            id=ids[block],
            start_line=elements[0].line,
            end_line=max(element.end_line for element in elements),
            lines=[element.line for element in elements],
            source=self._render(elements),
            unreachable=block not in reached,
            successors=successors,
            spans=[
                Span(line=e.line, col=e.col, end_line=e.end_line, end_col=e.end_col, kind=e.kind)
                for e in elements
            ],
        )

    def _render(self, elements: list[_Element]) -> str:
        """The block's source: whole lines where its elements fill them, otherwise just their
        text (`;`-joined statements and one-line compound statements share lines)."""
        text = self.text
        rendered: list[str] = []
        last_line = 0
        last_kind: SpanKind = "statement"
        for element in elements:
            first = text.line(element.line)
            indent = len(first) - len(first.lstrip())
            end_text = text.line(element.end_line)[
                text.char_col(element.end_line, element.end_col) :
            ]
            rest = end_text.strip()
            starts_line = text.char_col(element.line, element.col) == indent
            if starts_line and (not rest or rest.startswith("#")):
                lines = text.lines[element.line - 1 : element.end_line]
                rendered.append("\n".join(lines))
            else:
                segment = text.segment(element.line, element.col, element.end_line, element.end_col)
                if rendered and last_line == element.line:
                    # After a header's colon comes its body (`with lock: x += 1`); after a
                    # statement, a `;`.
                    rendered[-1] += (" " if last_kind != "statement" else "; ") + segment
                else:
                    rendered.append(first[:indent] + segment)
            last_line = element.end_line
            last_kind = element.kind
        return _dedent("\n".join(rendered))


_DEFINITION_NAME = re.compile(r"(?:async\s+)?(?:def|class)\s+\w+")

_BETWEEN_HEADER_AND_COLON = frozenset(bytes([char]) for char in b" \t\f\r\n\\()[],*/")

_STATEMENT_VISITORS: dict[type[ast.stmt], Callable[[_UnitBuilder, ast.stmt], None]] = {
    ast.If: _UnitBuilder._if,
    ast.For: _UnitBuilder._loop,
    ast.AsyncFor: _UnitBuilder._loop,
    ast.While: _UnitBuilder._loop,
    ast.Try: _UnitBuilder._try,
    ast.TryStar: _UnitBuilder._try,
    ast.With: _UnitBuilder._with,
    ast.AsyncWith: _UnitBuilder._with,
    ast.Match: _UnitBuilder._match,
    ast.Assert: _UnitBuilder._assert,
    ast.Return: _UnitBuilder._return,
    ast.Raise: _UnitBuilder._raise,
    ast.Break: _UnitBuilder._break,
    ast.Continue: _UnitBuilder._continue,
    ast.FunctionDef: _UnitBuilder._definition,
    ast.AsyncFunctionDef: _UnitBuilder._definition,
    ast.ClassDef: _UnitBuilder._definition,
}


def _dedent(text: str) -> str:
    """`textwrap.dedent` for the common case of a block indented by plain spaces."""
    lines = text.split("\n")
    if any(line.startswith("\t") for line in lines):
        return textwrap.dedent(text)
    indent = min((len(line) - len(line.lstrip(" ")) for line in lines if line.strip()), default=0)
    if indent == 0:
        return text
    prefix = " " * indent
    if all(line.startswith(prefix) or not line.strip() for line in lines):
        return "\n".join(line[indent:] for line in lines)
    return textwrap.dedent(text)


def _statement_element(node: ast.stmt) -> _Element:
    end_line = node.end_lineno or node.lineno
    end_col = node.end_col_offset if node.end_col_offset is not None else node.col_offset
    return _Element(node.lineno, node.col_offset, end_line, end_col)


def _end(node: ast.AST) -> Position:
    end_line: int | None = getattr(node, "end_lineno", None)
    end_col: int | None = getattr(node, "end_col_offset", None)
    if end_line is None or end_col is None:
        return (0, 0)
    return (end_line, end_col)


def _signature_parts(
    node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef,
) -> Iterator[ast.AST]:
    yield from node.decorator_list
    yield from getattr(node, "type_params", ())
    if isinstance(node, ast.ClassDef):
        yield from node.bases
        yield from node.keywords
        return
    arguments = node.args
    yield from arguments.posonlyargs
    yield from arguments.args
    yield from arguments.kwonlyargs
    yield from arguments.defaults
    yield from (default for default in arguments.kw_defaults if default is not None)
    if arguments.vararg is not None:
        yield arguments.vararg
    if arguments.kwarg is not None:
        yield arguments.kwarg
    if node.returns is not None:
        yield node.returns


def _catches_all(handler: ast.ExceptHandler) -> bool:
    return handler.type is None or (
        isinstance(handler.type, ast.Name) and handler.type.id == "BaseException"
    )


def _irrefutable(case: ast.match_case) -> bool:
    return case.guard is None and _irrefutable_pattern(case.pattern)


def _irrefutable_pattern(pattern: ast.pattern) -> bool:
    if isinstance(pattern, ast.MatchAs):
        return pattern.pattern is None or _irrefutable_pattern(pattern.pattern)
    if isinstance(pattern, ast.MatchOr):
        return any(_irrefutable_pattern(alternative) for alternative in pattern.patterns)
    return False


def _resolve(target: _Block, kind: EdgeKind) -> Iterator[tuple[_Block, EdgeKind]]:
    """Follow an edge through empty join blocks to the blocks it really reaches. Through a
    join with one way out, an edge with a kind of its own keeps it and a plain `next` takes
    the kind of the edge it is passed on by. A join with several ways out (the end of a
    `finally` or `except*` body that ends in a compound statement) passes on their kinds,
    which say where each leads."""
    if target.elements or not target.successors:
        yield target, kind
        return
    if len(target.successors) == 1:
        onward_target, onward = target.successors[0]
        yield from _resolve(onward_target, onward if kind == "next" else kind)
        return
    for onward_target, onward in target.successors:
        yield from _resolve(onward_target, kind if onward == "next" else onward)


def _successors(block: _Block) -> Iterator[tuple[_Block, EdgeKind]]:
    # Every empty block but the exit falls into another, so resolving always ends at blocks
    # with statements or at the exit.
    for target, kind in block.successors:
        yield from _resolve(target, kind)


def _raw_reachable(entry: _Block) -> set[_Block]:
    """Blocks reachable before empty joins are resolved (they count too)."""
    seen = {entry}
    stack = [entry]
    while stack:
        for target, _ in stack.pop().successors:
            if target not in seen:
                seen.add(target)
                stack.append(target)
    return seen


def _reachable(entry: _Block) -> set[_Block]:
    seen = {entry}
    stack = [entry]
    while stack:
        for target, _ in _successors(stack.pop()):
            if target not in seen:
                seen.add(target)
                stack.append(target)
    return seen
