"""The sandbox pool: one warm zygote in bubblewrap that forks every run into a sandbox of its
own, so a batch of runs does not pay interpreter start-up and imports each time.

Each run still gets fresh PID, mount, network, IPC and UTS namespaces, its own /tmp and /proc,
its own rlimits, cgroups and uid (see `ldb.harness.zygote`). The zygote is started on first
use and again whenever it has died.
"""

from __future__ import annotations

import array
import contextlib
import itertools
import json
import os
import socket
import subprocess
import threading
from typing import IO, Any

from ldb import sandbox
from ldb.runner import Child, Spawn
from ldb.settings import RunLimits

_KILLED = 128 + 9


class _Run:
    """A run forked by the zygote, as the runner sees a child."""

    def __init__(self, zygote: _Zygote, run_id: int, cgroups: sandbox.Cgroups) -> None:
        self.zygote = zygote
        self.run_id = run_id
        self.cgroups = cgroups
        self.exit_code: int | None = None
        self.done = threading.Event()
        self.stdin: IO[bytes] | None = None
        self.stdout: IO[bytes] | None = None
        self.stderr: IO[bytes] | None = None

    def poll(self) -> int | None:
        if not self.done.is_set() and not self.zygote.alive():
            self.finish(_KILLED)
        return self.exit_code

    def wait(self) -> int:
        while not self.done.wait(0.05):
            if not self.zygote.alive():
                self.finish(_KILLED)
        assert self.exit_code is not None
        return self.exit_code

    def kill(self) -> None:
        if not self.done.is_set():
            self.zygote.send({"kill": self.run_id})
            self.cgroups.kill_all()

    def finish(self, code: int) -> None:
        if not self.done.is_set():
            self.exit_code = code
            self.done.set()


class _Zygote:
    def __init__(self) -> None:
        self.runs: dict[int, _Run] = {}
        self.lock = threading.Lock()
        control, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        binary = sandbox.bwrap_binary()
        if binary is None:
            raise sandbox.SandboxError("bubblewrap (bwrap) is not installed")
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
        self.control = control
        threading.Thread(target=self._listen, daemon=True, name="ldb-zygote").start()

    def alive(self) -> bool:
        return self.process.poll() is None

    def send(self, message: dict[str, Any], fds: list[int] | None = None) -> None:
        data = json.dumps(message).encode()
        rights = [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", fds))] if fds else []
        # A zygote that died no longer takes requests: the run sees it in poll().
        with self.lock, contextlib.suppress(OSError):
            self.control.sendmsg([data], rights)

    def _listen(self) -> None:
        while True:
            try:
                data = self.control.recv(65536)
            except OSError:
                data = b""
            if not data:
                for orphan in list(self.runs.values()):
                    orphan.finish(_KILLED)
                return
            message = json.loads(data)
            run = self.runs.get(message["run"])
            if run is not None and "exit" in message:
                del self.runs[message["run"]]
                run.finish(message["exit"])

    def close(self) -> None:
        self.control.close()
        self.process.kill()
        self.process.wait()


class Pool:
    """Starts runs as forks of a shared zygote (one per process, started on first use)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._zygote: _Zygote | None = None
        self._ids = itertools.count()

    def spawn(self, prepared: sandbox.Prepared, limits: RunLimits) -> Spawn:
        def start(result_fd: int) -> tuple[Child, int]:
            zygote = self._current()
            run = _Run(zygote, next(self._ids), prepared.cgroups)
            job_read, job_write = os.pipe()
            out_read, out_write = os.pipe()
            err_read, err_write = os.pipe()
            cgroup_fds = [os.open(path, os.O_WRONLY) for path in prepared.cgroups.procs_files]
            theirs = [job_read, out_write, err_write, result_fd, *cgroup_fds]
            try:
                with zygote.lock:
                    zygote.runs[run.run_id] = run
                request = {
                    "run": run.run_id,
                    "uid": prepared.uid,
                    "tmp_bytes": limits.tmp_mb << 20,
                    "rlimits": sandbox.rlimits(limits, prepared.uid >= 0),
                }
                zygote.send(request, theirs)
            finally:
                for fd in (job_read, out_write, err_write, *cgroup_fds):
                    os.close(fd)
            run.stdin = os.fdopen(job_write, "wb")
            run.stdout = os.fdopen(out_read, "rb")
            run.stderr = os.fdopen(err_read, "rb")
            return run, _RESULT_FD

        return start

    def _current(self) -> _Zygote:
        with self._lock:
            if self._zygote is None or not self._zygote.alive():
                if self._zygote is not None:
                    self._zygote.close()
                self._zygote = _Zygote()
            return self._zygote

    def close(self) -> None:
        with self._lock:
            if self._zygote is not None:
                self._zygote.close()
                self._zygote = None


_RESULT_FD = 3
_pool: Pool | None = None
_pool_lock = threading.Lock()


def shared() -> Pool:
    """The process-wide pool."""
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = Pool()
        return _pool
