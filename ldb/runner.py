"""Runs the harness in a child process: wall-clock timeout, byte caps, a pipe for results.

The child is started with `python -I` (no environment variables, no user site, no script
directory on the path) in a session of its own, so a timeout kills its whole process group.
It loads the harness package under a private name, without importing the rest of ldb.
"""

from __future__ import annotations

import contextlib
import json
import os
import selectors
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HARNESS_DIR = Path(__file__).resolve().parent / "harness"

_BOOTSTRAP = """\
import importlib.util, sys
folder = sys.argv[1]
spec = importlib.util.spec_from_file_location(
    "_ldb_harness", folder + "/__init__.py", submodule_search_locations=[folder])
package = importlib.util.module_from_spec(spec)
sys.modules["_ldb_harness"] = package
spec.loader.exec_module(package)
from _ldb_harness.main import main
main()
"""


@dataclass
class HarnessRun:
    """What came back from one child process."""

    messages: list[dict[str, Any]] = field(default_factory=list)
    stdout: str = ""
    stderr: str = ""
    returncode: int | None = None
    timed_out: bool = False
    output_truncated: bool = False
    results_truncated: bool = False
    seconds: float = 0.0

    @property
    def finished(self) -> bool:
        """Whether the harness itself reported that it finished."""
        return bool(self.messages) and self.messages[-1].get("type") == "done"


def run_harness(
    job: dict[str, Any],
    *,
    timeout_s: float,
    max_output_bytes: int,
    max_result_bytes: int,
    python: str | None = None,
) -> HarnessRun:
    """Run one job in a fresh child process and collect everything it reported."""
    read_end, write_end = os.pipe()
    job = {**job, "result_fd": write_end}
    started = time.perf_counter()
    try:
        process = subprocess.Popen(
            [python or sys.executable, "-I", "-c", _BOOTSTRAP, str(HARNESS_DIR)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            pass_fds=(write_end,),
            start_new_session=True,
            cwd="/",
            env={},
        )
    finally:
        os.close(write_end)
    run = HarnessRun()
    try:
        _feed(process, json.dumps(job).encode())
        streams = _collect(
            process, read_end, started + timeout_s, max_output_bytes, max_result_bytes, run
        )
    finally:
        _kill_group(process)
        os.close(read_end)
        for stream in (process.stdout, process.stderr):
            if stream is not None:
                stream.close()
    run.returncode = process.wait()
    run.seconds = time.perf_counter() - started
    run.stdout = streams["stdout"].decode("utf-8", "replace")
    run.stderr = streams["stderr"].decode("utf-8", "replace")
    run.messages = _messages(streams["results"])
    return run


def _feed(process: subprocess.Popen[bytes], data: bytes) -> None:
    assert process.stdin is not None
    try:
        process.stdin.write(data)
        process.stdin.close()
    except BrokenPipeError:  # the child died before reading its job: its exit status says why
        pass


def _collect(
    process: subprocess.Popen[bytes],
    results_fd: int,
    deadline: float,
    max_output_bytes: int,
    max_result_bytes: int,
    run: HarnessRun,
) -> dict[str, bytes]:
    assert process.stdout is not None and process.stderr is not None
    buffers = {"stdout": bytearray(), "stderr": bytearray(), "results": bytearray()}
    selector = selectors.DefaultSelector()
    selector.register(process.stdout.fileno(), selectors.EVENT_READ, "stdout")
    selector.register(process.stderr.fileno(), selectors.EVENT_READ, "stderr")
    selector.register(results_fd, selectors.EVENT_READ, "results")
    open_streams = 3
    try:
        while open_streams:
            remaining = deadline - time.perf_counter()
            if remaining <= 0:
                run.timed_out = True
                _kill_group(process)
                _drain(selector, buffers, max_result_bytes)
                break
            ready = selector.select(min(remaining, 0.1))
            if not ready and process.poll() is not None:
                # The harness exited; whatever it left running must not hold the pipes open.
                _kill_group(process)
                _drain(selector, buffers, max_result_bytes)
                break
            for key, _ in ready:
                name = key.data
                chunk = os.read(key.fd, 65536)
                if not chunk:
                    selector.unregister(key.fd)
                    open_streams -= 1
                    continue
                buffer = buffers[name]
                if name == "results":
                    if len(buffer) + len(chunk) > max_result_bytes:
                        run.results_truncated = True
                        chunk = chunk[: max(0, max_result_bytes - len(buffer))]
                elif (
                    len(buffers["stdout"]) + len(buffers["stderr"]) + len(chunk) > max_output_bytes
                ):
                    run.output_truncated = True
                    room = max_output_bytes - len(buffers["stdout"]) - len(buffers["stderr"])
                    chunk = chunk[: max(0, room)]
                buffer.extend(chunk)
    finally:
        selector.close()
    return {name: bytes(buffer) for name, buffer in buffers.items()}


def _drain(
    selector: selectors.BaseSelector, buffers: dict[str, bytearray], max_result_bytes: int
) -> None:
    """After a kill, take what the pipes still hold (the child wrote it before dying)."""
    for key in list(selector.get_map().values()):
        os.set_blocking(key.fd, False)
        while True:
            try:
                chunk = os.read(key.fd, 65536)
            except BlockingIOError:
                break
            if not chunk:
                break
            buffer = buffers[key.data]
            if key.data != "results" or len(buffer) < max_result_bytes:
                buffer.extend(chunk)


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)


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
