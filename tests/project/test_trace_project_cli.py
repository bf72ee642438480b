"""`ldb trace --project DIR TEST...` as a user runs it: exit codes, JSON of the schema, the
trace as a person reads it with each function's file."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import jsonschema
import pytest

from ldb.schema import json_schema
from tests.helpers.cli import ldb_command
from tests.helpers.projects import SHOP, WITHOUT_PLUGINS, fingerprint, write_project


@pytest.fixture
def shop(tmp_path: Path) -> Path:
    return write_project(tmp_path / "shop-project", SHOP)


def _trace(*args: str, cwd: Path | None = None) -> tuple[int, str, str]:
    quiet = [f"--env={name}={value}" for name, value in WITHOUT_PLUGINS.items()]
    done = ldb_command(
        "trace", *args, "--python", sys.executable, *quiet, cwd=cwd, env=dict(os.environ)
    )
    return done.returncode, done.stdout, done.stderr


def test_a_failing_test_exits_1_showing_each_functions_file(shop: Path) -> None:
    before = fingerprint(shop)
    code, out, _ = _trace("--project", str(shop), "tests/test_cart.py::test_half")
    assert code == 1
    lines = out.splitlines()
    assert lines[0].startswith("FAILED  0 of 1 cases passed")
    assert "  ✗ tests/test_cart.py::test_half" in lines
    assert "AssertionError: assert 14 == 10" in out
    assert "total(prices=[10, 10], code='HALF')  shop/cart.py" in out
    assert "discount(amount=20, code='HALF')  shop/pricing.py" in out
    assert "return amount // 3" in out and "⇒ return 6" in out
    assert fingerprint(shop) == before


def test_the_directory_defaults_to_here_and_json_is_the_trace_schema(shop: Path) -> None:
    code, out, _ = _trace("--project", "--json", "tests/test_cart.py::test_plain", cwd=shop)
    assert code == 0
    document = json.loads(out)
    jsonschema.validate(document, json_schema("trace"))
    assert document["status"] == "passed"
    assert {event["file"] for event in document["events"]} == {"shop/cart.py", "shop/pricing.py"}


@pytest.mark.parametrize(
    ("arguments", "words"),
    [
        (["tests/test_crt.py"], "no such test file under"),
        (["tests/test_cart.py", "--env", "NOEQUALS"], "--env 'NOEQUALS': KEY=VALUE"),
        (["--test", "assert True"], "name the tests as pytest node ids"),
        (["--entry-point", "total"], "--entry-point is for a single program"),
        (["tests/test_cart.py::test_hal"], "did you mean tests/test_cart.py::test_half?"),
        (["--pytest-args", "--bogus -x"], "pytest: unrecognized arguments: --bogus"),
    ],
    ids=["no-such-test", "bad-env", "test-text", "entry-point", "no-such-node", "pytest-args"],
)
def test_bad_input_exits_2_and_says_why(shop: Path, arguments: list[str], words: str) -> None:
    code, _, err = _trace("--project", str(shop), *arguments)
    assert code == 2
    assert err.startswith("ldb: ") and words in err


def test_a_test_the_project_cannot_collect_exits_2_naming_it(shop: Path) -> None:
    (shop / "tests" / "test_broken.py").write_text("import shop.missing\n")
    code, _, err = _trace("--project", str(shop), "tests/test_broken.py")
    assert code == 2
    assert err.startswith("ldb: tests/test_broken.py") and "shop.missing" in err
