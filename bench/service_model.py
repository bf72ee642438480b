"""Many model-backed debug sessions at once: N concurrent `POST /debug` against a loopback model
that answers after a set latency, against the same N sent one at a time, in one run.

Run: python -m bench.service_model [--sessions 16] [--latency 2]. The service runs as users run
it (uvicorn on loopback, this machine's cores as its sandbox runs); the model is a chat server
on loopback whose every answer waits `--latency` seconds: verdicts on the blocks shown, then
the repaired program. Each session debugs `examples/moving_average.py` (one round: the tests,
the trace, two model calls, the tests again). Printed: the seconds one at a time and all at
once, their ratio, the most model calls the model server saw at once, and whether every
session came back with the same result.
"""

from __future__ import annotations

import argparse
import json
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx

from testbed import server
from testbed.chat_server import ChatServer, Reply, Request, completion_body

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
PROGRAM = (EXAMPLES / "moving_average.py").read_text()
TEST = (EXAMPLES / "moving_average_test.py").read_text()
FIXED = PROGRAM.replace("range(len(values) - width)", "range(len(values) - width + 1)")
VERDICTS = "\n".join(
    json.dumps({"block": f"BLOCK-{index}", "correct": index != 1, "explanation": "the loop"})
    for index in range(4)
)


def answer(latency_s: float) -> Any:
    """The model: verdicts when shown a trace, else the repaired program."""

    def reply(request: Request) -> Reply:
        asked = request.json["messages"][-1]["content"] if request.json else ""
        text = VERDICTS if "[BLOCK-" in asked else f"```python\n{FIXED}```"
        return Reply(200, completion_body(text), {"Content-Type": "application/json"}, latency_s)

    return reply


def session(url: str, model_url: str) -> tuple[str, str]:
    """One debug request to its end: its status and final program."""
    body = {"code": PROGRAM, "test": TEST, "model": "bench-model", "base_url": model_url}
    with httpx.Client(base_url=url, timeout=600) as client:
        reply = client.post("/debug", json={**body, "max_iterations": 3})
    reply.raise_for_status()
    result = reply.json()
    return result["status"], result["program"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sessions", type=int, default=16, help="debug sessions (N)")
    parser.add_argument("--latency", type=float, default=2.0, help="the model's seconds")
    args = parser.parse_args()
    with ChatServer(answer(args.latency)) as model:
        env = {"LDB_ALLOWED_BASE_URLS": model.url}
        with server.running(env) as service:
            session(service.url, model.url)  # warm: the service's first run starts its pool
            started = time.perf_counter()
            alone = [session(service.url, model.url) for _ in range(args.sessions)]
            one_at_a_time = time.perf_counter() - started
            model.most_in_flight = 0
            started = time.perf_counter()
            with ThreadPoolExecutor(args.sessions) as clients:
                together = list(
                    clients.map(lambda _: session(service.url, model.url), range(args.sessions))
                )
            all_at_once = time.perf_counter() - started
            health = httpx.get(f"{service.url}/health").json()
    same = len(set(alone) | set(together)) == 1 and alone[0][0] == "fixed"
    print(
        f"{args.sessions} debug sessions, model latency {args.latency:g} s, "
        f"{health['runs']['limit']} sandbox runs at once"
    )
    print(f"{'one at a time':>16} {one_at_a_time:8.2f} s")
    print(f"{'all at once':>16} {all_at_once:8.2f} s")
    print(f"{'speed-up':>16} {one_at_a_time / all_at_once:8.2f}x")
    print(f"{'model calls':>16} {model.most_in_flight:8d} at most in flight")
    print(f"{'same results':>16} {'yes' if same else 'NO'} ({alone[0][0]})")


if __name__ == "__main__":
    main()
