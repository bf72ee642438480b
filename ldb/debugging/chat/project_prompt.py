"""The conversation with a debugging model over a project's files, as pure functions: the failing
test and its source, the code it ran and its trace cut into labelled parts (the most suspicious
functions first, each part under its file), and the request for whole functions by file."""

from __future__ import annotations

import ast
import textwrap
from collections.abc import Callable, Collection, Mapping, Sequence

from ldb import asts
from ldb.debugging.chat import prompt
from ldb.debugging.chat.prompt import Label, TracePrompt
from ldb.debugging.offline.localise import Localisation
from ldb.debugging.offline.project import IMPORT_PLACE, SEPARATOR
from ldb.literals import Level
from ldb.llm.base import Message
from ldb.models import CaseResult, Event, FunctionGraph, TraceResult

Read = Callable[[str], str]
"""A file of the project by its path from the root, as the round sees it."""

Function = tuple[str, str]
"""A function of the project: its file, and its qualname there."""

_MAX_PARTS: dict[Level, int] = {"block": 10, "line": 30, "function": 5}
"""How many labelled parts a prompt shows at most, per level: LDB's, but several functions
at the function level, since a project's failure crosses functions."""

_FAILED = ("failed", "error", "timeout")

_WINDOW = 40
"""Lines shown either side of the line an import failure names, when its file is too long to
show whole."""

_INTRO = "Debug a Python project; its files are named by their path from the project's root."

REPAIR_FORMAT = (
    "Return each function you change, whole, in its own ```python block whose first line is "
    "`# file: PATH` (PATH being its file's path from the project's root); a block may also "
    "hold a whole class, and the imports the change needs."
)

_CODE_RAN = "Here is the code of the project the test ran, its most suspicious functions:"

_EXPLAIN = "Explain the code above line by line, then say what is wrong and fix it."


def opening(task: str | None, failure: str, request: Message) -> list[Message]:
    """The conversation's start: the task (else to make the failing test pass), the failing
    test, and the first request."""
    content = f"{_INTRO} {task or 'Make the failing test pass.'}\n\n{failure}\n\n"
    return [
        {"role": "system", "content": prompt.SYSTEM},
        {"role": "user", "content": content + request["content"]},
    ]


def again(failure: str, request: Message) -> Message:
    """A later round's first message: how the tests fail with the model's repair."""
    content = f"With your changes the tests still fail.\n{failure}\n\n{request['content']}"
    return {"role": "user", "content": content}


def failing_case(result: TraceResult) -> CaseResult | None:
    """The test a round is about: the traced one, else the first that failed (the run was
    not traced); None when no test ran (the code fails on import)."""
    if result.traced_case is not None:
        return result.cases[result.traced_case]
    return next((case for case in result.cases if case.status in _FAILED), None)


def failure(case: CaseResult | None, message: str | None, read: Read) -> str:
    """The failing test as the model sees it: its node id, its source and what happened; or
    why no test ran."""
    if case is None:
        return f"The project's code fails on import, so no test runs: {message or 'unknown'}"
    file = case.test.partition("::")[0]
    source = test_source(case.test, read)
    shown = f":\n```python\n{source.rstrip()}\n```" if source else " (its source was not found)."
    return f"The failing test is `{case.test}`, in {file}{shown}\nIt fails: {_happened(case)}"


def test_source(node: str, read: Read) -> str | None:
    """The source of the test function a pytest node id names (`file::Class::test[param]`),
    decorators included; None when it cannot be found (a test inherited, a file unread)."""
    file, _, rest = node.partition("::")
    names = rest.partition("[")[0].split("::") if rest else []
    try:
        text = read(file)
        tree = asts.parse_module(text, file)
    except (OSError, UnicodeDecodeError, SyntaxError, ValueError):
        return None
    body: list[ast.stmt] = tree.body
    found: ast.stmt | None = None
    for name in names:
        found = next((n for n in body if _defines(n, name)), None)
        if found is None:
            return None
        body = getattr(found, "body", [])
    if not isinstance(found, ast.FunctionDef | ast.AsyncFunctionDef):
        return None
    first = min([d.lineno for d in found.decorator_list] + [found.lineno])
    lines = text.splitlines()[first - 1 : found.end_lineno]
    return textwrap.dedent("\n".join(lines))


def scores(localisation: Localisation) -> dict[Function, float]:
    """Each function's suspiciousness: that of its most suspicious block."""
    found: dict[Function, float] = {}
    for suspect in localisation.suspects:
        file, _, qualname = suspect.function.partition(SEPARATOR)
        found[file, qualname] = max(found.get((file, qualname), suspect.score), suspect.score)
    return found


