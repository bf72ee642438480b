"""`ldb.trace_project`: a repository's tests run by pytest in the sandbox, the project's own
functions traced across files, and the host's tree untouched."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import ldb
from tests.helpers.projects import SHOP, WITHOUT_PLUGINS, fingerprint, write_project


@pytest.fixture
def shop(tmp_path: Path) -> Path:
    return write_project(tmp_path / "shop-project", SHOP)


def trace_project(root: Path, tests: list[str], **options: Any) -> ldb.TraceResult:
    """Under the interpreter running these tests: on 3.12+, sys.monitoring's discovery."""
    environment = {**WITHOUT_PLUGINS, **options.pop("env", {})}
    return ldb.trace_project(root, tests, python=sys.executable, env=environment, **options)


def test_the_failing_test_is_traced_across_the_projects_files(shop: Path) -> None:
    before = fingerprint(shop)
    result = trace_project(shop, ["tests/test_cart.py"], env={"GREETING": "hello"})
    assert result.status == "failed"
    assert result.tracer == ("monitoring" if sys.version_info >= (3, 12) else "settrace")
    assert [(case.test, case.status) for case in result.cases] == [
        ("tests/test_cart.py::test_plain", "passed"),
        ("tests/test_cart.py::test_half", "failed"),
        ("tests/test_cart.py::test_writes_into_the_tree", "passed"),
    ]
    assert result.traced_case == 1
    failure = result.cases[1].error
    assert failure is not None and "assert 14 == 10" in failure.message
    # The failed comparison's sides: `assert total(...) == 10`.
    assert (result.cases[1].actual, result.cases[1].expected) == ("14", "10")
    assert result.cases[0].actual is None
    assert failure.file == "tests/test_cart.py"
    calls = [(e.file, e.function, e.depth) for e in result.events if e.block is None]
    assert calls == [("shop/cart.py", "total", 1), ("shop/pricing.py", "discount", 2)]
    returns = {(e.file, e.function): e.return_value for e in result.events if e.return_value}
    assert returns == {("shop/pricing.py", "discount"): "6", ("shop/cart.py", "total"): "14"}
    loop = [e.state["subtotal"] for e in result.events if e.function == "total" and e.block == 2]
    assert loop == ["10", "20"]
    assert {visit.file for visit in result.visits} == {"shop/cart.py", "shop/pricing.py"}
    assert fingerprint(shop) == before  # the test wrote into the tree, privately


def test_a_failed_assert_gives_its_sides_and_another_failure_none(shop: Path) -> None:
    (shop / "tests" / "test_sides.py").write_text(
        "import pytest\n"
        "from shop.cart import total\n\n"
        "def test_order():\n"
        "    assert total([3]) < 2\n\n"
        "def test_close():\n"
        "    assert total([1.5]) == pytest.approx(2.5)\n\n"
        "def test_raises():\n"
        "    assert total([1]) == 1\n"
        "    raise KeyError('x')\n\n"
        "def test_caught_then_bare():\n"
        "    with pytest.raises(AssertionError):\n"
        "        assert total([1]) == 2\n"
        "    assert not total([1])\n\n"
        "def test_expected_on_the_left():\n"
        "    assert 10 == total([3, 4])\n\n"
        "def test_bound_on_the_left():\n"
        "    assert 2 > total([3])\n\n"
        "def test_names_on_both_sides():\n"
        "    got, wanted = total([3]), 4\n"
        "    assert wanted == got\n"
    )
    result = trace_project(shop, ["tests/test_sides.py"])
    sides = {case.test.partition("::")[2]: (case.actual, case.expected) for case in result.cases}
    assert sides == {
        "test_order": ("3", "< 2"),
        "test_close": ("1.5", "2.5 ± 2.5e-06"),
        "test_raises": (None, None),
        "test_caught_then_bare": (None, None),
        # The side that calls is the actual, wherever the test wrote it.
        "test_expected_on_the_left": ("7", "10"),
        "test_bound_on_the_left": ("3", "< 2"),
        # Nothing tells them apart: the left is the actual, as most tests write it.
        "test_names_on_both_sides": ("4", "3"),
    }


