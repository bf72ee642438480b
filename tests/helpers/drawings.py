"""Programs whose drawings are hard to lay out: a function of more than fifty blocks, and a
recursive one, each with a test."""

from __future__ import annotations

BRANCHY = (
    "def grade(n):\n    total = 0\n"
    + "".join(
        f"    {'if' if k == 0 else 'elif'} n == {k}:\n        total += {k}\n"
        f"        for i in range(n):\n"
        f"            if i % {k + 2} == 0:\n                total -= i\n"
        for k in range(14)
    )
    + "    else:\n        total = -1\n    return total\n"
)
BRANCHY_TEST = "assert grade(5) == 5\n"

RECURSIVE = (
    "def flatten(items):\n"
    "    out = []\n"
    "    for item in items:\n"
    "        if isinstance(item, list):\n"
    "            out += flatten(item)\n"
    "        else:\n"
    "            out.append(item)\n"
    "    return out\n"
)
RECURSIVE_TEST = "assert flatten([1, [2, [3, 4]], 5]) == [1, 2, 3, 4, 5]\n"
