"""Realistic repositories (tests/fixtures/projects/, each with one bug described in its
README) traced as their users would: every shape gives a trace that reaches the bug's file,
the failing tests are exactly those the bug breaks, and the tree is left as it was."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import ldb
from tests.helpers.paths import ROOT
from tests.helpers.projects import WITHOUT_PLUGINS, fingerprint

PROJECTS = ROOT / "tests" / "fixtures" / "projects"

# Each fixture: the file holding its bug, and the tests the bug makes fail.
EXPECTED: dict[str, tuple[str, set[str]]] = {
    "src_layout": (
        "src/ledger/money.py",
        {
            "tests/test_report.py::test_summary_line_of_a_debit",
            "tests/test_report.py::test_statement_lists_accounts_then_the_total",
        },
    ),
    "flat_layout": (
        "gradebook/stats.py",
        {
            "tests/test_stats.py::test_median[even]",
            "tests/test_stats.py::test_median[pair]",
            "tests/test_records.py::TestSummarize::test_essay",
        },
    ),
    "relative_imports": (
        "shipping/carriers/base.py",
        {
            "tests/test_quote.py::test_a_small_heavy_parcel_is_charged_its_actual_weight",
            "tests/test_quote.py::test_a_light_bulky_parcel_is_charged_its_volume",
        },
    ),
    "unittest_case": (
        "inventory/stock.py",
        {
            "tests/test_stock.py::WarehouseTest::test_reserve_refuses_what_is_already_reserved",
            "tests/test_orders.py::PlaceOrderTest::"
            "test_a_second_order_cannot_take_what_the_first_reserved",
        },
    ),
    "writes_tree": (
        "notes/tsv.py",
        {
            "tests/test_cache.py::test_the_cache_keeps_notes_without_tags",
            "tests/test_tsv.py::test_an_export_under_tests_out_reads_back",
        },
    ),
    "big_module": (
        "measures.py",
        {
            "tests/test_measures.py::test_fahrenheit_to_celsius[32-0]",
            "tests/test_measures.py::test_fahrenheit_to_celsius[212-100]",
            "tests/test_measures.py::test_fahrenheit_to_celsius[-40--40]",
            "tests/test_measures.py::test_every_named_conversion_agrees_with_the_registry",
            "tests/test_measures.py::test_conversion_table_of_oven_temperatures",
            "tests/test_measures.py::test_convert_all_readings_of_mixed_thermometers",
        },
    ),
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_shape_gives_a_trace_that_reaches_its_bug(name: str) -> None:
    root = PROJECTS / name
    buggy, failing = EXPECTED[name]
    before = fingerprint(root)
    result = ldb.trace_project(root, python=sys.executable, env=WITHOUT_PLUGINS)
    assert result.status == "failed"
    assert {case.test for case in result.cases if case.status != "passed"} == failing
    assert result.traced_case is not None
    assert result.cases[result.traced_case].test in failing
    assert buggy in {event.file for event in result.events}
    assert all(event.file and not event.file.startswith("tests/") for event in result.events)
    assert fingerprint(root) == before


def test_a_dependency_comes_from_the_projects_own_venv(
    project_venv: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """DIR/.venv, made here with pytest and the project's dependency installed into it, is
    the interpreter the tests run under (no other is active)."""
    root = tmp_path / "venv_dependency"
    shutil.copytree(PROJECTS / "venv_dependency", root)
    subprocess.run(
        [sys.executable, "-m", "venv", "--system-site-packages", str(root / ".venv")],
        check=True,
    )
    # pytest from the session's venv, seen through a .pth file; the dependency installed.
    site = next((root / ".venv" / "lib").glob("python3*/site-packages"))
    theirs = next((project_venv / "lib").glob("python3*/site-packages"))
    (site / "pytest_from_elsewhere.pth").write_text(f"{theirs}\n")
    subprocess.run(
        [str(root / ".venv" / "bin" / "python"), "-m", "pip", "install", "-q", "--no-index"]
        + ["--no-build-isolation", str(PROJECTS / "venv_dependency_dist")],
        check=True,
        capture_output=True,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
    )
    monkeypatch.delenv("VIRTUAL_ENV", raising=False)
    result = ldb.trace_project(root)
    assert result.status == "failed", result.message
    assert {case.test for case in result.cases if case.status != "passed"} == {
        "tests/test_cart.py::test_totals_with_a_coupon_tax_what_is_paid",
        "tests/test_receipt.py::test_receipt_with_a_coupon",
    }
    assert "checkout/cart.py" in {event.file for event in result.events}
    assert not any(".venv" in (event.file or "") for event in result.events)
