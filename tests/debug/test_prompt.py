"""The prompts: the trace cut into labelled parts within a budget, mapped back to blocks."""

from __future__ import annotations

import re

import ldb
from ldb.debugging.chat import prompt
from ldb.llm.base import Message

COUNT_UP = """\
def count_up(n):
    total = 0
    i = 0
    while i < n:
        total += i
        i += 1
    return total
"""
FAILING = "assert count_up(30) == 1"


def traced() -> tuple[ldb.TraceResult, list[ldb.FunctionGraph]]:
    result = ldb.trace(COUNT_UP, FAILING)
    assert result.status == "failed"
    return result, ldb.blocks(COUNT_UP)


def test_the_opening_is_the_task_and_the_program_as_the_models_answer() -> None:
    messages = prompt.opening("Sum 0..n-1.", COUNT_UP)
    assert [m["role"] for m in messages] == ["system", "user", "assistant"]
    assert "Sum 0..n-1." in messages[1]["content"]
    assert "while i < n:" in messages[2]["content"]
    translation = prompt.opening("int f() {}", COUNT_UP, translation=True)
    assert translation[1]["content"].startswith("Translate the C++ code")


def test_block_parts_show_code_and_state_and_map_to_the_trace() -> None:
    result, graphs = traced()
    request = prompt.verdict_request(result, graphs, "block")
    content = request.message["content"]
    assert "`assert count_up(30) == 1`" in content
    assert "the real execution output is `435`" in content
    labels = re.findall(r"\[BLOCK-(\d+)\]", content)
    assert labels == [str(i) for i in range(len(request.labels))]
    # A loop of 30 rounds: at most 10 parts, the first and the last, with the gap marked.
    assert len(request.labels) == 10
    assert "\n...\n" in request.shown
    assert request.labels[0].block == 0 and request.labels[0].visit == 1
    assert request.labels[-1].block == ldb.blocks(COUNT_UP)[1].blocks[-2].id
    assert "# state: n = 30; total = 0; i = 0" in content
    assert "# returns 435" in content
    events = {(e.function, e.block, e.visit) for e in result.events}
    assert all((label.function, label.block, label.visit) in events for label in request.labels)


def test_the_budget_limits_the_parts() -> None:
    result, graphs = traced()
    small = prompt.verdict_request(result, graphs, "block", budget_tokens=60)
    large = prompt.verdict_request(result, graphs, "block", budget_tokens=5000)
    assert 1 <= len(small.labels) < len(large.labels)
    assert prompt.estimate_tokens(small.shown) <= 60 + 40  # one part may pass the budget


def test_line_and_function_levels() -> None:
    result, graphs = traced()
    lines = prompt.verdict_request(result, graphs, "line")
    assert all(label.line is not None for label in lines.labels)
    assert len(lines.labels) <= 30 and len(lines.labels) > 10
    function = prompt.verdict_request(result, graphs, "function")
    assert len(function.labels) == 1
    assert function.labels[0].block is None
    assert "# call with n = 30" in function.shown
    assert "while i < n:" in function.shown
    written = prompt.verdict_request(result, graphs, "function", program=COUNT_UP)
    assert "    def count_up(n):\n        total = 0" in written.shown
    assert "        while i < n:\n            total += i\n" in written.shown


def test_failure_words_for_errors() -> None:
    result = ldb.trace("def f(xs):\n    return xs[3]\n", "assert f([1]) == 1")
    case = result.cases[0]
    assert "it raises IndexError: list index out of range" in prompt.failure(case)


def test_trim_keeps_the_opening_and_the_newest_messages() -> None:
    opening = prompt.opening("task", COUNT_UP)
    later: list[Message] = [
        {"role": "user" if i % 2 else "assistant", "content": f"message {i} " + "word " * 200}
        for i in range(10)
    ]
    trimmed = prompt.trim([*opening, *later], budget_tokens=800)
    assert trimmed[:3] == opening
    assert trimmed[-1] == later[-1]
    assert len(trimmed) < 13
    assert prompt.trim([*opening, *later], budget_tokens=10**6) == [*opening, *later]


def test_token_estimate_is_in_the_right_range() -> None:
    assert prompt.estimate_tokens("hello world") == 2
    text = "def f(x):\n    return x + 1\n"
    assert 8 <= prompt.estimate_tokens(text) <= 16
    assert prompt.estimate_tokens("a" * 400) == 67
