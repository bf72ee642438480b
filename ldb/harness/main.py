"""The child's entry point: run a program and its test cases under the tracer.

The job arrives on standard input as one `marshal`led dict, the test already compiled by the
parent (`ldb.run.suite.compile_suite`). Results leave through a pipe of
their own (never standard output, which belongs to the program) as JSON lines:

    {"type": "event", "case": i, ...}      an event of case i (-1: the module's own code)
    {"type": "case", "index": i, ...}      case i finished: its status and block visits
    {"type": "error", "kind": ..., ...}    the program could not even be loaded
    {"type": "done"}                       the harness finished; anything else is partial

A thread sends what has been recorded every few milliseconds, so a run killed for taking
too long still leaves the trace it had recorded by then.
"""

from __future__ import annotations

import builtins
import json
import marshal
import os
import signal
import sys
import threading
import time
import traceback
from collections import deque
from typing import Any

from ..wire import CALL, CANDIDATE, FAIL, PROGRAM_FILENAME
from .project import run_project
from .recorder import Recorder
from .saferepr import SafeRepr, message_of

_FLUSH_SECONDS = 0.02


class AssertionFailure(AssertionError):
    """A failed comparison assert, with both sides already rendered."""

    def __init__(self, actual: str, expected: str, message: str | None) -> None:
        super().__init__(message or f"expected {expected}, got {actual}")
        self.actual = actual
        self.expected = expected


class EventSink:
    """Sends a case's events as they happen, up to the first third of what the parent keeps;
    past that holds only the latest ones (those that lead up to the failure), sent with a
    count of the rest when the case ends. A loop traced in full costs no memory here."""

    def __init__(self, channel: Channel, max_events: int) -> None:
        self.channel = channel
        self.case = -1
        self.head = max_events // 3
        self.sent = 0
        self.latest: deque[dict[str, Any]] = deque(maxlen=max_events - self.head)

    def put(self, event: dict[str, Any]) -> None:
        event["type"] = "event"
        event["case"] = self.case
        if self.sent < self.head:
            self.sent += 1
            self.channel.put(event)
        else:
            if len(self.latest) == self.latest.maxlen:
                self.sent += 1
            self.latest.append(event)

    def end_case(self) -> None:
        dropped = self.sent - self.head if self.sent > self.head else 0
        while self.latest:
            self.channel.put(self.latest.popleft())
        if dropped:
            self.channel.put({"type": "dropped", "case": self.case, "count": dropped})
        self.sent = 0


class _CaseTimeout(BaseException):
    """Raised into a case that used up its CPU time (not an Exception, so `except Exception`
    in the program does not swallow it)."""


class Channel:
    """The result pipe, written by the main thread and by the flusher thread."""

    def __init__(self, fd: int) -> None:
        self._fd = fd
        self._queue: deque[dict[str, Any]] = deque()
        self._lock = threading.Lock()
        self._dumps = json.dumps
        self._write = os.write
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._flush_forever, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def put(self, message: dict[str, Any]) -> None:
        self._queue.append(message)

    def flush(self) -> None:
        with self._lock:
            self._send_queued()

    def fork(self) -> int:
        """`os.fork`, with everything queued sent first and no line half-written: the child
        writes to the same pipe, and flushes for itself (the flusher thread does not live on
        in it)."""
        with self._lock:
            self._send_queued()
            return os.fork()

    def end_line(self) -> None:
        """Ends a line a killed child may have left half-written, so the next is whole."""
        with self._lock:
            self._write(self._fd, b"\n")

    def _send_queued(self) -> None:
        lines = []
        while self._queue:
            lines.append(self._dumps(self._queue.popleft(), ensure_ascii=False))
        if lines:
            data = ("\n".join(lines) + "\n").encode("utf-8", "replace")
            view = memoryview(data)
            while view:
                written = self._write(self._fd, view)
                view = view[written:]

    def close(self) -> None:
        self._stop.set()
        self.flush()

    def _flush_forever(self) -> None:
        while not self._stop.wait(_FLUSH_SECONDS):
            try:
                self.flush()
            except OSError:
                return


