"""Reading a model's reply: its verdicts on the labelled parts of the trace, and its program (or,
in a project, the files its functions change)."""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from ldb import asts
from ldb.debugging.chat import splice
from ldb.debugging.chat.prompt import Label
from ldb.errors import UnusableReply
from ldb.models import Verdict

_LABEL = re.compile(r"\[?\s*BLOCK[-_ ]?(\d+)\s*\]?", re.IGNORECASE)
_FENCE = re.compile(r"```[ \t]*([\w+-]*)[^\n]*\n(.*?)```", re.DOTALL)
_WRONG = re.compile(
    r"\b(incorrect|not correct|wrong|bug|buggy|error|mistake|should be|false)\b", re.IGNORECASE
)
_LITERAL_TRIES = 20
"""Closing brackets tried per opening one: bounds the work on a long reply of prose."""
_RIGHT = re.compile(r"\b(correct|correctly|fine|right|as expected|true)\b", re.IGNORECASE)
_FILE_LINE = re.compile(r"\s*#\s*file\s*:\s*(?P<path>\S.*)", re.IGNORECASE)
_PATH = re.compile(r"[\w.\\/-]+\.py\b")
_PATH_COMMENT = re.compile(r"\s*#\s*(?P<path>[\w.\\/-]+\.py)\s*")
_MARKUP = "`*'\" \t"


def parse_verdicts(reply: str, labels: Sequence[Label]) -> list[Verdict]:
    """One verdict per label: from JSON objects (one per line, in a list, in ```json fences,
    or among prose), else from LDB's text style (`[BLOCK-2] ... incorrect ...`). A label the
    reply says nothing of is `correct: null`, never guessed. A reply with no verdict at all
    is an UnusableReply."""
    found = _from_json(reply, len(labels)) or _from_text(reply, len(labels))
    if not found:
        raise UnusableReply("the reply holds no verdict on any block", raw=reply)
    verdicts = []
    for index, label in enumerate(labels):
        correct, explanation = found.get(index, (None, "not judged"))
        verdicts.append(
            Verdict(
                file=label.file,
                function=label.function,
                block=label.block,
                visit=label.visit,
                line=label.line,
                correct=correct,
                explanation=explanation,
            )
        )
    return verdicts


def parse_program(reply: str, entry_point: str | None, previous: str) -> str:
    """The program in a reply: its last ```python block (or the whole reply, when that parses
    as Python). It must parse and define `entry_point`; imports the previous program had and
    this one dropped are kept, as models often leave them out."""
    blocks = [body for language, body in _FENCE.findall(reply) if language in ("python", "py", "")]
    candidates = [blocks[-1]] if blocks else []
    candidates.append(reply)
    for text in candidates:
        tree = _parse(text)
        if tree is None or not tree.body:
            # An empty reply parses too, but it is no program: taken, it would wipe the code.
            continue
        if entry_point is not None and not _defines(tree, entry_point):
            raise UnusableReply(
                f"the program in the reply does not define `{entry_point}`", raw=reply
            )
        return _with_imports(text.strip("\n") + "\n", tree, previous)
    raise UnusableReply("the reply holds no Python program that parses", raw=reply)


def parse_project_repair(
    reply: str, files: Mapping[str, str], editable: frozenset[str]
) -> dict[str, str]:
    """The new text of each file a reply changes. Its code comes in ```python blocks, each
    headed by the file it is for: a first line `# file: PATH` (or `# PATH`), or a line
    `PATH:` before the block. `files` are the texts of the files a reply may name (by their
    path from the project's root), `editable` those it may change; the definitions of each
    block are put in place of the file's own (see `splice`). A block for another file, code
    that cannot be put in place, or a reply that changes nothing is an UnusableReply."""
    blocks = _file_blocks(reply)
    if not blocks:
        raise UnusableReply(
            "the reply holds no ```python block whose first line is `# file: PATH`", raw=reply
        )
    texts: dict[str, str] = {}
    for named, code in blocks:
        path = _known(named, files, editable, reply)
        try:
            texts[path] = splice.put(texts.get(path, files[path]), code, path)
        except splice.SpliceError as error:
            raise UnusableReply(str(error), raw=reply) from error
    changed = {path: text for path, text in texts.items() if text != files[path]}
    if not changed:
        raise UnusableReply("the code in the reply is the project's as it is already", raw=reply)
    return changed


def _file_blocks(reply: str) -> list[tuple[str, str]]:
    """Each Python block of the reply that names its file, as (the name, its code)."""
    found = []
    for fence in _FENCE.finditer(reply):
        language, body = fence.group(1), fence.group(2)
        if language not in ("python", "py", ""):
            continue
        lines = body.split("\n")
        first = next((i for i, line in enumerate(lines) if line.strip()), None)
        if first is None:
            continue
        named = _FILE_LINE.fullmatch(lines[first]) or _PATH_COMMENT.fullmatch(lines[first])
        if named is not None:
            found.append((named["path"], "\n".join(lines[first + 1 :])))
        elif (path := _path_before(reply[: fence.start()])) is not None:
            found.append((path, body))
    return found


