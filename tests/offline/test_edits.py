"""The edit generator of the repair search: which small edits a line gets, in what order, and
that each leaves the rest of the program byte-identical."""

from __future__ import annotations

import difflib
import time
from collections.abc import Iterator
from textwrap import dedent

import pytest

from ldb.debugging.offline import edits as edits_module
from ldb.debugging.offline.edits import Edit, edits


def candidates(source: str, lines: list[int], values: dict[str, str] | None = None) -> list[Edit]:
    return list(edits(dedent(source), lines, values=values))


def changed(
    source: str,
    lines: list[int],
    operator: str | None = None,
    values: dict[str, str] | None = None,
) -> list[str]:
    """Each candidate as `before -> after`, of one operator if given."""
    return [
        f"{e.before} -> {e.after}"
        for e in candidates(source, lines, values)
        if operator is None or e.operator == operator
    ]


def line_of(edit: Edit, number: int) -> str:
    return edit.program.splitlines()[number - 1]


def test_comparison_neighbours_come_first_and_cost_one() -> None:
    found = candidates("def f(n):\n    return n < 3\n", [2])
    assert [line_of(e, 2) for e in found[:2]] == ["    return n <= 3", "    return n > 3"]
    assert [e.cost for e in found[:2]] == [1, 1]
    assert [e.operator for e in found[:2]] == ["comparison", "comparison"]
    assert [e.cost for e in found] == sorted(e.cost for e in found)


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("a <= b", ["a < b", "a >= b"]),
        ("a >= b", ["a > b", "a <= b"]),
        ("a == b", ["a != b"]),
        ("a != b", ["a == b"]),
        ("a in b", ["a not in b"]),
        ("a not in b", ["a in b"]),
        ("a is b", ["a is not b"]),
        ("a is not b", ["a is b"]),
    ],
)
def test_each_comparison_swaps_for_its_neighbours(expression: str, expected: list[str]) -> None:
    found = changed(f"def f(a, b):\n    return {expression}\n", [2], "comparison")
    assert found == [f"{expression} -> {after}" for after in expected]


def test_chained_comparisons_change_one_operator_at_a_time() -> None:
    found = changed("def f(a, b, c):\n    return a < b <= c\n", [2], "comparison")
    assert found == [
        "a < b <= c -> a <= b <= c",
        "a < b <= c -> a > b <= c",
        "a < b <= c -> a < b < c",
        "a < b <= c -> a < b >= c",
    ]


def test_arithmetic_swaps_operators_and_augmented_assignments() -> None:
    source = """\
        def f(a, b, total):
            total += a // b
            return a - b
    """
    assert changed(source, [2], "arithmetic") == [
        "a // b -> a * b",
        "a // b -> a / b",
        "a // b -> a % b",
        "total += a // b -> total -= a // b",
        "total += a // b -> total *= a // b",
    ]
    assert changed(source, [3], "arithmetic") == ["a - b -> a + b"]


def test_an_operator_symbol_in_a_comment_is_not_taken_for_the_operator() -> None:
    source = """\
        def f(a, b):
            return (a  # this + is not the operator
                    + b)
    """
    (edit,) = candidates(source, [3])[:1]
    assert edit.operator == "arithmetic"
    assert edit.line == 3
    assert edit.program == dedent(source).replace("  + b)", "  - b)")


def test_boolean_swaps_each_operator_of_a_chain() -> None:
    found = changed("def f(a, b, c):\n    return a and b and c\n", [2], "boolean")
    assert found == ["a and b and c -> a or b and c", "a and b and c -> a and b or c"]


def test_constants_move_by_one_and_bools_stay() -> None:
    source = """\
        def f(flag):
            count, step, flag = 0, 1, True
            return -2
    """
    assert changed(source, [2], "constant") == ["0 -> -1", "0 -> 1", "1 -> 0", "1 -> 2"]
    assert changed(source, [3], "constant") == ["-2 -> -3", "-2 -> -1"]


def test_a_constant_that_becomes_zero_folds_away() -> None:
    found = changed("def f(xs, n):\n    return xs[n - 1]\n", [2], "constant")
    assert found == ["n - 1 -> n - 2", "n - 1 -> n"]


