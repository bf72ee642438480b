"""Debug a failing program with ldb's Python API: the offline engine blames a block, repairs
it, and the tests pass.

Run: python examples/debug_api.py
"""

from __future__ import annotations

from pathlib import Path

import ldb

HERE = Path(__file__).parent
program = (HERE / "moving_average.py").read_text()
tests = (HERE / "moving_average_test.py").read_text()

result = ldb.debug(program, tests, options=ldb.DebugOptions(max_iterations=3))
for iteration in result.iterations:
    passed = sum(case.status == "passed" for case in iteration.cases)
    print(f"round {iteration.index + 1}: {passed} of {len(iteration.cases)} cases pass")
    for verdict in iteration.verdicts:
        if verdict.correct is False:
            print(f"  blamed block {verdict.block} of {verdict.function}: {verdict.explanation}")
    print(f"  repair: {iteration.edit}")
print(f"{result.status} in {result.seconds:.1f} s")
print(result.diff)
assert result.status == "fixed"
