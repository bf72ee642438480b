"""The one-line bug corpus of bench/bugs is sound: at least 68 bugs, at least 4 of each of the
17 classes, and every bug passes its checker, which rejects broken bugs by name.

tests/ never imports bench/, so the checker runs as its command, `python -m bench.bugs --check`.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from tests.helpers.paths import ROOT

CORPUS = ROOT / "bench" / "bugs" / "corpus.jsonl"


def check(corpus: Path = CORPUS) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "bench.bugs", "--check", "--corpus", str(corpus)]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120)


def test_the_corpus_holds_at_least_four_bugs_of_every_class() -> None:
    records = [json.loads(line) for line in CORPUS.read_text(encoding="utf-8").splitlines()]
    classes = Counter(record["class"] for record in records)
    assert len(records) >= 68
    # The checker refuses a class that is not one of the 17; here each of them is present.
    assert len(classes) == 17
    assert min(classes.values()) >= 4


def test_every_bug_passes_the_check() -> None:
    done = check()
    assert done.returncode == 0, done.stdout + done.stderr
    *violations, summary = done.stdout.splitlines()
    assert violations == []
    assert summary.partition(":")[0].endswith(" bugs, 0 problems")


SIGN = """\
def sign(x):
    if x > 0:
        return 1
    if x < 0:
        return -1
    return 0
"""
SOUND = {
    "id": "sign_negative",
    "class": "wrong_return",
    "task": "Return 1 for a positive number, -1 for a negative one and 0 for zero. "
    "Example: sign(-4) == -1.",
    "entry_point": "sign",
    "program": SIGN.replace("return -1", "return 1"),
    "fixed": SIGN,
    "visible": ["assert sign(-4) == -1", "assert sign(5) == 1", "assert sign(0) == 0"],
    "hidden": [
        "assert sign(-4) == -1",
        "assert sign(5) == 1",
        "assert sign(0) == 0",
        "assert sign(1) == 1",
        "assert sign(-1) == -1",
        "assert sign(100) == 1",
        "assert sign(-0.5) == -1",
        "assert sign(0.0) == 0",
    ],
}


def broken(name: str, **changes: Any) -> dict[str, Any]:
    return {**SOUND, "id": name, **changes}


def test_the_check_accepts_a_sound_bug_and_names_what_is_wrong_with_broken_ones(
    tmp_path: Path,
) -> None:
    bugs = [
        SOUND,
        broken("fix_fails", hidden=[*SOUND["hidden"], "assert sign(2) == 2"]),
        broken(
            "two_lines",
            program=SIGN.replace("x > 0", "x >= 0").replace("return -1", "return 1"),
        ),
        broken(
            "nothing_fails",
            **{"class": "change_binary_operator"},
            program=SIGN.replace("x > 0", "x >= 0"),
            visible=["assert sign(-4) == -1", "assert sign(5) == 1", "assert sign(100) == 1"],
        ),
        broken("missing_as_change", **{"class": "missing_statement"}),
        broken("no_example", task="Return the sign of x.", visible=SOUND["visible"][:2]),
    ]
    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text("".join(json.dumps(bug) + "\n" for bug in bugs), encoding="utf-8")
    done = check(corpus)
    assert done.returncode == 1
    assert done.stdout.splitlines()[:-1] == [
        "fix_fails: fixed: failed, 1 tests fail, first 'assert sign(2) == 2'",
        "two_lines: wrong_return needs one line changed, but program and fixed differ by one "
        "line changed, one line changed",
        "nothing_fails: program: no visible test fails (passed)",
        "missing_as_change: missing_statement needs one line missing from program, but program "
        "and fixed differ by one line changed",
        "no_example: the task shows 0 examples `sign(...) == value`",
        "no_example: 2 visible tests, not 3 to 5",
        "the same program in: ['sign_negative', 'fix_fails', 'missing_as_change', 'no_example']",
    ]
