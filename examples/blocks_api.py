"""Build the control-flow graph of a function with ldb's Python API and walk it with networkx.

Run: python examples/blocks_api.py
"""

from __future__ import annotations

import networkx as nx

import ldb

SOURCE = """
def clamp(x, low, high):
    if x < low:
        return low
    if x > high:
        return high
    return x
"""

graphs = ldb.blocks(SOURCE)
clamp = next(graph for graph in graphs if graph.qualname == "clamp")
for block in clamp.blocks:
    edges = ", ".join(f"{edge.kind} -> {edge.id}" for edge in block.successors)
    print(f"[{block.id}] lines {block.lines}: {block.source!r}  {edges}")

digraph = clamp.to_networkx()
paths = list(nx.all_simple_paths(digraph, clamp.entry, clamp.exit))
print(f"{len(paths)} paths from entry to exit:", paths)
