"""The `ldb` command, run as a user runs it: a real subprocess of the installed entry point."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

import ldb
from ldb.cli import main
from ldb.schema import DOCUMENTS, json_schema
from tests.helpers.cli import ldb_command
from tests.helpers.golden import GOLDEN, compare
from tests.helpers.paths import EXAMPLES, ROOT

PROGRAMS = sorted(p for p in EXAMPLES.glob("*.py") if not p.name.endswith(("_api.py", "_test.py")))


def test_version_and_help() -> None:
    version = ldb_command("--version")
    assert version.returncode == 0
    assert version.stdout.strip() == f"ldb {ldb.__version__}"
    helped = ldb_command("--help")
    assert helped.returncode == 0
    assert "blocks" in helped.stdout and "Exit codes" in helped.stdout
    blocks_help = ldb_command("blocks", "--help")
    assert "--function NAME" in blocks_help.stdout and "--json" in blocks_help.stdout


def test_no_command_is_a_usage_error() -> None:
    result = ldb_command()
    assert result.returncode == 2
    assert "usage: ldb" in result.stderr


@pytest.mark.parametrize("program", PROGRAMS, ids=lambda p: p.stem)
def test_blocks_json_matches_the_golden_file_and_the_schema(program: Path) -> None:
    result = ldb_command("blocks", str(program.relative_to(ROOT)), "--json")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    jsonschema.validate(document, json_schema("blocks"))
    assert document["schema_version"] == ldb.SCHEMA_VERSION
    assert set(document) == {"schema_version", "functions"}
    compare(GOLDEN / "blocks" / f"{program.stem}.json", result.stdout)


def test_blocks_human_output_shows_ids_lines_source_and_edges() -> None:
    result = ldb_command("blocks", str(EXAMPLES / "second_largest.py"))
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "second_largest  line 1" in out
    assert "[1] line 9" in out and "for n in numbers:" in out
    assert "→ [2] next, [6] loop_exit" in out
    assert "[7] exit" in out


def test_blocks_function_filter_takes_name_or_qualname(capsys: pytest.CaptureFixture[str]) -> None:
    path = str(EXAMPLES / "shapes.py")
    assert main(["blocks", path, "--function", "Circle.area", "--json"]) == 0
    by_qualname = json.loads(capsys.readouterr().out)
    assert [f["qualname"] for f in by_qualname["functions"]] == ["Circle.area"]
    assert main(["blocks", path, "--function", "area", "--json"]) == 0
    by_name = json.loads(capsys.readouterr().out)
    assert [f["qualname"] for f in by_name["functions"]] == ["Shape.area", "Circle.area"]


def test_unknown_function_is_bad_input(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["blocks", str(EXAMPLES / "shapes.py"), "--function", "nope"]) == 2
    assert "no function named 'nope'" in capsys.readouterr().err


def test_syntax_error_is_one_line_naming_file_line_and_column(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("def f(x):\n    return (x +\n\nprint(1)\n")
    result = ldb_command("blocks", str(bad))
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"ldb: {bad}:2:12: syntax error: ")
    assert result.stdout == ""


def test_reads_standard_input() -> None:
    result = ldb_command("blocks", "-", "--json", stdin="def f():\n    return 1\n")
    assert result.returncode == 0
    assert [f["qualname"] for f in json.loads(result.stdout)["functions"]] == ["<module>", "f"]


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda tmp: tmp / "missing.py", "no such file"),
        (lambda tmp: tmp, "is a directory"),
    ],
)
def test_unreadable_paths_are_bad_input(tmp_path: Path, make, message: str) -> None:
    result = ldb_command("blocks", str(make(tmp_path)))
    assert result.returncode == 2
    assert message in result.stderr


def test_binary_file_is_bad_input(tmp_path: Path) -> None:
    binary = tmp_path / "blob.py"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    result = ldb_command("blocks", str(binary))
    assert result.returncode == 2
    assert "not UTF-8" in result.stderr


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_schema_command_prints_the_committed_schema(name: str) -> None:
    result = ldb_command("schema", name)
    assert result.returncode == 0
    schema = json.loads(result.stdout)
    jsonschema.Draft202012Validator.check_schema(schema)
    compare(ROOT / "schemas" / f"{name}.schema.json", result.stdout)
