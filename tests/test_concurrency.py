"""`ldb.concurrency`: sandbox runs and model calls bounded apart, each bound counting who holds
a slot and who waits, and changeable while in use."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator

import pytest

from ldb import concurrency
from ldb.concurrency import Slots


def _hold(slots: Slots, entered: threading.Event, leave: threading.Event) -> None:
    with slots.held():
        entered.set()
        leave.wait(10)


def _wait_for(condition: Callable[[], bool], seconds: float = 5) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline
        time.sleep(0.005)


def test_a_slot_past_the_limit_waits_and_is_counted_waiting() -> None:
    slots = Slots(1)
    first, second, leave = threading.Event(), threading.Event(), threading.Event()
    holders = [
        threading.Thread(target=_hold, args=(slots, first, leave)),
        threading.Thread(target=_hold, args=(slots, second, leave)),
    ]
    holders[0].start()
    assert first.wait(5)
    holders[1].start()
    _wait_for(lambda: slots.waiting == 1)
    assert (slots.active, second.is_set()) == (1, False)
    slots.limit = 2  # raised while in use: the waiter goes in
    assert second.wait(5)
    assert (slots.active, slots.waiting) == (2, 0)
    leave.set()
    for holder in holders:
        holder.join(5)
    assert (slots.active, slots.waiting) == (0, 0)


def test_no_limit_never_waits() -> None:
    slots = Slots(None)
    with slots.held(), slots.held(), slots.held():
        assert slots.active == 3


@pytest.fixture
def bounded() -> Iterator[None]:
    concurrency.limit(runs=1, model_calls=3, model_calls_per_server=2)
    yield
    concurrency.limit()


def test_model_calls_are_bounded_per_server_and_in_all_and_runs_apart(bounded: None) -> None:
    leave = threading.Event()
    started: list[str] = []

    def call(server: str) -> None:
        with concurrency.model_call(server):
            started.append(server)
            leave.wait(10)

    threads = [
        threading.Thread(target=call, args=(server,))
        for server in ("http://a/v1", "http://a/v1", "http://a/v1", "http://b/v1", "http://c/v1")
    ]
    for thread in threads:
        thread.start()
    _wait_for(lambda: len(started) == 3)
    time.sleep(0.05)
    # Two to a (its third waits), one to b: three in all, and c waits for one of them.
    assert sorted(started) == ["http://a/v1", "http://a/v1", "http://b/v1"]
    load = concurrency.load()
    assert (load.model_calls, load.model_calls_waiting, load.model_calls_limit) == (3, 1, 3)
    # A sandbox run takes no model slot, and waits for none.
    with concurrency.run_slot():
        assert concurrency.load().runs_active == 1
    leave.set()
    for thread in threads:
        thread.join(5)
    assert len(started) == 5
    assert concurrency.load().model_calls == 0
