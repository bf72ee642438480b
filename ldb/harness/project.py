"""The child's side of a project run: pytest, run as `python -m pytest` from the project's root
would run it, under the tracer, each test a case.

The job (from the parent) names the root, the node ids to run, pytest's extra arguments and
the project's units: `[filename, file, qualname, first line, elements]` for every function of
the project's own files. The tracer follows only those; a test's own functions are the
callers. Results go out as the single-program harness sends them: events, then a `case`
message for each test in the order pytest ran them (with its `node_id`), or an `error`;
first of all, `collected`: the node ids pytest is about to run.

A job with `candidates` (each some files' new texts) checks candidate repairs instead: pytest
starts and collects once, then each candidate runs the tests in a child forked from that warm
session, its changed functions swapped in (`hotswap`). Its cases carry `candidate: k`, and a
`candidate_end` message says how the child ended (`done`, `timeout`, `crashed`, or `cold`: the
change cannot be swapped, and the parent checks it in a run of its own).
"""

from __future__ import annotations

import ast
import contextlib
import importlib.util
import linecache
import os
import re
import select
import signal
import sys
import time
from collections.abc import Callable, Iterator
from typing import Any

from . import hotswap
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
    safe_repr = SafeRepr(max_chars=limits["max_value_chars"])
    recorder = Recorder(
        units,
        files,
        sink.put,
        visits_per_block=limits["visits_per_block"],
        exact_counts=limits["exact_counts"],
        safe_repr=safe_repr,
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
    # ldb's plugin, where the project's interpreter has ldb installed, is loaded by its entry
    # point's name from the copy the sandbox shows: the installed one may lie where the run
    # cannot see (an editable install's source). It stays inactive beside the harness's.
    from .. import pytest_plugin

    sys.modules["ldb.pytest_plugin"] = pytest_plugin
    signal.signal(signal.SIGVTALRM, expire)
    cpu_seconds = float(limits["case_cpu_seconds"])
    plugin = _plugin(pytest, recorder, backend, sink, channel, cpu_seconds, safe_repr)
    if "candidates" in job:
        plugin = _checker(pytest, plugin, channel, job)
    plugin.__name__ = pytest_plugin.HARNESS_PLUGIN  # the name pytest registers it by
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
    pytest: Any,
    recorder: Recorder,
    backend: Any,
    sink: Any,
    channel: Any,
    cpu_seconds: float,
    safe_repr: SafeRepr,
) -> Any:
    """The pytest plugin that traces each test's call and reports each test as a case."""
    around: Callable[[Callable[..., Iterator[None]]], Callable[..., Iterator[None]]]
    around = pytest.hookimpl(hookwrapper=True)
    first: Callable[[Callable[..., None]], Callable[..., None]] = pytest.hookimpl(tryfirst=True)

    class Plugin:
        def __init__(self) -> None:
            self.collected: list[str] = []
            self.relative: Callable[[str], str] = lambda nodeid: nodeid
            self.index = -1
            self.candidate: int | None = None
            self.outcome: dict[str, Any] = {}
            self.started = 0.0
            self.compared: _Compared | None = None

        @first
        def pytest_configure(self, config: Any) -> None:
            # Before pytest-xdist starts its workers (its own configure comes last): tests run
            # in them would never meet the tracer.
            if config.pluginmanager.hasplugin("xdist") and config.option.dist != "no":
                config.option.dist, config.option.numprocesses = "no", None
                note = "pytest-xdist's workers were not started: the tests ran in one process"
                channel.put({"type": "note", "message": note})

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
            self.compared = None
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
            error = _error(report)
            self.outcome = {"status": status, "error": error}
            compared = self.compared
            if compared is not None and status == "failed" and compared.explains(error):
                self.outcome |= compared.sides()

        def pytest_assertrepr_compare(self, op: str, left: object, right: object) -> None:
            # Called by a rewritten assert whose comparison failed: when the test fails on that
            # assert, its sides are the case's actual and expected. None: pytest's own
            # explanation is still the one shown.
            self.compared = _compared(op, safe_repr(left), safe_repr(right))

        def pytest_runtest_logfinish(self, nodeid: str, location: Any) -> None:
            channel.put(
                {
                    "type": "case",
                    "index": self.index,
                    "node_id": self.relative(nodeid),
                    "seconds": time.perf_counter() - self.started,
                    "visits": recorder.visit_rows(),
                    **({} if self.candidate is None else {"candidate": self.candidate}),
                    **self.outcome,
                }
            )
            channel.flush()

    return Plugin()


