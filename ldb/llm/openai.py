"""A chat model on any server that speaks OpenAI's chat-completions protocol, over httpx."""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from ldb import concurrency
from ldb.errors import InputError, ModelError
from ldb.llm.base import ChatModel, Completion, Message, Usage
from ldb.settings import get_settings

DEFAULT_BASE_URL = "https://api.openai.com/v1"

log = logging.getLogger(__name__)

_SNIPPET_CHARS = 200


class OpenAIChatModel(ChatModel):
    """A model on an OpenAI-compatible server (OpenAI, vLLM, llama.cpp, Ollama, ...).

    `base_url` and `api_key` default to the settings (`LDB_BASE_URL` or `OPENAI_BASE_URL`,
    `LDB_API_KEY` or `OPENAI_API_KEY`), then to OpenAI without a key. Rate limits (429), server
    errors (5xx), timeouts and broken connections are retried `max_retries` times with
    exponential backoff and full jitter, or after the server's `Retry-After`; other errors
    raise `ModelError` at once. `timeout_s` applies to the client made here: an injected
    `client` is used as it is, and stays open on `close()`. `usage` sums every completion.
    """

    def __init__(
        self,
        model: str,
        *,
        base_url: str | None = None,
        api_key: str | None = None,
        client: httpx.Client | None = None,
        timeout_s: float = 120.0,
        max_retries: int = 4,
        temperature: float = 0.0,
        seed: int | None = 0,
        backoff_s: float = 1.0,
        max_backoff_s: float = 30.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if base_url is None or api_key is None:
            settings = get_settings()
            if base_url is None:
                base_url = settings.base_url or DEFAULT_BASE_URL
            if api_key is None and settings.api_key is not None:
                api_key = settings.api_key.get_secret_value()
        self._model = model
        self._base_url = base_url.rstrip("/")
        self._api_key = api_key or None
        try:
            # Credentials in the URL's userinfo are as secret as the key: shown nowhere.
            self._shown_url = str(httpx.URL(self._base_url).copy_with(username=None, password=None))
        except httpx.InvalidURL as error:
            raise InputError(f"the model server's base_url is not a URL: {error}") from None
        self._headers = {"Authorization": f"Bearer {self._api_key}"} if self._api_key else {}
        self._owns_client = client is None
        self._client = client if client is not None else httpx.Client(timeout=timeout_s)
        self._max_retries = max_retries
        self._temperature = temperature
        self._seed = seed
        self._backoff_s = backoff_s
        self._max_backoff_s = max_backoff_s
        self._sleep = sleep
        self.usage = Usage()

    @property
    def name(self) -> str:
        return self._model

    def __repr__(self) -> str:
        return f"{type(self).__name__}(model={self._model!r}, base_url={self._shown_url!r})"

    def complete(self, messages: Sequence[Message], *, max_tokens: int | None = None) -> Completion:
        body: dict[str, Any] = {
            "model": self._model,
            "messages": list(messages),
            "temperature": self._temperature,
        }
        if self._seed is not None:
            body["seed"] = self._seed
        if max_tokens is not None:
            body["max_tokens"] = max_tokens
        completion = self._parse(self._post(body))
        self.usage += completion.usage
        return completion

    def close(self) -> None:
        """Closes the client made here; an injected one belongs to its caller."""
        if self._owns_client:
            self._client.close()

    def _post(self, body: dict[str, Any]) -> httpx.Response:
        url = f"{self._base_url}/chat/completions"
        attempt = 0
        while True:
            try:
                # A slot for the call itself, not for the wait before a retry.
                with concurrency.model_call(self._base_url):
                    response = self._client.post(url, json=body, headers=self._headers)
            except httpx.UnsupportedProtocol as error:
                raise ModelError(self._scrub(f"cannot ask {self._shown_url}: {error}")) from None
            except httpx.TransportError as error:
                # The httpx error is not chained: it holds the request, and so the key.
                status: int | None = None
                why = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
                wait = None
            else:
                if response.is_success:
                    return response
                status = response.status_code
                why = f"HTTP {status}: {_server_says(response)}"
                if status != 429 and status < 500:
                    raise ModelError(self._failed(why), status=status)
                wait = _retry_after(response)
            if attempt >= self._max_retries:
                tries = f"{attempt + 1} attempt" + ("s" if attempt else "")
                raise ModelError(self._failed(f"{why} ({tries})"), status=status)
            cap = min(self._max_backoff_s, self._backoff_s * 2**attempt)
            delay = random.uniform(0, cap) if wait is None else min(wait, self._max_backoff_s)
            log.warning("%s; retrying in %.1f s", self._failed(why), delay)
            self._sleep(delay)
            attempt += 1

    def _parse(self, response: httpx.Response) -> Completion:
        try:
            data = response.json()
        except ValueError:
            data = None
        text = _reply_text(data)
        if text is None:
            raise ModelError(
                self._failed(f"the reply is not a chat completion: {_snippet(response.text)}"),
                status=response.status_code,
            )
        usage = data.get("usage")
        if not isinstance(usage, dict):
            # llama.cpp and others may leave usage out; the run then counts nothing.
            usage = {}
        model = data.get("model")
        return Completion(
            text=text,
            usage=Usage(_count(usage.get("prompt_tokens")), _count(usage.get("completion_tokens"))),
            model=model if isinstance(model, str) and model else self._model,
        )

    def _failed(self, why: str) -> str:
        return self._scrub(f"{self._model} at {self._shown_url}: {why}")

    def _scrub(self, text: str) -> str:
        """`text` without the key, should a server or a library echo it."""
        return text.replace(self._api_key, "[api key]") if self._api_key else text


def _reply_text(data: Any) -> str | None:
    """The text of the first choice ("" for a null content); None if `data` is no completion."""
    try:
        content = data["choices"][0]["message"].get("content")
    except (TypeError, KeyError, IndexError, AttributeError):
        return None
    if content is None:
        return ""
    return content if isinstance(content, str) else None


def _server_says(response: httpx.Response) -> str:
    """The server's own account of an error: OpenAI's `{"error": {"message": ...}}`, the
    variants other servers use, or the start of the body."""
    try:
        data = response.json()
    except ValueError:
        data = None
    if isinstance(data, dict):
        error = data.get("error")
        if isinstance(error, dict) and isinstance(error.get("message"), str):
            return str(error["message"])
        if isinstance(error, str):
            return error
        if isinstance(data.get("message"), str):
            return str(data["message"])
    return _snippet(response.text) or response.reason_phrase


def _retry_after(response: httpx.Response) -> float | None:
    """Seconds the server asks to wait, from `Retry-After` as delta-seconds or an HTTP date."""
    value = response.headers.get("Retry-After", "").strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _count(value: object) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _snippet(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _SNIPPET_CHARS else text[: _SNIPPET_CHARS - 1] + "…"
