"""The OpenAI-compatible backend against a real HTTP server on loopback."""

from __future__ import annotations

import json
import logging
import random
import socket
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import httpx
import pytest

from ldb.errors import InputError, ModelError
from ldb.llm import ChatModel, Message, OpenAIChatModel, Usage
from ldb.settings import get_settings
from testbed.chat_server import NOTHING_SCRIPTED, ChatServer, completion_body

KEY = "sk-test-0123456789abcdef"
ASK: list[Message] = [
    {"role": "system", "content": "You debug Python."},
    {"role": "user", "content": "Why does f(2) return 5?"},
]


class Sleeps(list[float]):
    """A `sleep` that only notes how long it was asked to wait."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


def model_on(server: ChatServer, sleeps: Sleeps, **options: Any) -> OpenAIChatModel:
    """A model on `server` with the test key; `options` override any argument."""
    return OpenAIChatModel(
        "gpt-test", **{"base_url": server.url, "api_key": KEY, "sleep": sleeps, **options}
    )


def test_the_request_is_a_chat_completion_with_the_key(chat_server, sleeps) -> None:
    chat_server.complete("It adds 3.")
    with model_on(chat_server, sleeps) as model:
        model.complete(ASK)
    [request] = chat_server.requests
    assert request.path == "/v1/chat/completions"
    assert request.headers["authorization"] == f"Bearer {KEY}"
    assert request.headers["content-type"] == "application/json"
    assert request.json == {"model": "gpt-test", "messages": ASK, "temperature": 0, "seed": 0}


def test_max_tokens_is_sent_only_when_given_and_seed_none_is_left_out(chat_server, sleeps) -> None:
    chat_server.complete("a")
    chat_server.complete("b")
    with model_on(chat_server, sleeps, seed=None, temperature=0.7) as model:
        model.complete(ASK, max_tokens=64)
        model.complete(ASK)
    first, second = (request.json for request in chat_server.requests)
    assert first == {"model": "gpt-test", "messages": ASK, "temperature": 0.7, "max_tokens": 64}
    assert "max_tokens" not in second
    assert "seed" not in second


def test_without_a_key_no_authorization_is_sent(chat_server, sleeps) -> None:
    chat_server.complete("ok")
    with OpenAIChatModel("local", base_url=chat_server.url, sleep=sleeps) as model:
        assert model.complete(ASK).text == "ok"
    assert "authorization" not in chat_server.requests[0].headers


def test_a_trailing_slash_on_the_base_url_is_tolerated(chat_server, sleeps) -> None:
    chat_server.complete("ok")
    with model_on(chat_server, sleeps, base_url=chat_server.url + "/") as model:
        model.complete(ASK)
    assert chat_server.requests[0].path == "/v1/chat/completions"


def test_usage_is_read_from_each_reply_and_summed(chat_server, sleeps) -> None:
    chat_server.complete("one", prompt_tokens=100, completion_tokens=7, model="gpt-test-0613")
    chat_server.complete("two", prompt_tokens=120, completion_tokens=9)
    with model_on(chat_server, sleeps) as model:
        first = model.complete(ASK)
        second = model.complete(ASK)
    assert (first.text, first.usage, first.model) == ("one", Usage(100, 7), "gpt-test-0613")
    assert (second.text, second.usage) == ("two", Usage(120, 9))
    assert model.usage == Usage(220, 16)
    assert model.name == "gpt-test"


def test_a_reply_without_usage_or_model_counts_nothing_and_names_the_request(
    chat_server, sleeps
) -> None:
    chat_server.complete("llama says hi", prompt_tokens=None, completion_tokens=None, model=None)
    with model_on(chat_server, sleeps) as model:
        completion = model.complete(ASK)
    assert completion.usage == Usage(0, 0)
    assert completion.model == "gpt-test"
    assert model.usage == Usage(0, 0)


def test_prose_around_json_is_passed_through_untouched(chat_server, sleeps) -> None:
    text = 'Here you go:\n```json\n{"block_0": "correct",\n "block_1": "wrong"}\n```\n  Done.  \n'
    chat_server.complete(text)
    with model_on(chat_server, sleeps) as model:
        assert model.complete(ASK).text == text


@pytest.mark.parametrize("content", ["", None])
def test_an_empty_or_null_reply_is_empty_text(chat_server, sleeps, content) -> None:
    chat_server.complete(content)
    with model_on(chat_server, sleeps) as model:
        assert model.complete(ASK).text == ""


def test_a_body_that_is_not_json_is_a_model_error(chat_server, sleeps) -> None:
    chat_server.reply(200, "<html>Bad gateway, sort of</html>")
    with model_on(chat_server, sleeps) as model, pytest.raises(ModelError) as caught:
        model.complete(ASK)
    assert "not a chat completion" in str(caught.value)
    assert "<html>Bad gateway" in str(caught.value)
    assert len(chat_server.requests) == 1
    assert model.usage == Usage()


@pytest.mark.parametrize(
    "body",
    [
        {"object": "chat.completion", "choices": []},
        {"object": "list", "data": []},
        {"choices": [{"message": {"role": "assistant", "content": 42}}]},
        {"choices": [{"text": "a legacy completion"}]},
        ["choices"],
    ],
)
def test_json_without_a_usable_choice_is_a_model_error(chat_server, sleeps, body) -> None:
    chat_server.reply(200, json.dumps(body))
    with model_on(chat_server, sleeps) as model, pytest.raises(ModelError) as caught:
        model.complete(ASK)
    assert "not a chat completion" in str(caught.value)
    assert caught.value.status == 200
    assert sleeps == []


def test_a_timeout_is_retried_then_fails(chat_server, sleeps) -> None:
    for _ in range(3):
        chat_server.reply(200, completion_body("too late"), delay_s=5)
    with (
        model_on(chat_server, sleeps, timeout_s=0.3, max_retries=2) as model,
        pytest.raises(ModelError) as caught,
    ):
        model.complete(ASK)
    assert "ReadTimeout" in str(caught.value)
    assert "3 attempts" in str(caught.value)
    assert caught.value.status is None
    assert len(chat_server.requests) == 3
    assert len(sleeps) == 2


def test_a_timeout_then_an_answer_succeeds(chat_server, sleeps) -> None:
    chat_server.reply(200, completion_body("too late"), delay_s=5)
    chat_server.complete("in time")
    with model_on(chat_server, sleeps, timeout_s=0.3) as model:
        assert model.complete(ASK).text == "in time"
    assert len(chat_server.requests) == 2
    assert len(sleeps) == 1


def test_429_waits_as_long_as_retry_after_says(chat_server, sleeps) -> None:
    rate_limited = json.dumps({"error": {"message": "Rate limit reached"}})
    chat_server.reply(429, rate_limited, headers={"Retry-After": "2"})
    chat_server.complete("after the wait")
    with model_on(chat_server, sleeps) as model:
        assert model.complete(ASK).text == "after the wait"
    assert sleeps == [2.0]


def test_retry_after_as_an_http_date(chat_server, sleeps) -> None:
    when = format_datetime(datetime.now(UTC) + timedelta(seconds=10), usegmt=True)
    chat_server.reply(503, "busy", headers={"Retry-After": when})
    chat_server.complete("ok")
    with model_on(chat_server, sleeps) as model:
        model.complete(ASK)
    [waited] = sleeps
    assert 8 <= waited <= 10


def test_retry_after_is_capped_at_the_longest_backoff(chat_server, sleeps) -> None:
    chat_server.reply(429, "slow down", headers={"Retry-After": "3600"})
    chat_server.complete("ok")
    with model_on(chat_server, sleeps, max_backoff_s=5.0) as model:
        model.complete(ASK)
    assert sleeps == [5.0]


def test_server_errors_are_retried_with_jittered_exponential_backoff(
    chat_server, sleeps, monkeypatch
) -> None:
    bounds: list[tuple[float, float]] = []

    def uniform(low: float, high: float) -> float:
        bounds.append((low, high))
        return high / 2

    monkeypatch.setattr(random, "uniform", uniform)
    chat_server.reply(500, "oops")
    chat_server.reply(502, "<html>Bad Gateway</html>")
    chat_server.complete("third time lucky")
    with model_on(chat_server, sleeps, backoff_s=1.5) as model:
        assert model.complete(ASK).text == "third time lucky"
    assert bounds == [(0, 1.5), (0, 3.0)]
    assert sleeps == [0.75, 1.5]
    assert len(chat_server.requests) == 3


def test_server_errors_until_the_retries_run_out(chat_server, sleeps, monkeypatch) -> None:
    highs: list[float] = []

    def uniform(low: float, high: float) -> float:
        highs.append(high)
        return high

    monkeypatch.setattr(random, "uniform", uniform)
    for _ in range(4):
        chat_server.reply(500, json.dumps({"error": {"message": "The server had an error"}}))
    with (
        model_on(chat_server, sleeps, max_retries=3, max_backoff_s=3.0) as model,
        pytest.raises(ModelError) as caught,
    ):
        model.complete(ASK)
    assert caught.value.status == 500
    assert "The server had an error" in str(caught.value)
    assert len(chat_server.requests) == 4
    assert highs == [1.0, 2.0, 3.0]


def test_the_scripted_server_answers_500_once_its_script_is_done(chat_server, sleeps) -> None:
    with (
        model_on(chat_server, sleeps, max_retries=0) as model,
        pytest.raises(ModelError) as caught,
    ):
        model.complete(ASK)
    assert NOTHING_SCRIPTED in str(caught.value)
    assert "(1 attempt)" in str(caught.value)


def test_401_fails_at_once_without_showing_the_key(chat_server, sleeps, caplog) -> None:
    # Servers echo the key they refuse (OpenAI masks part of it; others may not).
    refusal = {"error": {"message": f"Incorrect API key provided: {KEY}.", "code": "invalid"}}
    chat_server.reply(401, json.dumps(refusal))
    caplog.set_level(logging.DEBUG)
    with model_on(chat_server, sleeps) as model, pytest.raises(ModelError) as caught:
        model.complete(ASK)
    assert caught.value.status == 401
    assert "Incorrect API key provided" in str(caught.value)
    assert len(chat_server.requests) == 1
    assert sleeps == []
    shown = [str(caught.value), repr(caught.value), repr(model), caplog.text]
    assert not [text for text in shown if KEY in text]
    assert caught.value.__context__ is None


def test_retries_are_logged_without_the_key(chat_server, sleeps, caplog) -> None:
    chat_server.reply(500, json.dumps({"error": {"message": f"bad key {KEY} upstream"}}))
    chat_server.complete("ok")
    caplog.set_level(logging.DEBUG)
    with model_on(chat_server, sleeps) as model:
        model.complete(ASK)
    assert "bad key [api key] upstream" in caplog.text
    assert "retrying" in caplog.text
    assert KEY not in caplog.text


def test_other_client_errors_fail_at_once_with_the_body(chat_server, sleeps) -> None:
    chat_server.reply(404, "no such route")
    with model_on(chat_server, sleeps) as model, pytest.raises(ModelError) as caught:
        model.complete(ASK)
    assert caught.value.status == 404
    assert "no such route" in str(caught.value)
    assert len(chat_server.requests) == 1


def test_a_refused_connection_is_retried_then_fails(sleeps) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}/v1"
    with (
        OpenAIChatModel(
            "gpt-test", base_url=url, api_key=KEY, max_retries=2, sleep=sleeps
        ) as model,
        pytest.raises(ModelError) as caught,
    ):
        model.complete(ASK)
    assert "ConnectError" in str(caught.value)
    # The httpx error holds the request, and the request the key: tracebacks leave it out.
    assert caught.value.__context__ is None
    assert caught.value.status is None
    assert len(sleeps) == 2
    assert KEY not in str(caught.value)


def test_a_url_that_is_not_http_fails_at_once(sleeps) -> None:
    with (
        OpenAIChatModel("m", base_url="ftp://127.0.0.1/v1", sleep=sleeps) as model,
        pytest.raises(ModelError, match="unsupported protocol"),
    ):
        model.complete(ASK)
    assert sleeps == []


def test_a_base_url_that_does_not_parse_is_an_input_error() -> None:
    with pytest.raises(InputError, match="not a URL"):
        OpenAIChatModel("m", base_url="http://127.0.0.1:port/v1")


def test_credentials_in_the_base_url_are_not_shown(chat_server, sleeps) -> None:
    url = chat_server.url.replace("http://", "http://user:hunter2@")
    chat_server.reply(400, "bad request")
    with model_on(chat_server, sleeps, base_url=url) as model, pytest.raises(ModelError) as caught:
        model.complete(ASK)
    assert "hunter2" not in repr(model)
    assert "hunter2" not in str(caught.value)
    assert chat_server.url in repr(model)


def test_repr_shows_the_model_and_the_server_openai_by_default() -> None:
    with OpenAIChatModel("gpt-4o", api_key=KEY) as model:
        assert (
            repr(model) == "OpenAIChatModel(model='gpt-4o', base_url='https://api.openai.com/v1')"
        )


@pytest.mark.parametrize(
    ("env", "key"),
    [
        ({"OPENAI_BASE_URL": "{server}", "OPENAI_API_KEY": "sk-openai"}, "sk-openai"),
        ({"LDB_BASE_URL": "{server}", "LDB_API_KEY": "sk-ldb"}, "sk-ldb"),
        ({"OPENAI_BASE_URL": "{server}"}, None),
        (
            {
                "LDB_BASE_URL": "{server}",
                "OPENAI_BASE_URL": "http://127.0.0.1:1/elsewhere",
                "LDB_API_KEY": "sk-ldb",
                "OPENAI_API_KEY": "sk-openai",
            },
            "sk-ldb",
        ),
    ],
)
def test_server_and_key_come_from_the_environment_ldb_first(
    chat_server, sleeps, monkeypatch, env, key
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value.format(server=chat_server.url))
    get_settings.cache_clear()
    chat_server.complete("ok")
    with OpenAIChatModel("gpt-test", sleep=sleeps) as model:
        assert model.complete(ASK).text == "ok"
    sent = chat_server.requests[0].headers.get("authorization")
    assert sent == (f"Bearer {key}" if key else None)
    assert f"base_url='{chat_server.url}'" in repr(model)


def test_arguments_win_over_the_environment(chat_server, sleeps, monkeypatch) -> None:
    monkeypatch.setenv("LDB_BASE_URL", "http://127.0.0.1:1/v1")
    monkeypatch.setenv("LDB_API_KEY", "sk-from-env")
    get_settings.cache_clear()
    chat_server.complete("ok")
    with model_on(chat_server, sleeps, api_key="") as model:
        model.complete(ASK)
    assert "authorization" not in chat_server.requests[0].headers


def test_an_injected_client_is_used_and_left_open(chat_server, sleeps) -> None:
    chat_server.complete("ok")
    with httpx.Client(headers={"X-Tenant": "tests"}, timeout=5) as client:
        with model_on(chat_server, sleeps, client=client) as model:
            model.complete(ASK)
        assert not client.is_closed
    assert chat_server.requests[0].headers["x-tenant"] == "tests"


def test_close_closes_the_client_it_made(chat_server, sleeps) -> None:
    model = model_on(chat_server, sleeps)
    model.close()
    with pytest.raises(RuntimeError, match="closed"):
        model.complete(ASK)


def test_it_is_a_chat_model() -> None:
    with OpenAIChatModel("gpt-test", api_key=KEY) as model:
        chat: ChatModel = model
        assert chat.name == "gpt-test"