def test_a_negative_constant_is_parenthesised_where_precedence_needs_it() -> None:
    found = candidates("def f(n):\n    return 0 ** n\n", [2])
    assert "    return (-1) ** n" in [line_of(e, 2) for e in found if e.operator == "constant"]


def test_range_bounds_shift_and_gain_or_lose_a_start() -> None:
    assert changed("def f(n):\n    return range(n)\n", [2], "range_bound") == [
        "range(n) -> range(n - 1)",
        "range(n) -> range(n + 1)",
        "range(n) -> range(1, n)",
    ]
    assert changed("def f(n):\n    return range(1, n - 1)\n", [2], "range_bound") == [
        "range(1, n - 1) -> range(2, n - 1)",
        "range(1, n - 1) -> range(1, n - 2)",
        "range(1, n - 1) -> range(1, n)",
        "range(1, n - 1) -> range(n - 1)",
    ]


def test_range_never_gets_a_zero_step_nor_a_redundant_zero_start() -> None:
    found = changed("def f(n):\n    return range(1, n, 1)\n", [2])
    assert "range(1, n, 1) -> range(1, n, 2)" in found
    assert "range(1, n, 1) -> range(1, n, 0)" not in found
    assert "range(1, n, 1) -> range(0, n, 1)" in found
    found = changed("def f(n):\n    return range(0, n)\n", [2])
    assert "range(0, n) -> range(n)" not in found
    assert "range(0, n) -> range(-1, n)" in found


def test_slice_bounds_shift_for_cost_one_and_drop_for_cost_two() -> None:
    found = [
        (e.cost, f"{e.before} -> {e.after}")
        for e in candidates("def f(xs, i, j):\n    return xs[i:j] * 2\n", [2])
        if e.operator == "slice_bound"
    ]
    assert found == [
        (1, "xs[i:j] -> xs[i - 1:j]"),
        (1, "xs[i:j] -> xs[i + 1:j]"),
        (1, "xs[i:j] -> xs[i:j - 1]"),
        (1, "xs[i:j] -> xs[i:j + 1]"),
        (2, "xs[i:j] -> xs[:j]"),
        (2, "xs[i:j] -> xs[i:]"),
    ]
    costs = [e.cost for e in candidates("def f(xs, i, j):\n    return xs[i:j] * 2\n", [2])]
    assert costs == sorted(costs)


def test_negative_slice_bounds_shift_in_place() -> None:
    found = changed("def f(xs):\n    return xs[:-1]\n", [2], "slice_bound")
    assert found == ["xs[:-1] -> xs[:-2]", "xs[:-1] -> xs[:0]", "xs[:-1] -> xs[:]"]


def test_negation_of_if_while_elif_and_ternary_tests() -> None:
    source = """\
        def f(x, done):
            if x > 0:
                pass
            elif x:
                pass
            while not done:
                done = True
            return 1 if x else 2
    """
    assert changed(source, [2], "negation") == ["x > 0 -> not (x > 0)"]
    assert changed(source, [4], "negation") == ["x -> not x"]
    assert changed(source, [6], "negation") == ["not done -> done"]
    assert changed(source, [8], "negation") == ["x -> not x"]
    assert all(e.cost == 2 for e in candidates(source, [2, 4, 6, 8]) if e.operator == "negation")


def test_negation_reaches_the_operands_of_a_condition_but_not_a_constant_test() -> None:
    source = """\
        def f(a, b):
            while True:
                if a and not b:
                    return a
    """
    assert changed(source, [2], "negation") == []
    assert changed(source, [3], "negation") == [
        "a and not b -> not (a and not b)",
        "a -> not a",
        "not b -> b",
    ]


def test_drop_condition_drops_one_operand_never_the_whole_condition() -> None:
    source = """\
        def f(a, b, c):
            if a > 0 and (b or c):
                return 1
    """
    found = candidates(source, [2])
    assert [line_of(e, 2) for e in found if e.operator == "drop_condition"] == [
        "    if b or c:",
        "    if a > 0:",
        "    if a > 0 and (c):",
        "    if a > 0 and (b):",
    ]
    assert all(e.cost == 2 for e in found if e.operator == "drop_condition")
    assert "    if True:" not in [line_of(e, 2) for e in found]


