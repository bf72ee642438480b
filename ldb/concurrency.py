"""How much work this process does at once: sandbox runs, bounded by its cores, and model
calls, bounded in all and per model server. The two are apart: a debug session waiting on its
model holds no run slot, and one waiting for a run holds no model call."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from dataclasses import dataclass

DEFAULT_MODEL_CALLS = 64
DEFAULT_MODEL_CALLS_PER_SERVER = 32


class Slots:
    """A counting limit whose bound may change while it is in use (None: no bound), and
    which says how many hold a slot and how many wait for one."""

    def __init__(self, limit: int | None) -> None:
        self._limit = limit
        self._changed = threading.Condition()
        self.active = 0
        self.waiting = 0

    @property
    def limit(self) -> int | None:
        return self._limit

    @limit.setter
    def limit(self, limit: int | None) -> None:
        with self._changed:
            self._limit = limit
            self._changed.notify_all()

    @contextlib.contextmanager
    def held(self) -> Iterator[None]:
        """A slot for the `with` block, waited for as long as it takes."""
        with self._changed:
            self.waiting += 1
            try:
                self._changed.wait_for(lambda: self._limit is None or self.active < self._limit)
            finally:
                self.waiting -= 1
            self.active += 1
        try:
            yield
        finally:
            with self._changed:
                self.active -= 1
                self._changed.notify()


@dataclass(frozen=True)
class Load:
    """What this process is doing: its sandbox runs and its model calls."""

    runs_active: int
    runs_waiting: int
    runs_limit: int | None
    model_calls: int
    model_calls_waiting: int
    model_calls_limit: int | None


_runs = Slots(None)
_model_calls = Slots(DEFAULT_MODEL_CALLS)
_per_server: dict[str, Slots] = {}
_per_server_limit: int | None = DEFAULT_MODEL_CALLS_PER_SERVER
_per_server_lock = threading.Lock()


def limit(
    *,
    runs: int | None = None,
    model_calls: int | None = DEFAULT_MODEL_CALLS,
    model_calls_per_server: int | None = DEFAULT_MODEL_CALLS_PER_SERVER,
) -> None:
    """Bound this process's sandbox runs (None: unbounded, as a library's caller decides its
    own concurrency) and its model calls, in all and to any one server."""
    global _per_server_limit
    _runs.limit = runs
    _model_calls.limit = model_calls
    with _per_server_lock:
        _per_server_limit = model_calls_per_server
        for slots in _per_server.values():
            slots.limit = model_calls_per_server


def run_slot() -> contextlib.AbstractContextManager[None]:
    """A slot for one sandbox run."""
    return _runs.held()


@contextlib.contextmanager
def model_call(server: str) -> Iterator[None]:
    """A slot for one request to the model server at `server` (its base URL)."""
    with _per_server_lock:
        slots = _per_server.setdefault(server, Slots(_per_server_limit))
    # The server's slot first: a call waiting on a busy server holds none of the others'.
    with slots.held(), _model_calls.held():
        yield


def load() -> Load:
    return Load(
        _runs.active,
        _runs.waiting,
        _runs.limit,
        _model_calls.active,
        _model_calls.waiting,
        _model_calls.limit,
    )
