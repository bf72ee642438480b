"""Trace a failing test with ldb's Python API and print where the values went wrong.

Run: python examples/trace_api.py
"""

from __future__ import annotations

from pathlib import Path

import ldb

HERE = Path(__file__).parent
program = (HERE / "second_largest.py").read_text()
tests = (HERE / "second_largest_test.py").read_text()

result = ldb.trace(program, tests)
print(
    f"{result.status}: {sum(c.status == 'passed' for c in result.cases)} of "
    f"{len(result.cases)} cases passed ({result.tracer})"
)
assert result.traced_case is not None
case = result.cases[result.traced_case]
print(f"traced: {case.test}\n  expected {case.expected}, got {case.actual}")

blocks = {graph.qualname: graph for graph in ldb.blocks(program)}
for event in result.events:
    if event.block is None:
        print(f"call {event.function}({', '.join(f'{k}={v}' for k, v in event.state.items())})")
        continue
    source = blocks[event.function].blocks[event.block].source.splitlines()[-1].strip()
    ending = f" -> returns {event.return_value}" if event.return_value is not None else ""
    print(f"  [{event.block}] visit {event.visit}: {source:40} {event.state}{ending}")
