"""The child's side of a project run: pytest, run as `python -m pytest` from the project's root
would run it, under the tracer, each test a case.

The job (from the parent) names the root, the node ids to run, pytest's extra arguments and
the project's units: `[filename, file, qualname, first line, elements]` for every function of
the project's own files. The tracer follows only those; a test's own functions are the
callers. Results go out as the single-program harness sends them: events, then a `case`
message for each test in the order pytest ran them (with its `node_id`), or an `error`;
first of all, `collected`: the node ids pytest is about to run.
"""

from __future__ import annotations

import importlib.util
import os
import re
import signal
import sys
import time
from collections.abc import Callable, Iterator
from typing import Any

from .recorder import Recorder
from .saferepr import SafeRepr

# A test's case ends with one of these (pytest's words for a report's outcome, by phase).
_FAILED_SETUP = "error"


def run_project(
    job: dict[str, Any], channel: Any, sink: Any, backend_for: Any, expire: Any
) -> None:
    """Run the job's tests; `sink` takes events, `backend_for(recorder)` makes the tracer,
    `expire` is the handler of a case's CPU alarm (it raises the harness's timeout)."""
    limits = job["limits"]
    root = job["root"]
    os.chdir(root)
    sys.path.insert(0, root)  # as `python -m pytest` from the root puts it first
    files = {filename: label for filename, label, _, _, _ in job["units"]}
    units = {
        (filename, qualname, line): (qualname, [tuple(element) for element in elements])
        for filename, _, qualname, line, elements in job["units"]
    }
    recorder = Recorder(
        units,
        files,
        sink.put,
        visits_per_block=limits["visits_per_block"],
        exact_counts=limits["exact_counts"],
        safe_repr=SafeRepr(max_chars=limits["max_value_chars"]),
    )
    backend = backend_for(recorder)
    backend.install(None)
    try:
        import pytest
    except ImportError:
        channel.put(
            {
                "type": "error",
                "kind": "collection_error",
                "message": f"pytest cannot be imported by {sys.executable}",
            }
        )
        return
    signal.signal(signal.SIGVTALRM, expire)
    plugin = _plugin(pytest, recorder, backend, sink, channel, float(limits["case_cpu_seconds"]))
    arguments = [*job["pytest_args"], *_in_one_process(channel), *job["node_ids"]]
    exit_code = int(pytest.main(arguments, plugins=[plugin]))
    channel.put({"type": "pytest", "exit_code": exit_code, "collected": plugin.collected})


def _in_one_process(channel: Any) -> list[str]:
    """Options that keep the tests under this tracer, whatever the project's configuration asks
    (they come after its `addopts`, so they win), each said in a note."""
    autoloads = not os.environ.get("PYTEST_DISABLE_PLUGIN_AUTOLOAD")
    if autoloads and importlib.util.find_spec("pytest_cov") is not None:
        # Its trace function would take the tracer's place; `--no-cov` keeps its options valid.
        note = "pytest-cov was switched off: it installs a trace function of its own"
        channel.put({"type": "note", "message": note})
        return ["--no-cov"]
    return []


