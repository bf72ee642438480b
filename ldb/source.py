"""Program text as `ast` sees it: its lines, slices of them by (line, byte column), and the
difference between two versions."""

from __future__ import annotations

import ast
import difflib
import re
import warnings
from collections.abc import Mapping

from ldb import asts
from ldb.errors import SourceSyntaxError
from ldb.wire import PROGRAM_FILENAME

# ast counts lines at \n, \r\n and \r only; str.splitlines() also breaks at form feeds and
# other separators, which would shift every line number after them.
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def split_lines(source: str) -> list[str]:
    return _LINE_BREAK.split(source)


def parse(source: str, filename: str = "<string>") -> ast.Module:
    """Parse a program, turning Python's SyntaxError into ldb's typed error. Warnings about
    the program (an invalid escape sequence) are the program's business, not ldb's."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return asts.parse_module(source, filename)
    except SyntaxError as error:
        raise SourceSyntaxError.from_syntax_error(error, filename) from None
    except ValueError as error:  # e.g. "source code string cannot contain null bytes"
        raise SourceSyntaxError(str(error), filename=filename, line=1, column=1) from None


class SourceText:
    """The lines of one program, with slicing in the byte columns that ast reports."""

    def __init__(self, source: str) -> None:
        self.lines = split_lines(source)
        self._encoded: dict[int, bytes] = {}

    def line(self, lineno: int) -> str:
        return self.lines[lineno - 1] if 0 < lineno <= len(self.lines) else ""

    def _bytes(self, lineno: int) -> bytes:
        encoded = self._encoded.get(lineno)
        if encoded is None:
            encoded = self._encoded[lineno] = self.line(lineno).encode()
        return encoded

    def char_col(self, lineno: int, byte_col: int) -> int:
        """The character index of a byte column (they differ after non-ASCII text)."""
        line = self.line(lineno)
        if line.isascii():
            return byte_col
        return len(self._bytes(lineno)[:byte_col].decode(errors="replace"))

    def byte_len(self, lineno: int) -> int:
        line = self.line(lineno)
        return len(line) if line.isascii() else len(self._bytes(lineno))

    def segment(self, line: int, col: int, end_line: int, end_col: int) -> str:
        """The text between two positions, as `ast.get_source_segment` would give it."""
        start = self.char_col(line, col)
        end = self.char_col(end_line, end_col)
        if line == end_line:
            return self.line(line)[start:end]
        parts = [self.line(line)[start:]]
        parts.extend(self.line(n) for n in range(line + 1, end_line))
        parts.append(self.line(end_line)[:end])
        return "\n".join(parts)

    def indentation(self, lineno: int) -> str:
        line = self.line(lineno)
        return line[: len(line) - len(line.lstrip())]


def patch(before: Mapping[str, str], after: Mapping[str, str]) -> str:
    """The change from one version of some files to another (a relative path → its text) as
    one patch `git apply` takes: a/ and b/ prefixes, and the end of a file without a newline
    said so ("" when nothing changed)."""
    parts = []
    for path in sorted(after):
        old, new = before.get(path, ""), after[path]
        if old == new:
            continue
        hunks = difflib.unified_diff(_kept_lines(old), _kept_lines(new), f"a/{path}", f"b/{path}")
        body = "".join(
            line if line.endswith("\n") else f"{line}\n\\ No newline at end of file\n"
            for line in hunks
        )
        parts.append(f"diff --git a/{path} b/{path}\n{body}")
    return "".join(parts)


def _kept_lines(text: str) -> list[str]:
    """The lines of a text, each with its own ending (split at \\n only, as git does)."""
    return re.findall(r"[^\n]*\n|[^\n]+$", text)


def unified_diff(before: str, after: str, name: str = PROGRAM_FILENAME) -> str:
    """The change from one program to another as `diff -u` shows it ("" when none)."""
    lines = difflib.unified_diff(
        before.splitlines(keepends=True), after.splitlines(keepends=True), f"a/{name}", f"b/{name}"
    )
    return "".join(line if line.endswith("\n") else line + "\n" for line in lines)