def test_drop_condition_keeps_the_others_joined_and_parenthesised_as_needed() -> None:
    found = changed("def f(a, b, c, d):\n    return (a or b) and c and d\n", [2], "drop_condition")
    assert found[:3] == [
        "(a or b) and c and d -> c and d",
        "(a or b) and c and d -> (a or b) and d",
        "(a or b) and c and d -> (a or b) and c",
    ]


def test_swap_operands_of_ordered_operations_with_precedence_kept() -> None:
    source = """\
        def f(a, b, c, xs):
            x = (a - b) - c
            y = a * b
            z = a in xs
            return x + y
    """
    assert changed(source, [2], "swap_operands") == [
        "(a - b) - c -> c - (a - b)",
        "a - b -> b - a",
    ]
    assert changed(source, [3], "swap_operands") == []
    assert changed(source, [4], "swap_operands") == ["a in xs -> xs in a"]


def test_swap_operands_of_plus_only_when_it_may_concatenate() -> None:
    source = 'def f(s, n):\n    i = 0\n    return (s + "x", i + 1)\n'
    assert changed(source, [3], "swap_operands") == ['s + "x" -> "x" + s']


def test_variables_swap_within_the_function_by_guessed_type() -> None:
    source = """\
        def f(xs):
            total = 0
            label = "sum"
            for i in range(len(xs)):
                total = total + i
            return label
    """
    # `xs`'s type is unknown, so it may stand for anything; `label` is a str.
    assert changed(source, [5], "variable") == [
        "total -> xs",
        "total -> i",
        "i -> xs",
        "i -> total",
    ]


def test_values_restrict_variable_swaps_to_the_same_type() -> None:
    source = """\
        def f(xs, ys, i, j):
            return xs[i]
    """
    assert changed(source, [2], "variable") == [
        "xs -> ys",
        "xs -> i",
        "xs -> j",
        "i -> xs",
        "i -> ys",
        "i -> j",
    ]
    types = {"xs": "list", "ys": "list", "i": "int", "j": "int"}
    assert changed(source, [2], "variable", types) == ["xs -> ys", "i -> j"]


def test_functions_modules_builtins_and_self_are_not_variables() -> None:
    source = """\
        import math


        def helper(x):
            return x


        class Box:
            def size(self, n):
                return helper(n) + math.floor(n) + len(self.items) + abs
    """
    found = changed(source, [10], "variable")
    assert found == []


def test_return_value_swaps_the_returned_expression_for_a_variable_last() -> None:
    source = """\
        def f(xs):
            best = 0
            name = ""
            for x in xs:
                best = max(best, x)
            return best + 1
    """
    found = candidates(source, [6])
    returned = [(e.cost, line_of(e, 6)) for e in found if e.operator == "return_value"]
    # The type of `best + 1` is not obvious from literals: every variable may stand for it,
    # but `return best` came earlier, from the constant edit `best + 1` -> `best`.
    assert returned == [(3, "    return xs"), (3, "    return name"), (3, "    return x")]
    assert found[-len(returned) :] == [e for e in found if e.operator == "return_value"]


def test_return_value_keeps_to_the_type_when_it_is_known() -> None:
    source = """\
        def f(n, m):
            count = 0
            name = "x"
            return count + 0.5 if n else "none"
    """
    found = changed(source, [4], "return_value")
    assert found[0].endswith("-> n")
    assert len(found) == 4
    # A returned name's type decides: `count` is an int by its literal, `n` by `values`.
    source = source.replace('count + 0.5 if n else "none"', "count")
    # A number returned may also be one off, or of the wrong sign.
    numeric = ["count -> count - 1", "count -> count + 1", "count -> -count"]
    assert changed(source, [4]) == ["count -> n", "count -> m", *numeric]
    assert changed(source, [4], values={"n": "int", "m": "str"}) == ["count -> n", *numeric]


