"""Runs the harness in a child process: wall-clock timeout, byte caps, a pipe for results.

The child is started by the sandbox: a process of its own (`spawn_process`, its command from
`ldb.run.sandbox.prepare`, in a session of its own so a timeout kills its whole process group), or
a fork of the sandbox pool's zygote. Output past its cap ends the run.
"""

from __future__ import annotations

import contextlib
import json
import marshal
import os
import selectors
import signal
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import IO, Any, Protocol


@dataclass
class HarnessRun:
    """What came back from one child process."""

    messages: list[dict[str, Any]] = field(default_factory=list)
    stdout: str = ""
    stderr: str = ""
    returncode: int | None = None
    timed_out: bool = False
    output_exceeded: bool = False
    results_truncated: bool = False
    seconds: float = 0.0

    @property
    def finished(self) -> bool:
        """Whether the harness itself reported that it finished."""
        return bool(self.messages) and self.messages[-1].get("type") == "done"


_EXIT_GRACE_S = 2.0


class Child(Protocol):
    """A started run: its pipes, and a way to wait for it and to end it."""

    stdin: IO[bytes] | None
    stdout: IO[bytes] | None
    stderr: IO[bytes] | None
    reaped_elsewhere: bool
    """Whether something else waits for the child's end, so that a run whose harness has
    finished need not (its exit status can no longer change the outcome)."""

    def poll(self) -> int | None: ...

    def wait(self, timeout: float | None = None) -> int | None:
        """The exit status, or None if the run is still going after `timeout` seconds."""

    def kill(self) -> None: ...


Spawn = Callable[[int], tuple[Child, int]]
"""Starts a run given the write end of its result pipe; returns the child and the number
that pipe has in it."""


class _Process:
    """A child that is a process of its own, in its own session."""

    reaped_elsewhere = False

    def __init__(self, process: subprocess.Popen[bytes]) -> None:
        self.process = process
        self.stdin, self.stdout, self.stderr = process.stdin, process.stdout, process.stderr

    def poll(self) -> int | None:
        return self.process.poll()

    def wait(self, timeout: float | None = None) -> int | None:
        if timeout is None:
            return self.process.wait()
        # Popen's own timed wait sleeps up to 50 ms between looks: too coarse for a run's end.
        deadline = time.perf_counter() + timeout
        while self.process.poll() is None:
            if time.perf_counter() >= deadline:
                return None
            time.sleep(0.0005)
        return self.process.returncode

    def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGKILL)


def spawn_process(command: list[str], preexec: Callable[[], None] | None, cwd: str) -> Spawn:
    def spawn(result_fd: int) -> tuple[Child, int]:
        process = subprocess.Popen(
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            pass_fds=(result_fd,),
            start_new_session=True,
            cwd=cwd,
            env={},
            preexec_fn=preexec,
        )
        return _Process(process), result_fd

    return spawn


def run_harness(
    job: dict[str, Any],
    *,
    spawn: Spawn,
    timeout_s: float,
    max_output_bytes: int,
    max_result_bytes: int,
) -> HarnessRun:
    """Run one job in a fresh child and collect everything it reported."""
    read_end, write_end = os.pipe()
    started = time.perf_counter()
    try:
        process, result_fd = spawn(write_end)
    except BaseException:
        os.close(read_end)
        raise
    finally:
        os.close(write_end)
    job = {**job, "result_fd": result_fd}
    run = HarnessRun()
    reader = _Reader(process, read_end, max_output_bytes, max_result_bytes, run)
    try:
        _feed(process, marshal.dumps(job))
        reader.collect(started + timeout_s)
    finally:
        process.kill()
        os.close(read_end)
        for stream in (process.stdout, process.stderr):
            if stream is not None:
                stream.close()
    run.returncode = process.poll() if run.finished and process.reaped_elsewhere else process.wait()
    run.seconds = time.perf_counter() - started
    run.stdout = bytes(reader.buffers["stdout"]).decode("utf-8", "replace")
    run.stderr = bytes(reader.buffers["stderr"]).decode("utf-8", "replace")
    run.messages = _messages(bytes(reader.buffers["results"]))
    return run


def _feed(process: Child, data: bytes) -> None:
    assert process.stdin is not None
    try:
        process.stdin.write(data)
        process.stdin.close()
    except BrokenPipeError:  # the child died before reading its job: its exit status says why
        pass


