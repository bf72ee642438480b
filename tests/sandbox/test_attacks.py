"""Hostile programs against the sandbox: each ends with a typed outcome within its bound,
leaves the host as it was and no process behind, and the next run works."""

from __future__ import annotations

import contextlib
import os
import socket
import textwrap
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import ldb
from ldb.models import TraceResult
from ldb.run import sandbox

pytestmark = pytest.mark.skipif(
    sandbox.mode() != "bwrap",
    reason="bubblewrap cannot run here (install the Debian package bubblewrap; CI does)",
)

FAST = {"timeout_s": 4.0, "case_cpu_s": 2.0, "cpu_s": 6, "memory_mb": 256}


def attack(
    code: str, test: str | list[str] = "assert attack() is None", **limits: Any
) -> TraceResult:
    options = {**FAST, **limits}
    started = time.monotonic()
    result = ldb.trace(textwrap.dedent(code), test, limits=ldb.RunLimits(**options))
    elapsed = time.monotonic() - started
    assert elapsed < float(options["timeout_s"]) + 5, f"took {elapsed:.1f} s"
    assert result.sandbox == "bwrap"
    return result


def sandbox_processes() -> list[int]:
    """Processes running under any uid of this process's runs: its own block of 64 (see
    ldb/run/sandbox/uids.py). Other ldb processes, such as a second test worker or a service,
    hold blocks of their own, and their runs are none of this test's business."""
    base = sandbox.run_uid(0)
    if base < 0:
        return []  # not root: runs keep this process's uid
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith("Uid:") and base <= int(line.split()[1]) < base + 64:
                found.append(int(entry.name))
    return found


@pytest.fixture(autouse=True)
def host_stays_clean() -> Iterator[None]:
    yield
    assert sandbox_processes() == [], "a sandboxed process outlived its run"
    follow_up = ldb.trace("def f():\n    return 1\n", "assert f() == 1")
    assert follow_up.status == "passed", "the next run after the attack failed"


def test_fork_bomb() -> None:
    result = attack(
        """
        import os
        def attack():
            while True:
                try:
                    os.fork()
                except OSError:
                    pass
        """
    )
    assert result.status in ("timeout", "crashed")


def test_process_flood() -> None:
    result = attack(
        """
        import subprocess, sys
        def attack():
            sleeper = [sys.executable, "-c", "import time; time.sleep(60)"]
            children = []
            for _ in range(200):
                children.append(subprocess.Popen(sleeper))
        """
    )
    assert result.status in ("failed", "crashed", "timeout")


def test_memory_bomb() -> None:
    result = attack(
        """
        def attack():
            hoard = []
            while True:
                hoard.append(bytearray(16 << 20))
        """
    )
    assert result.status == "memory_limit"


def test_busy_loop() -> None:
    result = attack("def attack():\n    while True:\n        pass\n")
    assert result.status == "timeout"
    assert result.cases[0].status == "timeout"


def test_sleeping_past_the_wall_limit() -> None:
    result = attack("import time\ndef attack():\n    time.sleep(60)\n", timeout_s=2.0)
    assert result.status == "timeout"


def test_a_hundred_megabytes_of_output() -> None:
    result = attack(
        """
        import sys
        def attack():
            chunk = "x" * (1 << 20)
            for _ in range(100):
                sys.stdout.write(chunk)
        """
    )
    assert result.status == "output_limit"
    assert len(result.stdout) <= ldb.RunLimits().max_output_bytes


def test_millions_of_trace_events() -> None:
    result = attack(
        """
        def attack():
            total = 0
            for i in range(500_000):
                total += i
        """,
        visits_per_block=10**7,
        timeout_s=20.0,
        case_cpu_s=20.0,
        cpu_s=30,
    )
    # A million events recorded in full: the harness sends only what is kept.
    assert result.status == "passed"
    assert len(result.events) == ldb.RunLimits().max_events
    assert result.dropped >= 1_000_000 - len(result.events)


def test_recursion_past_any_limit() -> None:
    result = attack(
        """
        import sys
        def attack(n=0):
            sys.setrecursionlimit(10**6)
            return attack(n + 1)
        """
    )
    if result.status == "crashed":
        # Where the C stack runs out decides: a segfault, or CPython's own abort.
        assert result.message in (
            "the program was killed by SIGSEGV",
            "the program was killed by SIGABRT",
        )
    else:
        assert result.status in ("failed", "memory_limit")
        assert result.cases[0].error is not None


def test_ctypes_segfault() -> None:
    result = attack("import ctypes\ndef attack():\n    ctypes.string_at(0)\n")
    assert result.status == "crashed"
    assert result.message == "the program was killed by SIGSEGV"


def test_reading_the_parents_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LDB_TEST_SECRET", "hunter2")
    result = attack(
        """
        import os
        def attack():
            found = [str(dict(os.environ))]
            for pid in (os.getppid(), 1):
                try:
                    found.append(open(f"/proc/{pid}/environ").read())
                except OSError as error:
                    found.append(type(error).__name__)
            return found
        """
    )
    assert result.status == "failed"
    assert "hunter2" not in (result.cases[0].actual or "")
    assert "LDB_TEST_SECRET" not in (result.cases[0].actual or "")


