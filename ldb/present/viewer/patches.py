"""Patches as `ldb.source.patch` writes them, applied to the files' texts forwards or backwards."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

# Split at \n only, keeping each line's ending, as `ldb.source.patch` does: a \r before it (a
# CRLF file) is part of the line, and a lone \r or a form feed does not end one.
_LINES = re.compile(r"[^\n]*\n|[^\n]+$")
_HUNK = re.compile(r"@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")


@dataclass(frozen=True)
class _Hunk:
    """One `@@` hunk: where it starts on each side, and its lines as (kind, text) with kind
    " ", "-" or "+" and text with its own ending (none at a file's end without a newline)."""

    old_start: int
    old_count: int
    new_start: int
    new_count: int
    lines: tuple[tuple[str, str], ...]

    def reversed(self) -> _Hunk:
        swap = {" ": " ", "-": "+", "+": "-"}
        return _Hunk(
            self.new_start,
            self.new_count,
            self.old_start,
            self.old_count,
            tuple((swap[kind], text) for kind, text in self.lines),
        )


@dataclass(frozen=True)
class _FileDiff:
    """A file's part of a patch; `hunks` None when they could not be read."""

    path: str
    hunks: tuple[_Hunk, ...] | None


def files(patch: str) -> list[str]:
    """The paths a patch changes, relative (without the a/ and b/ prefixes), in its order."""
    return [diff.path for diff in _parse(patch)]


def apply(texts: Mapping[str, str], patch: str, *, reverse: bool = False) -> dict[str, str | None]:
    """Each file the patch changes (a relative path) → its text after the patch, or before it
    with `reverse`, made from its text in `texts` ("" when absent: a new file); None for a
    file whose hunks do not match that text exactly (or cannot be read)."""
    done: dict[str, str | None] = {}
    for diff in _parse(patch):
        # A path met twice changes the text its first part left.
        text = done[diff.path] if diff.path in done else texts.get(diff.path, "")
        if text is None or diff.hunks is None:
            done[diff.path] = None
            continue
        hunks = [hunk.reversed() for hunk in diff.hunks] if reverse else list(diff.hunks)
        done[diff.path] = _applied(text, hunks)
    return done


def _applied(text: str, hunks: list[_Hunk]) -> str | None:
    """The text with the hunks made, each exactly where it says (ldb's patches are made from
    the very texts they apply to, so a hunk that moved or fuzzes means the wrong text)."""
    old = _LINES.findall(text)
    out: list[str] = []
    cursor = 0
    for hunk in hunks:
        # An empty side's start is the line after which the hunk goes, not its first line.
        at = hunk.old_start - 1 if hunk.old_count else hunk.old_start
        if at < cursor or at > len(old):
            return None
        out.extend(old[cursor:at])
        cursor = at
        for kind, line in hunk.lines:
            if kind != "+":
                if cursor >= len(old) or old[cursor] != line:
                    return None
                cursor += 1
            if kind != "-":
                out.append(line)
    out.extend(old[cursor:])
    return "".join(out)


def _parse(patch: str) -> list[_FileDiff]:
    """The files of a patch: each a `---`/`+++` pair and the hunks after it. What lies between
    (`diff --git`, `index`, …) is skipped; hunk lines are read by the counts in their headers,
    so a changed line that starts with `---` is never taken for a header."""
    lines = _LINES.findall(patch)
    diffs = []
    i = 0
    while i < len(lines):
        header = lines[i : i + 2]
        if len(header) < 2 or not (header[0].startswith("--- ") and header[1].startswith("+++ ")):
            i += 1
            continue
        path = _path(*header)
        i += 2
        hunks: list[_Hunk] | None = []
        while hunks is not None and i < len(lines) and lines[i].startswith("@@"):
            hunk, i = _hunk(lines, i)
            hunks = None if hunk is None else [*hunks, hunk]
        diffs.append(_FileDiff(path, None if hunks is None else tuple(hunks)))
    return diffs


def _path(old: str, new: str) -> str:
    """The file's path from its `---` and `+++` lines (the old one for a deleted file)."""
    name = new[4:].rstrip("\n")
    if name == "/dev/null":
        name = old[4:].rstrip("\n")
    return name[2:] if name.startswith(("a/", "b/")) else name


def _hunk(lines: list[str], i: int) -> tuple[_Hunk | None, int]:
    """The hunk whose header is `lines[i]`, and the index of the line after it (None for a
    header or body that cannot be read)."""
    header = _HUNK.match(lines[i])
    if header is None:
        return None, i + 1
    old_start, old_count, new_start, new_count = (
        1 if group is None else int(group) for group in header.groups()
    )
    old_left, new_left = old_count, new_count
    body = []
    i += 1
    while old_left > 0 or new_left > 0:
        if i >= len(lines):
            return None, i
        # Some tools write an empty context line as a bare newline, without its space.
        kind, text = (" ", "\n") if lines[i] == "\n" else (lines[i][0], lines[i][1:])
        if kind not in " -+":
            return None, i
        old_left -= kind != "+"
        new_left -= kind != "-"
        if old_left < 0 or new_left < 0:
            return None, i
        if i + 1 < len(lines) and lines[i + 1].startswith("\\"):
            # "\ No newline at end of file": the line before it ends its file without one.
            text = text.removesuffix("\n")
            i += 1
        body.append((kind, text))
        i += 1
    return _Hunk(old_start, old_count, new_start, new_count, tuple(body)), i
