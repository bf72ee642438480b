"""The debug loop with a chat model over the real OpenAI protocol, against a scripted server on
loopback: what the model is shown, how its replies are read, and how the run ends when the
model fails, rambles or runs out of tokens."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest

import ldb
from ldb.debugging.chat.prompt import REPAIR_REQUEST
from ldb.debugging.chat.strategy import ChatStrategy
from ldb.llm import OpenAIChatModel, RecordingModel
from ldb.models import Usage
from testbed.chat_server import ChatServer, Request, completion_body

MODEL = "served-model"
KEY = "sk-secret-5f0e1d2c3b4a69788796a5b4"

CODE = '''\
def sum_to(n):
    """The sum 1 + 2 + ... + n."""
    total = 0
    for i in range(n):
        total += i
    return total
'''
TEST = "assert sum_to(4) == 10"
FIXED = CODE.replace("range(n)", "range(1, n + 1)")
STILL_WRONG = CODE.replace("range(n)", "range(1, n)")

# Block level, sum_to(4): BLOCK-0 is the docstring and `total = 0`, BLOCK-1 the first visit
# of the `for` header, BLOCK-2 the first visit of `total += i`; the rest are not judged.
VERDICTS = "\n".join(
    json.dumps({"block": f"BLOCK-{index}", "correct": correct, "explanation": why})
    for index, correct, why in [
        (0, True, "Starts the sum at 0."),
        (1, False, "range(n) stops at n - 1, so n itself is never added."),
        (2, True, "Adds i to the total."),
    ]
)
REPAIR = f"The loop must run from 1 to n.\n```python\n{FIXED}```\n"
WRONG_REPAIR = f"Start at 1.\n```python\n{STILL_WRONG}```\n"
GARBAGE = "Sorry, I cannot tell what went wrong here."


def served(server: ChatServer, entry_point: str | None = None, **options: Any) -> ldb.DebugResult:
    """`ldb.debug` of CODE with the served model, named as a caller names it."""
    arguments = {"model": MODEL, "base_url": server.url, "api_key": KEY, **options}
    chosen = ldb.DebugOptions(**arguments)
    return ldb.debug(CODE, TEST, entry_point=entry_point, options=chosen)


def chat_on(server: ChatServer, sleeps: list[float], **options: Any) -> ChatStrategy:
    """The served model as a strategy, for the options `ldb.debug` does not pass on; its
    backoff waits are noted in `sleeps` instead of slept."""
    model = OpenAIChatModel(
        MODEL, **{"base_url": server.url, "api_key": KEY, "sleep": sleeps.append, **options}
    )
    return ChatStrategy(model)


def asked(request: Request) -> str:
    """The newest message of a request: what the loop asked this time."""
    message = request.json["messages"][-1]
    assert message["role"] == "user"
    content: str = message["content"]
    return content


def graph_of(code: str, qualname: str) -> ldb.FunctionGraph:
    [graph] = [graph for graph in ldb.blocks(code) if graph.qualname == qualname]
    return graph


def block_id(code: str, source: str) -> int:
    [found] = [block.id for block in graph_of(code, "sum_to").blocks if block.source == source]
    return found


def test_verdicts_then_a_repair_fix_the_program(chat_server) -> None:
    chat_server.complete(VERDICTS)
    chat_server.complete(REPAIR)
    result = served(chat_server, seed=7, max_iterations=3)

    assert (result.status, result.message, result.model) == ("fixed", None, MODEL)
    assert result.program == FIXED
    assert "+    for i in range(1, n + 1):" in result.diff
    assert ldb.trace(result.program, TEST).status == "passed"

    first, second = chat_server.requests
    assert first.path == "/v1/chat/completions"
    assert first.headers["authorization"] == f"Bearer {KEY}"
    assert (first.json["model"], first.json["temperature"], first.json["seed"]) == (MODEL, 0, 7)
    assert "max_tokens" not in first.json
    opening = first.json["messages"][:3]
    assert [m["role"] for m in opening] == ["system", "user", "assistant"]
    assert CODE.strip() in opening[2]["content"]
    shown = asked(first)
    assert "the assertion is `assert sum_to(4) == 10`" in shown
    assert "the real execution output is `6`" in shown
    assert "[BLOCK-0]\n" in shown
    assert "[BLOCK-1]\n    for i in range(n):\n    # state: n = 4; total = 0; i = 0\n" in shown
    # The last round of the loop, as the tracer saw it: i is 3 and the sum one short.
    assert "    total += i\n    # state: n = 4; total = 6; i = 3\n" in shown
    assert "# returns 6" in shown
    assert asked(second) == REPAIR_REQUEST
    assert second.json["messages"][-2] == {"role": "assistant", "content": VERDICTS}

    [iteration] = result.iterations
    assert iteration.index == 0
    assert iteration.replies == [VERDICTS, REPAIR]
    assert iteration.feedback is not None and iteration.feedback in shown
    graph = graph_of(CODE, "sum_to")
    assert {v.function for v in iteration.verdicts} == {"sum_to"}
    assert {v.block for v in iteration.verdicts} <= {block.id for block in graph.blocks}
    header = block_id(CODE, "for i in range(n):")
    assert [v.correct for v in iteration.verdicts[:3]] == [True, False, True]
    blamed = iteration.verdicts[1]
    assert (blamed.block, blamed.visit) == (header, 1)
    assert blamed.explanation == "range(n) stops at n - 1, so n itself is never added."
    assert [i for i, v in enumerate(iteration.verdicts) if v.correct is False] == [1]
    assert all(v.correct is None for v in iteration.verdicts[3:])
    assert len(iteration.verdicts) == shown.count("[BLOCK-")


@pytest.mark.parametrize(
    ("reply", "why"),
    [
        (
            "Let me look at each part.\n```json\n["
            '{"block": "BLOCK-0", "correct": true, "explanation": "Starts at 0."},\n'
            '{"block": "BLOCK-1", "correct": false, "explanation": "Stops before n."},\n'
            '{"block": "BLOCK-2", "correct": true, "explanation": "Adds i."}'
            "]\n```\nSo the range is the bug.",
            "Stops before n.",
        ),
        (
            "[BLOCK-0] Correct: starts the sum at 0.\n"
            "[BLOCK-1] Incorrect: range(n) stops at n - 1.\n"
            "[BLOCK-2] Correct: adds i to the total.\n",
            "Incorrect: range(n) stops at n - 1.",
        ),
    ],
    ids=["prose-around-json", "ldb-text"],
)
def test_verdicts_are_read_from_prose_and_from_ldbs_text_style(chat_server, reply, why) -> None:
    chat_server.complete(reply)
    chat_server.complete(REPAIR)
    result = served(chat_server)
    assert result.status == "fixed"
    verdicts = result.iterations[0].verdicts
    assert [v.correct for v in verdicts[:4]] == [True, False, True, None]
    assert verdicts[1].block == block_id(CODE, "for i in range(n):")
    assert verdicts[1].explanation == why
    assert len(chat_server.requests) == 2


def test_a_reply_without_verdicts_is_asked_for_again_once(chat_server) -> None:
    chat_server.complete(GARBAGE)
    chat_server.complete(VERDICTS)
    chat_server.complete(REPAIR)
    result = served(chat_server)
    assert result.status == "fixed"
    first, again, repair = chat_server.requests
    assert "could not use that answer: the reply holds no verdict" in asked(again)
    assert again.json["messages"][:-1] == [
        *first.json["messages"],
        {"role": "assistant", "content": GARBAGE},
    ]
    assert asked(repair) == REPAIR_REQUEST
    iteration = result.iterations[0]
    assert iteration.replies == [GARBAGE, VERDICTS, REPAIR]
    assert iteration.verdicts[1].correct is False


def test_two_replies_without_verdicts_end_the_round_unfixed(chat_server) -> None:
    chat_server.complete(GARBAGE)
    chat_server.complete("Still no idea, to be honest.")
    result = served(chat_server, max_iterations=3)
    assert result.status == "unfixed"
    assert result.message == "the reply holds no verdict on any block"
    assert result.program == CODE
    assert len(chat_server.requests) == 2
    [iteration] = result.iterations
    assert iteration.replies == [GARBAGE, "Still no idea, to be honest."]
    assert (iteration.verdicts, iteration.diff) == ([], None)


@pytest.mark.parametrize("empty", ["", None], ids=["empty", "null"])
def test_empty_replies_are_asked_for_again(chat_server, empty) -> None:
    chat_server.complete(empty)
    chat_server.complete(VERDICTS)
    chat_server.complete(empty)
    chat_server.complete(REPAIR)
    result = served(chat_server)
    assert (result.status, result.program) == ("fixed", FIXED)
    requests = chat_server.requests
    assert len(requests) == 4
    assert "could not use that answer" in asked(requests[1])
    assert "could not use that answer: the reply holds no Python program" in asked(requests[3])
    assert requests[3].json["messages"][-2] == {"role": "assistant", "content": ""}
    assert result.iterations[0].replies == ["", VERDICTS, "", REPAIR]


RENAMED = f"```python\n{FIXED.replace('def sum_to', 'def sum_upto')}```"


def test_a_repair_without_the_entry_point_is_asked_for_again(chat_server) -> None:
    chat_server.complete(VERDICTS)
    chat_server.complete(RENAMED)
    chat_server.complete(REPAIR)
    result = served(chat_server, entry_point="sum_to")
    assert (result.status, result.program) == ("fixed", FIXED)
    again = asked(chat_server.requests[2])
    assert "could not use that answer: the program in the reply does not define `sum_to`" in again


def test_without_an_entry_point_the_tested_function_must_still_be_defined(chat_server) -> None:
    chat_server.complete(VERDICTS)
    chat_server.complete("Sorry")  # parses as Python, defines nothing
    chat_server.complete(REPAIR)
    result = served(chat_server)
    assert (result.status, result.program) == ("fixed", FIXED)
    again = asked(chat_server.requests[2])
    assert "does not define `sum_to`" in again


def test_a_repair_without_the_entry_point_twice_ends_unfixed(chat_server) -> None:
    chat_server.complete(VERDICTS)
    chat_server.complete(RENAMED)
    chat_server.complete(RENAMED)
    result = served(chat_server, entry_point="sum_to", max_iterations=3)
    assert result.status == "unfixed"
    assert result.message == "the program in the reply does not define `sum_to`"
    assert result.program == CODE
    assert len(chat_server.requests) == 3
    [iteration] = result.iterations
    assert iteration.verdicts[1].correct is False, "the verdicts of the round are kept"
    assert iteration.replies == [VERDICTS, RENAMED, RENAMED]


def test_a_timeout_ends_the_run_in_error(chat_server) -> None:
    for _ in range(2):
        chat_server.reply(200, completion_body(VERDICTS), delay_s=5)
    sleeps: list[float] = []
    strategy = chat_on(chat_server, sleeps, timeout_s=0.2, max_retries=1)
    result = ldb.debug(CODE, TEST, strategy=strategy)
    assert result.status == "error"
    assert result.message is not None
    assert result.message.startswith(f"the model failed: {MODEL} at {chat_server.url}: ReadTimeout")
    assert result.message.endswith("(2 attempts)")
    assert len(chat_server.requests) == 2
    assert len(sleeps) == 1
    assert result.program == CODE
    assert result.iterations[0].replies == []


def test_a_rate_limit_is_waited_out_as_retry_after_says(chat_server) -> None:
    chat_server.reply(429, '{"error": {"message": "Rate limit"}}', headers={"Retry-After": "3"})
    chat_server.complete(VERDICTS)
    chat_server.complete(REPAIR)
    sleeps: list[float] = []
    result = ldb.debug(CODE, TEST, strategy=chat_on(chat_server, sleeps))
    assert (result.status, result.program) == ("fixed", FIXED)
    assert sleeps == [3.0]
    limited, retried, _ = chat_server.requests
    assert retried.json == limited.json
    assert result.iterations[0].replies == [VERDICTS, REPAIR]


def test_server_errors_past_the_retries_end_the_run_in_error(chat_server) -> None:
    chat_server.complete(VERDICTS)
    for _ in range(3):
        chat_server.reply(500, '{"error": {"message": "The server had an error"}}')
    sleeps: list[float] = []
    result = ldb.debug(CODE, TEST, strategy=chat_on(chat_server, sleeps, max_retries=2))
    assert result.status == "error"
    assert result.message == (
        f"the model failed: {MODEL} at {chat_server.url}: "
        "HTTP 500: The server had an error (3 attempts)"
    )
    assert len(sleeps) == 2
    assert len(chat_server.requests) == 4
    [iteration] = result.iterations
    assert iteration.replies == [VERDICTS]
    assert iteration.verdicts[1].correct is False
    assert iteration.diff is None


def test_the_token_budget_stops_the_run_and_usage_is_summed(chat_server) -> None:
    chat_server.complete(VERDICTS, prompt_tokens=100, completion_tokens=20)
    chat_server.complete(WRONG_REPAIR, prompt_tokens=150, completion_tokens=30)
    result = served(chat_server, max_tokens=250, max_iterations=5)
    assert result.status == "unfixed"
    assert result.message == "the token budget (250) is spent"
    assert result.program == STILL_WRONG
    first, second = chat_server.requests
    assert (first.json["max_tokens"], second.json["max_tokens"]) == (250, 130)
    assert result.usage == Usage(prompt_tokens=250, completion_tokens=50, total_tokens=300)
    assert [i.usage.total_tokens for i in result.iterations] == [300, 0]
    assert result.iterations[1].replies == []


def test_the_key_is_never_shown(chat_server, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    echoed = json.dumps({"error": {"message": f"Incorrect API key provided: {KEY}."}})
    chat_server.complete(VERDICTS)
    chat_server.reply(500, echoed, headers={"Retry-After": "0"})
    chat_server.reply(401, echoed)
    result = served(chat_server)
    assert chat_server.requests[0].headers["authorization"] == f"Bearer {KEY}"
    assert len(chat_server.requests) == 3
    assert result.status == "error"
    assert result.message is not None
    assert "HTTP 401: Incorrect API key provided: [api key]." in result.message
    assert KEY not in result.message
    assert KEY not in result.model_dump_json()
    warned = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any("HTTP 500: Incorrect API key provided: [api key]." in w for w in warned)
    assert KEY not in caplog.text
    assert all(KEY not in record.getMessage() for record in caplog.records)


@pytest.mark.parametrize(
    ("feedback", "words"),
    [("simple", "Please fix the Python code."), ("explain", "Explain the code above line by line")],
)
def test_simple_and_explain_feedback_show_no_trace(chat_server, feedback, words) -> None:
    chat_server.complete(REPAIR)
    result = served(chat_server, feedback=feedback)
    assert (result.status, result.feedback) == ("fixed", feedback)
    [request] = chat_server.requests
    shown = asked(request)
    assert shown.startswith(
        "Feedback: With the above function, the assertion is `assert sum_to(4) == 10` "
        "but the real execution output is `6`."
    )
    assert words in shown
    assert "[BLOCK-" not in shown
    assert "# state:" not in shown
    [iteration] = result.iterations
    assert (iteration.verdicts, iteration.feedback) == ([], None)


def test_line_level_labels_each_line(chat_server) -> None:
    chat_server.complete(
        '{"block": "BLOCK-1", "correct": true, "explanation": "Starts at 0."}\n'
        '{"block": "BLOCK-2", "correct": false, "explanation": "Stops before n."}'
    )
    chat_server.complete(REPAIR)
    result = served(chat_server, level="line")
    assert (result.status, result.level) == ("fixed", "line")
    shown = asked(chat_server.requests[0])
    # The docstring and `total = 0` share block 0 but are labelled apart, and every part fits.
    assert '[BLOCK-0]\n    """The sum 1 + 2 + ... + n."""\n' in shown
    assert "[BLOCK-1]\n    total = 0\n" in shown
    assert "[BLOCK-11]\n    return total\n" in shown
    assert "\n...\n" not in shown
    verdicts = result.iterations[0].verdicts
    assert len(verdicts) == 12
    start, header = verdicts[1], verdicts[2]
    assert (start.block, start.line, start.correct) == (0, 3, True)
    assert (header.block, header.line, header.correct) == (
        block_id(CODE, "for i in range(n):"),
        4,
        False,
    )
    assert all(v.line is not None for v in verdicts)


def test_function_level_labels_the_call(chat_server) -> None:
    chat_server.complete('{"block": "BLOCK-0", "correct": false, "explanation": "Misses n."}')
    chat_server.complete(REPAIR)
    result = served(chat_server, level="function")
    assert result.status == "fixed"
    shown = asked(chat_server.requests[0])
    assert shown.count("[BLOCK-") == 1
    assert "[BLOCK-0]\n# call with n = 4\n" in shown
    assert "# returns 6" in shown
    [verdict] = result.iterations[0].verdicts
    assert (verdict.function, verdict.block) == ("sum_to", None), "the call as a whole"
    assert verdict.visit is None and verdict.line is None
    assert (verdict.correct, verdict.explanation) == (False, "Misses n.")


def test_a_recorded_run_replays_to_the_same_result(chat_server, tmp_path: Path) -> None:
    chat_server.complete(VERDICTS, prompt_tokens=120, completion_tokens=40)
    chat_server.complete(REPAIR, prompt_tokens=200, completion_tokens=60)
    recording = tmp_path / "run.jsonl"
    served_model = OpenAIChatModel(MODEL, base_url=chat_server.url, api_key=KEY)
    recorded = ldb.debug(CODE, TEST, strategy=ChatStrategy(RecordingModel(served_model, recording)))
    assert recorded.status == "fixed"
    exchanges = [json.loads(line) for line in recording.read_text().splitlines()]
    assert [e["reply"] for e in exchanges] == [VERDICTS, REPAIR]
    assert exchanges[1]["messages"] == chat_server.requests[1].json["messages"]
    assert KEY not in recording.read_text()

    replayed = ldb.debug(CODE, TEST, options=ldb.DebugOptions(model=f"replay:{recording}"))
    assert len(chat_server.requests) == 2, "the replay asked the server"
    assert (replayed.status, replayed.model) == ("fixed", "replay")
    assert replayed.program == recorded.program == FIXED
    assert replayed.iterations[0].verdicts == recorded.iterations[0].verdicts
    assert replayed.iterations[0].feedback == recorded.iterations[0].feedback
    assert replayed.iterations[0].replies == [VERDICTS, REPAIR]
    assert replayed.usage == recorded.usage
    assert replayed.usage.total_tokens == 420


def test_a_second_round_goes_on_with_the_same_conversation(chat_server) -> None:
    chat_server.complete(VERDICTS)
    chat_server.complete(WRONG_REPAIR)
    chat_server.complete(
        '{"block": "BLOCK-1", "correct": false, "explanation": "range(1, n) still stops early."}'
    )
    chat_server.complete(REPAIR)
    result = served(chat_server, max_iterations=3)
    assert (result.status, result.program) == ("fixed", FIXED)
    assert [i.index for i in result.iterations] == [0, 1]
    assert [i.program for i in result.iterations] == [CODE, STILL_WRONG]
    assert result.iterations[1].replies[1] == REPAIR

    round_one = chat_server.requests[1].json["messages"]
    round_two = chat_server.requests[2].json["messages"]
    assert round_two[: len(round_one)] == round_one
    assert round_two[len(round_one)] == {"role": "assistant", "content": WRONG_REPAIR}
    shown = asked(chat_server.requests[2])
    assert "[BLOCK-1]\n    for i in range(1, n):\n    # state: n = 4; total = 0; i = 1\n" in shown
    assert "the real execution output is `6`" in shown
    header = block_id(STILL_WRONG, "for i in range(1, n):")
    assert result.iterations[1].verdicts[1].block == header
    assert result.iterations[1].verdicts[1].correct is False
