"""What the service costs over the library: /trace through a real uvicorn server on loopback
against the same traces by `ldb.trace` in one process, at 1, 8 and 32 clients at once.

Run: python -m bench.api [--requests N]. Both sides run the same small program under the same
concurrency (threads calling `ldb.trace`, or httpx clients calling /trace), in alternating
rounds; the ratio of their rates is the service's own overhead: HTTP, JSON both ways, the
gate, the thread hop and storing each result.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor

import httpx

import ldb
from testbed import server

PROGRAM = """\
def mean(xs):
    total = 0
    for x in xs:
        total += x
    return total / len(xs)
"""
TEST = "assert mean([1, 2, 3, 4]) == 2.5\nassert mean([5]) == 5\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=96, help="traces per measurement")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds (median)")
    args = parser.parse_args()
    print(
        f"python {sys.version.split()[0]}, {os.cpu_count()} cores, sandbox "
        f"{ldb.sandbox_status().mode}; {args.requests} traces per measurement, median of "
        f"{args.rounds} alternating rounds"
    )
    print(
        "{:>8} {:>12} {:>12} {:>7} {:>16} {:>16}".format(
            "clients", "ldb.trace", "POST /trace", "ratio", "direct p50/p95", "http p50/p95"
        )
    )
    database = tempfile.mkstemp(prefix="ldb-bench-", suffix=".sqlite3")[1]
    env = {"LDB_DATABASE": database, "LDB_MAX_RUNS": "32", "LDB_MAX_QUEUED": "64"}
    with server.running(env) as service:
        for clients in (1, 8, 32):
            direct: list[tuple[float, list[float]]] = []
            http: list[tuple[float, list[float]]] = []
            for _ in range(args.rounds):
                direct.append(_direct(clients, args.requests))
                http.append(asyncio.run(_http(service.url, clients, args.requests)))
            d_rate = statistics.median(rate for rate, _ in direct)
            h_rate = statistics.median(rate for rate, _ in http)
            d_lat = [x for _, latencies in direct for x in latencies]
            h_lat = [x for _, latencies in http for x in latencies]
            print(
                f"{clients:>8} {d_rate:10.1f}/s {h_rate:10.1f}/s {d_rate / h_rate:6.2f}x "
                f"{_percentiles(d_lat):>16} {_percentiles(h_lat):>16}"
            )
    os.unlink(database)


def _direct(clients: int, requests: int) -> tuple[float, list[float]]:
    def one(_: int) -> float:
        started = time.perf_counter()
        result = ldb.trace(PROGRAM, TEST)
        assert result.status == "passed", result.message
        return time.perf_counter() - started

    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as threads:
        latencies = list(threads.map(one, range(requests)))
    return requests / (time.perf_counter() - started), latencies


async def _http(url: str, clients: int, requests: int) -> tuple[float, list[float]]:
    latencies: list[float] = []
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=url, timeout=120, limits=limits) as client:

        async def one() -> None:
            started = time.perf_counter()
            reply = await client.post("/trace", json={"code": PROGRAM, "test": TEST})
            assert reply.status_code == 200 and reply.json()["status"] == "passed", reply.text
            latencies.append(time.perf_counter() - started)

        started = time.perf_counter()
        await _bounded([one for _ in range(requests)], clients)
        return requests / (time.perf_counter() - started), latencies


async def _bounded(work: list[Callable[[], Awaitable[None]]], width: int) -> None:
    turns = asyncio.Semaphore(width)

    async def turn(job: Callable[[], Awaitable[None]]) -> None:
        async with turns:
            await job()

    await asyncio.gather(*(turn(job) for job in work))


def _percentiles(latencies: list[float]) -> str:
    ordered = sorted(latencies)
    p50 = ordered[len(ordered) // 2] * 1000
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))] * 1000
    return f"{p50:.0f}/{p95:.0f} ms"


if __name__ == "__main__":
    main()
