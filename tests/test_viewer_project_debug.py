"""The viewer's pages of `ldb debug --project`: each round drawn from the files as it tested
them, its functions named with their files, its verdicts on their blocks, its patch."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import ldb
from ldb.models import (
    CaseResult,
    Event,
    ProjectDebugResult,
    ProjectIteration,
    TraceResult,
    Usage,
    Verdict,
)
from ldb.present import viewer
from ldb.source import patch
from tests.helpers.projects import SHOP, WITHOUT_PLUGINS, write_project

ORIGINAL = {
    "pkg/a.py": "def f(x):\n    return x + 1\n",
    # CRLF, and no newline at the end: the texts are rebuilt to the byte.
    "pkg/b.py": "def g(x):\r\n    if x:\r\n        return 1\r\n    return 0",
}
SECOND = {**ORIGINAL, "pkg/a.py": "def f(x):\n    if x < 0:\n        return 0\n    return x + 1\n"}
FINAL = {**SECOND, "pkg/b.py": "def g(x):\r\n    if x:\r\n        return 2\r\n    return 0"}
TEST = "tests/test_a.py::test_f"


def traced(*functions: tuple[str, str]) -> TraceResult:
    """A run of TEST that called each (file, function) in turn, each one block."""
    events = [
        Event(
            step=step,
            file=file,
            function=function,
            block=0,
            visit=1,
            depth=1,
            frame=step,
            parent_frame=None,
            state={"x": "1"},
        )
        for step, (file, function) in enumerate(functions, start=1)
    ]
    return TraceResult(
        status="failed",
        tracer="monitoring",
        sandbox="unisolated",
        python="3.11",
        cases=[CaseResult(test=TEST, status="failed")],
        traced_case=0,
        events=events,
        dropped=0,
        visits=[],
        stdout="",
        seconds=0.1,
    )


def iteration(index: int, before: dict[str, str], after: dict[str, str]) -> ProjectIteration:
    blamed = Verdict(
        file="pkg/a.py", function="f", block=0, correct=False, explanation=f"round {index}"
    )
    return ProjectIteration(
        index=index,
        status="failed",
        cases=[CaseResult(test=TEST, status="failed")],
        traced_case=0,
        trace=traced(("pkg/a.py", "f"), ("pkg/b.py", "g")),
        feedback=None,
        verdicts=[blamed],
        replies=[],
        usage=Usage(),
        edit=f"edit {index}",
        patch=patch(before, after),
        seconds=0.1,
    )


def two_rounds(applied: bool = False) -> ProjectDebugResult:
    return ProjectDebugResult(
        status="fixed",
        root="project",
        targets=[TEST],
        tests=[TEST, "tests/test_a.py::test_other"],
        patch=patch(ORIGINAL, FINAL),
        files=FINAL,
        applied=applied,
        model="offline",
        feedback="blocks",
        level="block",
        seed=0,
        iterations=[iteration(0, ORIGINAL, SECOND), iteration(1, SECOND, FINAL)],
        usage=Usage(),
        sandbox="unisolated",
        python="3.11",
        seconds=2.5,
    )


def tree(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(text.encode())
    return root


def sources(view: dict[str, Any], qualname: str) -> str:
    [graph] = [g for g in view["graphs"] if g["qualname"] == qualname]
    return "\n".join(block["source"] for block in graph["blocks"])


def unlaid(views: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The views without their graphs' layouts (whose routes come in no fixed order)."""
    return [{**view, "graphs": [{**g, "layout": None} for g in view["graphs"]]} for view in views]


def test_each_round_is_drawn_from_the_files_it_tested(tmp_path: Path) -> None:
    result = two_rounds()
    first, second, final = viewer.project_debug_views(tree(tmp_path, ORIGINAL), result)
    assert [first["title"], second["title"], final["title"]] == [
        "Round 1",
        "Round 2",
        "Final (fixed)",
    ]
    assert [g["qualname"] for g in first["graphs"]] == ["pkg/a.py::f", "pkg/b.py::g"]
    assert "x < 0" not in sources(first, "pkg/a.py::f")
    assert "x < 0" in sources(second, "pkg/a.py::f")
    assert "return 1" in sources(second, "pkg/b.py::g")
    assert "return 2" in sources(final, "pkg/b.py::g")
    assert first["notes"] == second["notes"] == []


