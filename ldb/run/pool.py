"""The sandbox pool: one warm zygote in bubblewrap that forks every run into a sandbox of its
own, so a batch of runs does not pay interpreter start-up and imports each time.

Each run still gets fresh PID, mount, network, IPC and UTS namespaces, its own /tmp and /proc,
its own rlimits, and (as root) an unprivileged uid. Runs are forked by *slots*, copies of the
zygote that each sit in a pids and a memory cgroup of their own and serve one run at a time
(see `ldb.harness.zygote`): there are as many slots as runs have been made at once, each
keeping its cgroups and uid across its runs. The zygote is started on first use and again
whenever it has died; a slot that died is replaced.
"""

from __future__ import annotations

import array
import atexit
import contextlib
import functools
import itertools
import json
import os
import queue
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from typing import IO, Any, TypeVar

from ldb.errors import SandboxError
from ldb.run import sandbox
from ldb.run.runner import Child
from ldb.settings import RunLimits
from ldb.wire import RESULT_FD

T = TypeVar("T")

_KILLED = 128 + 9
_SLOT_START_S = 10.0


class _Connection:
    """A socket to a server in the sandbox, the zygote or a slot, with a thread that hands
    each run's end to it."""

    def __init__(self, control: socket.socket, name: str) -> None:
        self.control = control
        self.runs: dict[int, _Run] = {}
        self.lock = threading.Lock()
        self.closed = threading.Event()
        self.ready = threading.Event()
        """A slot has said it serves (the zygote never says it)."""
        threading.Thread(target=self._listen, daemon=True, name=name).start()

    def send(self, message: dict[str, Any], fds: list[int] | None = None) -> None:
        data = json.dumps(message).encode()
        rights = [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", fds))] if fds else []
        # A server that died takes no more requests: its runs see that in poll().
        with self.lock, contextlib.suppress(OSError):
            self.control.sendmsg([data], rights)

    def _listen(self) -> None:
        while True:
            try:
                data = self.control.recv(65536)
            except OSError:
                data = b""
            if not data:
                self.closed.set()
                with self.lock:
                    orphans = list(self.runs.values())
                for orphan in orphans:
                    orphan.finish(_KILLED)
                return
            message = json.loads(data)
            if "ready" in message:
                self.ready.set()
                continue
            with self.lock:
                run = self.runs.pop(message["run"], None)
            if run is not None:
                run.finish(message["exit"])

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.control.shutdown(socket.SHUT_RDWR)
        self.control.close()


class _Run:
    """A run forked by a slot, as the runner sees a child. Its slot reaps it, and is not
    lent again before the run and all its processes are gone."""

    reaped_elsewhere = True

    def __init__(self, slot: _Slot, run_id: int) -> None:
        self.slot = slot
        self.run_id = run_id
        self.exit_code: int | None = None
        self.done = threading.Event()
        self._lock = threading.Lock()
        self._then: list[Callable[[], None]] = []
        self.stdin: IO[bytes] | None = None
        self.stdout: IO[bytes] | None = None
        self.stderr: IO[bytes] | None = None

    def poll(self) -> int | None:
        if not self.done.is_set() and not self.slot.alive():
            self.finish(_KILLED)
        return self.exit_code

    def wait(self, timeout: float | None = None) -> int | None:
        deadline = None if timeout is None else time.perf_counter() + timeout
        while True:
            step = 0.05 if deadline is None else min(0.05, deadline - time.perf_counter())
            if self.done.wait(max(0.0, step)):
                return self.exit_code
            if not self.slot.alive():
                self.finish(_KILLED)
            elif deadline is not None and time.perf_counter() >= deadline:
                return None

    def kill(self) -> None:
        if not self.done.is_set():
            self.slot.connection.send({"kill": self.run_id})

    def finish(self, code: int) -> None:
        with self._lock:
            if self.done.is_set():
                return
            self.exit_code = code
            self.done.set()
            then, self._then = self._then, []
        for action in then:
            action()

    def then(self, action: Callable[[], None]) -> None:
        """Do `action` once the run has ended (now, if it has)."""
        with self._lock:
            if not self.done.is_set():
                self._then.append(action)
                return
        action()


class _Slot:
    """A server in the zygote's sandbox that forks runs into its own cgroups, one at a time."""

    def __init__(self, zygote: _Zygote, index: int, limits: RunLimits) -> None:
        self.zygote = zygote
        self.uid = sandbox.run_uid(index)
        self.cgroups = sandbox.Cgroups.create(limits, f"slot{index}")
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        procs = [os.open(path, os.O_WRONLY) for path in self.cgroups.procs_files]
        try:
            zygote.connection.send({"slot": index}, [theirs.fileno(), *procs])
        finally:
            theirs.close()
            for fd in procs:
                os.close(fd)
        self.connection = _Connection(ours, f"ldb-slot-{index}")
        deadline = time.monotonic() + _SLOT_START_S
        while not self.connection.ready.wait(0.01):
            if self.connection.closed.is_set() or time.monotonic() > deadline:
                self.close()
                raise SandboxError(f"the pool's slot {index} did not start")

    def alive(self) -> bool:
        return not self.connection.closed.is_set() and self.zygote.alive()

    def close(self) -> None:
        self.connection.close()
        self.cgroups.remove()


class _Zygote:
    def __init__(self) -> None:
        control, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        binary = sandbox.bwrap_binary()
        if binary is None:
            raise SandboxError("bubblewrap (bwrap) is not installed")
        rebinds = json.dumps(sandbox.under_tmp())
        command = [
            *sandbox.bwrap_arguments(binary, RunLimits(), zygote=True),
            *sandbox.harness_command("zygote", -1, str(theirs.fileno()), rebinds),
        ]
        self.process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            pass_fds=(theirs.fileno(),),
            start_new_session=True,
            env={},
        )
        theirs.close()
        self.connection = _Connection(control, "ldb-zygote")

    def alive(self) -> bool:
        return self.process.poll() is None

    def close(self) -> None:
        self.connection.close()
        self.process.kill()
        self.process.wait()


