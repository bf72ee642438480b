"""The conversation with a debugging model, as pure functions: the task, the failing test, the
trace cut into labelled parts (`[BLOCK-i]`), and the requests for verdicts and for a repair."""

from __future__ import annotations

import re
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass

from ldb.literals import Level
from ldb.llm.base import Message
from ldb.models import CaseResult, Event, FunctionGraph, TraceResult

SYSTEM = "You are an expert programming assistant."

_MAX_PARTS: dict[Level, int] = {"block": 10, "line": 30, "function": 1}
"""How many labelled parts a prompt shows at most, per level (as LDB)."""

VERDICT_REQUEST = """\
Here is the execution trace of that test, cut into parts, each with the variable values \
after it ran. For EACH part, say whether it is correct for the task, and if not, what is \
wrong. Answer with one JSON object per line, with keys `block` (the part's label), `correct` \
(true or false) and `explanation`. For example:
{"block": "BLOCK-1", "correct": true, "explanation": "Initialises `total` to 0."}
{"block": "BLOCK-2", "correct": false, "explanation": "Subtracts instead of adding: `-` \
should be `+`."}"""

REPAIR_REQUEST = (
    "Please fix the Python code. Return the whole fixed program in one ```python block."
)

_EXPLAIN_REQUEST = """\
Explain the code above line by line, then say what is wrong and return the whole fixed \
program in one ```python block."""


@dataclass(frozen=True)
class Label:
    """What a `[BLOCK-i]` label of the prompt stands for in the program."""

    function: str
    block: int | None
    visit: int | None
    line: int | None = None
    file: str | None = None
    """The function's file, in a project (its path from the root)."""


@dataclass(frozen=True)
class TracePrompt:
    """The verdict request: the message, the labels in it (index = i of `[BLOCK-i]`), and
    the trace as shown."""

    message: Message
    labels: list[Label]
    shown: str


def opening(task: str | None, program: str, *, translation: bool = False) -> list[Message]:
    """The conversation's start, as LDB has it: the task, and the program as the model's own
    answer to it."""
    if translation:
        request = "Translate the C++ code into Python code."
    else:
        request = "Complete the following task in Python."
    request += " Please respond with code only (with the code inside a Markdown code block)."
    return [
        {"role": "system", "content": SYSTEM},
        {"role": "user", "content": f"{request}\n{task or '(the task is the program below)'}"},
        {"role": "assistant", "content": f"```python\n{program.rstrip()}\n```"},
    ]


def generation(task: str, *, translation: bool = False) -> list[Message]:
    """A request for a first program (a seed), worded as the conversation's opening is."""
    return opening(task, "", translation=translation)[:2]


def failure(case: CaseResult) -> str:
    """The failing case as the model sees it: the test and what really happened."""
    if case.actual is not None:
        happened = f"the real execution output is `{case.actual}`"
    elif case.error is not None:
        happened = f"it raises {case.error.type}: {case.error.message}"
    else:
        happened = f"it ends with status {case.status}"
    return f"With the above function, the assertion is `{case.test.strip()}` but {happened}."


def simple(case: CaseResult) -> Message:
    """Self-Debugging's simple feedback: the test result and a request to fix."""
    return {"role": "user", "content": f"Feedback: {failure(case)}\n{REPAIR_REQUEST}"}


def explain(case: CaseResult) -> Message:
    """Self-Debugging's explanation feedback: no trace, the model explains the code itself."""
    return {"role": "user", "content": f"Feedback: {failure(case)}\n{_EXPLAIN_REQUEST}"}


def repair() -> Message:
    return {"role": "user", "content": REPAIR_REQUEST}


def verdict_request(
    result: TraceResult,
    graphs: Sequence[FunctionGraph],
    level: Level = "block",
    budget_tokens: int = 2500,
    program: str | None = None,
) -> TracePrompt:
    """The failing case and its trace, cut by `level`, as many parts as `budget_tokens`
    allows: the first and the last, as LDB, since the run's start and the failure's lead-up
    say most. With the `program`, a function-level part shows the function as written."""
    case = result.cases[result.traced_case] if result.traced_case is not None else None
    header = "The code above fails the given unit test. Help me debug this.\n"
    if case is not None:
        header += failure(case) + "\n"
    parts = _parts(result.events, graphs, level, program)
    chosen = _choose(parts, min(_MAX_PARTS[level], len(parts)), budget_tokens)
    labels, shown = labelled(parts, chosen)
    content = f"{header}{VERDICT_REQUEST}\n\n{shown}\n"
    return TracePrompt({"role": "user", "content": content}, labels, shown)


