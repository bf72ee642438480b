"""Test cases hidden in a task's words: doctest examples and `f(x) == y` style lines."""

from __future__ import annotations

import re

from ldb import asts

_ARROWS = r"(?:==|➞|->|=>|→|should return|returns|gives)"


def examples(text: str, entry_point: str) -> list[str]:
    """Assert lines for the examples of `entry_point` that `text` (a task or a docstring)
    shows, each once, in order; any that does not parse is left out."""
    found: list[str] = []
    for case in [*_doctests(text, entry_point), *_arrows(text, entry_point)]:
        if case not in found and _parses(case):
            found.append(case)
    return found


def _doctests(text: str, entry_point: str) -> list[str]:
    lines = text.splitlines()
    found = []
    for index, line in enumerate(lines):
        stripped = line.strip()
        if not stripped.startswith(">>> ") or f"{entry_point}(" not in stripped:
            continue
        expression = stripped[4:].strip()
        output = []
        for following in lines[index + 1 :]:
            following = following.strip()
            if not following or following.startswith((">>>", '"""')):
                break
            output.append(following)
        expected = " ".join(output)
        if not expected:
            found.append(f"assert {expression} is None")
        elif not expected.startswith("Traceback"):
            found.append(f"assert {expression} == {expected}")
    return found


def _arrows(text: str, entry_point: str) -> list[str]:
    found = []
    for match in re.finditer(rf"\b{re.escape(entry_point)}\(", text):
        end = _closing_paren(text, match.end() - 1)
        if end is None:
            continue
        call = text[match.start() : end + 1]
        rest = re.match(rf"\s*{_ARROWS}\s*(.+)", text[end + 1 :].split("\n", 1)[0])
        if rest is None:
            continue
        expected = _expression(rest.group(1).strip())
        if expected is not None:
            found.append(f"assert {call} == {expected}")
    return found


def _expression(text: str) -> str | None:
    """The longest start of `text` that is a Python expression: prose often goes on after
    the value (`f(1) == 2, and f(3) == 4.`)."""
    cuts = [len(text)] + [m.start() for m in re.finditer(r",\s|;|\.\s|\.$|\s(?:and|or)\s", text)]
    for cut in sorted(set(cuts), reverse=True):
        candidate = text[:cut].strip()
        bare = candidate.rstrip(".,;")  # `2.` ending a sentence is 2
        for value in (bare, candidate):
            if value and _parses(value, "eval"):
                return value
    return None


def _closing_paren(text: str, opening: int) -> int | None:
    depth = 0
    for index in range(opening, min(len(text), opening + 2000)):
        if text[index] in "([{":
            depth += 1
        elif text[index] in ")]}":
            depth -= 1
            if depth == 0:
                return index
    return None


def _parses(case: str, mode: str = "exec") -> bool:
    try:
        asts.parse(case, mode=mode)
    except (SyntaxError, ValueError):
        return False
    return True
