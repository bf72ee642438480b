"""The viewer's one-file page: everything inline, the data intact, nothing fetched."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import ldb
from ldb.present import viewer
from tests.helpers.cli import debug_to_html
from tests.helpers.paths import EXAMPLES
from tests.helpers.plausible import CLAMP_FAILED, OVERFITTED, RIGHT, debug_clamp_to_html


def embedded(page: str) -> Any:
    match = re.search(r'<script id="data" type="application/json">(.*?)</script>', page, re.S)
    assert match is not None
    return json.loads(match.group(1))


def test_a_trace_page_carries_graphs_layouts_and_the_trace() -> None:
    program = (EXAMPLES / "second_largest.py").read_text()
    result = ldb.trace(program, (EXAMPLES / "second_largest_test.py").read_text())
    page = viewer.page(viewer.trace_views(program, result), {"title": "t"})
    [view] = embedded(page)["views"]
    [graph] = view["graphs"]
    assert graph["qualname"] == "second_largest"
    assert len(graph["layout"]["boxes"]) == len(graph["blocks"])
    assert view["trace"]["events"] == result.model_dump(mode="json", by_alias=True)["events"]


def test_nothing_is_fetched_from_anywhere() -> None:
    page = viewer.page([viewer.view("v", "def f():\n    return 1\n", None)], {"title": "t"})
    assert not re.search(r'<(script|link|img)[^>]+(src|href)="(?!data:)', page)
    assert "@import" not in page and "url(http" not in page


def test_a_program_that_closes_the_script_element_stays_data() -> None:
    program = 'def f():\n    return "</script><script>alert(1)</script>"\n'
    page = viewer.page([viewer.view("v", program, None)], {"title": "<b>x</b>"})
    assert page.count("</script>") == 2  # the data's and the viewer's own
    assert embedded(page)["views"][0]["program"] == program
    assert "<title>&lt;b&gt;x&lt;/b&gt;</title>" in page


def test_debug_html_from_the_command_line(tmp_path: Path) -> None:
    out = tmp_path / "debug.html"
    result = debug_to_html(EXAMPLES / "moving_average.py", EXAMPLES / "moving_average_test.py", out)
    assert result.returncode == 0, result.stderr
    data = embedded(out.read_text())
    titles = [view["title"] for view in data["views"]]
    assert titles == ["Round 1", "Final (fixed)"]
    first = data["views"][0]
    assert any(v["correct"] is False for v in first["verdicts"])
    assert first["diff"].startswith("--- a/program.py")
    assert first["trace"]["traced_case"] == 1
    assert data["views"][1]["trace"]["status"] == "passed"
    assert data["inputs"] == {
        "code": (EXAMPLES / "moving_average.py").read_text(),
        "test": (EXAMPLES / "moving_average_test.py").read_text(),
    }


def test_a_runs_inputs_are_what_the_page_shows_of_a_request() -> None:
    program: dict[str, Any] = {"code": "x = 1\n", "test": ["assert x == 1"], "task": None}
    assert viewer.inputs(program) == {"code": "x = 1\n", "test": ["assert x == 1"]}
    project = {"files": {"b.py": "...", "a.py": "..."}, "tests": [], "model": "offline"}
    assert viewer.inputs(project) == {"files": ["a.py", "b.py"], "tests": []}
    page = viewer.page([viewer.view("v", "x = 1\n", None)], {"title": "t"}, project)
    assert embedded(page)["inputs"] == {"files": ["a.py", "b.py"], "tests": []}
    assert embedded(viewer.page([], {"title": "t"}))["inputs"] is None


def test_a_fixed_runs_page_says_so_and_has_no_doubts(tmp_path: Path) -> None:
    out = tmp_path / "debug.html"
    result = debug_clamp_to_html(RIGHT, out)
    assert result.returncode == 0, result.stderr
    data = embedded(out.read_text())
    assert [view["title"] for view in data["views"]] == ["Round 1", "Final (fixed)"]
    summary = data["summary"]
    assert (summary["status"], summary["message"], summary["doubts"]) == ("fixed", None, [])


def test_a_plausible_runs_page_shows_its_status_and_doubts(tmp_path: Path) -> None:
    out = tmp_path / "debug.html"
    result = debug_clamp_to_html(OVERFITTED, out)
    assert result.returncode == 1, result.stderr
    data = embedded(out.read_text())
    assert [view["title"] for view in data["views"]] == ["Round 1", "Final (plausible)"]
    summary = data["summary"]
    assert summary["line"].startswith("plausible after 1 round (gpt-test)")
    assert summary["status"] == "plausible"
    [doubt] = summary["doubts"]
    assert doubt.startswith("fails 2 of ") and CLAMP_FAILED in doubt
    assert summary["message"].endswith("a check doubts it: look before trusting it")
