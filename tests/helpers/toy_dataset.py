"""A small dataset in LDB's layout: problems whose outcomes under the protocol are known in
advance."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

# Seeds passing both test sets; failing the visible tests but fixable by one edit; passing
# what the debugger sees while the hidden test fails; fixable on the visible tests yet still
# wrong on the hidden one.
PROBLEMS: list[dict[str, Any]] = [
    {
        "task_id": "Toy/0",
        "entry_point": "double",
        "prompt": 'def double(x):\n    """Twice x.\n    >>> double(2)\n    4\n    """\n',
        "canonical_solution": "def double(x):\n    return 2 * x\n",
        "given_tests": ["assert double(2) == 4"],
        "test": "def check(candidate):\n    assert candidate(2) == 4\n"
        "    assert candidate(-3) == -6\n",
        "solution": "def double(x):\n    return x + x\n",
    },
    {
        "task_id": "Toy/1",
        "entry_point": "total",
        "prompt": 'def total(xs):\n    """The sum of xs."""\n',
        "canonical_solution": "def total(xs):\n    return sum(xs)\n",
        "given_tests": ["assert total([1, 2, 3]) == 6", "assert total([4]) == 4"],
        "test": "def check(candidate):\n    assert candidate([1, 2, 3]) == 6\n"
        "    assert candidate([]) == 0\n",
        "solution": "def total(xs):\n    s = 0\n    for i in range(len(xs) - 1):\n"
        "        s += xs[i]\n    return s\n",
    },
    {
        "task_id": "Toy/2",
        "entry_point": "is_even",
        "prompt": 'def is_even(n):\n    """Whether n is even."""\n',
        "canonical_solution": "def is_even(n):\n    return n % 2 == 0\n",
        "given_tests": ["assert is_even(4) is True"],
        "test": "def check(candidate):\n    assert candidate(4) is True\n"
        "    assert candidate(3) is False\n",
        "solution": "def is_even(n):\n    return n > 0\n",
    },
]


def write_dataset(folder: Path, problems: list[dict[str, Any]] = PROBLEMS) -> Path:
    """LDB's layout: test/tests.jsonl and seed/toy/seed.jsonl; the seed file's path."""
    tests = folder / "test" / "tests.jsonl"
    seeds = folder / "seed" / "toy" / "seed.jsonl"
    for path in (tests, seeds):
        path.parent.mkdir(parents=True, exist_ok=True)
    without_seed = [{k: v for k, v in p.items() if k != "solution"} for p in problems]
    tests.write_text("".join(json.dumps(p) + "\n" for p in without_seed))
    seeds.write_text("".join(json.dumps(p) + "\n" for p in problems))
    return seeds