def labelled(parts: Sequence[tuple[Label, str]], chosen: Sequence[int]) -> tuple[list[Label], str]:
    """The parts chosen, each under its `[BLOCK-i]` label (`...` where parts were left out),
    and the labels in order."""
    lines: list[str] = []
    labels: list[Label] = []
    previous = -1
    for index in chosen:
        if index != previous + 1:
            lines.append("...")
        label, text = parts[index]
        lines.append(f"[BLOCK-{len(labels)}]\n{text}")
        labels.append(label)
        previous = index
    return labels, "\n".join(lines)


def estimate_tokens(text: str) -> int:
    """Tokens of `text` for a GPT-style tokenizer, estimated (no tokenizer's data ships with
    a package that works offline): a word of up to six characters is about one token, longer
    ones one per six (`second_largest` is three), and each punctuation mark one."""
    count = 0
    for piece in re.findall(r"\w+|[^\w\s]", text):
        count += -(-len(piece) // 6) if piece[0].isalnum() or piece[0] == "_" else 1
    return count + text.count("\n") // 2


def trim(messages: Sequence[Message], budget_tokens: int, keep_first: int = 3) -> list[Message]:
    """The conversation cut to `budget_tokens`: its opening (the task and the first program)
    and as many of the newest messages as fit, as LDB trims its history."""
    head = list(messages[:keep_first])
    room = budget_tokens - sum(estimate_tokens(m["content"]) for m in head)
    tail: list[Message] = []
    for message in reversed(messages[keep_first:]):
        cost = estimate_tokens(message["content"])
        if cost > room and tail:
            break
        tail.insert(0, message)
        room -= cost
    return head + tail


def _parts(
    events: Sequence[Event],
    graphs: Sequence[FunctionGraph],
    level: Level,
    program: str | None = None,
) -> list[tuple[Label, str]]:
    """The trace cut into labelled parts: one per executed block (its code, then the state
    after it), per executed line, or per call of a function."""
    by_name = {graph.qualname: graph for graph in graphs}
    parts: list[tuple[Label, str]] = []
    calls: dict[int, list[Event]] = {}
    for event in events:
        if event.function == "<module>":
            continue
        calls.setdefault(event.frame, []).append(event)
        graph = by_name.get(event.function)
        if event.block is None or graph is None:
            continue
        block = graph.block(event.block)
        state = state_after(event)
        if level == "block":
            label = Label(event.function, event.block, event.visit)
            parts.append((label, f"{indented(block.source)}\n{state}"))
        elif level == "line":
            lines = block.source.splitlines() or [""]
            for number, text in zip(block.lines, lines, strict=False):
                label = Label(event.function, event.block, event.visit, number)
                parts.append((label, f"{indented(text)}\n{state}"))
    if level == "function":
        for frame_events in calls.values():
            first = frame_events[0]
            graph = by_name.get(first.function)
            if graph is None:
                continue
            source = written(graph, program) or "\n".join(b.source for b in graph.blocks)
            after = state_after(frame_events[-1])
            text = f"# call with {values(first.state)}\n{indented(source)}\n{after}"
            parts.append((Label(first.function, None, None), text))
    return parts


def written(graph: FunctionGraph, program: str | None) -> str | None:
    """The function's text as the program has it, indentation and all."""
    ends = [b.end_line for b in graph.blocks if b.end_line is not None]
    if program is None or not ends:
        return None
    lines = program.splitlines()[graph.start_line - 1 : max(ends)]
    return textwrap.dedent("\n".join(lines))


def _choose(parts: Sequence[tuple[Label, str]], most: int, budget_tokens: int) -> list[int]:
    """Indexes of the parts to show: from both ends inwards, within the budget."""
    chosen: set[int] = set()
    spent = 0
    low, high = 0, len(parts) - 1
    take_low = True
    while low <= high and len(chosen) < most:
        index = low if take_low else high
        cost = estimate_tokens(parts[index][1])
        if chosen and spent + cost > budget_tokens:
            break
        chosen.add(index)
        spent += cost
        if take_low:
            low += 1
        else:
            high -= 1
        take_low = not take_low
    return sorted(chosen)


def indented(source: str) -> str:
    """Code as a part shows it, indented under its label."""
    return textwrap.indent(source.rstrip(), "    ")


def state_after(event: Event) -> str:
    """The variables after a block ran, and what it returned or raised, as comments."""
    words = f"    # state: {values(event.state)}"
    if event.return_value is not None:
        words += f"\n    # returns {event.return_value}"
    if event.exception is not None:
        words += f"\n    # raises {event.exception}"
    return words


def values(state: dict[str, str]) -> str:
    """Variables as `name = value; …`."""
    return "; ".join(f"{name} = {value}" for name, value in state.items()) or "(nothing)"
