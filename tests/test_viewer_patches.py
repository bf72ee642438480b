"""The viewer's patch applier: ldb's own patches made forwards and undone, to the byte."""

from __future__ import annotations

import random

import pytest

from ldb.present.viewer import patches
from ldb.source import patch, unified_diff

BEFORE = {
    "shop/cart.py": "def total(prices):\n    return sum(prices)\n",
    "shop/pricing.py": "def discount(amount):\n    return amount // 3\n",
    "shop/bare.py": "x = 1\ny = 2",
    "shop/windows.py": "def f():\r\n    return 1\r\n\r\nz = 3\r\n",
}
AFTER = {
    "shop/cart.py": "def total(prices):\n    return sum(prices) - 1\n",
    "shop/pricing.py": "def discount(amount):\n    return amount // 2\n",
    "shop/bare.py": "x = 1\ny = 3",
    "shop/windows.py": "def f():\r\n    return 2\r\n\r\nz = 3\r\n",
}


def round_trip(before: dict[str, str], after: dict[str, str]) -> None:
    made = patch(before, after)
    changed = {path: text for path, text in after.items() if before.get(path, "") != text}
    assert patches.apply(before, made) == changed
    assert patches.apply(after, made, reverse=True) == {
        path: before.get(path, "") for path in changed
    }


def test_a_patch_over_several_files_is_made_and_undone() -> None:
    round_trip(BEFORE, AFTER)
    assert patches.files(patch(BEFORE, AFTER)) == sorted(AFTER)


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("a = 1\nb = 2", "a = 1\nb = 2\n"),  # a newline given to the last line
        ("a = 1\nb = 2\n", "a = 1\nb = 2"),  # and taken from it
        ("a = 1\nb = 2", "a = 0\nb = 2"),  # a change above a last line without one
        ("a = 1", "b = 1"),
        ("", "a = 1\n"),  # a new file
        ("a = 1\n", ""),  # emptied
        ("a = 1\r\nb = 2\r\n", "a = 1\nb = 2\r\n"),  # CRLF to LF on one line
        ("a = 1\r\nb = 2", "a = 1\r\nb = 3"),  # CRLF without a newline at the end
        ("a = '\r'\nb = '\x0c'\n", "a = '\r'\nb = 0\n"),  # a lone \r, a form feed
    ],
)
def test_line_endings_survive_both_ways(before: str, after: str) -> None:
    round_trip({"m.py": before}, {"m.py": after})


def test_changed_lines_that_look_like_headers_stay_lines() -> None:
    before = "-- x\n@@ z\n\\ w\n"
    after = "++ y\n@@ q\n\\ v\n"
    made = patch({"m.py": before}, {"m.py": after})
    assert "\n--- x\n" in made and "\n+++ y\n" in made and "\n-\\ w\n" in made
    round_trip({"m.py": before}, {"m.py": after})


def test_a_file_whose_text_differs_is_not_guessed_at() -> None:
    made = patch(BEFORE, AFTER)
    moved = {**BEFORE, "shop/pricing.py": "\n" + BEFORE["shop/pricing.py"]}
    applied = patches.apply(moved, made)
    assert applied["shop/pricing.py"] is None
    assert applied["shop/cart.py"] == AFTER["shop/cart.py"]
    assert patches.apply({}, made)["shop/cart.py"] is None


def test_a_hunk_cut_short_spoils_only_its_file() -> None:
    made = patch(BEFORE, AFTER)
    cut = made.replace("-    return amount // 3\n", "")
    applied = patches.apply(BEFORE, cut)
    assert applied["shop/pricing.py"] is None
    assert applied["shop/windows.py"] == AFTER["shop/windows.py"]


def test_a_single_programs_diff_applies_too() -> None:
    before = "def f(x):\n    return x + 1\n"
    after = "def f(x):\n    return x - 1\n"
    assert patches.apply({"program.py": before}, unified_diff(before, after)) == {
        "program.py": after
    }


def test_a_deleted_file_in_gits_form_is_named_by_its_old_path() -> None:
    deleted = "diff --git a/m.py b/m.py\n--- a/m.py\n+++ /dev/null\n@@ -1 +0,0 @@\n-a = 1\n"
    assert patches.apply({"m.py": "a = 1\n"}, deleted) == {"m.py": ""}


PIECES = ["x = 1", "", "    y = x", "-- a", "+++ b", "@@ c", "\\ d", "e = '\r'", "f\x0c", "g\t"]


def text_of(rng: random.Random) -> str:
    ending = rng.choice(["\n", "\r\n"])
    lines = [rng.choice(PIECES) + rng.choice([ending, ending, "\r\n"]) for _ in range(20)]
    text = "".join(lines)
    return text.rstrip("\r\n") if rng.random() < 0.3 else text


def edited(rng: random.Random, text: str) -> str:
    lines = text.split("\n")
    for _ in range(rng.randint(1, 4)):
        at = rng.randrange(len(lines))
        change = rng.choice(["drop", "add", "swap"])
        if change == "drop" and len(lines) > 1:
            del lines[at]
        elif change == "add":
            lines.insert(at, rng.choice(PIECES))
        else:
            lines[at] = rng.choice(PIECES) + "\r" * rng.randint(0, 1)
    return "\n".join(lines)


@pytest.mark.parametrize("seed", range(40))
def test_random_edits_round_trip(seed: int) -> None:
    rng = random.Random(seed)
    before = {f"pkg/m{i}.py": text_of(rng) for i in range(3)}
    after = {path: edited(rng, text) for path, text in before.items()}
    after["pkg/new.py"] = text_of(rng)
    round_trip(before, after)