def _checker(pytest: Any, plugin: Any, channel: Any, job: dict[str, Any]) -> Any:
    """The plugin, made to check each candidate in a child of the collected session instead
    of running the tests once.

    A candidate is only worth its tests if it makes one of the `first` (the tests failing
    now) pass and keeps every one of the `keep` (passing now) passing: the `first` run
    first, and the child stops as soon as the candidate is sure to be refused (no test given
    in `first` passed, or one in `keep` failed). Without them every test runs."""
    candidates: list[dict[str, Any]] = job["candidates"]
    seconds = float(job["candidate_seconds"])
    wanted, kept = set(job.get("first") or ()), set(job.get("keep") or ())

    first: Callable[[Callable[..., bool | None]], Callable[..., bool | None]]
    first = pytest.hookimpl(tryfirst=True)

    class Checker(type(plugin)):  # type: ignore[misc]
        @first
        def pytest_runtestloop(self, session: Any) -> bool | None:
            if session.testsfailed and not session.config.option.continue_on_collection_errors:
                return None  # pytest's own loop reports the collection errors
            # Candidates' files are written over one another within a second: a cached
            # bytecode file, told valid by the file's size and second, could be another's.
            sys.dont_write_bytecode = True
            swapper = hotswap.Swapper(os.getcwd())
            for index, candidate in enumerate(candidates):
                self._check(session, swapper, index, candidate["files"])
            return True

        def _check(
            self, session: Any, swapper: hotswap.Swapper, index: int, files: dict[str, str]
        ) -> None:
            root = swapper.root
            saved = {relative: _read(os.path.join(root, relative)) for relative in files}
            for relative, text in saved.items():
                swapper.learn(relative, text)
            for relative, text in files.items():
                _write(os.path.join(root, relative), text)
            pid = channel.fork()
            if pid == 0:
                self._child(session, swapper, index, files, saved)
            ended = _wait(pid, seconds)
            if ended != "done":
                channel.end_line()
            for relative, text in saved.items():
                _write(os.path.join(root, relative), text)
            channel.put({"type": "candidate_end", "index": index, "status": ended})
            channel.flush()

        def _child(
            self,
            session: Any,
            swapper: hotswap.Swapper,
            index: int,
            files: dict[str, str],
            saved: dict[str, str],
        ) -> None:
            code = 0
            try:
                os.setpgid(0, 0)  # what the tests start ends with the child
                if not swapper.swap(files, saved):
                    code = _COLD
                    return
                self.candidate, self.index = index, -1
                named = [(self.relative(item.nodeid), item) for item in session.items]
                firsts = [item for name, item in named if name in wanted]
                items = firsts + [item for name, item in named if name not in wanted]
                gained = not firsts
                for position, item in enumerate(items):
                    following = items[position + 1] if position + 1 < len(items) else None
                    item.config.hook.pytest_runtest_protocol(item=item, nextitem=following)
                    name, passed = self.relative(item.nodeid), self.outcome["status"] == "passed"
                    gained = gained or (name in wanted and passed)
                    ends_first = position + 1 >= len(firsts)
                    if (ends_first and not gained) or (name in kept and not passed):
                        break
                    if session.shouldfail or session.shouldstop:
                        break
            except BaseException:
                code = 1
            finally:
                try:
                    channel.flush()
                finally:
                    os._exit(code)

    checker = Checker()
    return checker


_COLD = 3
"""A child's exit code for a change it could not swap in."""


