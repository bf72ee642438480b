"""Where each block of a control-flow graph goes on a page: a layered (Sugiyama) drawing by
grandalf, with boxes sized to their source and edges routed around the layers."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from grandalf.graphs import Edge as GEdge
from grandalf.graphs import Graph, Vertex, graph_core
from grandalf.layouts import SugiyamaLayout

from ldb.models import Block, EdgeKind, FunctionGraph

CHAR_WIDTH = 7.4
"""Width of one character of the viewer's monospace font, in pixels."""
LINE_HEIGHT = 16.0
PADDING = 8.0
GAP = 40.0
"""Space between components laid side by side (unreachable blocks form their own)."""
LANE = 14.0
"""Space between the lanes loops' back edges take along a component's right side."""
BADGE_CHARS = 6
"""Room on a box's header line for the viewer's visit count (`1234×`) beside the block's id."""


@dataclass(frozen=True)
class Box:
    block: int
    x: float
    """Left edge."""
    y: float
    """Top edge."""
    width: float
    height: float


@dataclass(frozen=True)
class Route:
    source: int
    target: int
    kind: EdgeKind
    points: list[tuple[float, float]]
    """From the source box's bottom to the target box's top, bends between."""


@dataclass(frozen=True)
class Layout:
    function: str
    width: float
    height: float
    boxes: list[Box]
    routes: list[Route]

    def to_json(self) -> dict[str, Any]:
        return {
            "function": self.function,
            "width": round(self.width, 1),
            "height": round(self.height, 1),
            "boxes": [
                {k: round(v, 1) if isinstance(v, float) else v for k, v in vars(box).items()}
                for box in self.boxes
            ],
            "routes": [
                {
                    "source": r.source,
                    "target": r.target,
                    "kind": r.kind,
                    "points": [[round(x, 1), round(y, 1)] for x, y in r.points],
                }
                for r in self.routes
            ],
        }


@dataclass
class _View:
    """What grandalf reads (w, h) and writes (xy) for a vertex."""

    w: float
    h: float
    xy: tuple[float, float] = (0.0, 0.0)


@dataclass
class _EdgeView:
    points: list[tuple[float, float]] = field(default_factory=list)

    def setpath(self, points: list[tuple[float, float]]) -> None:
        self.points = [(float(x), float(y)) for x, y in points]


def _border(box: Box, toward: tuple[float, float]) -> tuple[float, float]:
    """Where the line from the box's centre toward a point leaves the box."""
    cx, cy = box.x + box.width / 2, box.y + box.height / 2
    dx, dy = toward[0] - cx, toward[1] - cy
    if dx == 0 and dy == 0:
        return cx, cy
    scales = []
    if dx:
        scales.append((box.width / 2) / abs(dx))
    if dy:
        scales.append((box.height / 2) / abs(dy))
    scale = min(1.0, *scales)
    return cx + dx * scale, cy + dy * scale


def header(block: Block) -> str:
    """A box's first line, as the viewer draws it: `[3] lines 11-12`, or `[7] exit`."""
    if not block.lines:
        return f"[{block.id}] exit"
    first, last = block.lines[0], block.end_line or block.lines[0]
    return f"[{block.id}] lines {first}" + (f"-{last}" if last > first else "")


def size(block: Block) -> tuple[float, float]:
    """A box's width and height: its header (with room for the visit count) over its source."""
    lines = block.source.splitlines() or [""]
    widest = max(12, len(header(block)) + BADGE_CHARS, *(len(line) for line in lines))
    return widest * CHAR_WIDTH + 2 * PADDING, (len(lines) + 1) * LINE_HEIGHT + PADDING


def _oriented(points: list[tuple[float, float]], source: Box) -> list[tuple[float, float]]:
    """The points from the source's end: grandalf gives a reversed edge's path backwards."""
    cx, cy = source.x + source.width / 2, source.y + source.height / 2
    first, last = points[0], points[-1]
    near_first = (first[0] - cx) ** 2 + (first[1] - cy) ** 2
    near_last = (last[0] - cx) ** 2 + (last[1] - cy) ** 2
    return points if near_first <= near_last else points[::-1]


def _goes_up(source: Box, target: Box) -> bool:
    """A back edge (a loop's, or a branch back to a loop's header): its target ends above
    its source's top."""
    return target.y + target.height <= source.y


def _along_the_side(source: Box, target: Box, lane: float, nth: int) -> list[tuple[float, float]]:
    """A back edge, `nth` of its component's: down out of the source, across the gap below it
    to a lane right of the drawing, up the lane, and across the gap above the target into its
    top (the gaps between layers hold no box, so the edge crosses none)."""
    below = source.y + source.height + 6 + 3 * nth
    above = target.y - 6 - 3 * nth
    # Into the top's right half, each back edge at its own place.
    into = target.x + target.width - min(target.width / 2, 6 + 8 * nth)
    return [
        (source.x + source.width / 2, source.y + source.height),
        (source.x + source.width / 2, below),
        (lane, below),
        (lane, above),
        (into, above),
        (into, target.y),
    ]


