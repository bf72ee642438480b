"""What an editor shows of a project debug result: diagnostics on the blocks judged wrong,
hovers with a name's recorded values, inlay hints with the values each line set, and the
repair as text edits. Plain functions of the result and the files' texts, in LSP's terms."""

from __future__ import annotations

import ast
import difflib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from lsprotocol import types

from ldb.models import Block, Event, ProjectDebugResult, ProjectIteration, Verdict
from ldb.present import sources

Texts = Callable[[str], str | None]
"""A project file's text (relative path) as the first round judged it, None when unknown."""


@dataclass(frozen=True)
class Judged:
    """A block of a file judged in the first round, with the events of its visits."""

    file: str
    function: str
    block: Block
    verdict: Verdict | None
    events: list[Event]


def first_round(result: ProjectDebugResult) -> ProjectIteration | None:
    """The round that judged the code as the editor shows it: later ones judge repairs."""
    return result.iterations[0] if result.iterations else None


def judged_blocks(result: ProjectDebugResult, texts: Texts) -> list[Judged]:
    """Every block the first round traced or judged, file by file."""
    iteration = first_round(result)
    if iteration is None:
        return []
    events = iteration.trace.events if iteration.trace is not None else []
    verdicts = {(v.file, v.function, v.block): v for v in iteration.verdicts if v.block is not None}
    keys: set[tuple[str | None, str, int | None]] = {
        (e.file, e.function, e.block) for e in events if e.block is not None and e.file
    }
    keys |= {key for key in verdicts if key[0]}
    found: list[Judged] = []
    shown = sources.files_shown(texts)
    for file, function, block_id in sorted(keys, key=lambda k: (k[0] or "", k[1], k[2] or 0)):
        if file is None or block_id is None:
            continue
        block = shown(file)[0].get((function, block_id))
        if block is None:
            continue
        visits = [e for e in events if (e.file, e.function, e.block) == (file, function, block_id)]
        found.append(
            Judged(file, function, block, verdicts.get((file, function, block_id)), visits)
        )
    return found


def diagnostics(
    result: ProjectDebugResult,
    judged_ones: Sequence[Judged],
    texts: Texts,
    root_uri: Callable[[str], str],
) -> dict[str, list[types.Diagnostic]]:
    """A warning on each block judged wrong (of `judged_blocks`), by file: its explanation,
    and the failing assert as related information. `root_uri` makes a file's URI from its
    relative path."""
    iteration = first_round(result)
    failing = _failing_place(iteration, root_uri) if iteration is not None else None
    shown: dict[str, list[types.Diagnostic]] = {}
    for judged in judged_ones:
        if judged.verdict is None or judged.verdict.correct is not False:
            continue
        text = texts(judged.file) or ""
        related = [failing] if failing is not None else None
        shown.setdefault(judged.file, []).append(
            types.Diagnostic(
                range=block_range(judged.block, text),
                message=judged.verdict.explanation or "ldb judged this block wrong",
                severity=types.DiagnosticSeverity.Warning,
                source="ldb",
                code=f"block {judged.block.id}",
                related_information=related,
            )
        )
    return shown


def hover(judged_ones: Sequence[Judged], file: str, line: int, name: str) -> str | None:
    """Markdown for a name at a 1-based line of a file: its recorded values in the judged
    block that holds the line, visit by visit, and the block's verdict."""
    for judged in judged_ones:
        if judged.file != file or line not in _lines_of(judged.block):
            continue
        values = [(e.visit, e.state[name]) for e in judged.events if name in e.state]
        verdict = _verdict_words(judged.verdict)
        if not values and verdict is None:
            return None
        parts = [f"**ldb**, `{judged.function}` block {judged.block.id}"]
        parts += [f"- `{name} = {value}` on visit {visit}" for visit, value in values]
        if verdict is not None:
            parts.append(verdict)
        return "\n".join(parts)
    return None