def _wait(pid: int, seconds: float) -> str:
    """How a candidate's child ended; past `seconds` it is killed with what it started."""
    deadline = time.monotonic() + seconds
    try:
        ended: int | None = os.pidfd_open(pid)
    except (AttributeError, OSError):
        ended = None  # a kernel without pidfds: polled instead
    delay = 0.0005
    try:
        while True:
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                code = os.waitstatus_to_exitcode(status)
                return "done" if code == 0 else "cold" if code == _COLD else "crashed"
            left = deadline - time.monotonic()
            if left <= 0:
                for kill in (os.killpg, os.kill):
                    with contextlib.suppress(OSError):
                        kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                return "timeout"
            if ended is not None:
                select.select([ended], [], [], left)
            else:
                time.sleep(min(delay, left))
                delay = min(delay * 2, 0.01)
    finally:
        if ended is not None:
            os.close(ended)


def _read(path: str) -> str:
    with open(path, encoding="utf-8", newline="") as source:
        return source.read()


def _write(path: str, text: str) -> None:
    """The file rewritten, and its cached bytecode gone: the cache tells a file by its size
    and the second it was written, which two candidates may share."""
    with open(path, "w", encoding="utf-8", newline="") as out:
        out.write(text)
    with contextlib.suppress(OSError, ValueError, NotImplementedError):
        os.unlink(importlib.util.cache_from_source(path))


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


class _Compared:
    """A failed comparison of an assert: where it is, and its sides as the test wrote them."""

    def __init__(
        self, place: tuple[str, int] | None, op: str, left: str, right: str, swapped: bool
    ) -> None:
        self.place, self.op, self.left, self.right, self.swapped = place, op, left, right, swapped

    def explains(self, error: dict[str, Any]) -> bool:
        """The test failed on this assert (pytest says `assert left op right`)."""
        failed_assert = error["type"] == "AssertionError"
        failed_assert = failed_assert and str(error["message"]).startswith("assert ")
        return failed_assert and self.place == (error["file"], error["line"])

    def sides(self) -> dict[str, str]:
        """`actual` and `expected` (with its operator unless `==`, as the actual's side
        reads it: `assert 2 < f()` expects `> 2`)."""
        actual, expected, op = self.left, self.right, self.op
        if self.swapped:
            actual, expected, op = self.right, self.left, _MIRRORED[op]
        return {"actual": actual, "expected": expected if op == "==" else f"{op} {expected}"}


_MIRRORED = {"==": "==", "!=": "!=", "<": ">", ">": "<", "<=": ">=", ">=": "<="}
"""An operator with its sides exchanged (`in`, `is` and the like have no mirror)."""


def _compared(op: str, left: str, right: str) -> _Compared:
    """The comparison pytest is explaining, placed by the caller of its rewritten assert's
    `_call_reprcompare` (file relative, as `_where` names it). Its sides are exchanged when
    the test wrote the expected value on the left: `assert 10 == total(...)`, the right side
    calling a function and the left not."""
    frame = sys._getframe(1)
    while frame.f_back is not None and frame.f_code.co_name != "_call_reprcompare":
        frame = frame.f_back
    caller = frame.f_back
    if caller is None or frame.f_code.co_name != "_call_reprcompare":
        return _Compared(None, op, left, right, swapped=False)
    filename, line = caller.f_code.co_filename, caller.f_lineno
    swapped = op in _MIRRORED and _calls_on_the_right_only(filename, line)
    return _Compared((os.path.relpath(filename), line), op, left, right, swapped)


def _calls_on_the_right_only(filename: str, line: int) -> bool:
    """The assert at `line` compares once, with a call on its right side and none on its
    left."""
    try:
        tree = ast.parse("".join(linecache.getlines(filename)))
    except (SyntaxError, ValueError):
        return False
    for node in ast.walk(tree):
        if isinstance(node, ast.Assert) and node.lineno == line:
            test = node.test
            if not isinstance(test, ast.Compare) or len(test.comparators) != 1:
                return False
            left, right = test.left, test.comparators[0]
            return _calls(right) and not _calls(left)
    return False


def _calls(node: ast.AST) -> bool:
    return any(isinstance(inner, ast.Call) for inner in ast.walk(node))


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