def _components(vertices: list[Vertex], edges: list[GEdge]) -> list[graph_core]:
    """The graph's connected parts, each holding its blocks and edges in the graph's order.
    grandalf gathers a part's edges in a set, ordered by the objects' addresses: the same
    function came out drawn differently from one run to the next."""
    order = {id(edge): position for position, edge in enumerate(edges)}
    parts = []
    for part in Graph(vertices, edges).C:
        held = sorted(part.sV, key=lambda vertex: vertex.data)
        for vertex in held:
            vertex.c = None
        parts.append(graph_core(held, sorted(part.sE, key=lambda edge: order[id(edge)])))
    return parts


def layout(graph: FunctionGraph) -> Layout:
    """The graph drawn top to bottom from its entry, loops' back edges going up; each
    connected part laid out on its own, left to right."""
    vertices = {}
    for block in graph.blocks:
        width, height = size(block)
        vertex = Vertex(block.id)
        vertex.view = _View(width, height)
        vertices[block.id] = vertex
    edges = []
    kinds: dict[tuple[int, int], EdgeKind] = {}
    for block in graph.blocks:
        for successor in block.successors:
            if successor.id == block.id or (block.id, successor.id) in kinds:
                kinds.setdefault((block.id, successor.id), successor.kind)
                continue
            edge = GEdge(vertices[block.id], vertices[successor.id])
            edge.view = _EdgeView()
            edges.append(edge)
            kinds[(block.id, successor.id)] = successor.kind
    boxes: dict[int, Box] = {}
    routes: list[Route] = []
    left = 0.0
    for component in _components(list(vertices.values()), edges):
        sugiyama = SugiyamaLayout(component)
        sugiyama.xspace, sugiyama.yspace = 24, 36
        entry = vertices.get(graph.entry)
        roots = [entry] if entry is not None and entry in component.sV else None
        sugiyama.init_all(roots=roots)
        sugiyama.draw(3)
        placed = list(component.sV)
        # The paths' bends too: a long edge may pass left of every box.
        bends = [point for edge in component.sE for point in edge.view.points]
        low_x = min([v.view.xy[0] - v.view.w / 2 for v in placed] + [x for x, _ in bends])
        low_y = min([v.view.xy[1] - v.view.h / 2 for v in placed] + [y for _, y in bends])
        shift_x, shift_y = left - low_x, -low_y
        for vertex in placed:
            view = vertex.view
            x = view.xy[0] - view.w / 2 + shift_x
            y = view.xy[1] - view.h / 2 + shift_y
            boxes[vertex.data] = Box(vertex.data, x, y, view.w, view.h)
        right = max(boxes[v.data].x + boxes[v.data].width for v in placed)
        lanes = 0
        for edge in component.sE:
            source, target = edge.v[0].data, edge.v[1].data
            kind = kinds[(source, target)]
            if _goes_up(boxes[source], boxes[target]):
                lanes += 1
                lane = right + lanes * LANE
                path = _along_the_side(boxes[source], boxes[target], lane, lanes)
                routes.append(Route(source, target, kind, path))
                continue
            points = [(x + shift_x, y + shift_y) for x, y in edge.view.points]
            if len(points) >= 2:
                points = _oriented(points, boxes[source])
                # grandalf routes centre to centre: end on the boxes' borders, so that an
                # arrowhead is not hidden under its target.
                points[0] = _border(boxes[source], points[1])
                points[-1] = _border(boxes[target], points[-2])
            routes.append(Route(source, target, kind, points))
        left = max(box.x + box.width for box in boxes.values()) + lanes * LANE + GAP
    for (source, target), kind in kinds.items():
        if source == target:  # a loop onto itself: out of the box's right side and back
            box = boxes[source]
            right, top = box.x + box.width, box.y
            points = [
                (right, top + box.height * 0.7),
                (right + 18, top + box.height * 0.7),
                (right + 18, top + box.height * 0.3),
                (right, top + box.height * 0.3),
            ]
            routes.append(Route(source, target, kind, points))
    corners = [(b.x + b.width, b.y + b.height) for b in boxes.values()]
    corners += [point for route in routes for point in route.points]
    width = max((x for x, _ in corners), default=0.0) + 24
    height = max((y for _, y in corners), default=0.0)
    ordered = [boxes[block.id] for block in graph.blocks]
    return Layout(graph.qualname, width, height, ordered, routes)