def test_functions_verdicts_and_patches_name_their_files(tmp_path: Path) -> None:
    result = two_rounds()
    first, second, final = viewer.project_debug_views(tree(tmp_path, ORIGINAL), result)
    assert [e["function"] for e in first["trace"]["events"]] == ["pkg/a.py::f", "pkg/b.py::g"]
    [verdict] = first["verdicts"]
    assert (verdict["function"], verdict["block"], verdict["file"]) == (
        "pkg/a.py::f",
        0,
        "pkg/a.py",
    )
    assert first["diff"].startswith("diff --git a/pkg/a.py b/pkg/a.py\n")
    assert second["diff"].startswith("diff --git a/pkg/b.py b/pkg/b.py\n")
    assert (first["edit"], second["edit"]) == ("edit 0", "edit 1")
    assert final["diff"] == result.patch and final["trace"] is None


def test_a_tree_the_repair_was_applied_to_draws_the_same_rounds(tmp_path: Path) -> None:
    plain = viewer.project_debug_views(tree(tmp_path / "plain", ORIGINAL), two_rounds())
    applied = viewer.project_debug_views(tree(tmp_path / "applied", FINAL), two_rounds(True))
    assert unlaid(applied) == unlaid(plain)


def test_a_text_that_cannot_be_rebuilt_is_drawn_as_the_tree_holds_it(tmp_path: Path) -> None:
    edited = {**ORIGINAL, "pkg/a.py": "def f(x):\n    return x + 10\n"}
    first, second, _ = viewer.project_debug_views(tree(tmp_path, edited), two_rounds())
    assert "x + 10" in sources(first, "pkg/a.py::f")
    assert "x + 10" in sources(second, "pkg/a.py::f")
    assert first["notes"] == []
    assert [note.partition(":")[0] for note in second["notes"]] == ["pkg/a.py"]


def test_a_project_summary_holds_targets_tests_and_the_patch() -> None:
    result = two_rounds(applied=True)
    heading = viewer.summary("ldb debug --project p", result)
    assert heading["line"] == (
        f"fixed after 2 rounds (offline) in 2.5 s · targets: {TEST} · 2 tests run · patch applied"
    )
    assert heading["targets"] == [TEST] and heading["tests"] == result.tests
    assert heading["patch"] == result.patch and heading["seconds"] == 2.5


def test_a_plausible_projects_summary_and_final_view_say_so(tmp_path: Path) -> None:
    doubt = "the edit leaves `x` unused"
    message = "the tests pass after a repair, but a check doubts it: look before trusting it"
    result = two_rounds().model_copy(
        update={"status": "plausible", "message": message, "doubts": [doubt]}
    )
    heading = viewer.summary("ldb debug --project p", result)
    assert heading["line"].startswith("plausible after 2 rounds (offline)")
    assert (heading["status"], heading["message"], heading["doubts"]) == (
        "plausible",
        message,
        [doubt],
    )
    *_, final = viewer.project_debug_views(tree(tmp_path, ORIGINAL), result)
    assert final["title"] == "Final (plausible)" and final["diff"] == result.patch
    fixed = viewer.summary("ldb debug --project p", two_rounds())
    assert (fixed["status"], fixed["message"], fixed["doubts"]) == ("fixed", None, [])


def test_nothing_to_debug_still_makes_a_page(tmp_path: Path) -> None:
    result = two_rounds().model_copy(
        update={"status": "passed", "iterations": [], "patch": "", "files": {}}
    )
    [final] = viewer.project_debug_views(tree(tmp_path, ORIGINAL), result)
    assert (final["title"], final["graphs"], final["diff"]) == ("Final (passed)", [], None)


def embedded(page: str) -> Any:
    match = re.search(r'<script id="data" type="application/json">(.*?)</script>', page, re.S)
    assert match is not None
    return json.loads(match.group(1))


def test_a_real_repair_applied_to_the_tree(tmp_path: Path) -> None:
    root = write_project(tmp_path, SHOP)
    result = ldb.debug_project(
        root, ["tests/test_cart.py::test_half"], env=WITHOUT_PLUGINS, apply=True
    )
    assert (result.status, result.applied) == ("fixed", True)
    views = viewer.project_debug_views(root, result)
    data = embedded(viewer.page(views, viewer.summary("t", result)))
    first, final = data["views"]
    assert [g["qualname"] for g in first["graphs"]] == [
        "shop/cart.py::total",
        "shop/pricing.py::discount",
    ]
    blamed = [(v["function"], v["block"]) for v in first["verdicts"] if v["correct"] is False]
    assert blamed == [("shop/pricing.py::discount", 1)]
    assert "amount // 3" in sources(first, "shop/pricing.py::discount")
    assert "amount // 2" in sources(final, "shop/pricing.py::discount")
    assert first["diff"] == final["diff"] == data["summary"]["patch"] == result.patch