def main() -> None:
    job = marshal.loads(sys.stdin.buffer.read())
    channel = Channel(job["result_fd"])
    channel.start()
    exit_now = os._exit
    try:
        run(job, channel)
    except BaseException as error:  # the program broke the harness: said, never "done"
        channel.put(
            {
                "type": "error",
                "kind": "crashed",
                "message": f"the program broke the test harness ({type(error).__name__})",
            }
        )
    else:
        _flush_output()
        channel.put({"type": "done"})
    channel.close()
    # Threads the program left running must not keep the run alive.
    exit_now(0)


def run(job: dict[str, Any], channel: Channel) -> None:
    limits = job["limits"]
    sink = EventSink(channel, limits["max_events"])
    if "root" in job:  # a project's tests, run by pytest

        def backend_for(recorder: Recorder) -> Any:
            return _backend(job["tracer"], recorder, limits["exact_counts"])

        run_project(job, channel, sink, backend_for, _expire)
        return
    safe_repr = SafeRepr(max_chars=limits["max_value_chars"])

    units = {
        (PROGRAM_FILENAME, qualname, firstlineno): (qualname, [tuple(e) for e in elements])
        for qualname, firstlineno, elements in job["units"]
    }
    recorder = Recorder(
        units,
        {PROGRAM_FILENAME: None},
        sink.put,
        visits_per_block=limits["visits_per_block"],
        exact_counts=limits["exact_counts"],
        safe_repr=safe_repr,
    )
    try:
        module_code = compile(job["program"], PROGRAM_FILENAME, "exec", dont_inherit=True)
    except (SyntaxError, ValueError) as error:
        channel.put(_error("syntax_error", error))
        return
    suite = job["suite"]
    backend = _backend(job["tracer"], recorder, limits["exact_counts"])
    backend.install(module_code)
    namespace: dict[str, Any] = {"__name__": "program", "__builtins__": builtins}
    pristine = dict(vars(builtins))
    namespace[FAIL] = _failure(safe_repr, pristine)
    namespace[CALL] = _caller(recorder, backend)
    cpu_limit = float(limits["case_cpu_seconds"])
    signal.signal(signal.SIGVTALRM, _expire)

    backend.start()
    try:
        _exec(module_code, namespace, cpu_limit)
    except BaseException as error:  # the program failed while loading: report, not crash
        backend.stop()
        sink.end_case()
        channel.put(_error("program_error", error))
        return
    finally:
        backend.stop()
    sink.end_case()
    try:
        exec(suite["setup"], namespace)
    except BaseException as error:
        channel.put(_error("test_error", error))
        return
    if suite["uses_candidate"]:
        entry = job.get("entry_point")
        if entry is None or entry not in namespace:
            channel.put(
                {
                    "type": "error",
                    "kind": "no_entry_point",
                    "message": f"the program defines no function {entry!r} to test",
                }
            )
            return
        namespace[CANDIDATE] = namespace[entry]
    for index, code in enumerate(suite["cases"]):
        _restore(builtins, pristine)
        sink.case = index
        recorder.reset()
        started = time.perf_counter()
        backend.start()
        try:
            _exec(code, namespace, cpu_limit)
            outcome: dict[str, Any] = {"status": "passed"}
        except AssertionFailure as failure:
            outcome = {
                "status": "failed",
                "actual": failure.actual,
                "expected": failure.expected,
                "error": _describe(failure),
            }
        except AssertionError as failure:
            outcome = {"status": "failed", "error": _describe(failure)}
        except _CaseTimeout:
            outcome = {
                "status": "timeout",
                "error": {
                    "type": "Timeout",
                    "message": f"the case used more than {cpu_limit:g} s of CPU",
                    "line": None,
                },
            }
        except BaseException as error:
            outcome = {"status": "error", "error": _describe(error)}
        finally:
            backend.stop()
            _restore(builtins, pristine)
        sink.end_case()
        channel.put(
            {
                "type": "case",
                "index": index,
                "seconds": time.perf_counter() - started,
                "visits": recorder.visit_rows(),
                **outcome,
            }
        )
        channel.flush()