def test_a_node_id_runs_that_test_alone(shop: Path) -> None:
    result = trace_project(shop, ["tests/test_cart.py::test_plain"])
    assert result.status == "passed"
    assert [case.test for case in result.cases] == ["tests/test_cart.py::test_plain"]


def test_a_test_that_does_not_collect_says_so(shop: Path) -> None:
    (shop / "tests" / "test_broken.py").write_text("def test_x(:\n    pass\n")
    result = trace_project(shop, ["tests/test_broken.py"])
    assert result.status == "collection_error"
    assert result.message is not None and "tests/test_broken.py" in result.message


def test_a_test_that_hangs_ends_at_its_time_limit_with_what_it_traced(shop: Path) -> None:
    (shop / "shop" / "spin.py").write_text("def spin(n):\n    while n:\n        n += 1\n")
    (shop / "tests" / "test_spin.py").write_text(
        "from shop.spin import spin\n\n\ndef test_spin():\n    spin(1)\n"
    )
    limits = ldb.RunLimits(timeout_s=3, case_cpu_s=1)
    result = trace_project(shop, ["tests/test_spin.py"], limits=limits)
    assert result.status == "timeout"
    assert result.cases[0].status == "timeout"
    assert {e.function for e in result.events} == {"spin"}


def test_a_test_file_not_there_is_refused_naming_the_close_ones(shop: Path) -> None:
    with pytest.raises(ldb.InputError, match=r"did you mean tests/test_cart\.py"):
        trace_project(shop, ["tests/test_crat.py::test_half"])
    with pytest.raises(ldb.InputError, match="not a directory"):
        trace_project(shop / "missing", [])


def test_the_tests_own_functions_are_traced_when_asked(shop: Path) -> None:
    result = trace_project(shop, ["tests/test_cart.py::test_half"], trace_tests=True)
    calls = [(e.file, e.function, e.depth) for e in result.events if e.block is None]
    assert calls[:2] == [("tests/test_cart.py", "test_half", 1), ("shop/cart.py", "total", 2)]
    untraced = trace_project(shop, ["tests/test_cart.py::test_half"])
    assert "tests/test_cart.py" not in {e.file for e in untraced.events}


