"""The drawing of a control-flow graph: every block placed, no two overlapping, every edge
routed from its source to its target, large functions included."""

from __future__ import annotations

import inspect
import json

import pytest

import ldb
from ldb.models import FunctionGraph
from ldb.present.layout import Layout, layout
from tests.helpers.paths import EXAMPLES


def graphs_of(source: str) -> list[FunctionGraph]:
    return [g for g in ldb.blocks(source) if g.qualname != "<module>"]


def check(drawing: Layout, graph: FunctionGraph) -> None:
    assert [box.block for box in drawing.boxes] == [block.id for block in graph.blocks]
    for i, a in enumerate(drawing.boxes):
        assert a.x >= 0 and a.y >= 0
        assert a.x + a.width <= drawing.width and a.y + a.height <= drawing.height + 1e-6
        for b in drawing.boxes[i + 1 :]:
            apart = (
                a.x + a.width <= b.x
                or b.x + b.width <= a.x
                or a.y + a.height <= b.y
                or b.y + b.height <= a.y
            )
            assert apart, f"blocks {a.block} and {b.block} overlap"
    expected = {(block.id, edge.id) for block in graph.blocks for edge in block.successors}
    assert {(r.source, r.target) for r in drawing.routes} == expected
    boxes = {box.block: box for box in drawing.boxes}
    for route in drawing.routes:
        assert len(route.points) >= 2
        (x0, y0), (x1, y1) = route.points[0], route.points[-1]
        source, target = boxes[route.source], boxes[route.target]
        assert source.x - 1 <= x0 <= source.x + source.width + 1
        assert target.x - 1 <= x1 <= target.x + target.width + 1
        assert source.y - 1 <= y0 <= source.y + source.height + 1
        assert target.y - 1 <= y1 <= target.y + target.height + 1


@pytest.mark.parametrize("name", ["second_largest", "parse_intervals", "shapes", "moving_average"])
def test_the_examples_are_drawn_cleanly(name: str) -> None:
    for graph in graphs_of((EXAMPLES / f"{name}.py").read_text()):
        check(layout(graph), graph)


def test_a_function_of_fifty_blocks_and_more_is_drawn_cleanly() -> None:
    big = [g for g in graphs_of(inspect.getsource(inspect)) if len(g.blocks) >= 50]
    assert big, "the inspect module has functions of 50+ blocks"
    for graph in big[:3]:
        drawing = layout(graph)
        check(drawing, graph)
        assert drawing.height > drawing.width / 4, "layered top to bottom, not in a row"


def test_the_entry_is_on_top_and_a_loop_goes_back_up() -> None:
    [graph] = graphs_of("def f(xs):\n    t = 0\n    for x in xs:\n        t += x\n    return t\n")
    drawing = layout(graph)
    boxes = {box.block: box for box in drawing.boxes}
    assert boxes[graph.entry].y == min(box.y for box in drawing.boxes)
    [back] = [r for r in drawing.routes if r.kind == "loop"]
    assert boxes[back.target].y < boxes[back.source].y
    json.dumps(drawing.to_json())
