"""Server-sent events as a client reads them off a streamed response."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx


@dataclass(frozen=True)
class Event:
    event: str
    data: Any
    """The `data:` lines joined and decoded as JSON."""
    id: str | None
    """This event's own `id:` line; unlike a browser, not carried over from the one before,
    so a test sees which events have none."""


def parse(lines: Iterable[str]) -> Iterator[Event]:
    """The events of a stream's lines; comments (keep-alive pings) skipped, and an event
    left unfinished at the end dropped, as the SSE spec does."""
    name = "message"
    data: list[str] = []
    event_id: str | None = None
    for line in lines:
        if not line:
            if data:
                yield Event(name, json.loads("\n".join(data)), event_id)
            name, data, event_id = "message", [], None
            continue
        if line.startswith(":"):
            continue
        field, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if field == "event":
            name = value
        elif field == "data":
            data.append(value)
        elif field == "id":
            event_id = value


def read(
    client: httpx.Client, method: str, url: str, last_event_id: int | None = None, **kwargs: Any
) -> list[Event]:
    """Every event of a stream that must open with 200, read until the server ends it."""
    headers = {} if last_event_id is None else {"Last-Event-ID": str(last_event_id)}
    with client.stream(method, url, headers=headers, **kwargs) as response:
        assert response.status_code == 200, response.read()
        assert response.headers["content-type"].startswith("text/event-stream")
        return list(parse(response.iter_lines()))
