"""Debug a program through ldb's HTTP service with httpx: first with POST /debug, answered whole
at the end, then with POST /debug/stream, printing each server-sent event as it arrives.

Start a service (`ldb serve`), then run:
    LDB_URL=http://127.0.0.1:8000 python examples/service/client.py
LDB_AUTH_TOKEN is sent as a bearer token when the service needs one.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx

EXAMPLES = Path(__file__).resolve().parent.parent
URL = os.environ.get("LDB_URL", "http://127.0.0.1:8000").rstrip("/")
TOKEN = os.environ.get("LDB_AUTH_TOKEN")

request = {
    "code": (EXAMPLES / "moving_average.py").read_text(),
    "test": (EXAMPLES / "moving_average_test.py").read_text(),
    "max_iterations": 3,
}


def events(response: httpx.Response) -> Iterator[tuple[str, Any]]:
    """Each event of a server-sent event stream as it arrives: its name and its decoded data.
    Comment lines (the server's keep-alive pings) are skipped."""
    name = "message"
    data: list[str] = []
    for line in response.iter_lines():
        if not line:
            if data:
                yield name, json.loads("\n".join(data))
            name, data = "message", []
        elif line.startswith("event:"):
            name = line.removeprefix("event:").strip()
        elif line.startswith("data:"):
            data.append(line.removeprefix("data:").removeprefix(" "))


def summary(name: str, data: dict[str, Any]) -> str:
    """One line for each kind of event."""
    if name == "tests":
        return f"round {data['iteration'] + 1}: {data['passed']} of {data['cases']} cases pass"
    if name == "trace":
        return f"traced {data['test']}: expected {data['expected']}, got {data['actual']}"
    if name == "verdicts":
        wrong = [v for v in data["verdicts"] if v["correct"] is False]
        return "; ".join(f"block {v['block']} of {v['function']} is wrong" for v in wrong)
    if name == "repair":
        changed = [line for line in data["diff"].splitlines() if line.startswith(("-", "+"))]
        return " | ".join(line for line in changed if not line.startswith(("---", "+++")))
    if name == "iteration":
        return f"round {data['iteration'] + 1} ended"
    if name == "done":
        return f"{data['status']}; stored as {data['id']}"
    return json.dumps(data)


headers = {"Authorization": f"Bearer {TOKEN}"} if TOKEN else {}
with httpx.Client(base_url=URL, headers=headers, timeout=300) as client:
    reply = client.post("/debug", json=request)
    reply.raise_for_status()
    result = reply.json()
    print(f"POST /debug: {result['status']} in {result['seconds']:.1f} s")
    print(result["diff"])

    print("POST /debug/stream:")
    with client.stream("POST", "/debug/stream", json=request) as streamed:
        streamed.raise_for_status()
        for name, data in events(streamed):
            print(f"  {name}: {summary(name, data)}")
            if name == "error":
                raise SystemExit(f"the run failed: {data['message']}")