class _Reader:
    """Reads the program's output and the harness's results until the child is done."""

    def __init__(
        self,
        process: Child,
        results_fd: int,
        max_output_bytes: int,
        max_result_bytes: int,
        run: HarnessRun,
    ) -> None:
        assert process.stdout is not None and process.stderr is not None
        self.process = process
        self.run = run
        self.max_output_bytes = max_output_bytes
        self.max_result_bytes = max_result_bytes
        self.buffers = {"stdout": bytearray(), "stderr": bytearray(), "results": bytearray()}
        self.selector = selectors.DefaultSelector()
        self.selector.register(process.stdout.fileno(), selectors.EVENT_READ, "stdout")
        self.selector.register(process.stderr.fileno(), selectors.EVENT_READ, "stderr")
        self.selector.register(results_fd, selectors.EVENT_READ, "results")

    def collect(self, deadline: float) -> None:
        try:
            self._read_until_closed(deadline)
        finally:
            self.selector.close()

    def _read_until_closed(self, deadline: float) -> None:
        while self.selector.get_map():
            remaining = deadline - time.perf_counter()
            if remaining <= 0:
                self.run.timed_out = True
                return self._stop()
            ready = self.selector.select(min(remaining, 0.1))
            if not ready and self.process.poll() is not None:
                # The harness exited; what it left running must not hold the pipes open.
                return self._stop()
            for key, _ in ready:
                if not self._read(key):
                    if not self._done():
                        return self._stop()
                    # The harness finished: take the output it flushed, then let it exit.
                    self._drain(keep_output=True)
                    break
            else:
                continue
            break
        if self._done() and self.process.reaped_elsewhere:
            return
        # Every pipe closed: the child is ending by itself. Its own exit status (a signal, a
        # code) is the outcome, not the kill that would follow if it were not waited for.
        self.process.wait(max(0.0, min(deadline - time.perf_counter(), _EXIT_GRACE_S)))

    def _read(self, key: selectors.SelectorKey) -> bool:
        """Take one chunk; False when the run must end (its output went past the cap)."""
        chunk = os.read(key.fd, 65536)
        if not chunk:
            self.selector.unregister(key.fd)
            return True
        if key.data == "results":
            self._keep("results", chunk, self.max_result_bytes)
            # Over its cap the trace is lost anyway; once the harness says it is done,
            # nothing the program left behind may hold the run open.
            return not self.run.results_truncated and not self._done()
        output = len(self.buffers["stdout"]) + len(self.buffers["stderr"])
        if output + len(chunk) > self.max_output_bytes:
            self.buffers[key.data].extend(chunk[: max(0, self.max_output_bytes - output)])
            self.run.output_exceeded = True
            return False
        self.buffers[key.data].extend(chunk)
        return True

    def _done(self) -> bool:
        tail = bytes(self.buffers["results"][-64:])
        return tail.rstrip().endswith(b'{"type": "done"}')

    def _keep(self, name: str, chunk: bytes, cap: int) -> None:
        buffer = self.buffers[name]
        if len(buffer) + len(chunk) > cap:
            self.run.results_truncated = True
            chunk = chunk[: max(0, cap - len(buffer))]
        buffer.extend(chunk)

    def _stop(self) -> None:
        """Kill the run, then take the results it wrote before dying (not its output, which
        may be what ended the run)."""
        self.process.kill()
        self._drain(keep_output=False)

    def _drain(self, keep_output: bool) -> None:
        for key in list(self.selector.get_map().values()):
            if key.data != "results" and not keep_output:
                continue
            os.set_blocking(key.fd, False)
            while True:
                try:
                    chunk = os.read(key.fd, 65536)
                except BlockingIOError:
                    break
                if not chunk:
                    break
                if key.data == "results":
                    self._keep("results", chunk, self.max_result_bytes)
                else:
                    output = len(self.buffers["stdout"]) + len(self.buffers["stderr"])
                    room = max(0, self.max_output_bytes - output)
                    self.buffers[key.data].extend(chunk[:room])


def _messages(data: bytes) -> list[dict[str, Any]]:
    messages = []
    for line in data.split(b"\n"):
        if not line:
            continue
        try:
            message = json.loads(line)
        except ValueError:  # a line cut by a kill or by the byte cap
            continue
        if isinstance(message, dict):
            messages.append(message)
    return messages
