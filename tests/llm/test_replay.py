"""Replaying recorded replies, and recording a run against a real server to replay it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ldb.errors import InputError, ModelError
from ldb.llm import (
    ChatModel,
    Completion,
    Message,
    OpenAIChatModel,
    RecordingModel,
    ReplayModel,
    Usage,
)
from testbed.chat_server import ChatServer

FIRST: list[Message] = [{"role": "user", "content": "Which block is wrong?"}]


def test_replies_come_in_order_whatever_is_asked() -> None:
    recorded = Completion("[BLOCK-1] wrong", Usage(30, 4), "gpt-recorded")
    model: ChatModel = ReplayModel(["first", recorded, "third"], name="replayed")
    answers = [model.complete(FIRST, max_tokens=10) for _ in range(3)]
    assert [answer.text for answer in answers] == ["first", "[BLOCK-1] wrong", "third"]
    assert answers[0] == Completion("first", Usage(0, 0), "replayed")
    assert answers[1] is recorded
    assert model.name == "replayed"


def test_running_out_of_replies_is_a_model_error() -> None:
    model = ReplayModel(["one", "two"])
    model.complete(FIRST)
    model.complete(FIRST)
    for _ in range(2):
        with pytest.raises(
            ModelError, match=r"^the recording has no more replies \(2 were used\)$"
        ):
            model.complete(FIRST)


def test_the_requests_are_kept_as_they_were_when_asked() -> None:
    model = ReplayModel(["a", "b"])
    conversation: list[Message] = [{"role": "user", "content": "Which block?"}]
    model.complete(conversation)
    conversation.append({"role": "assistant", "content": "a"})
    model.complete(conversation)
    conversation[0]["content"] = "changed afterwards"
    assert model.requests == [
        [{"role": "user", "content": "Which block?"}],
        [{"role": "user", "content": "Which block?"}, {"role": "assistant", "content": "a"}],
    ]


def test_a_recording_file_holds_exchanges_and_bare_strings(tmp_path: Path) -> None:
    path = tmp_path / "run.jsonl"
    lines = [
        json.dumps({"reply": "one", "prompt_tokens": 12, "completion_tokens": 3, "model": "m-1"}),
        "",
        json.dumps("two"),
        json.dumps({"reply": "three", "messages": FIRST}),
    ]
    path.write_text("\n".join(lines) + "\n")
    model = ReplayModel.from_file(path)
    answers = [model.complete(FIRST) for _ in range(3)]
    assert answers == [
        Completion("one", Usage(12, 3), "m-1"),
        Completion("two", Usage(0, 0), "replay"),
        Completion("three", Usage(0, 0), "replay"),
    ]
    with pytest.raises(ModelError, match=r"\(3 were used\)"):
        model.complete(FIRST)


@pytest.mark.parametrize(
    ("line", "why"),
    [
        ("{not json", "Expecting property name"),
        ('{"text": "no reply key"}', 'a string "reply"'),
        ("42", 'a string "reply"'),
        ('{"reply": "x", "prompt_tokens": "12"}', "integers"),
        ('{"reply": "x", "completion_tokens": true}', "integers"),
        ('{"reply": "x", "model": 7}', '"model" must be a string'),
    ],
)
def test_a_bad_line_is_an_input_error_naming_it(tmp_path: Path, line: str, why: str) -> None:
    path = tmp_path / "run.jsonl"
    path.write_text(json.dumps("fine") + "\n" + line + "\n")
    with pytest.raises(InputError, match=f"run.jsonl:2: .*{why}"):
        ReplayModel.from_file(path)


def test_a_missing_recording_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot read the recording"):
        ReplayModel.from_file(tmp_path / "absent.jsonl")


def test_a_recorded_run_replays_the_same(chat_server: ChatServer, tmp_path: Path) -> None:
    chat_server.complete("Block 1 is wrong.", prompt_tokens=40, completion_tokens=6)
    chat_server.complete("```python\ndef f(x):\n    return x + 1\n```", prompt_tokens=60)
    path = tmp_path / "run.jsonl"
    second: list[Message] = [
        *FIRST,
        {"role": "assistant", "content": "Block 1 is wrong."},
        {"role": "user", "content": "Fix it."},
    ]
    with OpenAIChatModel("gpt-test", base_url=chat_server.url, api_key="sk-secret") as served:
        recorder: ChatModel = RecordingModel(served, path)
        live = [recorder.complete(FIRST), recorder.complete(second, max_tokens=100)]
    assert recorder.name == "gpt-test"
    assert chat_server.requests[1].json["max_tokens"] == 100

    written = [json.loads(line) for line in path.read_text().splitlines()]
    assert written[1] == {
        "messages": second,
        "reply": live[1].text,
        "prompt_tokens": 60,
        "completion_tokens": 5,
        "model": "served-model",
    }
    assert "sk-secret" not in path.read_text()

    replay = ReplayModel.from_file(path)
    replayed = [replay.complete(FIRST), replay.complete(second)]
    assert replayed == live
    assert sum((completion.usage for completion in replayed), Usage()) == served.usage


def test_a_failed_exchange_is_not_recorded(tmp_path: Path) -> None:
    path = tmp_path / "run.jsonl"
    recorder = RecordingModel(ReplayModel(["only"]), path)
    recorder.complete(FIRST)
    with pytest.raises(ModelError):
        recorder.complete(FIRST)
    assert [json.loads(line)["reply"] for line in path.read_text().splitlines()] == ["only"]


def test_each_exchange_is_on_disk_before_the_reply_returns(tmp_path: Path) -> None:
    path = tmp_path / "run.jsonl"
    recorder = RecordingModel(ReplayModel(["one", "two"]), path)
    recorder.complete(FIRST)
    assert len(path.read_text().splitlines()) == 1
    recorder.complete(FIRST)
    assert len(path.read_text().splitlines()) == 2
