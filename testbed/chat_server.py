"""A scripted chat-completions server on a loopback port, for the model backends' tests and the
service's benchmarks: replies queued in order, or made by a function of each request (for many
conversations at once, whose requests interleave)."""

from __future__ import annotations

import json
import socket
import struct
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

NOTHING_SCRIPTED = "the test server has no more replies scripted"


@dataclass(frozen=True)
class Reply:
    """One scripted answer, sent `delay_s` after the request arrives."""

    status: int = 200
    body: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    delay_s: float = 0.0
    reset: bool = False
    """Instead of answering, the connection is reset (a server that crashed mid-request)."""


@dataclass(frozen=True)
class Request:
    """One request as the server saw it; `headers` by lower-case name, `json` None when the
    body is not JSON."""

    path: str
    headers: dict[str, str]
    json: Any


def completion_body(
    text: str | None,
    *,
    prompt_tokens: int | None = 10,
    completion_tokens: int | None = 5,
    model: str | None = "served-model",
) -> str:
    """A chat completion as OpenAI sends it; a None count or model is left out."""
    body: dict[str, Any] = {
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": text},
                "finish_reason": "stop",
            }
        ],
    }
    if model is not None:
        body["model"] = model
    usage = {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens}
    if any(count is not None for count in usage.values()):
        body["usage"] = {key: count for key, count in usage.items() if count is not None}
    return json.dumps(body)


class ChatServer:
    """Answers POSTs from a queue of `Reply`s, else with `answer(request)` when given, else
    500; keeps every `Request`. Use as a context manager: leaving it stops the server and its
    threads."""

    def __init__(self, answer: Callable[[Request], Reply] | None = None) -> None:
        self.requests: list[Request] = []
        self.answer = answer
        self.in_flight = 0
        self.most_in_flight = 0
        """The most requests it was answering at once."""
        self._replies: deque[Reply] = deque()
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._http = _Server(self)
        self._thread = threading.Thread(
            target=self._http.serve_forever, args=(0.05,), name="chat-server"
        )

    @property
    def port(self) -> int:
        port: int = self._http.server_address[1]
        return port

    @property
    def url(self) -> str:
        """The base URL a client is given (the API lives under /v1, as OpenAI's does)."""
        return f"http://127.0.0.1:{self.port}/v1"

    def reply(
        self,
        status: int = 200,
        body: str = "",
        *,
        headers: dict[str, str] | None = None,
        delay_s: float = 0.0,
    ) -> None:
        with self._lock:
            self._replies.append(Reply(status, body, headers or {}, delay_s))

    def queue(self, reply: Reply) -> None:
        """Queues a reply as it is (a reset among them)."""
        with self._lock:
            self._replies.append(reply)

    def complete(self, text: str | None, **usage: Any) -> None:
        """Queues a 200 chat completion of `text` (see `completion_body`)."""
        self.reply(200, completion_body(text, **usage))

    def __enter__(self) -> ChatServer:
        self._thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._stopping.set()
        self._http.shutdown()
        self._thread.join()
        # Closes the listening socket and joins the handler threads, which the event above
        # has woken from any scripted delay.
        self._http.server_close()

    def _take(self, request: Request) -> Reply | None:
        with self._lock:
            self.requests.append(request)
            if self._replies:
                return self._replies.popleft()
        return self.answer(request) if self.answer is not None else None

    def _counted(self, step: int) -> None:
        with self._lock:
            self.in_flight += step
            self.most_in_flight = max(self.most_in_flight, self.in_flight)


class _Server(ThreadingHTTPServer):
    # Handler threads are joined on close, so none outlives its test.
    daemon_threads = False
    # Many conversations connect at once (the service's load tests): the default backlog of 5
    # would have the kernel drop connections and the clients retry a second later.
    request_queue_size = 256

    def __init__(self, chat: ChatServer) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.chat = chat


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length)
        try:
            body = json.loads(raw)
        except ValueError:
            body = None
        headers = {name.lower(): value for name, value in self.headers.items()}
        chat = self.server.chat
        # Counted until its answer starts: by then the client may already send its next.
        chat._counted(1)
        answered = False
        try:
            reply = chat._take(Request(self.path, headers, body))
            if reply is None:
                message = {"error": {"message": NOTHING_SCRIPTED}}
                reply = Reply(500, json.dumps(message), {"Content-Type": "application/json"})
            if chat._stopping.wait(reply.delay_s):
                return
            chat._counted(-1)
            answered = True
        finally:
            if not answered:
                chat._counted(-1)
        if reply.reset:
            # A linger of zero makes the close a reset, not a clean end of the stream.
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.close_connection = True
            self.connection.close()
            return
        data = reply.body.encode()
        try:
            self.send_response(reply.status)
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up waiting (a timeout test): nobody is left to answer

    def log_message(self, format: str, *args: Any) -> None:
        pass  # quiet: the tests look at `ChatServer.requests` instead
