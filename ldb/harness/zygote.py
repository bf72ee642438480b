"""A warm process inside one bubblewrap sandbox that forks each run into a sandbox of its own.

Started once (as root inside bwrap, with the harness already imported), the zygote waits on a
control socket. It forks one *slot* per run the parent wants to make at once: a copy of itself
that joins a pids and a memory cgroup of its own once and then serves runs, one at a time,
over a socket of its own. Moving a process into a cgroup can wait for an RCU grace period
(up to 16 ms); a run forked by its slot is born in the slot's cgroups instead.

For each run the parent sends the limits and the run's pipes (job in, output, results). The
slot forks the run's init, which enters new mount, PID, network, IPC and UTS namespaces; the
init forks the run itself, PID 1 of its namespace, which mounts its own /tmp and /proc, takes
the pipes as its standard streams, sets its rlimits, drops to the run's uid and only then reads
the job. Whatever a run does (kill its parent, leave processes, fill its /tmp) stays within its
own namespaces: when its PID 1 dies, everything in the namespace goes too, before the init
reports the run's end.

The protocol, one datagram each way:
    parent -> zygote  {"slot": n} with the fds: the slot's socket, *cgroup.procs
    parent -> slot    {"run": n, "uid": u, "tmp_bytes": b, "rlimits": [[kind, value], ...]}
                      with the fds stdin, stdout, stderr, results
    parent -> slot    {"kill": n}
    slot -> parent    {"run": n, "exit": code} when the run and all its processes are gone
"""

from __future__ import annotations

import array
import contextlib
import ctypes
import json
import os
import resource
import select
import signal
import socket
import sys
from collections.abc import Callable
from typing import Any, NoReturn

from ..wire import RESULT_FD
from .main import main as run_harness

_CLONE_NEWNS = 0x00020000
_CLONE_NEWUTS = 0x04000000
_CLONE_NEWIPC = 0x08000000
_CLONE_NEWPID = 0x20000000
_CLONE_NEWNET = 0x40000000
_MS_RDONLY, _MS_NOSUID, _MS_NODEV, _MS_NOEXEC = 1, 2, 4, 8
_MS_REMOUNT, _MS_BIND, _MS_REC, _MS_PRIVATE = 32, 4096, 1 << 14, 1 << 18
_PR_SET_PDEATHSIG = 1
_MAX_FDS = 16


class _Libc:
    def __init__(self) -> None:
        self.libc = ctypes.CDLL(None, use_errno=True)

    def call(self, name: str, *args: object) -> None:
        if getattr(self.libc, name)(*args) != 0:
            number = ctypes.get_errno()
            raise OSError(number, f"{name}: {os.strerror(number)}")


# Imported once here, so the runs forked from the zygote find them loaded: what programs
# written for benchmarks most often import.
_WARM_MODULES = (
    "typing",
    "math",
    "collections",
    "itertools",
    "functools",
    "re",
    "heapq",
    "bisect",
    "string",
    "fractions",
    "statistics",
    "hashlib",
    "random",
    "copy",
)


def serve(control_fd: int, rebinds_json: str = "[]") -> None:
    """Serve slots until the parent goes. `rebinds_json` lists [path, second place] for what
    lies under /tmp (an interpreter, a checkout), which each run's own /tmp would hide."""
    rebinds = [tuple(pair) for pair in json.loads(rebinds_json)]
    for name in _WARM_MODULES:
        with contextlib.suppress(ImportError):
            __import__(name)
    libc = _Libc()

    def start_slot(server: _Server, request: dict[str, Any], fds: list[int]) -> int:
        pid = os.fork()
        if pid == 0:
            try:
                server.forget()
                slot_socket, *cgroups = fds
                for procs in cgroups:
                    os.write(procs, b"0")
                    os.close(procs)
                # Out of memory, the program is what the kernel must kill, never its slot.
                with contextlib.suppress(OSError), open("/proc/self/oom_score_adj", "w") as adjust:
                    adjust.write("-1000")
                runs = _Server(socket.socket(fileno=slot_socket), report_exits=True)
                runs.control.send(b'{"ready": true}')
                runs.serve(lambda server, run, fds: _start_run(libc, server, run, fds, rebinds))
            except BaseException as error:
                os.write(2, f"ldb zygote: a slot failed: {error}\n".encode())
            os._exit(125)
        return pid

    _Server(socket.socket(fileno=control_fd), report_exits=False).serve(start_slot)


Start = Callable[["_Server", dict[str, Any], list[int]], int]


class _Server:
    """A loop that starts a child per request and reaps children as they end. No threads: a
    process that forks must have none. An ended child wakes the loop through SIGCHLD's wakeup
    pipe."""

    def __init__(self, control: socket.socket, report_exits: bool) -> None:
        self.control = control
        self.report_exits = report_exits
        self.children: dict[int, int] = {}  # request id -> pid
        self.wakeup, self.wakeup_write = os.pipe()
        os.set_blocking(self.wakeup, False)
        os.set_blocking(self.wakeup_write, False)
        signal.signal(signal.SIGCHLD, lambda signum, frame: None)
        signal.set_wakeup_fd(self.wakeup_write)

    def forget(self) -> None:
        """In a forked child: none of this is its own."""
        signal.set_wakeup_fd(-1)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        self.control.close()
        os.close(self.wakeup)
        os.close(self.wakeup_write)

    def serve(self, start: Start) -> NoReturn:
        while True:
            with contextlib.suppress(BlockingIOError):
                os.read(self.wakeup, 4096)
            self._reap()
            ready = select.select([self.control.fileno(), self.wakeup], [], [])[0]
            if self.control.fileno() not in ready:
                continue
            fds = array.array("i")
            data, ancillary, _, _ = self.control.recvmsg(
                65536, socket.CMSG_SPACE(_MAX_FDS * fds.itemsize)
            )
            if not data:
                os._exit(0)  # the parent is gone
            for level, kind, payload in ancillary:
                if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
                    fds.frombytes(payload[: len(payload) - len(payload) % fds.itemsize])
            request = json.loads(data)
            if "kill" in request:
                doomed = self.children.get(request["kill"])
                if doomed is not None:
                    # The init kills the run's PID 1 and reports once the namespace is empty.
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(doomed, signal.SIGUSR1)
                continue
            key = request.get("run", request.get("slot"))
            self.children[key] = start(self, request, list(fds))
            for fd in fds:
                os.close(fd)

    def _reap(self) -> None:
        while self.children:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            for key, child in list(self.children.items()):
                if child == pid:
                    del self.children[key]
                    if self.report_exits:
                        message = {"run": key, "exit": _exit_code(status)}
                        self.control.send(json.dumps(message).encode())


