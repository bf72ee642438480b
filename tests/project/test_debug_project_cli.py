"""`ldb debug --project DIR TEST...` as a user runs it: exit codes, the JSON of its schema, the
rounds as a person reads them, `--apply`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

import ldb
from ldb.cli import main
from ldb.schema import json_schema
from tests.helpers.cli import ldb_command
from tests.helpers.plausible import PROJECT_DOUBT, DoubtedShopRepair
from tests.helpers.projects import SHOP, WITHOUT_PLUGINS, fingerprint, write_project


@pytest.fixture
def shop(tmp_path: Path) -> Path:
    return write_project(tmp_path / "shop-project", SHOP)


def _debug(*args: str, cwd: Path | None = None) -> tuple[int, str, str]:
    quiet = [f"--env={name}={value}" for name, value in WITHOUT_PLUGINS.items()]
    done = ldb_command(
        "debug", *args, "--python", sys.executable, *quiet, cwd=cwd, env=dict(os.environ)
    )
    return done.returncode, done.stdout, done.stderr


def test_a_repair_is_shown_with_each_functions_file_and_the_tree_is_left_alone(
    shop: Path,
) -> None:
    before = fingerprint(shop)
    code, out, err = _debug("--project", str(shop), "tests/test_cart.py::test_half")
    assert code == 0, err
    assert "Round 1  2 of 3 tests pass" in out
    assert "  ✗ tests/test_cart.py::test_half" in out
    assert "✗ line 3 in shop/pricing.py discount (block 1): return amount // 3" in out
    assert "repair: shop/pricing.py line 3: `3` → `2`" in out
    assert "+        return amount // 2" in out
    assert "FIXED  after 1 round" in out
    assert fingerprint(shop) == before


def test_json_is_the_project_debug_schema(shop: Path) -> None:
    code, out, _ = _debug("--project", "--json", "--max-iterations", "2", cwd=shop)
    assert code == 0
    document = json.loads(out)
    jsonschema.validate(document, json_schema("debug-project"))
    assert document["status"] == "fixed"
    assert document["targets"] == ["tests/test_cart.py::test_half"]
    assert document["files"]["shop/pricing.py"].count("amount // 2") == 1
    verdict = document["iterations"][0]["verdicts"][0]
    assert verdict["file"] == "shop/pricing.py" and verdict["function"] == "discount"


def test_apply_writes_the_repair_then_there_is_nothing_to_debug(shop: Path) -> None:
    code, out, _ = _debug("--project", str(shop), "--apply")
    assert code == 0
    assert "Applied to shop/pricing.py." in out
    assert "return amount // 2" in (shop / "shop/pricing.py").read_text()
    code, out, _ = _debug("--project", str(shop), "tests/test_cart.py")
    assert code == 0
    assert "PASSED  after 0 rounds  nothing to debug: the tests pass" in out


@pytest.mark.parametrize(
    ("arguments", "words"),
    [
        (["tests/test_cart.py::test_halve"], "did you mean tests/test_cart.py::test_half?"),
        (["tests/test_crt.py"], "no such test file under"),
        (["--pytest-args", "'-k"], "--pytest-args: No closing quotation"),
    ],
)
def test_bad_input_exits_2_saying_why(shop: Path, arguments: list[str], words: str) -> None:
    code, _, err = _debug("--project", str(shop), *arguments)
    assert code == 2
    assert words in err


def test_project_options_are_refused_for_a_single_program(tmp_path: Path) -> None:
    program = tmp_path / "program.py"
    program.write_text("def f():\n    return 1\n")
    done = ldb_command("debug", str(program), "--test", "assert f() == 1", "--apply")
    assert done.returncode == 2
    assert "--apply and --allow-test-edits are for --project" in done.stderr


@pytest.fixture
def doubted(monkeypatch: pytest.MonkeyPatch) -> None:
    """`ldb debug --project` run in this process with a strategy that doubts its repair."""
    real = ldb.debug_project

    def debug_project(*args: object, **options: object) -> ldb.ProjectDebugResult:
        return real(*args, **options, strategy=DoubtedShopRepair())  # type: ignore[arg-type]

    monkeypatch.setattr(ldb, "debug_project", debug_project)


@pytest.mark.usefixtures("doubted")
@pytest.mark.parametrize("as_json", [False, True], ids=["text", "json"])
def test_apply_does_not_write_a_plausible_repair_and_says_how_to(
    shop: Path, capsys: pytest.CaptureFixture[str], as_json: bool
) -> None:
    before = fingerprint(shop)
    quiet = [f"--env={name}={value}" for name, value in WITHOUT_PLUGINS.items()]
    arguments = ["--project", str(shop), "tests/test_cart.py::test_half", "--apply", *quiet]
    code = main(["debug", *arguments, "--python", sys.executable, *(["--json"] * as_json)])
    out, err = capsys.readouterr()
    assert code == 1, err
    assert fingerprint(shop) == before
    assert err.startswith(
        f"ldb: --apply did not write the repair into {shop}: it is only plausible, a check "
        "doubts it (see "
    )
    assert len(err.splitlines()) == 1
    if as_json:
        document = json.loads(out)
        jsonschema.validate(document, json_schema("debug-project"))
        assert (document["status"], document["applied"]) == ("plausible", False)
        assert document["doubts"] == [PROJECT_DOUBT]
        assert "+        return amount // 2\n" in document["patch"]
        assert err.endswith(f"to apply it anyway, `git apply` its `patch` in {shop}\n")
        return
    lines = out.splitlines()
    assert "+        return amount // 2" in lines
    assert lines[-2].startswith(
        "PLAUSIBLE  after 1 round  the tests pass after a repair, but a check doubts it: "
    )
    assert lines[-1] == f"  doubt: {PROJECT_DOUBT}"
    assert "Applied" not in out
    assert err.endswith(f"to apply it anyway, `git apply` the patch above in {shop}\n")
    # As it says: the patch shown applies.
    start = lines.index("diff --git a/shop/pricing.py b/shop/pricing.py")
    shown = "\n".join(lines[start : lines.index("", start)]) + "\n"
    subprocess.run(["git", "apply"], input=shown, text=True, cwd=shop, check=True)
    assert "return amount // 2" in (shop / "shop/pricing.py").read_text()
