"""The pool: runs forked from one warm zygote are as separate as cold ones."""

from __future__ import annotations

import os
import signal
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

import ldb
from ldb.run import pool, sandbox
from ldb.settings import get_settings

pytestmark = pytest.mark.skipif(
    sandbox.mode() != "bwrap",
    reason="bubblewrap cannot run here (install the Debian package bubblewrap; CI does)",
)

PEEK = """
import os, time
def peek(mark):
    time.sleep(0.3)  # the runs overlap
    seen = sorted(os.listdir("/tmp"))
    with open(f"/tmp/{mark}", "w") as handle:
        handle.write(mark)
    processes = sorted(p for p in os.listdir("/proc") if p.isdigit())
    return os.getuid(), seen, processes
"""


def test_each_run_has_its_own_tmp_processes_and_uid() -> None:
    """Runs at the same time each have their own uid; one after another they may share it,
    since nothing of a run outlives it."""
    with ThreadPoolExecutor(3) as threads:
        results = list(
            threads.map(lambda i: ldb.trace(PEEK, f"assert peek('run{i}') == 0"), range(3))
        )
    results.append(ldb.trace(PEEK, "assert peek('run3') == 0"))
    uids = set()
    for result in results:
        assert result.status == "failed"
        uid, tmp, processes = eval(result.cases[0].actual or "")  # noqa: S307 (our own repr)
        # Nothing left by the runs before (an interpreter or checkout under /tmp would show
        # as its read-only mount point).
        assert not [name for name in tmp if name.startswith("run")]
        assert len(processes) <= 3  # its own init and itself: no other run's processes
        uids.add(uid)
    if os.geteuid() == 0:
        assert len(uids) >= 3
        assert 0 not in uids


def test_a_dead_zygote_is_replaced(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LDB_POOL", "1")
    get_settings.cache_clear()
    assert ldb.trace("def f():\n    return 1\n", "assert f() == 1").status == "passed"
    zygote = pool.shared()._zygote
    assert zygote is not None
    os.killpg(zygote.process.pid, signal.SIGKILL)
    zygote.process.wait()
    assert ldb.trace("def f():\n    return 1\n", "assert f() == 1").status == "passed"
    assert pool.shared()._zygote is not zygote


def test_a_run_whose_zygote_dies_ends_as_crashed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LDB_POOL", "1")
    get_settings.cache_clear()
    sleeper = "import time\ndef f():\n    time.sleep(30)\n"
    with ThreadPoolExecutor(1) as threads:
        running = threads.submit(
            ldb.trace, sleeper, "assert f() is None", limits=ldb.RunLimits(timeout_s=20)
        )
        time.sleep(1.0)
        zygote = pool.shared()._zygote
        assert zygote is not None
        os.killpg(zygote.process.pid, signal.SIGKILL)
        result = running.result(timeout=10)
    assert result.status == "crashed"
    assert result.seconds < 10
    assert ldb.trace("def f():\n    return 1\n", "assert f() == 1").status == "passed"


def test_only_root_forks_runs_from_the_pool(monkeypatch: pytest.MonkeyPatch) -> None:
    """As another user the zygote, inside bwrap's user namespace, has no capability to make a
    run's namespaces: every pooled run would crash, so runs start cold."""
    monkeypatch.setenv("LDB_POOL", "1")
    get_settings.cache_clear()
    assert sandbox.pooled("bwrap") is (os.geteuid() == 0)
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    assert sandbox.pooled("bwrap") is False
    assert sandbox.status().pool is False


def test_the_zygote_outlives_the_thread_that_started_it(monkeypatch: pytest.MonkeyPatch) -> None:
    """bwrap's --die-with-parent follows the thread that started it: a pool started from a
    thread pool's worker must not die when that worker ends."""
    monkeypatch.setenv("LDB_POOL", "1")
    get_settings.cache_clear()
    pool.shared().close()
    with ThreadPoolExecutor(2) as threads:
        started = list(threads.map(lambda _: ldb.trace(PEEK, "assert peek('a') == 0"), range(2)))
    assert [r.status for r in started] == ["failed", "failed"]
    zygote = pool.shared()._zygote
    assert zygote is not None
    time.sleep(0.5)  # the workers have ended
    assert zygote.alive()
    after = [ldb.trace(PEEK, f"assert peek('b{i}') == 0") for i in range(3)]
    assert [r.status for r in after] == ["failed"] * 3
    assert pool.shared()._zygote is zygote
