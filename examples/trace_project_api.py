"""Trace a repository's failing pytest test across its files: `examples/shop`, whose
discount is off (run `ldb trace --project examples/shop` for the same from the shell).

The tests run under the project's interpreter, which needs pytest (here: ldb's own)."""

from pathlib import Path

import ldb

result = ldb.trace_project(Path(__file__).parent / "shop", ["tests/test_cart.py"])
for case in result.cases:
    print(f"{case.status:>7}  {case.test}")
for event in result.events:
    if event.return_value is not None:
        print(f"{event.file}: {event.function} returned {event.return_value}")
