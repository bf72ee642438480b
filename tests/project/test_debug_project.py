"""`ldb.debug_project`: a repository's failing test repaired across its files by the offline
engine, the repair a patch `git apply` takes, the tree never written unless asked."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest

import ldb
from ldb.debugging.strategy import ProjectRound, ProjectStep
from ldb.schema import json_schema
from tests.helpers.projects import SHOP, WITHOUT_PLUGINS, fingerprint, write_project

HALF = "tests/test_cart.py::test_half"


@pytest.fixture
def shop(tmp_path: Path) -> Path:
    return write_project(tmp_path / "shop-project", SHOP)


def _debug(root: Path, tests: list[str], **options: Any) -> ldb.ProjectDebugResult:
    return ldb.debug_project(root, tests, python=sys.executable, env=WITHOUT_PLUGINS, **options)


def _git_apply(root: Path, patch: str, tmp_path: Path) -> Path:
    """A copy of the tree with the patch applied by git, as a user would apply it."""
    copy = tmp_path / "applied"
    shutil.copytree(root, copy)
    subprocess.run(["git", "apply", "-"], input=patch, text=True, cwd=copy, check=True)
    return copy


def test_a_bug_one_call_below_the_test_is_repaired_as_a_patch(shop: Path, tmp_path: Path) -> None:
    before = fingerprint(shop)
    result = _debug(shop, [HALF])
    assert result.status == "fixed", result.message
    assert result.targets == [HALF]
    # The check is every test of the target's file, not the one test named.
    assert set(result.tests) == {
        "tests/test_cart.py::test_plain",
        HALF,
        "tests/test_cart.py::test_writes_into_the_tree",
    }
    assert list(result.files) == ["shop/pricing.py"]
    assert "return amount // 2" in result.files["shop/pricing.py"]
    assert result.patch.startswith("diff --git a/shop/pricing.py b/shop/pricing.py\n")
    assert "-        return amount // 3\n+        return amount // 2\n" in result.patch
    assert not result.applied
    assert fingerprint(shop) == before
    applied = _git_apply(shop, result.patch, tmp_path)
    assert (applied / "shop/pricing.py").read_text() == result.files["shop/pricing.py"]
    # The round names each function's file: in its trace, its verdicts and its repair.
    (first,) = result.iterations
    assert first.trace is not None
    assert {event.file for event in first.trace.events} == {"shop/cart.py", "shop/pricing.py"}
    blamed = [v for v in first.verdicts if v.correct is False]
    assert [(v.file, v.function) for v in blamed] == [("shop/pricing.py", "discount")]
    assert all(v.file in ("shop/cart.py", "shop/pricing.py") for v in first.verdicts)
    assert first.edit is not None and first.edit.startswith("shop/pricing.py line 3:")
    assert first.patch == result.patch
    document = result.model_dump(mode="json", by_alias=True, exclude_none=False)
    jsonschema.validate(result.model_dump(mode="json"), json_schema("debug-project"))
    assert document["schema_version"] == ldb.SCHEMA_VERSION


def test_apply_writes_the_repair_and_nothing_else(shop: Path) -> None:
    before = fingerprint(shop)
    result = _debug(shop, ["tests/test_cart.py"], apply=True)
    assert result.status == "fixed" and result.applied
    after = fingerprint(shop)
    assert {name for name in after if after[name] != before.get(name)} == {"shop/pricing.py"}
    assert (shop / "shop/pricing.py").read_text() == result.files["shop/pricing.py"]
    again = _debug(shop, [HALF])
    assert again.status == "passed"
    assert again.message == "nothing to debug: the tests pass"
    assert again.patch == "" and again.iterations == []


def test_apply_is_refused_when_a_file_it_touches_changed_during_the_run(shop: Path) -> None:
    pricing = shop / "shop/pricing.py"
    edited = pricing.read_text() + "# edited while ldb ran\n"

    def meanwhile(stage: str, details: dict[str, Any]) -> None:
        if stage == "verdicts":
            pricing.write_text(edited)

    result = _debug(shop, [HALF], apply=True, progress=meanwhile)
    assert result.status == "fixed" and not result.applied
    assert result.notes[-1].startswith("not applied: shop/pricing.py changed since the run began")
    assert pricing.read_text() == edited


class _Rewrites:
    """A strategy that answers every project round with the same files."""

    name = "rewrites"

    def __init__(self, files: dict[str, str]) -> None:
        self.files = files

    def close(self) -> None:
        pass

    def __enter__(self) -> _Rewrites:
        return self

    def __exit__(self, *exc: object) -> None:
        pass

    def step_project(self, state: ProjectRound) -> ProjectStep:
        return ProjectStep([], {**state.files, **self.files})


def test_test_files_are_changed_only_when_allowed(shop: Path) -> None:
    fixed_test = (shop / "tests/test_cart.py").read_text().replace("== 10", "== 14")
    with pytest.raises(ldb.InputError, match="a repair may not change tests/test_cart.py"):
        _debug(shop, [HALF], strategy=_Rewrites({"tests/test_cart.py": fixed_test}))
    result = _debug(
        shop,
        [HALF],
        strategy=_Rewrites({"tests/test_cart.py": fixed_test}),
        allow_test_edits=True,
    )
    assert result.status == "fixed"
    assert list(result.files) == ["tests/test_cart.py"]
    assert '+    assert total([10, 10], "HALF") == 14\n' in result.patch


def test_a_repair_that_breaks_a_passing_test_is_not_a_fix(shop: Path) -> None:
    # Halving every code fixes the target and breaks test_plain: the run goes on, unfixed.
    breaking = (
        (shop / "shop/pricing.py")
        .read_text()
        .replace('if code == "HALF":\n        return amount // 3', "return amount // 2")
    )
    result = _debug(
        shop,
        [HALF],
        strategy=_Rewrites({"shop/pricing.py": breaking}),
        options=ldb.DebugOptions(max_iterations=1),
    )
    assert result.status == "unfixed"
    assert result.message == "the tests still fail after 1 rounds"
    assert result.iterations[0].cases[result.iterations[0].traced_case or 0].test == HALF


def test_several_failing_targets_one_traced_by_the_seed(shop: Path) -> None:
    write_project(
        shop,
        {
            "tests/test_more.py": """
                from shop.cart import total


                def test_half_of_four():
                    assert total([2, 2], "HALF") == 2


                def test_half_of_six():
                    assert total([3, 3], "HALF") == 3
            """
        },
    )
    result = _debug(shop, [], options=ldb.DebugOptions(seed=3))
    assert result.status == "fixed", result.message
    assert set(result.targets) == {
        HALF,
        "tests/test_more.py::test_half_of_four",
        "tests/test_more.py::test_half_of_six",
    }
    traced = result.iterations[0]
    assert traced.traced_case is not None
    assert traced.cases[traced.traced_case].test in result.targets


@pytest.mark.parametrize(
    ("tests", "words"),
    [
        (["tests/test_cart.py::test_halve"], "did you mean tests/test_cart.py::test_half"),
        (["tests/test_crt.py"], "no such test file under"),
    ],
)
def test_tests_that_do_not_exist_are_bad_input(shop: Path, tests: list[str], words: str) -> None:
    with pytest.raises(ldb.InputError, match=words.replace("?", r"\?")):
        _debug(shop, tests)


def test_an_option_of_the_projects_configuration_that_pytest_refuses_is_said_so(
    shop: Path,
) -> None:
    # Before, a named test was then called missing: "no such test: tests/test_cart.py::…".
    write_project(shop, {"pytest.ini": "[pytest]\naddopts = --cov=shop\n"})
    with pytest.raises(ldb.InputError, match="pytest: unrecognized arguments: --cov=shop"):
        _debug(shop, [HALF])


def test_a_test_file_that_does_not_collect_is_bad_input(shop: Path) -> None:
    write_project(shop, {"tests/test_broken.py": "import nowhere_to_be_found\n"})
    with pytest.raises(ldb.InputError, match="nowhere_to_be_found"):
        _debug(shop, ["tests/test_broken.py"])


def test_code_that_fails_on_import_is_the_failure_debugged(shop: Path) -> None:
    write_project(
        shop,
        {
            "shop/pricing.py": """
                DIVISOR = 2
                HALVES = {"HALF": DIVISR}


                def discount(amount, code):
                    if code in HALVES:
                        return amount // HALVES[code]
                    return 0
            """
        },
    )
    result = _debug(shop, [HALF], options=ldb.DebugOptions(max_iterations=2))
    first = result.iterations[0]
    assert first.status == "program_error"
    assert first.message is not None and first.message.startswith("shop/pricing.py:2: NameError")
    assert first.verdicts[0].file == "shop/pricing.py" and first.verdicts[0].correct is False
    assert result.status == "fixed", result.message
    assert 'HALVES = {"HALF": DIVISOR}' in result.files["shop/pricing.py"]


def test_unsaved_texts_take_the_trees_place_and_the_patch_is_made_against_them(
    shop: Path,
) -> None:
    pricing = shop / "shop/pricing.py"
    buggy = pricing.read_text()
    pricing.write_text(buggy.replace("amount // 3", "amount // 2"))  # the tree passes
    before = fingerprint(shop)
    result = _debug(shop, [HALF], unsaved={"shop/pricing.py": buggy})
    assert result.status == "fixed", result.message
    assert "-        return amount // 3\n+        return amount // 2\n" in result.patch
    (first,) = result.iterations
    assert first.cases[first.traced_case or 0].actual == "14"
    assert fingerprint(shop) == before
