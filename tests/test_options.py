"""The one set of options: `ldb.RunLimits` from the environment at construction, bad values
named where they came from, and the CLI's flags and help drawn from the same models."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

import ldb
from tests.helpers.cli import ldb_command
from tests.helpers.paths import EXAMPLES


def test_limits_take_the_environment_when_made_and_a_call_overrides_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LDB_TIMEOUT_S", "4")
    assert ldb.RunLimits().timeout_s == 4.0
    assert ldb.DebugOptions().limits.timeout_s == 4.0
    assert ldb.RunLimits(timeout_s=2).timeout_s == 2.0
    monkeypatch.setenv("LDB_TIMEOUT_S", "6")
    assert ldb.RunLimits().timeout_s == 6.0  # read again, not cached
    assert ldb.RunLimits(memory_mb=256).updated(cpu_s=3).model_dump() == {
        **ldb.RunLimits().model_dump(),
        "memory_mb": 256,
        "cpu_s": 3,
    }


@pytest.mark.parametrize(
    ("given", "environment", "words"),
    [
        ({"timeout_s": -1}, {}, "limit timeout_s: Input should be greater than 0"),
        ({}, {"LDB_TIMEOUT_S": "soon"}, "LDB_TIMEOUT_S: Input should be a valid number"),
        ({"tmp_mb": 0}, {"LDB_TIMEOUT_S": "soon"}, "LDB_TIMEOUT_S: Input should be a valid"),
        ({"colour": "red"}, {}, "limit colour: Extra inputs are not permitted"),
    ],
    ids=["given", "from-environment", "environment-first", "unknown"],
)
def test_a_bad_limit_is_named_where_it_came_from(
    monkeypatch: pytest.MonkeyPatch,
    given: dict[str, Any],
    environment: dict[str, str],
    words: str,
) -> None:
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ldb.InputError, match=words):
        ldb.RunLimits(**given)


def test_the_key_is_never_dumped_but_reaches_the_model() -> None:
    options = ldb.DebugOptions(api_key="sk-secret", model="m")  # type: ignore[arg-type]
    assert "api_key" not in options.model_dump()
    assert "sk-secret" not in options.model_dump_json() + repr(options)
    assert options.api_key is not None and options.api_key.get_secret_value() == "sk-secret"


def _run(*args: str, **environment: str) -> tuple[int, str, str]:
    done = ldb_command(*args, env={**os.environ, **environment})
    return done.returncode, done.stdout, done.stderr


def test_help_shows_each_options_description_and_this_machines_default() -> None:
    code, out, _ = _run("debug", "--help", LDB_TIMEOUT_S="7")
    assert code == 0
    flat = " ".join(out.split())
    assert "--max-iterations N rounds of judging and repair (default: 10)" in flat
    assert "--timeout S wall time of one run of the tests (default: 7.0)" in flat
    assert "--feedback {blocks,simple,explain}" in flat


def test_a_bad_environment_still_shows_help_and_is_named_when_running(tmp_path: Path) -> None:
    code, out, err = _run("trace", "--help", LDB_TIMEOUT_S="soon")
    assert (code, err) == (0, "")
    assert "LDB_TIMEOUT_S: Input should be a valid number" in " ".join(out.split())
    program = str(EXAMPLES / "shapes.py")
    code, _, err = _run("trace", program, "--test", "assert True", LDB_TIMEOUT_S="soon")
    assert code == 2
    assert err.startswith("ldb: LDB_TIMEOUT_S: Input should be a valid number")
    code, _, err = _run("trace", program, "--test", "assert True", "--timeout", "-1")
    assert code == 2
    assert err.startswith("ldb: --timeout: Input should be greater than 0")