def test_comments_and_blank_lines_stay_and_only_the_edited_line_changes() -> None:
    source = dedent(
        """\
        def f(n):  # entry
            # count up
            i = 0

            while i < n:   # odd  spacing   kept
                i += 1
            return i
        """
    )
    found = list(edits(source, [5]))
    assert found
    for edit in found:
        diff = [
            line
            for line in difflib.unified_diff(
                source.splitlines(), edit.program.splitlines(), lineterm="", n=0
            )
            if line.startswith(("-", "+")) and not line.startswith(("---", "+++"))
        ]
        assert diff == [f"-{source.splitlines()[4]}", f"+{line_of(edit, 5)}"]
        assert line_of(edit, 5).endswith("   # odd  spacing   kept")
        assert edit.program.replace(line_of(edit, 5), source.splitlines()[4]) == source


def test_each_program_is_the_original_with_before_replaced_by_after() -> None:
    source = "def f(a, b):\n    return a<b or a==b  # é\n"
    found = list(edits(source, [2]))
    assert len(found) > 10
    for edit in found:
        starts = [i for i in range(len(source)) if source.startswith(edit.before, i)]
        spliced = {source[:i] + edit.after + source[i + len(edit.before) :] for i in starts}
        assert edit.program in spliced


def test_description_names_the_line_and_the_change() -> None:
    (first, *_) = candidates("def f(n):\n    return n < 3\n", [2])
    assert first.description == "line 2: `n < 3` → `n <= 3`"
    multi = "def f(a, b):\n    return (a\n            + b)\n"
    edit = next(e for e in edits(multi, [2]) if e.operator == "swap_operands")
    assert edit.description == "line 2: `a + b` → `b + a`"


def test_lines_are_taken_in_the_order_given_and_cheapest_first_within_each() -> None:
    source = """\
        def f(a, b):
            x = a - b
            y = a < b
            return x, y
    """
    found = candidates(source, [3, 2])
    lines = [e.line for e in found]
    assert lines == sorted(lines, reverse=True)
    assert lines[0] == 3 and lines[-1] == 2
    for line in (2, 3):
        costs = [e.cost for e in found if e.line == line]
        assert costs == sorted(costs)


def test_no_duplicates_and_never_the_original() -> None:
    source = """\
        def f(xs, n):
            for i in range(1, n - 1):
                xs[i - 1] = xs[i - 1] + 1
            return xs
    """
    found = candidates(source, [2, 3, 3, 2, 4])
    programs = [e.program for e in found]
    assert len(programs) == len(set(programs))
    assert dedent(source) not in programs
    # `range(1, n - 1)`'s `1` and `n - 1` are reached by range_bound; constant adds no twin.
    assert [e.operator for e in found if e.line == 2 and e.cost == 1] == [
        "arithmetic",
        *["range_bound"] * 4,
    ]


@pytest.mark.parametrize("line", [0, 3, 4, 6, 7, 99])
def test_lines_without_a_statement_yield_nothing(line: int) -> None:
    source = """\
        def f(n):
            try:
                # n is small
                pass
            except ValueError:

                return n
    """
    assert candidates(source, [line]) == []


def test_a_compound_statement_yields_only_for_its_header() -> None:
    source = """\
        def f(a, b):
            if (a > 0 and
                    b > 0):
                return a - 1
    """
    header = candidates(source, [3])
    assert header and all(e.line in (2, 3) for e in header)
    assert "b > 0 -> b >= 0" in [f"{e.before} -> {e.after}" for e in header]
    assert all(e.line == 4 for e in candidates(source, [4]))


def test_any_line_of_a_multi_line_statement_selects_the_whole_statement() -> None:
    source = """\
        def f(a, b):
            return (a
                    + b  # a sum
                    - 1)
    """
    by_first = candidates(source, [2])
    by_last = candidates(source, [4])
    assert [e.program for e in by_first] == [e.program for e in by_last]
    lines = {e.line for e in by_first}
    assert {3, 4} <= lines
    fold = next(e for e in by_first if e.operator == "constant" and "-" not in e.after)
    assert fold.program == dedent(source).replace("- 1)", ")")
    assert fold.program.splitlines()[3] == "            )"


def test_a_line_holding_two_statements_edits_both() -> None:
    found = changed("def f(a):\n    x = a + 1; y = a - 1\n    return x, y\n", [2], "arithmetic")
    assert found == ["a + 1 -> a - 1", "a - 1 -> a + 1"]