def _start_run(
    libc: _Libc,
    server: _Server,
    request: dict[str, Any],
    fds: list[int],
    rebinds: list[tuple[str, str]],
) -> int:
    """Forks the run's init: new namespaces, then the run itself as PID 1."""
    init = os.fork()
    if init != 0:
        return init
    try:
        server.forget()
        libc.call("prctl", _PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        os.setsid()
        libc.call(
            "unshare",
            _CLONE_NEWNS | _CLONE_NEWPID | _CLONE_NEWNET | _CLONE_NEWIPC | _CLONE_NEWUTS,
        )
        stdin, stdout, stderr, results = fds
        child = 0

        def kill_run(signum: int, frame: object) -> None:
            # The run may have ended and been reaped already: then there is nothing to kill.
            if child:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(child, signal.SIGKILL)

        signal.signal(signal.SIGUSR1, kill_run)
        child = os.fork()
        if child == 0:
            signal.signal(signal.SIGUSR1, signal.SIG_DFL)
            _run(libc, {**request, "rebinds": rebinds}, stdin, stdout, stderr, results)
        for fd in (stdin, stdout, stderr, results):
            os.close(fd)
        _, status = os.waitpid(child, 0)
        os._exit(_exit_code(status))
    except BaseException as error:
        os.write(2, f"ldb zygote: the run could not start: {error}\n".encode())
    os._exit(125)


def _run(
    libc: _Libc, request: dict[str, object], stdin: int, stdout: int, stderr: int, results: int
) -> None:
    """PID 1 of the run's namespace: mounts its own /tmp and /proc, then reaps. The program
    runs as its child, not as PID 1, which the kernel shields from the program's own signals
    (`os.kill(os.getpid(), 9)` must end it, as anywhere else)."""
    try:
        libc.call("prctl", _PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        libc.call("mount", b"none", b"/", None, _MS_REC | _MS_PRIVATE, None)
        options = f"size={request['tmp_bytes']},mode=1777".encode()
        libc.call("mount", b"tmpfs", b"/tmp", b"tmpfs", _MS_NOSUID | _MS_NODEV, options)
        libc.call("mount", b"proc", b"/proc", b"proc", _MS_NOSUID | _MS_NODEV | _MS_NOEXEC, None)
        os.umask(0o022)
        for path, second in request["rebinds"]:  # type: ignore[attr-defined]
            if os.path.isdir(second):
                os.makedirs(path, exist_ok=True)
            else:  # a single file (ldb/wire.py): its mount point is an empty file
                os.makedirs(os.path.dirname(path), exist_ok=True)
                os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o644))
            libc.call("mount", second.encode(), path.encode(), None, _MS_BIND | _MS_REC, None)
            flags = _MS_BIND | _MS_REMOUNT | _MS_RDONLY | _MS_REC
            libc.call("mount", None, path.encode(), None, flags, None)
        program = os.fork()
        if program == 0:
            _program(libc, request, stdin, stdout, stderr, results)
        for fd in (stdin, stdout, stderr, results):
            os.close(fd)
        while True:
            pid, status = os.waitpid(-1, 0)
            if pid == program:
                os._exit(_exit_code(status))
    except BaseException as error:
        os.write(2, f"ldb zygote: the run failed to start: {error}\n".encode())
    os._exit(125)


def _program(
    libc: _Libc, request: dict[str, object], stdin: int, stdout: int, stderr: int, results: int
) -> None:
    """The program's process: its pipes, limits and uid, then the harness."""
    try:
        libc.call("prctl", _PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        os.chdir("/tmp")
        for target, fd in ((0, stdin), (1, stdout), (2, stderr), (RESULT_FD, results)):
            os.dup2(fd, target)
        os.closerange(RESULT_FD + 1, 65536)
        for kind, value in request["rlimits"]:  # type: ignore[attr-defined]
            resource.setrlimit(kind, (value, value))
        uid = int(request["uid"])  # type: ignore[call-overload]
        if uid >= 0:
            os.setgroups([])
            os.setresgid(uid, uid, uid)
            os.setresuid(uid, uid, uid)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        sys.stdin = open(0, encoding="utf-8", closefd=False)  # noqa: SIM115 (the run's own)
        sys.stdout = open(1, "w", encoding="utf-8", closefd=False)  # noqa: SIM115
        sys.stderr = open(2, "w", encoding="utf-8", closefd=False)  # noqa: SIM115
        run_harness()
    except BaseException as error:
        os.write(2, f"ldb zygote: the run failed to start: {error}\n".encode())
    os._exit(125)


def _exit_code(status: int) -> int:
    """As bwrap reports it: the exit status, or 128 + the signal that killed the process."""
    code = os.waitstatus_to_exitcode(status)
    return 128 - code if code < 0 else code


if __name__ == "__main__":
    serve(int(sys.argv[1]))