def verdict_request(
    result: TraceResult,
    graphs: Mapping[str, Sequence[FunctionGraph]],
    read: Read,
    ranking: Mapping[Function, float],
    level: Level = "block",
    budget_tokens: int = 2500,
) -> TracePrompt:
    """The code the failing test ran and its trace cut by `level`, each part headed by its
    file and function: the parts of the most suspicious functions (by `ranking`) first, as
    many as `budget_tokens` allows with the functions' source, shown in the order they ran.
    Within a function, its first and last parts first, as LDB."""
    by_name = {(file, g.qualname): g for file, found in graphs.items() for g in found}
    parts = _parts(result.events, by_name, level)
    sources = {
        function: _source(function[0], by_name[function], read)
        for function in dict.fromkeys((label.file or "", label.function) for label, _ in parts)
    }
    chosen = _choose(parts, ranking, sources, _MAX_PARTS[level], budget_tokens)
    labels, parts_shown = prompt.labelled(parts, chosen)
    functions = dict.fromkeys((label.file or "", label.function) for label in labels)
    code = "\n\n".join(source for f in functions if (source := sources[f]) is not None)
    shown = f"{code}\n\n{parts_shown}" if code else parts_shown
    content = f"{prompt.VERDICT_REQUEST}\n\n{parts_shown}\n"
    if code:
        content = f"{_CODE_RAN}\n\n{code}\n\n{content}"
    return TracePrompt({"role": "user", "content": content}, labels, shown)


def repair(*, tests_editable: bool = False) -> Message:
    """The request for the repair, after the verdicts."""
    return {"role": "user", "content": f"Please fix the project's code. {_rules(tests_editable)}"}


def code_request(
    result: TraceResult,
    graphs: Mapping[str, Sequence[FunctionGraph]],
    read: Read,
    files: Collection[str],
    *,
    explain: bool = False,
    tests_editable: bool = False,
    budget_tokens: int = 2500,
) -> Message:
    """The request for a repair with no trace (Self-Debugging's simple feedback, or with the
    code explained first): the code the failing test ran, else the file an import failure
    names, else the project's `files` the test imports; as much as `budget_tokens` allows."""
    case = failing_case(result)
    code = _ran(result, graphs, read, budget_tokens)
    if not code and case is None:
        code = _named(result.message or "", read, files, budget_tokens)
    if not code and case is not None:
        code = _imported(case.test.partition("::")[0], read, files, budget_tokens)
    ask = _EXPLAIN if explain else "Please fix the project's code."
    shown = f"Here is the code of the project it concerns:\n\n{code}\n\n" if code else ""
    return {"role": "user", "content": f"{shown}{ask} {_rules(tests_editable)}"}


def _rules(tests_editable: bool) -> str:
    who = "Only the project's own files may change" + ("" if tests_editable else ", not its tests")
    return f"{REPAIR_FORMAT} {who}."


def _happened(case: CaseResult) -> str:
    if case.actual is not None:
        expected = f"expected `{case.expected}`, but " if case.expected is not None else ""
        return f"{expected}the real output is `{case.actual}`."
    if case.error is not None:
        return f"it raises {case.error.type}: {case.error.message}"
    return f"it ends with status {case.status}."


def _defines(node: ast.stmt, name: str) -> bool:
    kinds = ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef
    return isinstance(node, kinds) and node.name == name


def _parts(
    events: Sequence[Event], by_name: Mapping[Function, FunctionGraph], level: Level
) -> list[tuple[Label, str]]:
    """The trace cut into labelled parts, each headed by its file and function: one per
    executed block (its code, then the state after it), per executed line, or per call."""
    parts: list[tuple[Label, str]] = []
    calls: dict[int, list[Event]] = {}
    for event in events:
        graph = by_name.get((event.file or "", event.function))
        if event.file is None or graph is None or event.function == "<module>":
            continue
        head = f"# {event.file}, {event.function}"
        calls.setdefault(event.frame, []).append(event)
        if event.block is None:
            continue
        block = graph.block(event.block)
        state = prompt.state_after(event)
        if level == "block":
            label = Label(event.function, event.block, event.visit, file=event.file)
            parts.append((label, f"{head}\n{prompt.indented(block.source)}\n{state}"))
        elif level == "line":
            for number, text in zip(block.lines, block.source.splitlines() or [""], strict=False):
                label = Label(event.function, event.block, event.visit, number, event.file)
                parts.append((label, f"{head}\n{prompt.indented(text)}\n{state}"))
    if level == "function":
        for frame in calls.values():
            first, last = frame[0], frame[-1]
            call = f"    # call with {prompt.values(first.state)}"
            text = f"# {first.file}, {first.function}\n{call}\n{prompt.state_after(last)}"
            parts.append((Label(first.function, None, None, file=first.file), text))
    return parts