def _plugin(
    pytest: Any, recorder: Recorder, backend: Any, sink: Any, channel: Any, cpu_seconds: float
) -> Any:
    """The pytest plugin that traces each test's call and reports each test as a case."""
    around: Callable[[Callable[..., Iterator[None]]], Callable[..., Iterator[None]]]
    around = pytest.hookimpl(hookwrapper=True)

    class Plugin:
        def __init__(self) -> None:
            self.collected: list[str] = []
            self.relative: Callable[[str], str] = lambda nodeid: nodeid
            self.index = -1
            self.outcome: dict[str, Any] = {}
            self.started = 0.0

        def pytest_collection_finish(self, session: Any) -> None:
            # Sent at once: a run stopped by its time limit still tells which test was running.
            # Named from the root, as the user named them, wherever pytest's rootdir is.
            rootpath = str(session.config.rootpath)
            self.relative = lambda nodeid: _from_here(rootpath, nodeid)
            self.collected = [self.relative(item.nodeid) for item in session.items]
            channel.put({"type": "collected", "node_ids": self.collected})
            channel.flush()

        def pytest_collectreport(self, report: Any) -> None:
            if report.failed:
                channel.put(_collection_error(report))

        def pytest_runtest_logstart(self, nodeid: str, location: Any) -> None:
            self.index += 1
            self.outcome = {"status": "passed"}
            self.started = time.perf_counter()
            recorder.reset()  # a test that never reaches its call counts no visit of another's

        @around
        def pytest_runtest_call(self, item: Any) -> Iterator[None]:
            sink.case = self.index
            recorder.reset()
            backend.before_top_call()
            signal.setitimer(signal.ITIMER_VIRTUAL, cpu_seconds)
            backend.start()
            try:
                yield
            finally:
                backend.stop()
                signal.setitimer(signal.ITIMER_VIRTUAL, 0)
                sink.end_case()

        def pytest_runtest_logreport(self, report: Any) -> None:
            if report.passed or self.outcome["status"] != "passed":
                return
            if report.skipped:
                self.outcome = {"status": "skipped"}
                return
            status = "failed" if report.when == "call" else _FAILED_SETUP
            if "_CaseTimeout" in _words(report):
                status = "timeout"
            self.outcome = {"status": status, "error": _error(report)}

        def pytest_runtest_logfinish(self, nodeid: str, location: Any) -> None:
            channel.put(
                {
                    "type": "case",
                    "index": self.index,
                    "node_id": self.relative(nodeid),
                    "seconds": time.perf_counter() - self.started,
                    "visits": recorder.visit_rows(),
                    **self.outcome,
                }
            )
            channel.flush()

    return Plugin()


# Where a traceback pytest formatted passes: `File "path", line N` (a syntax error) or
# `path:N: in name`.
_PLACES = re.compile(r'File "(?P<a>[^"]+)", line (?P<b>\d+)|^(?P<c>\S+\.py):(?P<d>\d+): in ', re.M)


def _collection_error(report: Any) -> dict[str, Any]:
    """A test file that pytest could not collect: what was raised, and the innermost place in
    the project it came from (the code under test, when importing it failed)."""
    words = str(report.longrepr)
    lines = [line.strip() for line in words.splitlines() if line.strip()]
    raised = next(
        (line.removeprefix("E").strip() for line in reversed(lines) if line.startswith("E ")),
        lines[-1] if lines else "it does not collect",
    )
    place: tuple[str, int] | None = None
    for found in _PLACES.finditer(words):
        path = os.path.relpath(found["a"] or found["c"])
        if not path.startswith(".."):
            place = (path, int(found["b"] or found["d"]))
    message = f"{report.nodeid}: {raised}"
    if place is not None:
        message = f"{place[0]}:{place[1]}: {raised} (importing {report.nodeid})"
    return {
        "type": "error",
        "kind": "collection_error",
        "message": message,
        "file": place[0] if place else None,
    }


def _from_here(rootpath: str, nodeid: str) -> str:
    """A node id as the user names it, from the project's root (the working directory):
    pytest names it from its rootdir, which a `tests/pytest.ini` puts elsewhere."""
    path, separator, rest = nodeid.partition("::")
    relative = os.path.relpath(os.path.join(rootpath, path)).replace(os.sep, "/")
    return relative + separator + rest if path else nodeid


def _words(report: Any) -> str:
    crash = getattr(report.longrepr, "reprcrash", None)
    if crash is not None:
        return str(crash.message)
    return str(report.longrepr)


def _error(report: Any) -> dict[str, Any]:
    message = _words(report)
    # pytest says `Type: message`, or only the assert (`assert 14 == 10`) for a failed one.
    kind, colon, rest = message.partition(": ")
    if not colon and message.isidentifier() and message[:1].isupper():
        kind, rest = message, ""  # an exception with no message: `MemoryError`
    elif not (colon and kind.replace(".", "").isidentifier()):
        kind, rest = "AssertionError", message
    path, line = _where(report)
    return {"type": kind, "message": rest[:2000], "line": line, "file": path}


def _where(report: Any) -> tuple[str | None, int | None]:
    """The innermost place in the project's own files (a test's assert, a line of its code)
    the failure passed through: not unittest's or pytest's internals."""
    entries = getattr(getattr(report.longrepr, "reprtraceback", None), "reprentries", [])
    for entry in reversed(entries):
        location = getattr(entry, "reprfileloc", None)
        if location is None:
            continue
        path = os.path.relpath(location.path)
        if not path.startswith(".."):
            return path, int(location.lineno)
    crash = getattr(report.longrepr, "reprcrash", None)
    if crash is None:
        return None, None
    return os.path.relpath(crash.path), int(crash.lineno)
