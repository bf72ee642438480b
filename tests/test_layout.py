"""The drawing of a control-flow graph: every block placed, no two overlapping, every edge
routed from its source to its target, large functions included."""

from __future__ import annotations

import inspect
import json
import os
import subprocess
import sys

import pytest

import ldb
from ldb.models import FunctionGraph
from ldb.present.layout import BADGE_CHARS, CHAR_WIDTH, Box, Layout, header, layout
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
    blocks = {block.id: block for block in graph.blocks}
    for box in drawing.boxes:
        # The header and the visit count beside it fit on the box's first line.
        assert box.width >= (len(header(blocks[box.block])) + BADGE_CHARS) * CHAR_WIDTH
    for route in drawing.routes:
        assert len(route.points) >= 2
        source, target = boxes[route.source], boxes[route.target]
        assert on_border(route.points[0], source), (route, source)
        assert on_border(route.points[-1], target), (route, target)
        for x, y in route.points:
            assert 0 <= x <= drawing.width and 0 <= y <= drawing.height + 1e-6, (route, x, y)
        if target.y + target.height <= source.y:  # a back edge: along the side, through no box
            assert max(x for x, _ in route.points) > max(b.x + b.width for b in drawing.boxes)
            for start, end in zip(route.points, route.points[1:], strict=False):
                for box in drawing.boxes:
                    assert not crosses(start, end, box), (route, box)


def on_border(point: tuple[float, float], box: Box) -> bool:
    """The point lies on the box's outline (within a pixel)."""
    x, y = point
    inside_x = box.x - 1 <= x <= box.x + box.width + 1
    inside_y = box.y - 1 <= y <= box.y + box.height + 1
    near_side = min(abs(x - box.x), abs(x - box.x - box.width)) <= 1
    near_edge = min(abs(y - box.y), abs(y - box.y - box.height)) <= 1
    return inside_x and inside_y and (near_side or near_edge)


def crosses(start: tuple[float, float], end: tuple[float, float], box: Box) -> bool:
    """An axis-aligned segment passes through the box's inside."""
    (x0, y0), (x1, y1) = start, end
    left, right = min(x0, x1), max(x0, x1)
    top, bottom = min(y0, y1), max(y0, y1)
    return (
        left < box.x + box.width - 1
        and right > box.x + 1
        and top < box.y + box.height - 1
        and bottom > box.y + 1
    )


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
    # Along the drawing's right side, into the loop header's top.
    assert back.points[-1][1] == boxes[back.target].y
    json.dumps(drawing.to_json())


def test_a_function_is_drawn_the_same_in_every_process() -> None:
    # Objects' addresses and string hashes change from one process to the next; the drawing
    # must not. Before, the inspect module's largest functions came out differently each time.
    script = (
        "import inspect, json, ldb\n"
        "from ldb.present.layout import layout\n"
        "big = [g for g in ldb.blocks(inspect.getsource(inspect)) if len(g.blocks) >= 50]\n"
        "print(json.dumps([layout(g).to_json() for g in big[:3]]))\n"
    )
    drawn = {
        subprocess.run(
            [sys.executable, "-c", script],
            env={**os.environ, "PYTHONHASHSEED": str(seed)},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for seed in range(4)
    }
    assert len(drawn) == 1