def test_candidates_that_do_not_compile_are_dropped() -> None:
    fine = """\
        def f(y):
            print(y)
            x = 1
    """
    broken = """\
        def f(y):
            print(y)
            global x
            x = 1
    """
    assert "y -> x" in changed(fine, [2], "variable")
    # `print(x)` before `global x` is a SyntaxError only the compiler raises.
    assert changed(broken, [2], "variable") == []


def test_a_program_that_does_not_parse_yields_nothing() -> None:
    assert candidates("def f(n):\n    return n <\n", [2]) == []


def test_warnings_about_the_program_do_not_escape() -> None:
    # pytest turns warnings into errors: a leaked SyntaxWarning would drop every candidate.
    found = changed("def f(x):\n    return x is 1\n", [2], "comparison")
    assert found == ["x is 1 -> x is not 1"]


def test_lambdas_and_comprehensions_inside_a_line() -> None:
    source = """\
        def f(xs, k):
            ys = [x * k for x in xs if x > 0]
            return sorted(ys, key=lambda t: t - k)
    """
    found = changed(source, [2])
    assert "x * k -> x // k" in found
    assert "x > 0 -> x >= 0" in found
    assert "x -> k" in found
    lambda_line = changed(source, [3], "variable")
    assert "k -> t" in lambda_line
    assert "ys -> t" not in lambda_line
    assert "ys -> x" not in lambda_line
    assert "t - k -> t + k" in changed(source, [3], "arithmetic")


def test_f_string_insides_are_left_alone() -> None:
    source = 'def f(n):\n    return f"{n + 1}" + str(n - 1)\n'
    assert changed(source, [2], "arithmetic") == [
        'f"{n + 1}" + str(n - 1) -> f"{n + 1}" - str(n - 1)',
        "n - 1 -> n + 1",
    ]
    assert all('f"{n + 1}"' in e.program for e in edits(source, [2]) if e.cost < 3)


def test_unicode_identifiers_and_strings_are_cut_at_the_right_place() -> None:
    source = 'def f(größe, 名前):\n    return "ü✓" if größe < 3 else 名前[größe:]\n'
    found = candidates(source, [2])
    assert '    return "ü✓" if größe <= 3 else 名前[größe:]' in [line_of(e, 2) for e in found]
    assert '    return "ü✓" if größe < 3 else 名前[größe + 1:]' in [line_of(e, 2) for e in found]
    assert "größe -> 名前" in [f"{e.before} -> {e.after}" for e in found]
    for edit in found[:-2]:
        assert edit.program.count('"ü✓"') == 1
    assert [e.after for e in found[-2:]] == ["größe", "名前"]


def test_edits_is_lazy(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = 0
    real = compile

    def counting(*args: object, **kwargs: object) -> object:
        nonlocal calls
        calls += 1
        return real(*args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr(edits_module, "compile", counting, raising=False)
    found: Iterator[Edit] = edits("def f(a, b, c):\n    return a < b < c - 1\n", [2])
    assert calls == 0
    next(found)
    assert calls == 1


FORTY_LINES = '''\
def median_of_windows(values, width):
    """Median of every window of `width` values."""
    if width <= 0 or width > len(values):
        return []
    result = []
    for start in range(0, len(values) - width + 1):
        window = sorted(values[start:start + width])
        middle = width // 2
        if width % 2 == 1:
            result.append(window[middle])
        else:
            result.append((window[middle - 1] + window[middle]) / 2)
    return result


def count_runs(items):
    runs = 0
    previous = None
    for item in items:
        if item != previous:
            runs += 1
        previous = item
    return runs


def longest_prefix(words):
    if not words:
        return ""
    prefix = words[0]
    for word in words[1:]:
        while not word.startswith(prefix) and prefix:
            prefix = prefix[:-1]
    return prefix


def clamp(x, low, high):
    """x, kept within [low, high]."""
    if x < low:
        return low
    return high if x > high else x
'''


def test_a_forty_line_program_yields_every_candidate_quickly() -> None:
    assert FORTY_LINES.count("\n") == 40
    lines = [12, 6, 20, 31, 40]
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        found = list(edits(FORTY_LINES, lines))
        best = min(best, time.perf_counter() - started)
    assert len(found) > 40
    assert {e.line for e in found} == set(lines)
    assert best < 0.05
