"""`pytest --ldb`: ldb's pytest plugin, registered through the `pytest11` entry point.

Inactive (no `--ldb`, no `ldb = true` in the project's pytest configuration), it defines its
options and nothing more: ldb's modules are imported by an active run only, so installing ldb
costs a test run nothing. Active, it registers `debugger.Debugger`, which keeps the run's failed
tests and debugs the first of them in project mode once the run is over.

PYTEST_DONT_REWRITE: ldb's harness imports this module before pytest starts (see
`ldb.harness.project`), and it holds no assert to rewrite.
"""

from __future__ import annotations

import argparse

import pytest

HARNESS_PLUGIN = "ldb-harness"
"""The name of the plugin ldb's harness runs a project's tests with (`ldb.harness.project`,
which names it so): in such a run the plugin stays inactive, whatever the project's own
configuration says, or ldb's runs would start ldb again."""

DEBUGGER = "ldb-debugger"
"""The name the active plugin is registered under."""


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup(
        "ldb", "ldb: debug the tests that failed, after the run, in project mode"
    )
    group.addoption(
        "--ldb",
        action="store_true",
        default=None,
        help="after the run, trace and debug the tests that failed and show ldb's verdicts "
        "and repair for each (ini: ldb = true)",
    )
    group.addoption(
        "--ldb-max",
        type=_positive,
        default=3,
        metavar="N",
        help="debug at most N failed tests, the first to fail first (default: 3)",
    )
    group.addoption(
        "--ldb-model",
        metavar="NAME",
        help="offline (ldb's own engine, needing no model), a chat model's name on "
        "--ldb-base-url, or replay:FILE (default: LDB_MODEL, else offline)",
    )
    group.addoption(
        "--ldb-base-url",
        metavar="URL",
        help="the model's OpenAI-compatible server, its key from LDB_API_KEY (default: "
        "LDB_BASE_URL, else OpenAI's)",
    )
    group.addoption(
        "--ldb-iterations",
        type=_positive,
        metavar="N",
        help="rounds of judging and repair for each test (default: 10)",
    )
    group.addoption(
        "--ldb-apply",
        action="store_true",
        help="write a repair whose tests pass into the tree (never a plausible one, nor over "
        "a file changed meanwhile)",
    )
    group.addoption(
        "--ldb-html", metavar="DIR", help="write a trace viewer page for each test into DIR"
    )
    group.addoption(
        "--ldb-json",
        metavar="FILE",
        help="write the results to FILE: a JSON array of project-mode results "
        "(`ldb schema debug-project`), one for each test debugged",
    )
    group.addoption(
        "--ldb-env",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a variable of the environment ldb's runs of the tests see, which starts empty "
        "(repeatable)",
    )
    parser.addini(
        "ldb", type="bool", default=False, help="debug the failed tests after each run (--ldb)"
    )


def pytest_configure(config: pytest.Config) -> None:
    if not _active(config):
        return
    from ldb.pytest_plugin.debugger import Debugger

    config.pluginmanager.register(Debugger(config), DEBUGGER)


def _active(config: pytest.Config) -> bool:
    """Asked for, in the process that reports: not in pytest-xdist's workers (the controller
    gets their reports and debugs once), not in a run of ldb's own harness."""
    wanted = config.getoption("ldb")
    if wanted is None:
        wanted = bool(config.getini("ldb"))
    if not wanted or hasattr(config, "workerinput"):
        return False
    return not config.pluginmanager.has_plugin(HARNESS_PLUGIN)


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value
