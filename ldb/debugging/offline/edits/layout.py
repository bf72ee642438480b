"""Where a statement's lines begin and end: the places whole-line edits insert and delete."""

from __future__ import annotations

import ast
import re

from ldb.debugging.offline.edits.source import Change, Source

# What may follow a statement on its last line for the line to be its alone.
_REST = re.compile(r"[ \t]*(#[^\r\n]*)?(\r\n|\r|\n)?")
_BLANK = re.compile(r"[ \t]*")


def indentation(source: Source, statement: ast.stmt) -> str | None:
    """The statement's indentation, if it begins its line."""
    start = source.starts[statement.lineno - 1]
    lead = source.text[start : source.offset(statement.lineno, statement.col_offset)]
    return lead if _BLANK.fullmatch(lead) else None


def line_after(source: Source, statement: ast.stmt) -> int | None:
    """Where the line after the statement begins, if only a comment follows the statement on
    its last line."""
    end = source.span(statement)[1]
    last = statement.end_lineno or statement.lineno
    stop = source.starts[last] if last < len(source.starts) else len(source.text)
    return stop if _REST.fullmatch(source.text, end, stop) else None


def whole_lines(source: Source, statement: ast.stmt) -> tuple[int, int] | None:
    """The lines the statement fills alone, from the start of its first to the start of the
    line after its last."""
    after = line_after(source, statement)
    if after is None or indentation(source, statement) is None:
        return None
    return source.starts[statement.lineno - 1], after


def insert_before(source: Source, statement: ast.stmt, lines: list[str]) -> Change | None:
    """Insert `lines` (each indented further as it says) before the statement, at its
    indentation."""
    indent = indentation(source, statement)
    if indent is None:
        return None
    position = source.starts[statement.lineno - 1]
    return position, position, "".join(indent + line + source.newline for line in lines)


def insert_after(source: Source, statement: ast.stmt, lines: list[str]) -> Change | None:
    """Insert `lines` after the statement, at its indentation."""
    indent = indentation(source, statement)
    position = line_after(source, statement)
    if indent is None or position is None:
        return None
    newline = source.newline
    block = "".join(indent + line + newline for line in lines)
    if position == len(source.text) and not source.text.endswith(("\n", "\r")):
        # The statement ends the program without a final newline: the new lines follow one.
        block = newline + block.removesuffix(newline)
    return position, position, block


def unit(source: Source, statement: ast.stmt, parent: ast.AST) -> str:
    """One level of indentation, as the statement is indented from its parent."""
    inner = indentation(source, statement) or ""
    outer = indentation(source, parent) if isinstance(parent, ast.stmt) else ""
    step = inner[len(outer or "") :]
    return step if step and inner.startswith(outer or "") else "    "