def _choose(
    parts: Sequence[tuple[Label, str]],
    ranking: Mapping[Function, float],
    sources: Mapping[Function, str | None],
    most: int,
    budget_tokens: int,
) -> list[int]:
    """Indexes of the parts to show: function by function, the most suspicious first (those
    equally so in the order they ran), each function's source counted once; within one,
    from both ends inwards. The first part is shown whatever its cost."""
    indexes: dict[Function, list[int]] = {}
    for index, (label, _) in enumerate(parts):
        indexes.setdefault((label.file or "", label.function), []).append(index)
    costs = [prompt.estimate_tokens(text) for _, text in parts]
    chosen: list[int] = []
    spent = 0
    for function in sorted(indexes, key=lambda f: -ranking.get(f, 0.0)):
        source = sources.get(function)
        source_cost = prompt.estimate_tokens(source) if source else 0
        room = budget_tokens - spent - source_cost
        picked = _ends(indexes[function], costs, most - len(chosen), room, first=not chosen)
        if not picked:
            break
        chosen += picked
        spent += source_cost + sum(costs[i] for i in picked)
        if len(chosen) >= most:
            break
    return sorted(chosen)


def _ends(own: list[int], costs: list[int], most: int, room: int, *, first: bool) -> list[int]:
    """Of one function's parts, as many as fit: its first, its last, its second, …"""
    picked: list[int] = []
    spent = 0
    low, high = 0, len(own) - 1
    take_low = True
    while low <= high and len(picked) < most:
        index = own[low] if take_low else own[high]
        if spent + costs[index] > room and not (first and not picked):
            break
        picked.append(index)
        spent += costs[index]
        if take_low:
            low += 1
        else:
            high -= 1
        take_low = not take_low
    return picked


def _source(file: str, graph: FunctionGraph, read: Read) -> str | None:
    """A function as its file has it, headed by the file and its lines."""
    try:
        text = read(file)
    except (OSError, UnicodeDecodeError):
        return None
    code = prompt.written(graph, text)
    if code is None:
        return None
    ends = [b.end_line for b in graph.blocks if b.end_line is not None]
    where = f"{file}, `{graph.qualname}` (lines {graph.start_line}-{max(ends)})"
    return f"{where}:\n```python\n{code.rstrip()}\n```"


def _ran(
    result: TraceResult, graphs: Mapping[str, Sequence[FunctionGraph]], read: Read, budget: int
) -> str:
    """The source of each function the failing test ran, in the order it first ran."""
    by_name = {(file, g.qualname): g for file, found in graphs.items() for g in found}
    ran = [(e.file or "", e.function) for e in result.events]
    ran += [(v.file or "", v.function) for v in result.visits]
    sources = [
        _source(function[0], by_name[function], read)
        for function in dict.fromkeys(ran)
        if function in by_name and function[1] != "<module>"
    ]
    return _within([source for source in sources if source is not None], budget)


def _named(message: str, read: Read, files: Collection[str], budget: int) -> str:
    """The file an import failure names, whole or around the line it names, and the
    project's files it imports when it is not one of them (a test)."""
    place = IMPORT_PLACE.match(message)
    if place is None:
        return ""
    file, line = place["file"], int(place["line"])
    try:
        lines = read(file).splitlines()
    except (OSError, UnicodeDecodeError):
        return ""
    first, last = 1, len(lines)
    if prompt.estimate_tokens("\n".join(lines)) > budget:
        first, last = max(1, line - _WINDOW), min(len(lines), line + _WINDOW)
    code = "\n".join(lines[first - 1 : last])
    shown = f"{file} (lines {first}-{last}):\n```python\n{code}\n```"
    if file in files:
        return shown
    imported = _imported(file, read, files, budget - prompt.estimate_tokens(shown))
    return f"{shown}\n\n{imported}" if imported else shown


def _imported(file: str, read: Read, files: Collection[str], budget: int) -> str:
    """The project's `files` that `file` imports, whole."""
    try:
        tree = asts.parse_module(read(file), file)
    except (OSError, UnicodeDecodeError, SyntaxError, ValueError):
        return ""
    modules: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            modules += [node.module, *(f"{node.module}.{a.name}" for a in node.names)]
    found: list[str] = []
    for module in modules:
        path = module.replace(".", "/")
        ends = (f"{path}.py", f"{path}/__init__.py")
        for known in sorted(files):
            named = known in ends or known.endswith(tuple(f"/{end}" for end in ends))
            if named and known not in found:
                found.append(known)
    shown = []
    for known in found:
        try:
            text = read(known)
        except (OSError, UnicodeDecodeError):
            continue
        if text.strip():
            shown.append(f"{known}:\n```python\n{text.rstrip()}\n```")
    return _within(shown, budget)


def _within(pieces: list[str], budget: int) -> str:
    """As many of the pieces as fit in the budget, in order; the first whatever it costs."""
    kept: list[str] = []
    spent = 0
    for piece in pieces:
        cost = prompt.estimate_tokens(piece)
        if kept and spent + cost > budget:
            break
        kept.append(piece)
        spent += cost
    return "\n\n".join(kept)
