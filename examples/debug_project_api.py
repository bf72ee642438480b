"""Repair a repository's failing pytest test across its files: `examples/shop`, whose
discount is off (run `ldb debug --project examples/shop` for the same from the shell).

The repair is a patch; the tree is not written (`apply=True` would write it)."""

from pathlib import Path

import ldb

result = ldb.debug_project(
    Path(__file__).parent / "shop",
    ["tests/test_cart.py::test_half"],
    options=ldb.DebugOptions(model="offline", max_iterations=3),
    # ldb's own interpreter runs the shop's tests: the plugins installed beside ldb are not
    # the shop's, and none need load.
    env={"PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"},
)
print(result.status, "after", len(result.iterations), "round(s)")
for iteration in result.iterations:
    for verdict in iteration.verdicts:
        if verdict.correct is False:
            print(f"blamed: {verdict.file} {verdict.function} block {verdict.block}")
print(result.patch, end="")
