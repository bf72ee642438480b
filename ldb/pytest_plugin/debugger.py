"""The active `pytest --ldb` plugin: it keeps the run's failed tests and, in pytest's terminal
summary, debugs the first of them in project mode, a section each, then writes what was asked
(`--ldb-json`, `--ldb-html`). Nothing it does changes the run's exit status."""

from __future__ import annotations

import json
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

import ldb
from ldb.errors import LdbError
from ldb.models import ProjectDebugResult, Usage
from ldb.present import pytest_section, sources
from ldb.settings import DebugOptions

_PASSED_ON = ("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "PYTEST_PLUGINS", "PYTEST_ADDOPTS")
"""Variables of pytest's own environment that ldb's runs of the tests (whose environment
starts empty) take on: they say how pytest runs, as the user ran it."""

_STAGES = {
    "tests": "running the tests",
    "trace": "tracing the failing test",
    "verdicts": "searching for a repair",
    "repair": "testing the repair",
}


@dataclass(frozen=True)
class _Run:
    """What every test's debugging in one pytest run shares, read from the options once."""

    options: DebugOptions
    env: dict[str, str]
    pytest_args: list[str]


class Debugger:
    """The run's failed tests, in the order they failed, and their debugging after the run."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.failed: list[str] = []
        self.interrupted = False

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        # A strict xfail that passed is reported failed: there is no failure to debug.
        if report.failed and not hasattr(report, "wasxfail") and report.nodeid not in self.failed:
            self.failed.append(report.nodeid)

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        # A test file that does not collect: project mode tells whether the code under test
        # fails on import (and repairs it) or the test file itself is broken.
        if report.failed and report.nodeid and report.nodeid not in self.failed:
            self.failed.append(report.nodeid)

    def pytest_keyboard_interrupt(self, excinfo: pytest.ExceptionInfo[BaseException]) -> None:
        # Not for pytest's own stop after collection errors (a KeyboardInterrupt to it).
        self.interrupted = not excinfo.errisinstance(pytest.Session.Interrupted)

    def pytest_terminal_summary(self, terminalreporter: pytest.TerminalReporter) -> None:
        if not self.failed:
            return
        writer = _Writer(terminalreporter, self.config.get_verbosity())
        writer.separator("=", "ldb")
        if self.interrupted:
            writer.line("the run was interrupted (Ctrl-C): ldb debugged nothing")
            return
        try:
            self._summary(writer)
        except LdbError as error:  # an option's value: the same for every test
            writer.done()
            writer.line(f"ldb: {error}", ("red",))
        except Exception as error:  # a bug of ldb's: shown here, never pytest's to meet
            writer.done()
            writer.line(f"ldb failed ({type(error).__name__}: {error}): a bug in ldb", ("red",))

    def _summary(self, writer: _Writer) -> None:
        chosen = self.failed[: self.config.getoption("ldb_max")]
        results = self._debug_each(chosen, writer)
        left = len(self.failed) - len(chosen)
        if left:
            writer.line(f"{left} more failed test{'s' * (left != 1)} not debugged (--ldb-max)")
        writer.outputs(self._write(results, chosen))
        writer.separator("=", _tally(results, len(chosen)))

    def _debug_each(
        self, chosen: list[str], writer: _Writer
    ) -> dict[str, ProjectDebugResult | str]:
        """Each test's result, or the one line of why ldb could not debug it."""
        run = _Run(self._options(), self._environment(), self._pytest_args())
        results: dict[str, ProjectDebugResult | str] = {}
        patches: dict[str, str] = {}
        for position, node_id in enumerate(chosen, 1):
            writer.separator("_", f"ldb: {node_id}")
            texts = sources.JudgedTexts(self.config.rootpath)
            try:
                result = self._debug(node_id, run, texts, writer, (position, len(chosen)))
            except KeyboardInterrupt:
                writer.done()
                writer.line("interrupted: ldb stopped debugging", ("red",))
                break
            except LdbError as error:
                writer.done()
                results[node_id] = f"{type(error).__name__}: {error}"
                writer.line(f"ldb could not debug this test: {error}", ("red",))
                continue
            except Exception as error:  # a bug of ldb's: shown here, never pytest's to meet
                writer.done()
                results[node_id] = f"{type(error).__name__}: {error}"
                writer.line(f"ldb failed ({type(error).__name__}: {error}): a bug in ldb", ("red",))
                continue
            writer.done()
            results[node_id] = result
            writer.lines(self._shown(result, texts, patches, writer.detail))
            if result.patch and result.status in ("fixed", "plausible"):
                patches.setdefault(result.patch, node_id)
        return results

    def _debug(
        self,
        node_id: str,
        run: _Run,
        texts: sources.JudgedTexts,
        writer: _Writer,
        position: tuple[int, int],
    ) -> ProjectDebugResult:
        def progress(stage: str, details: dict[str, Any]) -> None:
            texts.keep(stage, details)
            words = _STAGES.get(stage)
            if words is not None:
                round_number = int(details.get("iteration", 0)) + 1
                writer.status(f"ldb {position[0]}/{position[1]}: round {round_number}, {words}")

        writer.status(f"ldb {position[0]}/{position[1]}: running the tests")
        return ldb.debug_project(
            self.config.rootpath,
            [node_id],
            options=run.options,
            python=sys.executable,
            pytest_args=run.pytest_args,
            env=run.env,
            apply=bool(self.config.getoption("ldb_apply")),
            progress=progress,
        )

    def _shown(
        self,
        result: ProjectDebugResult,
        texts: sources.JudgedTexts,
        patches: dict[str, str],
        detail: int,
    ) -> list[pytest_section.Line]:
        """The section, a repair already shown for another test named instead of repeated,
        and what `--ldb-apply` did not write."""
        lines = pytest_section.section(
            result,
            texts,
            detail,
            same_as=patches.get(result.patch) if result.patch else None,
        )
        if not self.config.getoption("ldb_apply") or not result.files or result.applied:
            return lines
        if result.status == "plausible":
            words = "--ldb-apply did not write it: a check doubts it (`git apply` it to take it)"
            lines.append([(words, ("yellow",))])
        elif result.status == "fixed" and result.notes:
            lines.append([(f"--ldb-apply did not write it: {result.notes[-1]}", ("red",))])
        return lines

    def _options(self) -> DebugOptions:
        given = {
            "model": self.config.getoption("ldb_model"),
            "base_url": self.config.getoption("ldb_base_url"),
            "max_iterations": self.config.getoption("ldb_iterations"),
        }
        return DebugOptions(**{name: value for name, value in given.items() if value is not None})

    def _environment(self) -> dict[str, str]:
        environment = {name: os.environ[name] for name in _PASSED_ON if name in os.environ}
        for pair in self.config.getoption("ldb_env"):
            name, equals, value = pair.partition("=")
            if not equals or not name:
                raise ldb.InputError(f"--ldb-env wants KEY=VALUE, not {pair!r}")
            environment[name] = value
        return environment

    def _pytest_args(self) -> list[str]:
        """The options of this run that say how pytest runs the tests (not which): its
        plugins, configuration file, overrides and import mode, for ldb's runs."""
        option = self.config.option
        # ldb's own plugin too (it stays inactive there): a configuration's `--ldb` needs it.
        arguments = [f"-p{plugin}" for plugin in option.plugins]
        if option.inifilename:
            arguments.append(f"--config-file={Path(option.inifilename).resolve()}")
        arguments += [f"--override-ini={override}" for override in option.override_ini or ()]
        if option.importmode != "prepend":
            arguments.append(f"--import-mode={option.importmode}")
        return arguments

    def _as_result(self, node_id: str, outcome: ProjectDebugResult | str) -> ProjectDebugResult:
        """A test ldb could not debug as a result of status `error`, so that the JSON holds
        every test debugged in one shape."""
        if isinstance(outcome, ProjectDebugResult):
            return outcome
        options = self._options()
        return ProjectDebugResult(
            status="error",
            message=outcome,
            root=str(self.config.rootpath),
            targets=[node_id],
            tests=[],
            patch="",
            files={},
            applied=False,
            model=options.model or ldb.default_model(),
            feedback=options.feedback,
            level=options.level,
            seed=options.seed,
            iterations=[],
            usage=Usage(),
            sandbox=ldb.sandbox_status().mode,
            python=".".join(str(part) for part in sys.version_info[:3]),
            seconds=0.0,
        )

    def _write(self, results: dict[str, ProjectDebugResult | str], chosen: list[str]) -> list[str]:
        """`--ldb-json` and `--ldb-html`, written; what was written, or why not, a line each."""
        written = []
        target = self.config.getoption("ldb_json")
        if target is not None:
            documents = [
                json.loads(self._as_result(node_id, results[node_id]).model_dump_json())
                for node_id in chosen
                if node_id in results
            ]
            written.append(_saved(Path(target), json.dumps(documents, indent=2) + "\n"))
        folder = self.config.getoption("ldb_html")
        if folder is not None:
            from ldb.present import viewer

            Path(folder).mkdir(parents=True, exist_ok=True)
            for position, node_id in enumerate(chosen, 1):
                result = results.get(node_id)
                if not isinstance(result, ProjectDebugResult):
                    continue
                views = viewer.project_debug_views(self.config.rootpath, result)
                summary = viewer.summary(f"pytest --ldb: {node_id}", result)
                page = viewer.page(views, summary, {"tests": [node_id]})
                path = Path(folder) / f"{position}-{_slug(node_id)}.html"
                written.append(_saved(path, page))
        return written


class _Writer:
    """pytest's terminal, as the sections use it: lines of marked-up segments, and a status
    line rewritten in place while ldb works (on a terminal, not under `-q`)."""

    def __init__(self, reporter: pytest.TerminalReporter, verbosity: int) -> None:
        self.reporter = reporter
        self.detail = max(pytest_section.QUIET, min(verbosity, pytest_section.VERBOSE))
        self.live = reporter.isatty and verbosity >= 0
        self.showing = False

    def separator(self, character: str, title: str) -> None:
        self.reporter.write_sep(character, title)

    def line(self, text: str, markup: pytest_section.Markup = ()) -> None:
        self.reporter.write_line(text, **dict.fromkeys(markup, True))

    def lines(self, lines: list[pytest_section.Line]) -> None:
        for line in lines:
            for text, markup in line:
                self.reporter.write(text, **dict.fromkeys(markup, True))
            self.reporter.line("")

    def outputs(self, written: list[str]) -> None:
        for words in written:
            self.line(words)

    def status(self, words: str) -> None:
        if self.live:
            self.reporter.rewrite(words, erase=True)
            self.showing = True

    def done(self) -> None:
        if self.showing:
            self.reporter.rewrite("", erase=True)
            self.showing = False


def _tally(results: dict[str, ProjectDebugResult | str], debugged: int) -> str:
    """`ldb: 1 fixed, 1 no repair found in 4.2 s`."""
    counts: dict[str, int] = {}
    for outcome in results.values():
        status = outcome.status if isinstance(outcome, ProjectDebugResult) else "not debugged"
        counts[status] = counts.get(status, 0) + 1
    seconds = sum(r.seconds for r in results.values() if isinstance(r, ProjectDebugResult))
    words = ", ".join(f"{count} {_STATUS_WORDS.get(s, s)}" for s, count in counts.items())
    if len(results) < debugged:
        words += f", {debugged - len(results)} interrupted"
    return f"ldb: {words or 'nothing debugged'} in {seconds:.1f} s"


_STATUS_WORDS = {"unfixed": "no repair found", "passed": "passing under ldb"}


def _slug(node_id: str) -> str:
    """A file name from a node id: `tests/test_a.py::test_b[1-x]` → `tests-test_a.py-test_b-1-x`."""
    return re.sub(r"[^\w.]+", "-", node_id).strip("-")[:120]


def _saved(path: Path, text: str) -> str:
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as error:
        return f"ldb could not write {path}: {error.strerror}"
    return f"ldb wrote {path}"
