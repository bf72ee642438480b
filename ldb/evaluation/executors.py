"""Where evaluation work runs: a pool of local processes by default, or a Ray cluster; the
evaluation is written against `Executor` alone."""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from typing import Any, Protocol, TypeVar

from ldb.errors import InputError

T = TypeVar("T")
R = TypeVar("R")


class Executor(Protocol):
    def map_unordered(self, work: Callable[[T], R], items: Sequence[T]) -> Iterator[R]:
        """`work` on each item, the results as they come (not in order)."""
        ...

    def close(self) -> None: ...


def default_workers() -> int:
    """As many as the machine has cores for: each problem is mostly sandbox runs."""
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1)


class LocalExecutor:
    """Processes on this machine, started by `spawn`: a fork of a process with threads (the
    pool's keeper, a progress bar) could inherit a held lock."""

    def __init__(self, workers: int | None = None) -> None:
        self.workers = workers or default_workers()
        if self.workers < 1:
            raise InputError("--workers must be 1 or more")
        self._pool = ProcessPoolExecutor(
            self.workers, mp_context=multiprocessing.get_context("spawn")
        )

    def map_unordered(self, work: Callable[[T], R], items: Sequence[T]) -> Iterator[R]:
        pending: set[Future[R]] = set()
        queue = list(reversed(items))
        # A bounded window keeps memory flat and lets Ctrl-C stop soon.
        while queue or pending:
            while queue and len(pending) < 2 * self.workers:
                pending.add(self._pool.submit(work, queue.pop()))
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                yield future.result()

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


class RayExecutor:
    """Tasks on a Ray cluster: the local runtime (`address=None`), or an existing cluster
    (`address="ray://head:10001"` or `"auto"`). Every node needs ldb and bubblewrap."""

    def __init__(self, address: str | None = None, workers: int | None = None) -> None:
        try:
            import ray  # type: ignore[import-not-found,unused-ignore]
        except ImportError:
            raise InputError("--executor ray needs Ray: pip install 'ldb[ray]'") from None
        self._ray: Any = ray
        if not ray.is_initialized():
            ray.init(address=address, num_cpus=workers if address is None else None)
        self.workers = workers

    def map_unordered(self, work: Callable[[T], R], items: Sequence[T]) -> Iterator[R]:
        remote = self._ray.remote(work)
        pending = [remote.remote(item) for item in items]
        while pending:
            done, pending = self._ray.wait(pending, num_returns=1)
            for reference in done:
                yield self._ray.get(reference)

    def close(self) -> None:
        self._ray.shutdown()


def executor(kind: str, workers: int | None = None, address: str | None = None) -> Executor:
    if kind == "local":
        return LocalExecutor(workers)
    if kind == "ray":
        return RayExecutor(address, workers)
    raise InputError(f"unknown executor {kind!r}: local or ray")