def _flush_output() -> None:
    """The program's prints still in Python's buffers, written before the harness says it is
    done (it ends with os._exit, which would drop them)."""
    for stream in (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__):
        try:
            if stream is not None:
                stream.flush()
        except Exception:  # a stream the program replaced or closed: nothing to save
            pass


def _restore(module: Any, pristine: dict[str, Any]) -> None:
    """Undo what the program did to a module the harness needs (`builtins.len = None`)."""
    names = vars(module)
    for name in [name for name in names if name not in pristine]:
        del names[name]
    names.update(pristine)


class _NoTracer:
    """For runs that only test: the program runs at full speed, recording nothing."""

    name = "off"

    def install(self, module_code: Any) -> None: ...

    def start(self) -> None: ...

    def stop(self) -> None: ...

    def before_top_call(self) -> None: ...


def _backend(name: str, recorder: Recorder, exact_counts: bool) -> Any:
    if name == "off":
        return _NoTracer()
    if name == "monitoring" or (name == "auto" and hasattr(sys, "monitoring")):
        from .sysmon import MonitoringBackend

        return MonitoringBackend(recorder, exact_counts)
    from .settrace import SettraceBackend

    return SettraceBackend(recorder, exact_counts)


def _exec(code: Any, namespace: dict[str, Any], cpu_seconds: float) -> None:
    signal.setitimer(signal.ITIMER_VIRTUAL, cpu_seconds)
    try:
        exec(code, namespace)
    finally:
        signal.setitimer(signal.ITIMER_VIRTUAL, 0)


def _expire(signum: int, frame: Any) -> None:
    raise _CaseTimeout


def _caller(recorder: Recorder, backend: Any) -> Any:
    def call(function: Any, /, *args: Any, **kwargs: Any) -> Any:
        backend.before_top_call()
        since = len(recorder.top_frames)
        try:
            value = function(*args, **kwargs)
        except BaseException as error:
            recorder.finish_top(since, error, raised=True)
            raise
        recorder.finish_top(since, value, raised=False)
        return value

    return call


def _failure(safe_repr: SafeRepr, pristine: dict[str, Any]) -> Any:
    def fail(actual: object, operator: str, expected: object, message: object) -> None:
        _restore(builtins, pristine)  # the report must not depend on what the program broke
        if operator in ("truthy", "falsy"):
            expected_text = f"a {operator} value"
        elif operator == "==":
            expected_text = safe_repr(expected)
        else:
            expected_text = f"{operator} {safe_repr(expected)}"
        raise AssertionFailure(
            safe_repr(actual), expected_text, None if message is None else str(message)
        )

    return fail


def _describe(error: BaseException) -> dict[str, Any]:
    """Type, message and the line of the test (or program) where it was raised."""
    line = None
    filename = None
    for frame, lineno in traceback.walk_tb(error.__traceback__):
        name = frame.f_code.co_filename
        if name == PROGRAM_FILENAME or name.startswith("test"):
            line, filename = lineno, name
    message = message_of(error) if not isinstance(error, AssertionFailure) else error.args[0]
    return {
        "type": type(error).__qualname__,
        "message": message[:2000],
        "line": line,
        "file": filename,
    }


def _error(kind: str, error: BaseException) -> dict[str, Any]:
    if isinstance(error, SyntaxError):
        return {
            "type": "error",
            "kind": kind,
            "message": error.msg,
            "line": error.lineno,
            "column": error.offset,
        }
    details = _describe(error)
    return {
        "type": "error",
        "kind": kind,
        "message": f"{details['type']}: {details['message']}",
        "line": details["line"],
        "error": details,
    }


if __name__ == "__main__":
    main()
