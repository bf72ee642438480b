"""Reading replies: verdicts in every shape models write them, and the program."""

from __future__ import annotations

import pytest

from ldb.debugging.chat.prompt import Label
from ldb.debugging.chat.replies import parse_program, parse_verdicts
from ldb.errors import UnusableReply

LABELS = [Label("f", 0, 1), Label("f", 2, 1), Label("f", 2, 2)]


def judged(reply: str) -> list[bool | None]:
    return [verdict.correct for verdict in parse_verdicts(reply, LABELS)]


def test_json_lines_map_back_to_the_blocks_and_visits() -> None:
    reply = (
        '{"block": "BLOCK-0", "correct": true, "explanation": "sets up"}\n'
        '{"block": "BLOCK-2", "correct": false, "explanation": "`<` should be `<=`"}\n'
    )
    verdicts = parse_verdicts(reply, LABELS)
    assert [(v.function, v.block, v.visit, v.correct) for v in verdicts] == [
        ("f", 0, 1, True),
        ("f", 2, 1, None),
        ("f", 2, 2, False),
    ]
    assert verdicts[2].explanation == "`<` should be `<=`"
    assert verdicts[1].explanation == "not judged"


@pytest.mark.parametrize(
    "reply",
    [
        '[{"block": "BLOCK-1", "correct": false, "explanation": "x"}]',
        'Sure! Here:\n```json\n{"block": "BLOCK-1", "correct": "False", "explanation": "x"}\n```',
        "Looking at it: {'block': 'BLOCK-1', 'correct': False, 'explanation': 'x'} done.",
        '{"block": 1, "correct": "false", "explanation": "x"}',
        '{"label": "[BLOCK-1]", "correct": false, "reason": "x"}',
    ],
    ids=["list", "fenced", "python-literal", "number", "other-keys"],
)
def test_json_in_any_wrapping(reply: str) -> None:
    assert judged(reply) == [None, False, None]


def test_ldb_text_style() -> None:
    reply = (
        "[BLOCK-0] This block initialises the counters correctly.\n"
        "[BLOCK-1] Incorrect: the loop stops one element early.\n"
    )
    assert judged(reply) == [True, False, None]


def test_labels_beyond_the_prompt_are_ignored_not_invented() -> None:
    reply = '{"block": "BLOCK-7", "correct": false, "explanation": "?"}\n'
    reply += '{"block": "BLOCK-0", "correct": true, "explanation": "ok"}'
    assert judged(reply) == [True, None, None]


@pytest.mark.parametrize("reply", ["", "I am not sure what you mean.", "{not json at all"])
def test_a_reply_without_verdicts_is_unusable_and_keeps_its_text(reply: str) -> None:
    with pytest.raises(UnusableReply) as caught:
        parse_verdicts(reply, LABELS)
    assert caught.value.raw == reply


PREVIOUS = "from typing import List\n\n\ndef f(xs: List[int]) -> int:\n    return 0\n"


def test_the_last_python_block_is_the_program() -> None:
    reply = (
        "First attempt:\n```python\ndef f(xs):\n    return 1\n```\n"
        "Better:\n```python\ndef f(xs):\n    return sum(xs)\n```\nThat should work."
    )
    program = parse_program(reply, "f", PREVIOUS)
    assert "return sum(xs)" in program
    assert "return 1" not in program


def test_imports_the_model_left_out_are_kept() -> None:
    program = parse_program("```python\ndef f(xs):\n    return 2\n```", "f", PREVIOUS)
    assert program.startswith("from typing import List\n")
    assert program.count("from typing import List") == 1


def test_a_bare_program_reply_is_taken_whole() -> None:
    assert parse_program("def f(xs):\n    return 3\n", "f", PREVIOUS).endswith("return 3\n")


@pytest.mark.parametrize(
    ("reply", "why"),
    [
        ("```python\ndef g(xs):\n    return 3\n```", "does not define `f`"),
        ("The fix is to return the sum.", "no Python program"),
        ("```python\ndef f(xs:\n```", "no Python program"),
    ],
)
def test_unusable_programs(reply: str, why: str) -> None:
    with pytest.raises(UnusableReply, match=why) as caught:
        parse_program(reply, "f", PREVIOUS)
    assert caught.value.raw == reply
