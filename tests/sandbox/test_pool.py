"""The pool: runs forked from one warm zygote are as separate as cold ones."""

from __future__ import annotations

import os
import signal

import pytest

import ldb
from ldb import pool, sandbox
from ldb.settings import get_settings

pytestmark = pytest.mark.skipif(
    sandbox.mode() != "bwrap",
    reason="bubblewrap cannot run here (install the Debian package bubblewrap; CI does)",
)

PEEK = """
import os
def peek(mark):
    seen = sorted(os.listdir("/tmp"))
    with open(f"/tmp/{mark}", "w") as handle:
        handle.write(mark)
    processes = sorted(p for p in os.listdir("/proc") if p.isdigit())
    return os.getuid(), seen, processes
"""


def test_each_run_has_its_own_tmp_processes_and_uid() -> None:
    results = [ldb.trace(PEEK, f"assert peek('run{i}') == 0") for i in range(3)]
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
        assert len(uids) == 3


def test_a_dead_zygote_is_replaced(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LDB_POOL", "1")
    get_settings.cache_clear()
    assert ldb.trace("def f():\n    return 1\n", "assert f() == 1").status == "passed"
    zygote = pool.shared()._current()
    os.killpg(zygote.process.pid, signal.SIGKILL)
    zygote.process.wait()
    assert ldb.trace("def f():\n    return 1\n", "assert f() == 1").status == "passed"
    assert pool.shared()._current() is not zygote