def inlay_hints(
    judged_ones: Sequence[Judged], texts: Texts, file: str
) -> list[tuple[int, int, str]]:
    """`(line, character, label)` at the end of each line of a traced block that sets names:
    the values they held after the block's first visit (and how many visits there were)."""
    text = texts(file)
    if text is None:
        return []
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return []
    bound = _bound_names(tree)
    written = text.splitlines()
    hints: list[tuple[int, int, str]] = []
    for judged in judged_ones:
        if judged.file != file or not judged.events:
            continue
        first = judged.events[0]
        for line in judged.block.lines:
            names = bound.get(line, [])
            shown = [f"{n} = {first.state[n]}" for n in names if n in first.state]
            if not shown or not 0 < line <= len(written):
                continue
            label = "  " + ", ".join(shown)
            if len(judged.events) > 1:
                label += f"  (visit 1 of {len(judged.events)})"
            hints.append((line - 1, _utf16(written[line - 1]), label))
    return hints


def text_edits(before: str, after: str) -> list[types.TextEdit]:
    """The edits that turn `before` into `after`, a run of changed lines each."""
    old, new = before.splitlines(keepends=True), after.splitlines(keepends=True)
    edits = []
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        edits.append(
            types.TextEdit(
                range=types.Range(types.Position(i1, 0), types.Position(i2, 0)),
                new_text="".join(new[j1:j2]),
            )
        )
    return edits


def block_range(block: Block, text: str) -> types.Range:
    """From the block's first statement to the end of its last, in UTF-16 units as LSP
    counts by default."""
    written = text.splitlines()
    if block.spans:
        first, last = block.spans[0], block.spans[-1]
        start = (first.line, _character(written, first.line, first.col))
        end = (last.end_line, _character(written, last.end_line, last.end_col))
    else:
        line = block.start_line or 1
        start, end = (line, 0), (block.end_line or line, _line_length(written, block.end_line))
    return types.Range(types.Position(start[0] - 1, start[1]), types.Position(end[0] - 1, end[1]))


def _lines_of(block: Block) -> range:
    if block.start_line is None:
        return range(0)
    return range(block.start_line, (block.end_line or block.start_line) + 1)


def _verdict_words(verdict: Verdict | None) -> str | None:
    if verdict is None or verdict.correct is None:
        return None
    mark = "✗ judged wrong" if verdict.correct is False else "✓ judged correct"
    return f"{mark}: {verdict.explanation}" if verdict.explanation else mark


def _failing_place(
    iteration: ProjectIteration, root_uri: Callable[[str], str]
) -> types.DiagnosticRelatedInformation | None:
    """The traced test's failing assert (or raise), as related information."""
    if iteration.traced_case is None:
        return None
    case = iteration.cases[iteration.traced_case]
    error = case.error
    if error is None or error.file is None or error.line is None:
        return None
    words = f"{case.test} fails: {error.type}: {error.message.splitlines()[0]}"
    if case.expected is not None and case.actual is not None:
        words = f"{case.test} fails: expected {case.expected}, actual {case.actual}"
    position = types.Position(error.line - 1, 0)
    return types.DiagnosticRelatedInformation(
        location=types.Location(root_uri(error.file), types.Range(position, position)),
        message=words,
    )


def _bound_names(tree: ast.Module) -> dict[int, list[str]]:
    """The names each line binds (assignments, augmented and annotated ones, `for` targets,
    `:=`), as the trace's state keys, by line."""
    bound: dict[int, list[str]] = {}
    for node in ast.walk(tree):
        targets: list[ast.expr] = []
        if isinstance(node, ast.Assign):
            targets = list(node.targets)
        elif isinstance(node, ast.AugAssign | ast.AnnAssign | ast.For | ast.NamedExpr):
            targets = [node.target]
        names = [n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)]
        if names and isinstance(node, ast.stmt | ast.expr):
            bound[node.lineno] = list(dict.fromkeys([*bound.get(node.lineno, []), *names]))
    return bound


def _character(written: list[str], line: int, byte_col: int) -> int:
    """A UTF-8 byte column (as `ast` gives it) in UTF-16 code units (as LSP counts)."""
    if not 0 < line <= len(written):
        return 0
    prefix = written[line - 1].encode("utf-8")[:byte_col].decode("utf-8", errors="ignore")
    return _utf16(prefix)


def _line_length(written: list[str], line: int | None) -> int:
    return _utf16(written[line - 1]) if line is not None and 0 < line <= len(written) else 0


def _utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def uri_texts(texts: Mapping[str, str], disk: Texts) -> Texts:
    """A file's text: an open buffer's when there is one, else the tree's."""
    return lambda file: texts[file] if file in texts else disk(file)