def _path_before(text: str) -> str | None:
    """The file a line such as `In **shop/cart.py**:` right before a block names."""
    lines = text.rstrip().splitlines()
    line = lines[-1].strip(_MARKUP) if lines else ""
    paths = _PATH.findall(line)
    return paths[-1] if line.endswith(":") and paths else None


def _known(named: str, files: Mapping[str, str], editable: frozenset[str], reply: str) -> str:
    """The file a block names, as the project names it: by its path from the root, or by the
    end of it when only one file's path ends so."""
    path = named.strip().strip(_MARKUP).replace("\\", "/").removeprefix("./")
    if path not in files and path.split():
        path = path.split()[0].strip(_MARKUP)  # `# file: shop/cart.py (lines 4-8)`
    if path not in files:
        ends = [known for known in files if known.endswith(f"/{path}")]
        path = ends[0] if len(ends) == 1 else path
    if path not in editable:
        if path in files:
            why = f"the reply changes {path}, which a repair may not change"
            raise UnusableReply(f"{why}: change the project's own code instead", raw=reply)
        why = f"the reply changes {path}, which is not a file of the project"
        raise UnusableReply(f"{why} (name each file by its path from the root)", raw=reply)
    if path not in files:
        raise UnusableReply(f"the reply changes {path}, which the repair cannot read", raw=reply)
    return path


def _from_json(reply: str, count: int) -> dict[int, tuple[bool | None, str]]:
    found: dict[int, tuple[bool | None, str]] = {}
    for item in _json_objects(reply):
        label = item.get("block", item.get("label", item.get("id")))
        index = _index(label)
        if index is None or index >= count or "correct" not in item:
            continue
        explanation = str(item.get("explanation", item.get("reason", "")))
        found[index] = (_truth(item["correct"]), explanation)
    return found


def _json_objects(text: str) -> Iterator[dict[str, Any]]:
    """Every JSON object in `text`, whether alone, in a list, or among prose."""
    decoder = json.JSONDecoder(strict=False)
    position = 0
    while True:
        start = min((i for i in (text.find("{", position), text.find("[", position)) if i >= 0),
                    default=-1)  # fmt: skip
        if start < 0:
            return
        try:
            value, end = decoder.raw_decode(text, start)
        except ValueError:
            value, end = _python_literal(text, start)
        if value is None:
            position = start + 1
            continue
        position = end
        items = value if isinstance(value, list) else [value]
        yield from (item for item in items if isinstance(item, dict))


def _python_literal(text: str, start: int) -> tuple[Any, int]:
    """A `{...}` written as Python (single quotes, True/False), as models often do."""
    closing = {"{": "}", "[": "]"}[text[start]]
    end = text.find(closing, start)
    for _ in range(_LITERAL_TRIES):
        if end < 0:
            break
        try:
            return ast.literal_eval(text[start : end + 1]), end + 1
        except (ValueError, SyntaxError, MemoryError, RecursionError):
            end = text.find(closing, end + 1)
    return None, start + 1


def _from_text(reply: str, count: int) -> dict[int, tuple[bool | None, str]]:
    found: dict[int, tuple[bool | None, str]] = {}
    marks = list(_LABEL.finditer(reply))
    ends = [mark.start() for mark in marks[1:]] + [len(reply)] if marks else []
    for mark, end in zip(marks, ends, strict=True):
        index = int(mark.group(1))
        if index >= count or index in found:
            continue
        words = reply[mark.end() : end].strip(" :-\n")
        if _WRONG.search(words):
            found[index] = (False, words)
        elif _RIGHT.search(words):
            found[index] = (True, words)
    return found


def _index(label: object) -> int | None:
    if isinstance(label, bool):
        return None
    if isinstance(label, int):
        return label
    if isinstance(label, str):
        match = _LABEL.fullmatch(label.strip()) or re.fullmatch(r"\d+", label.strip())
        if match is not None:
            return int(match.group(1) if match.groups() else match.group(0))
    return None


def _truth(value: object) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        word = value.strip().lower()
        if word in ("true", "yes", "correct"):
            return True
        if word in ("false", "no", "incorrect", "wrong"):
            return False
    return None


def _parse(text: str) -> ast.Module | None:
    try:
        return asts.parse_module(text)
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return None


def _defines(tree: ast.Module, name: str) -> bool:
    return any(
        isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
        and node.name == name
        for node in tree.body
    )


def _with_imports(program: str, tree: ast.Module, previous: str) -> str:
    old = _parse(previous)
    if old is None:
        return program
    have = {
        ast.unparse(node) for node in tree.body if isinstance(node, ast.Import | ast.ImportFrom)
    }
    lines = previous.splitlines()
    missing = [
        "\n".join(lines[node.lineno - 1 : node.end_lineno])
        for node in old.body
        if isinstance(node, ast.Import | ast.ImportFrom) and ast.unparse(node) not in have
    ]
    return "\n".join([*missing, program]) if missing else program
