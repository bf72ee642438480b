"""The data every layer of ldb exchanges: pydantic models with a stable JSON form."""

from __future__ import annotations

from typing import Literal

import networkx as nx
from pydantic import BaseModel, ConfigDict, Field

SCHEMA_VERSION = 1
"""Bumped whenever a JSON document ldb writes changes incompatibly."""

EdgeKind = Literal[
    "next",
    "true",
    "false",
    "loop",
    "loop_exit",
    "break",
    "continue",
    "return",
    "raise",
    "exception",
    "case",
    "finally",
    "assert_fail",
]
"""Why control may pass from one block to another; the README's table explains each kind."""


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Span(_Frozen):
    """Where one statement (or the header of a compound statement) sits in the source.

    Lines are 1-based; columns are 0-based UTF-8 byte offsets, as `ast` and `co_positions`
    report them, so a span can be matched against bytecode positions directly.
    """

    line: int
    col: int
    end_line: int
    end_col: int


class Edge(_Frozen):
    """One successor of a block."""

    id: int
    kind: EdgeKind


class Block(_Frozen):
    """A basic block: statements entered only at the first and left only after the last."""

    id: int
    start_line: int | None = Field(description="First line of the block; null for the exit.")
    end_line: int | None = Field(description="Last line of the block; null for the exit.")
    lines: list[int] = Field(description="The line each statement of the block starts on.")
    source: str = Field(description="The block's statements, dedented; empty for the exit.")
    unreachable: bool = Field(description="No path leads here from the entry.")
    successors: list[Edge]
    spans: list[Span] = Field(default_factory=list, exclude=True)


class FunctionGraph(_Frozen):
    """The control-flow graph of one unit of code: a function, a class body or the module."""

    name: str
    qualname: str = Field(description="As Python's __qualname__; '<module>' for module code.")
    start_line: int = Field(description="The unit's first line, decorators included.")
    entry: int
    exit: int
    blocks: list[Block] = Field(description="In source order; the synthetic exit block is last.")

    def block(self, block_id: int) -> Block:
        return self.blocks[block_id]

    def to_networkx(self) -> nx.DiGraph:
        """The graph as a `networkx.DiGraph`: nodes are block ids carrying the `Block` under
        "block"; edges carry their `kind` (and all `kinds`, should two kinds join one pair)."""
        graph = nx.DiGraph(name=self.qualname, entry=self.entry, exit=self.exit)
        for block in self.blocks:
            graph.add_node(block.id, block=block)
        for block in self.blocks:
            for edge in block.successors:
                if graph.has_edge(block.id, edge.id):
                    graph.edges[block.id, edge.id]["kinds"].append(edge.kind)
                else:
                    graph.add_edge(block.id, edge.id, kind=edge.kind, kinds=[edge.kind])
        return graph


class BlocksReport(_Frozen):
    """What `ldb blocks --json` prints: the graphs of every unit of one program."""

    schema_version: int = SCHEMA_VERSION
    functions: list[FunctionGraph]
