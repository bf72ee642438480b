"""The viewer's drawings as Chromium lays them out: the bounding box of every box, text, edge
and label read from the page, and no text over other text, each label beside its edge, every
edge inside the drawing and ending on its box's border, back edges along the side; on the
examples, on a function of fifty blocks and more, and on a recursive one."""

from __future__ import annotations

import math
import shutil
from pathlib import Path
from typing import Any

import pytest

import ldb
from ldb.present import viewer
from tests.helpers.drawings import BRANCHY, BRANCHY_TEST, RECURSIVE, RECURSIVE_TEST
from tests.helpers.paths import EXAMPLES

playwright = pytest.importorskip("playwright.sync_api", reason="playwright is in the test extra")

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="no Chromium here (apt-get install chromium; CI does)"
)

# Every drawing's geometry, in the SVG's own units: its size, each box, each text (by block,
# or as an edge's label), each edge's points.
READ = """
() => [...document.querySelectorAll("figure svg")].map((svg) => {
  const box = (e) => { const b = e.getBBox(); return [b.x, b.y, b.width, b.height]; };
  const at = (g) => {
    const m = /translate\\(([-\\d.]+),([-\\d.]+)\\)/.exec(g.getAttribute("transform"));
    return [parseFloat(m[1]), parseFloat(m[2])];
  };
  const inBox = (g, t) => {
    const [dx, dy] = at(g), [x, y, w, h] = box(t);
    return [x + dx, y + dy, w, h];
  };
  const points = (l) => l.getAttribute("points").split(" ").map((p) => p.split(",").map(Number));
  return {
    width: parseFloat(svg.getAttribute("width")),
    height: parseFloat(svg.getAttribute("height")),
    boxes: [...svg.querySelectorAll("g.block")].map((g) => ({
      block: g.dataset.block,
      rect: inBox(g, g.querySelector("rect")),
      texts: [...g.querySelectorAll("text")].filter((t) => t.textContent.trim())
        .map((t) => inBox(g, t)),
    })),
    edges: [...svg.querySelectorAll("polyline.edge")]
      .map((l) => ({ edge: l.dataset.edge, points: points(l) })),
    labels: [...svg.querySelectorAll("text.edge-count")]
      .map((t) => ({ edge: t.dataset.edge, box: box(t) })),
  };
})
"""


def drawings(browser: Any, program: str, test: str, tmp_path: Path) -> list[dict[str, Any]]:
    result = ldb.trace(program, test)
    out = tmp_path / "trace.html"
    out.write_text(viewer.page(viewer.trace_views(program, result), viewer.summary("t", result)))
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(out.as_uri())
    page.wait_for_selector("figure svg")
    page.screenshot(path=str(tmp_path / "drawing.png"), full_page=True)
    found: list[dict[str, Any]] = page.evaluate(READ)
    page.close()
    return found


def overlap(a: list[float], b: list[float], slack: float = 0.5) -> bool:
    return (
        a[0] + a[2] - slack > b[0]
        and b[0] + b[2] - slack > a[0]
        and a[1] + a[3] - slack > b[1]
        and b[1] + b[3] - slack > a[1]
    )


def distance_to_path(point: tuple[float, float], points: list[list[float]]) -> float:
    best = math.inf
    for (x0, y0), (x1, y1) in zip(points, points[1:], strict=False):
        dx, dy = x1 - x0, y1 - y0
        length = dx * dx + dy * dy
        t = (
            0.0
            if length == 0
            else max(0.0, min(1.0, ((point[0] - x0) * dx + (point[1] - y0) * dy) / length))
        )
        best = min(best, math.hypot(point[0] - (x0 + t * dx), point[1] - (y0 + t * dy)))
    return best


def on_border(point: list[float], rect: list[float]) -> bool:
    x, y = point
    rx, ry, w, h = rect
    within = rx - 1.5 <= x <= rx + w + 1.5 and ry - 1.5 <= y <= ry + h + 1.5
    near = min(abs(x - rx), abs(x - rx - w)) <= 1.5 or min(abs(y - ry), abs(y - ry - h)) <= 1.5
    return within and near


def check(drawing: dict[str, Any]) -> None:
    rects = {box["block"]: box["rect"] for box in drawing["boxes"]}
    texts = [text for box in drawing["boxes"] for text in box["texts"]]
    texts += [label["box"] for label in drawing["labels"]]
    for i, a in enumerate(texts):
        for b in texts[i + 1 :]:
            assert not overlap(a, b), f"text {a} is drawn over text {b}"
    paths = {edge["edge"]: edge["points"] for edge in drawing["edges"]}
    for label in drawing["labels"]:
        x, y, w, h = label["box"]
        beside = distance_to_path((x + w / 2, y + h / 2), paths[label["edge"]])
        assert beside <= 14, f"label of {label['edge']} is {beside:.0f} px from its edge"
    right = max(rect[0] + rect[2] for rect in rects.values())
    for edge in drawing["edges"]:
        source, target = edge["edge"].split(">")
        for x, y in edge["points"]:
            assert 0 <= x <= drawing["width"] and 0 <= y <= drawing["height"], edge
        if source == target:
            continue
        assert on_border(edge["points"][-1], rects[target]), edge
        assert on_border(edge["points"][0], rects[source]), edge
        if rects[target][1] + rects[target][3] <= rects[source][1]:
            assert max(x for x, _ in edge["points"]) > right, f"back edge {edge} not on the side"


@pytest.mark.parametrize("name", ["second_largest", "moving_average", "parse_intervals", "shapes"])
def test_the_examples_are_drawn_cleanly(browser: Any, tmp_path: Path, name: str) -> None:
    program = (EXAMPLES / f"{name}.py").read_text()
    test = (EXAMPLES / f"{name}_test.py").read_text()
    found = drawings(browser, program, test, tmp_path)
    assert found
    for drawing in found:
        check(drawing)


def test_a_function_of_fifty_blocks_is_drawn_cleanly(browser: Any, tmp_path: Path) -> None:
    [graph] = [g for g in ldb.blocks(BRANCHY) if g.qualname == "grade"]
    assert len(graph.blocks) >= 50
    drawing = max(drawings(browser, BRANCHY, BRANCHY_TEST, tmp_path), key=lambda d: len(d["boxes"]))
    assert len(drawing["boxes"]) == len(graph.blocks)
    check(drawing)


def test_a_recursive_function_is_drawn_cleanly(browser: Any, tmp_path: Path) -> None:
    found = drawings(browser, RECURSIVE, RECURSIVE_TEST, tmp_path)
    assert any(len(drawing["labels"]) >= 3 for drawing in found)
    for drawing in found:
        check(drawing)