class Lease:
    """A slot of the pool, held for one run: starts it (a `Spawn`) and says what it cost."""

    def __init__(self, slot: _Slot, limits: RunLimits, run_id: int) -> None:
        self.slot = slot
        self.limits = limits
        self.run_id = run_id
        self.runs: list[_Run] = []
        slot.cgroups.limit(limits)
        self.memory_events = slot.cgroups.memory_events()

    def spawn(self, result_fd: int) -> tuple[Child, int]:
        run = _Run(self.slot, self.run_id)
        self.runs.append(run)
        job_read, job_write = os.pipe()
        out_read, out_write = os.pipe()
        err_read, err_write = os.pipe()
        try:
            with self.slot.connection.lock:
                self.slot.connection.runs[run.run_id] = run
            request = {
                "run": run.run_id,
                "uid": self.slot.uid,
                "tmp_bytes": self.limits.tmp_mb << 20,
                "rlimits": sandbox.rlimits(self.limits, self.slot.uid >= 0),
            }
            self.slot.connection.send(request, [job_read, out_write, err_write, result_fd])
        finally:
            for fd in (job_read, out_write, err_write):
                os.close(fd)
        run.stdin = os.fdopen(job_write, "wb")
        run.stdout = os.fdopen(out_read, "rb")
        run.stderr = os.fdopen(err_read, "rb")
        return run, RESULT_FD

    def memory_exceeded(self) -> bool:
        return self.slot.cgroups.memory_events() > self.memory_events


class Pool:
    """Starts runs as forks of a shared zygote's slots (one zygote per process)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._zygote: _Zygote | None = None
        self._free: list[_Slot] = []
        self._slot_numbers = itertools.count()
        self._ids = itertools.count()

    @contextlib.contextmanager
    def lease(self, limits: RunLimits) -> Iterator[Lease]:
        """A free slot for one run; a slot that died on the way is replaced, not reused."""
        slot = self._acquire(limits)
        lease = Lease(slot, limits, next(self._ids))
        try:
            yield lease
        finally:
            self._release(lease)

    def _acquire(self, limits: RunLimits) -> _Slot:
        with self._lock:
            if self._zygote is None or not self._zygote.alive():
                self._restart()
            assert self._zygote is not None
            while self._free:
                slot = self._free.pop()
                if slot.alive():
                    return slot
                slot.close()
            # Numbered on across zygotes: a slot's cgroups are named after its number.
            return _Slot(self._zygote, next(self._slot_numbers), limits)

    def _release(self, lease: Lease) -> None:
        """Back to the free slots once its run has ended: a caller that has its results
        goes on while the run's namespace is torn down."""
        if lease.runs and not lease.runs[-1].done.is_set():
            lease.runs[-1].then(lambda: self._release(lease))
            return
        slot = lease.slot
        with self._lock:
            if slot.alive() and slot.zygote is self._zygote:
                self._free.append(slot)
                return
        slot.close()

    def _restart(self) -> None:
        for slot in self._free:
            slot.close()
        self._free.clear()
        if self._zygote is not None:
            self._zygote.close()
        self._zygote = _keeper().call(_Zygote)

    def close(self) -> None:
        with self._lock:
            zygote, self._zygote = self._zygote, None
            if zygote is not None:
                zygote.close()
            for slot in self._free:
                slot.close()
            self._free.clear()


class _Keeper:
    """A thread that lives as long as the process, for starting zygotes from. bwrap's
    --die-with-parent is PR_SET_PDEATHSIG, which fires when the *thread* that started it ends;
    the threads that ask for runs (a thread pool's, the service's workers) come and go, and
    the zygote, with every run in it, must not go with them."""

    def __init__(self) -> None:
        self._calls: queue.SimpleQueue[tuple[Callable[[], Any], Future[Any]]] = queue.SimpleQueue()
        threading.Thread(target=self._serve, daemon=True, name="ldb-zygote-keeper").start()

    def call(self, action: Callable[[], T]) -> T:
        done: Future[T] = Future()
        self._calls.put((action, done))
        return done.result()

    def _serve(self) -> None:
        while True:
            action, done = self._calls.get()
            try:
                done.set_result(action())
            except BaseException as error:
                done.set_exception(error)


@functools.cache
def _keeper() -> _Keeper:
    return _Keeper()


_pool: Pool | None = None
_pool_lock = threading.Lock()


def shared() -> Pool:
    """The process-wide pool, closed when the interpreter exits."""
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = Pool()
            atexit.register(_pool.close)
        return _pool
