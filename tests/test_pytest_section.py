"""The pieces of `pytest --ldb`'s section that need no run: a path's loops folded, long values
cut, a diff coloured."""

from __future__ import annotations

from ldb.present.pytest_section import _folded, _short, diff_lines


def test_a_path_without_repeats_is_shown_as_it_ran() -> None:
    assert _folded([0, 2, 4]) == ["0", "2", "4"]


def test_a_loop_is_written_once_with_its_count() -> None:
    assert _folded([0, 1, 2, 1, 2, 1, 2, 1, 3]) == ["0", "(1 → 2) ×3", "1", "3"]
    assert _folded([5, 5, 5, 6]) == ["5 ×3", "6"]


def test_nested_loops_fold_the_inner_run_within_each_outer_visit() -> None:
    blocks = [0, 1, 2, 3, 3, 3, 4, 1, 2, 3, 3, 4, 1, 5]
    assert _folded(blocks) == ["0", "1", "2", "3 ×3", "4", "1", "2", "3 ×2", "4", "1", "5"]


def test_the_run_covering_most_steps_wins() -> None:
    # Not `1`, then `(2 → 1) ×2`, then `2`: the first run found covers six steps.
    assert _folded([1, 2, 1, 2, 1, 2, 7]) == ["(1 → 2) ×3", "7"]


def test_a_long_value_is_cut_in_the_middle() -> None:
    value = "[" + ", ".join(str(n) for n in range(100)) + "]"
    cut = _short(value)
    assert len(cut) <= 60
    assert cut.startswith("[0, 1, 2") and cut.endswith("98, 99]") and " … " in cut
    assert _short("short") == "short"


def test_a_diff_is_coloured_as_git_colours_it() -> None:
    patch = "--- a/x.py\n+++ b/x.py\n@@ -1 +1 @@\n-old\n+new\n same\n"
    assert [markup for [(_, markup)] in diff_lines(patch)] == [
        ("bold",),
        ("bold",),
        ("cyan",),
        ("red",),
        ("green",),
        (),
    ]