def test_reading_host_files(tmp_path: Path) -> None:
    secret = Path("/tmp") / f"ldb-secret-{os.getpid()}"
    secret.write_text("hunter2")
    try:
        result = attack(
            f"""
            import os
            def attack():
                seen = []
                for path in ({str(secret)!r}, "/etc/shadow", "/etc/passwd",
                             os.path.expanduser("~/.bash_history"), "/root"):
                    try:
                        with open(path) as handle:
                            seen.append(handle.read())
                    except OSError as error:
                        seen.append(type(error).__name__)
                return seen
            """
        )
    finally:
        secret.unlink()
    assert result.status == "failed"
    assert "hunter2" not in (result.cases[0].actual or "")
    assert "root:" not in (result.cases[0].actual or "")


def test_writing_and_deleting_host_files(tmp_path: Path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("intact")
    result = attack(
        f"""
        import os, shutil
        def attack():
            for action in (lambda: open({str(victim)!r}, "w").write("owned"),
                           lambda: os.remove({str(victim)!r}),
                           lambda: shutil.rmtree("/usr"),
                           lambda: open("/usr/ldb-was-here", "w")):
                try:
                    action()
                except OSError:
                    pass
        """
    )
    assert result.status == "passed"  # the program ran; it just could not touch anything
    assert victim.read_text() == "intact"
    assert not Path("/usr/ldb-was-here").exists()


def test_connecting_to_the_host_and_the_internet() -> None:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    port = listener.getsockname()[1]
    accepted: list[object] = []
    listener.settimeout(3)

    def accept() -> None:
        with contextlib.suppress(OSError):
            accepted.append(listener.accept())

    thread = threading.Thread(target=accept)
    thread.start()
    try:
        result = attack(
            f"""
            import socket
            def attack():
                outcomes = []
                for address in (("127.0.0.1", {port}), ("1.1.1.1", 443)):
                    try:
                        socket.create_connection(address, timeout=1).close()
                        outcomes.append("connected")
                    except OSError as error:
                        outcomes.append(type(error).__name__)
                return outcomes
            """
        )
    finally:
        thread.join()
        listener.close()
    assert accepted == []
    assert "connected" not in (result.cases[0].actual or "")


def test_killing_the_parent() -> None:
    result = attack("import os\ndef attack():\n    os.kill(os.getppid(), 9)\n")
    assert result.status in ("crashed", "failed", "passed")
    assert os.getpid() > 0  # this process, the host, is still here


def test_tampering_with_signals() -> None:
    result = attack(
        """
        import signal
        def attack():
            for number in (signal.SIGVTALRM, signal.SIGALRM, signal.SIGTERM, signal.SIGXCPU):
                signal.signal(number, signal.SIG_IGN)
            while True:
                pass
        """
    )
    assert result.status == "timeout"


def test_exiting_before_the_harness_reports() -> None:
    for exit_call in ("os._exit(0)", "sys.exit(0)", "os.kill(os.getpid(), 9)"):
        result = attack(f"import os, sys\ndef attack():\n    {exit_call}\n")
        assert result.status != "passed", exit_call


def test_blinding_the_tracer() -> None:
    blinders = [
        "sys.settrace(None)",
        "sys.monitoring.free_tool_id(2) if hasattr(sys, 'monitoring') else None",
        "sys.monitoring.set_events(2, 0) if hasattr(sys, 'monitoring') else None",
    ]
    for blind in blinders:
        result = attack(
            f"import sys\ndef attack():\n    {blind}\n    return 1\n",
            "assert attack() == 2",
        )
        assert result.status in ("failed", "crashed"), blind
        if result.status == "failed":
            assert result.cases[0].actual == "1"


def test_reloading_the_harness_modules() -> None:
    result = attack(
        """
        import importlib, json, os, threading, signal
        def attack():
            for module in (json, os, threading, signal):
                importlib.reload(module)
            return 1
        """,
        "assert attack() == 2",
    )
    assert result.status == "failed"
    assert result.cases[0].actual == "1"


def test_replacing_builtins() -> None:
    result = attack(
        """
        import builtins
        def attack():
            builtins.len = None
            builtins.AssertionError = ZeroDivisionError
            builtins.isinstance = lambda *args: True
            return 1
        """,
        ["assert attack() == 2", "assert len([1, 2]) == 2"],
    )
    assert [case.status for case in result.cases] == ["failed", "passed"]


def test_leftover_threads() -> None:
    result = attack(
        """
        import threading, time
        def attack():
            threading.Thread(target=time.sleep, args=(600,)).start()
        """
    )
    assert result.status == "passed"


def test_a_hostile_repr() -> None:
    result = attack(
        """
        class Trap:
            def __repr__(self):
                import os
                os._exit(0)
        def attack():
            trap = Trap()
            return None
        """
    )
    assert result.status != "passed" or result.events