def test_without_bubblewrap_a_project_is_refused(
    shop: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Only bubblewrap's private layer keeps the tree unwritten: unisolated, no project runs."""
    from ldb.settings import get_settings

    monkeypatch.setenv("LDB_SANDBOX", "unisolated")
    get_settings.cache_clear()
    try:
        with pytest.raises(ldb.SandboxError, match="programs run unisolated here"):
            trace_project(shop, ["tests/test_cart.py"])
    finally:
        monkeypatch.delenv("LDB_SANDBOX")
        get_settings.cache_clear()


@pytest.mark.parametrize(
    ("breakage", "words"),
    [
        (("shop/cart.py", "    subtotal = 0", "    subtotal = = 0"), "shop/cart.py:5: SyntaxError"),
        (
            ("shop/pricing.py", "    return 0\n", "    return 0\n\n\nimport nowhere\n"),
            "shop/pricing.py:7: ModuleNotFoundError",
        ),
    ],
    ids=["syntax-error", "import-error"],
)
def test_code_under_test_that_fails_on_import_is_the_failure_with_its_place(
    shop: Path, breakage: tuple[str, str, str], words: str
) -> None:
    file, old, new = breakage
    (shop / file).write_text((shop / file).read_text().replace(old, new))
    result = trace_project(shop, ["tests/test_cart.py"])
    assert result.status == "program_error"
    assert result.message is not None and result.message.startswith(words)
    assert result.message.endswith("(importing tests/test_cart.py)")


def test_a_plugin_that_traces_is_switched_off_and_the_result_says_so(
    shop: Path, tmp_path: Path
) -> None:
    """pytest-cov installs a trace function of its own, which would take the tracer's place."""
    venv = tmp_path / "with-cov"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run(
        [str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "pytest", "pytest-cov"],
        check=True,
        capture_output=True,
    )
    result = ldb.trace_project(
        shop, ["tests/test_cart.py::test_half"], python=str(venv / "bin" / "python")
    )
    assert result.status == "failed"
    assert result.notes == ["pytest-cov was switched off: it installs a trace function of its own"]
    assert {e.file for e in result.events} == {"shop/cart.py", "shop/pricing.py"}
    plain = trace_project(shop, ["tests/test_cart.py::test_half"])
    assert plain.notes == [] and "notes" not in plain.model_dump(mode="json")


def test_a_test_that_fails_in_setup_counts_none_of_the_last_tests_visits(shop: Path) -> None:
    (shop / "tests" / "test_setup.py").write_text(
        "import pytest\n\nfrom shop.cart import total\n\n\n"
        "@pytest.fixture\ndef broken():\n    raise RuntimeError('no fixture')\n\n\n"
        "def test_first():\n    assert total([1]) == 1\n\n\n"
        "def test_second(broken):\n    assert total([2]) == 2\n"
    )
    result = trace_project(
        shop, ["tests/test_setup.py::test_first", "tests/test_setup.py::test_second"]
    )
    assert [case.status for case in result.cases] == ["passed", "error"]
    assert (result.traced_case, result.events, result.visits) == (1, [], [])
    assert result.python == ".".join(str(part) for part in sys.version_info[:3])


def test_tests_are_named_from_the_root_wherever_pytests_rootdir_is(shop: Path) -> None:
    (shop / "tests" / "pytest.ini").write_text("[pytest]\n")  # pytest's rootdir: tests/
    result = trace_project(shop, ["tests/test_cart.py"])
    assert [case.test for case in result.cases][1] == "tests/test_cart.py::test_half"
    assert result.traced_case == 1 and result.events


def test_a_test_using_pytests_cache_runs_as_under_pytest(shop: Path) -> None:
    (shop / "tests" / "test_cache.py").write_text(
        "def test_remembers(cache):\n"
        "    cache.set('ldb/n', 3)\n"
        "    assert cache.get('ldb/n', 0) == 3\n"
    )
    result = trace_project(shop, ["tests/test_cache.py::test_remembers"])
    assert result.status == "passed"
    assert not (shop / ".pytest_cache").exists()


def test_a_test_that_fails_only_after_another_is_traced_as_it_failed(shop: Path) -> None:
    """Alone it passes: the trace must still show the failing run that was reported."""
    (shop / "shop" / "rates.py").write_text(
        "FACTOR = 1\n\n\ndef scaled(x):\n    result = x * FACTOR\n    return result\n"
    )
    (shop / "tests" / "test_order.py").write_text(
        "from shop import rates\n\n\n"
        "def test_a_changes_the_factor():\n    rates.FACTOR = 3\n\n\n"
        "def test_b_expects_the_default():\n    assert rates.scaled(2) == 2\n"
    )
    result = trace_project(shop, ["tests/test_order.py"])
    assert [case.status for case in result.cases] == ["passed", "failed"]
    assert result.traced_case == 1
    returns = [e.return_value for e in result.events if e.return_value is not None]
    assert returns == ["6"]
    assert result.notes == [
        "tests/test_order.py::test_b_expects_the_default is passed alone: traced among the rest"
    ]


def test_a_project_that_runs_its_tests_in_xdist_workers_is_traced_in_one_process(
    shop: Path,
) -> None:
    (shop / "pytest.ini").write_text("[pytest]\naddopts = -p xdist -n 2\n")
    result = trace_project(shop, ["tests/test_cart.py"])
    assert result.status == "failed"
    assert result.notes == ["pytest-xdist's workers were not started: the tests ran in one process"]
    assert {event.file for event in result.events} == {"shop/cart.py", "shop/pricing.py"}
