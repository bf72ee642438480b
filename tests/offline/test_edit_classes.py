"""The edit generator covers the single-statement bug classes of studies of real bugs
(ManySStuBs4J, PySStuBs), returns and augmented assignments: for each, small programs whose
fix is among the candidates of the faulty line; candidates the evidence of types rules out
are not; two-line edits; and the offline engine repairing a program of each family."""

from __future__ import annotations

import difflib
from textwrap import dedent

import pytest

import ldb
from ldb.debugging.offline.edits import Edit, edit_pairs, edits
from ldb.debugging.offline.engine import OfflineEngine


def programs(source: str, line: int, values: dict[str, str] | None = None) -> dict[str, Edit]:
    return {e.program: e for e in edits(dedent(source), [line], values=values)}


def fixes(buggy: str, line: int, fixed: str, values: dict[str, str] | None = None) -> Edit:
    """The candidate of `line` that makes `buggy` into `fixed`; it must be there."""
    found = programs(buggy, line, values)
    assert dedent(fixed) in found, "\n".join(e.description for e in found.values())
    return found[dedent(fixed)]


def afters(source: str, line: int, values: dict[str, str] | None = None) -> list[str]:
    return [e.after for e in edits(dedent(source), [line], values=values)]


# 1. change identifier


def test_a_variable_swaps_for_another_in_scope() -> None:
    buggy = dedent(
        """\
        def dot(xs, ys):
            total = 0
            for i in range(len(xs)):
                total += xs[i] * xs[i]
            return total
    """
    )
    fixes(buggy, 4, buggy.replace("* xs[i]", "* ys[i]"))
    buggy = dedent(
        """\
        def count_above(values, limit):
            count = 0
            for v in values:
                if v > count:
                    count += 1
            return count
    """
    )
    edit = fixes(buggy, 4, buggy.replace("v > count", "v > limit"))
    assert (edit.operator, edit.cost) == ("variable", 2)


# 2. change numeric literal


def test_a_small_literal_becomes_a_common_value_beyond_its_neighbours() -> None:
    edit = fixes("def last(xs):\n    return xs[1]\n", 2, "def last(xs):\n    return xs[-1]\n")
    assert (edit.operator, edit.cost) == ("literal", 2)
    fixes("def even(n):\n    return n % 5 == 0\n", 2, "def even(n):\n    return n % 2 == 0\n")
    fixes(
        "def first_index(xs):\n    start = 3\n    return xs[start:]\n",
        2,
        "def first_index(xs):\n    start = 0\n    return xs[start:]\n",
    )


def test_no_literal_becomes_a_zero_divisor_nor_a_far_value_for_a_large_one() -> None:
    source = "def f(n):\n    return [n % 4, 1000]\n"
    found = [(e.before, e.after) for e in edits(source, [2]) if e.before in ("4", "1000")]
    assert ("4", "1") in found and ("4", "0") not in found
    assert [after for before, after in found if before == "1000"] == ["999", "1001"]


# 3. change boolean literal


def test_a_bool_literal_flips_in_keywords_returns_and_assignments() -> None:
    buggy = "def ascending(xs):\n    return sorted(xs, reverse=True)\n"
    edit = fixes(buggy, 2, buggy.replace("True", "False"))
    assert (edit.operator, edit.cost) == ("bool_literal", 1)
    buggy = dedent(
        """\
        def has_negative(xs):
            found = True
            for x in xs:
                if x < 0:
                    found = True
            return found
    """
    )
    fixes(buggy, 2, buggy.replace("found = True\n    for", "found = False\n    for"))


def test_a_loop_on_true_is_not_a_bool_literal_slip() -> None:
    assert "False" not in afters("def f():\n    while True:\n        break\n", 2)


# 4. wrong function name


def test_builtins_commonly_confused_swap() -> None:
    buggy = "def smallest(xs):\n    return max(xs)\n"
    edit = fixes(buggy, 2, buggy.replace("max", "min"))
    assert (edit.operator, edit.cost) == ("function_name", 2)
    buggy = "def share(part, whole):\n    return int(100 * part / whole)\n"
    fixes(buggy, 2, buggy.replace("int(", "round("))


def test_methods_commonly_confused_swap() -> None:
    buggy = "def trim_end(s):\n    return s.lstrip()\n"
    fixes(buggy, 2, buggy.replace("lstrip", "rstrip"))
    buggy = 'def close(text, start):\n    return text.index(">", start)\n'
    fixes(buggy, 2, buggy.replace("index", "find"))
    buggy = "def is_word(s):\n    return s.isdigit()\n"
    fixes(buggy, 2, buggy.replace("isdigit", "isalpha"))


def test_a_method_swaps_only_for_one_the_receivers_type_has() -> None:
    source = "def where(xs, v):\n    return xs.index(v)\n"
    assert "find" in " ".join(afters(source, 2, {"xs": "str"}))
    assert "find" not in " ".join(afters(source, 2, {"xs": "list"}))
    assert "rindex" not in " ".join(afters(source, 2, {"xs": "list"}))


def test_a_builtin_shadowed_by_the_program_is_not_swapped() -> None:
    source = "def max(xs):\n    return 0\n\n\ndef f(xs):\n    return max(xs)\n"
    assert "min(xs)" not in afters(source, 6)


# 5. same function, an argument too many


def test_one_argument_of_a_call_drops() -> None:
    buggy = "def nearest(x):\n    return round(x, 1)\n"
    edit = fixes(buggy, 2, "def nearest(x):\n    return round(x)\n")
    assert (edit.operator, edit.cost) == ("drop_argument", 3)
    buggy = "def by_size(words):\n    return sorted(words, key=len)\n"
    fixes(buggy, 2, "def by_size(words):\n    return sorted(words)\n")
    buggy = "def take(queue):\n    return queue.pop(0)\n"
    fixes(buggy, 2, "def take(queue):\n    return queue.pop()\n")


# 6. same function, an argument too few


def test_a_known_argument_is_added_to_a_builtin() -> None:
    buggy = "def descending(xs):\n    return sorted(xs)\n"
    edit = fixes(buggy, 2, "def descending(xs):\n    return sorted(xs, reverse=True)\n")
    assert (edit.operator, edit.cost) == ("add_argument", 3)
    buggy = dedent(
        """\
        def hops(graph, start):
            queue = [start]
            while queue:
                node = queue.pop()
            return node
    """
    )
    fixes(buggy, 4, buggy.replace("pop()", "pop(0)"), {"queue": "list"})
    fixes("def cents(x):\n    return round(x)\n", 2, "def cents(x):\n    return round(x, 2)\n")
    fixes(
        "def numbered(xs):\n    return list(enumerate(xs))\n",
        2,
        "def numbered(xs):\n    return list(enumerate(xs, 1))\n",
    )


def test_a_variable_fills_a_defaulted_parameter_of_the_programs_function() -> None:
    buggy = dedent(
        """\
        def scale(xs, factor=1):
            return [x * factor for x in xs]


        def doubled(xs):
            factor = 2
            return scale(xs)
    """
    )
    fixes(buggy, 7, buggy.replace("scale(xs)\n", "scale(xs, factor)\n"))


def test_no_index_is_added_to_a_dicts_pop() -> None:
    source = "def take(d):\n    return d.pop()\n"
    assert "d.pop(0)" in afters(source, 2)
    assert "d.pop(0)" not in afters(source, 2, {"d": "dict"})


# 7. swapped arguments


def test_two_positional_arguments_swap() -> None:
    buggy = "def power(b, e):\n    return pow(e, b)\n"
    edit = fixes(buggy, 2, "def power(b, e):\n    return pow(b, e)\n")
    assert (edit.operator, edit.cost) == ("swap_arguments", 2)
    buggy = dedent(
        """\
        def minus(a, b):
            return a - b


        def diff(x, y):
            return minus(y, x)
    """
    )
    fixes(buggy, 6, buggy.replace("minus(y, x)", "minus(x, y)"))


def test_arguments_of_different_roles_do_not_swap() -> None:
    assert "isinstance(int, x)" not in afters("def f(x):\n    return isinstance(x, int)\n", 2)
    assert "range(n, 1)" not in afters("def f(n):\n    return range(1, n)\n", 2)


# 8. change caller


def test_a_method_call_changes_its_receiver_for_one_of_the_same_type() -> None:
    buggy = dedent(
        """\
        def merge(a, b):
            out = []
            for x in a:
                out.append(x)
            for x in b:
                a.append(x)
            return out
    """
    )
    types = {"a": "list", "b": "list", "out": "list", "x": "int"}
    fixes(buggy, 6, buggy.replace("a.append(x)", "out.append(x)"), types)
    buggy = dedent(
        """\
        def occurrences(text, words):
            return {w: words.count(w) for w in words}
    """
    )
    fixes(buggy, 2, buggy.replace("words.count", "text.count"))


def test_no_method_is_called_on_a_value_whose_type_lacks_it() -> None:
    source = dedent(
        """\
        def collect(xs, n):
            count = 0
            xs.append(n)
            return count
    """
    )
    found = programs(source, 3, {"n": "int", "count": "int"})
    assert any("\n    xs.extend(n)" in program for program in found)
    assert not any(f"\n    {name}.append" in p for p in found for name in ("n", "count"))
    # Unknown types are no evidence against: any variable may be the receiver then.
    assert any("\n    n.append(n)" in program for program in programs(source, 3))


# 9. change binary operator


def test_binary_operators_swap_beyond_their_neighbours() -> None:
    buggy = "def cost(price, tax):\n    return price * tax\n"
    edit = fixes(buggy, 2, buggy.replace("*", "+"))
    assert (edit.operator, edit.cost) == ("arithmetic", 2)
    fixes("def square(x):\n    return x * 2\n", 2, "def square(x):\n    return x ** 2\n")
    edit = fixes("def both(a, b):\n    return a & b\n", 2, "def both(a, b):\n    return a | b\n")
    assert edit.cost == 1
    fixes("def half(n):\n    return n << 1\n", 2, "def half(n):\n    return n >> 1\n")


def test_strings_are_not_multiplied_for_a_concatenation() -> None:
    found = afters('def greet(name):\n    return "hi " + name\n', 2)
    assert '"hi " * name' not in found
    assert "x * 1" not in afters("def f(x):\n    return x + 1\n", 2)


# 10. change unary operator


def test_a_unary_operator_is_removed_or_added() -> None:
    edit = fixes("def f(x):\n    return -x\n", 2, "def f(x):\n    return x\n")
    assert (edit.operator, edit.cost) == ("unary", 2)
    fixes("def f(flags):\n    return ~flags\n", 2, "def f(flags):\n    return flags\n")
    fixes(
        "def digits_only(s):\n    return s.isdigit()\n",
        2,
        "def digits_only(s):\n    return not s.isdigit()\n",
    )
    fixes(
        "def keep(xs):\n    return [x for x in xs if x > 0]\n",
        2,
        "def keep(xs):\n    return [x for x in xs if not (x > 0)]\n",
    )
    buggy = "def debt(balance):\n    owed = balance\n    return owed\n"
    fixes(buggy, 2, buggy.replace("owed = balance", "owed = -balance"), {"balance": "int"})


# 11. change operand


def test_an_index_gains_an_integer_term() -> None:
    buggy = dedent(
        """\
        def window(xs, start, width):
            out = []
            for k in range(width):
                out.append(xs[k])
            return out
    """
    )
    types = {"xs": "list", "start": "int", "width": "int", "k": "int", "out": "list"}
    edit = fixes(buggy, 4, buggy.replace("xs[k]", "xs[k + start]"), types)
    assert (edit.operator, edit.cost) == ("operand", 3)
    buggy = "def upto(n, lo):\n    return list(range(n))\n"
    fixes(buggy, 2, buggy.replace("range(n)", "range(n + lo)"), {"n": "int", "lo": "int"})


def test_an_index_loses_a_term() -> None:
    buggy = "def pick(xs, i, j):\n    return xs[i + j]\n"
    edit = fixes(buggy, 2, "def pick(xs, i, j):\n    return xs[i]\n")
    assert (edit.operator, edit.cost) == ("operand", 2)
    fixes(buggy, 2, "def pick(xs, i, j):\n    return xs[j]\n")
    buggy = "def tail(xs, i, k):\n    return xs[i - k + 1:]\n"
    fixes(buggy, 2, "def tail(xs, i, k):\n    return xs[i + 1:]\n")


def test_no_string_is_added_to_an_index() -> None:
    source = dedent(
        """\
        def at(xs, i):
            name = "label"
            return xs[i]
    """
    )
    found = afters(source, 3, {"xs": "list", "i": "int", "name": "str"})
    assert found and not any(f"{sign} name" in after for after in found for sign in "+-")


# 12. more specific condition (too strict)


def test_an_operand_of_a_condition_drops() -> None:
    buggy = dedent(
        """\
        def evens(xs):
            return [x for x in xs if x > 0 and x % 2 == 0]
    """
    )
    fixes(buggy, 2, buggy.replace("x > 0 and ", ""))
    buggy = dedent(
        """\
        def scan(xs, stop):
            i = 0
            while i < len(xs) and xs[i] != stop and xs[i] > 0:
                i += 1
            return i
    """
    )
    edit = fixes(buggy, 3, buggy.replace(" and xs[i] > 0", ""))
    assert (edit.operator, edit.cost) == ("drop_condition", 2)


# 13. less specific condition (too loose)


def test_a_condition_gains_one_the_function_tests_elsewhere() -> None:
    buggy = dedent(
        """\
        def classify(xs):
            positives = 0
            evens = 0
            for x in xs:
                if x > 0:
                    positives += 1
                if x % 2 == 0:
                    evens += 1
            return positives, evens
    """
    )
    edit = fixes(buggy, 7, buggy.replace("if x % 2 == 0:", "if x % 2 == 0 and x > 0:"))
    assert (edit.operator, edit.cost) == ("add_condition", 4)
    fixes(buggy, 7, buggy.replace("if x % 2 == 0:", "if x % 2 == 0 and not (x > 0):"))
    fixes(buggy, 7, buggy.replace("if x % 2 == 0:", "if x % 2 == 0 or x > 0:"))


def test_a_condition_gains_a_collections_truthiness() -> None:
    buggy = dedent(
        """\
        def drain(stack, limit):
            taken = []
            while len(taken) < limit:
                taken.append(stack.pop())
            return taken
    """
    )
    fixes(buggy, 3, buggy.replace("< limit:", "< limit and stack:"), {"stack": "list"})


def test_conditions_the_statement_runs_under_are_not_added() -> None:
    source = dedent(
        """\
        def f(n, k):
            if n > 0:
                if k > 0:
                    return 1
            elif n < -5:
                return 2
            return 3
    """
    )
    found = afters(source, 3) + afters(source, 2)
    assert not any("n > 0" in after for after in afters(source, 3))
    assert not any("n < -5" in after for after in afters(source, 2))
    assert found


# 14. missing statement


def test_a_membership_test_gets_the_element_added() -> None:
    buggy = dedent(
        """\
        def unique(xs):
            seen = set()
            out = []
            for x in xs:
                if x not in seen:
                    out.append(x)
            return out
    """
    )
    fixed = buggy.replace(
        "not in seen:\n            out", "not in seen:\n            seen.add(x)\n            out"
    )
    edit = fixes(buggy, 5, fixed)
    assert (edit.operator, edit.cost, edit.line) == ("insert_statement", 4, 5)
    buggy = dedent(
        """\
        def firsts(pairs):
            seen = {}
            out = []
            for key, value in pairs:
                if key in seen:
                    continue
                out.append(value)
            return out
    """
    )
    fixes(buggy, 5, buggy.replace("continue\n", "continue\n        seen[key] = True\n"))


def test_no_element_is_appended_to_an_int() -> None:
    source = dedent(
        """\
        def f(xs):
            count = 0
            for x in xs:
                if x not in count:
                    pass
    """
    )
    assert not any("count." in after for after in afters(source, 4, {"count": "int"}))


def test_a_dropped_recursive_result_is_returned() -> None:
    buggy = dedent(
        """\
        def find(xs, target, i=0):
            if i == len(xs):
                return -1
            if xs[i] == target:
                return i
            find(xs, target, i + 1)
    """
    )
    edit = fixes(buggy, 6, buggy.replace("    find(", "    return find("))
    assert (edit.operator, edit.cost) == ("keep_result", 3)
    buggy = "def shout(s):\n    s.upper()\n    return s\n"
    fixes(buggy, 2, "def shout(s):\n    s = s.upper()\n    return s\n")


def test_a_loop_that_never_moves_gets_its_step() -> None:
    buggy = dedent(
        """\
        def count_down(n):
            steps = []
            while n > 0:
                steps.append(n)
            return steps
    """
    )
    fixes(buggy, 3, buggy.replace("append(n)\n", "append(n)\n        n -= 1\n"))
    # A loop whose body already assigns a name of its test moves: nothing is inserted.
    moving = "def f(i, n):\n    while i < n:\n        i += 2\n    return i\n"
    assert all(e.operator != "insert_statement" for e in edits(moving, [2]))


def test_a_list_never_filled_gets_the_loops_value() -> None:
    buggy = dedent(
        """\
        def squares(xs):
            result = []
            for x in xs:
                y = x * x
            return result
    """
    )
    fixes(buggy, 4, buggy.replace("x * x\n", "x * x\n        result.append(y)\n"))


def test_a_recursive_function_gets_a_base_case() -> None:
    buggy = "def fact(n):\n    return n * fact(n - 1)\n"
    fixed = "def fact(n):\n    if n <= 1:\n        return 1\n    return n * fact(n - 1)\n"
    fixes(buggy, 2, fixed)
    buggy = dedent(
        """\
        def total(xs):
            \"\"\"The sum.\"\"\"
            return xs[0] + total(xs[1:])
    """
    )
    fixed = buggy.replace('"""\n', '"""\n    if not xs:\n        return 0\n')
    fixes(buggy, 3, fixed)


def test_an_accumulator_is_reset_and_a_branch_continues() -> None:
    buggy = dedent(
        """\
        def words(text):
            out = []
            word = ""
            for ch in text:
                if ch == " ":
                    out.append(word)
                else:
                    word += ch
            return out
    """
    )
    fixes(buggy, 6, buggy.replace("append(word)\n", 'append(word)\n            word = ""\n'))
    buggy = dedent(
        """\
        def keep(xs):
            out = []
            for x in xs:
                if x < 0:
                    out.append(0)
                out.append(x)
            return out
    """
    )
    fixes(buggy, 5, buggy.replace("append(0)\n", "append(0)\n            continue\n"))


def test_insertions_leave_the_rest_of_the_text_alone() -> None:
    # No final newline: a line inserted after the last one still starts on a line of its own.
    source = dedent(
        """\
        def unique(xs):  # keep order
            seen = set()
            out = []
            for x in xs:
                if x not in seen:   # new one
                    out.append(x)"""
    )
    inserted = [e for e in edits(source, [5, 6]) if e.operator == "insert_statement"]
    assert {e.after.strip() for e in inserted} >= {"seen.add(x)", "break"}
    for edit in inserted:
        diff = [
            line
            for line in difflib.unified_diff(
                source.splitlines(), edit.program.splitlines(), lineterm="", n=0
            )
            if line.startswith(("-", "+")) and not line.startswith(("---", "+++"))
        ]
        assert diff == [f"+{edit.after.strip(chr(10))}"]
        assert edit.before == ""


# 15. extra statement


def test_a_simple_statement_is_deleted() -> None:
    buggy = dedent(
        """\
        def total(xs):
            s = 0
            for x in xs:
                s += x
                s += 1
            return s
    """
    )
    edit = fixes(buggy, 5, buggy.replace("        s += 1\n", ""))
    assert (edit.operator, edit.cost) == ("delete_statement", 4)
    buggy = dedent(
        """\
        def count(xs, t):
            n = 0
            for x in xs:
                if x == t:
                    n += 1
                    break
            return n
    """
    )
    fixes(buggy, 6, buggy.replace("            break\n", ""))


def test_a_sole_statement_becomes_pass_and_checks_exits_and_definitions_stay() -> None:
    buggy = "def f(xs):\n    for x in xs:\n        xs.remove(x)\n    return xs\n"
    fixes(buggy, 3, buggy.replace("xs.remove(x)", "pass"))
    source = dedent(
        """\
        def f(x):
            y = 2
            assert x > 0
            if x > 9:
                raise ValueError(x)
            return x + y
    """
    )
    for line in (2, 3, 5, 6):
        assert all(e.operator != "delete_statement" for e in edits(dedent(source), [line]))


# 16. returns


def test_a_returned_value_changes() -> None:
    buggy = "def count(xs):\n    n = len(xs)\n    return n\n"
    edit = fixes(buggy, 3, buggy.replace("return n", "return n + 1"))
    assert (edit.operator, edit.cost) == ("return_value", 2)
    fixes(buggy, 3, buggy.replace("return n", "return n - 1"))
    buggy = "def pick(a, b):\n    best = a\n    return a\n"
    fixes(buggy, 3, buggy.replace("return a", "return best"))
    fixes("def odd(n):\n    return n % 2 == 0\n", 2, "def odd(n):\n    return n % 2 != 0\n")


# 17. augmented assignments


def test_assignments_and_augmented_assignments_swap() -> None:
    buggy = dedent(
        """\
        def total(xs):
            s = 0
            for x in xs:
                s = x
            return s
    """
    )
    edit = fixes(buggy, 4, buggy.replace("s = x", "s += x"))
    assert (edit.operator, edit.cost) == ("augmented", 3)
    buggy = dedent(
        """\
        def last(xs):
            s = 0
            for x in xs:
                s += x
            return s
    """
    )
    fixes(buggy, 4, buggy.replace("s += x", "s = x"))
    edit = fixes(buggy, 4, buggy.replace("s += x", "s *= x"))
    assert (edit.operator, edit.cost) == ("arithmetic", 2)


# Order, cost and text


PROGRAM = """\
def summary(xs, limit):
    seen = set()
    total = 0
    for i, x in enumerate(xs):
        if x not in seen and x < limit:
            total = total + xs[i] * 2
        if i > 10:
            break
    return max(total, 0)
"""


def test_every_candidate_compiles_differs_and_keeps_the_rest_byte_identical() -> None:
    found = list(edits(PROGRAM, range(1, 10)))
    assert len(found) == len({e.program for e in found})
    for edit in found:
        compile(edit.program, "<edit>", "exec")
        starts = [i for i in range(len(PROGRAM)) if PROGRAM.startswith(edit.before, i)]
        spliced = {PROGRAM[:i] + edit.after + PROGRAM[i + len(edit.before) :] for i in starts}
        assert edit.program in spliced


def test_within_a_line_the_cheap_common_edits_come_first() -> None:
    for line in range(2, 10):
        costs = [e.cost for e in edits(PROGRAM, [line])]
        assert costs == sorted(costs)
    first = [e.operator for e in edits(PROGRAM, [5]) if e.cost == 1]
    assert first and set(first) <= {"comparison", "boolean", "constant", "bool_literal"}


# Two-line edits


TWO_WRONG = """\
def clipped_total(xs, low):
    total = 0
    for x in xs:
        if x < low:
            total += x
    return total - 1
"""


def test_a_pair_of_edits_of_two_lines_fixes_what_no_single_edit_does() -> None:
    fixed = TWO_WRONG.replace("x < low", "x > low").replace("total - 1", "total")
    assert fixed not in {e.program for e in edits(TWO_WRONG, [4, 6])}
    pairs = list(edit_pairs(TWO_WRONG, [4], [6]))
    found = {e.program: e for e in pairs}
    assert fixed in found
    edit = found[fixed]
    assert (edit.line, edit.before, edit.after) == (4, "x < low", "x > low")
    assert [(e.line, e.before, e.after) for e in edit.also] == [(6, "total - 1", "total")]
    assert edit.cost == 2
    assert edit.description == "line 4: `x < low` → `x > low`; line 6: `total - 1` → `total`"


def test_pairs_come_cheapest_first_compile_and_repeat_no_program() -> None:
    lines = [2, 4, 5, 6]
    pairs = list(edit_pairs(TWO_WRONG, lines, lines, per_line=5))
    assert pairs
    costs = [e.cost for e in pairs]
    assert costs == sorted(costs)
    assert len({e.program for e in pairs}) == len(pairs)
    singles = {e.program for e in edits(TWO_WRONG, lines)}
    for edit in pairs:
        compile(edit.program, "<pair>", "exec")
        assert edit.program not in singles
        (other,) = edit.also
        assert other.line != edit.line or other.before != edit.before
    # At most `per_line` edits of each line take part: 5 * 5 pairs of two lines at most.
    assert len(list(edit_pairs(TWO_WRONG, [4], [6], per_line=5))) <= 25


def test_pairs_need_two_statements() -> None:
    assert list(edit_pairs(TWO_WRONG, [4], [4])) == []
    assert list(edit_pairs("def f(:\n", [1], [1])) == []


def test_a_single_edits_description_is_unchanged() -> None:
    (first, *_) = edits("def f(n):\n    return n < 3\n", [2])
    assert first.also == ()
    assert first.description == "line 2: `n < 3` → `n <= 3`"


# The offline engine, end to end: a program of each family repaired, checked by hidden asserts


CASES = [
    (
        "wrong function",
        """\
        def smallest(xs):
            best = xs[0]
            for x in xs:
                best = max(best, x)
            return best
        """,
        ["assert smallest([3, 1, 2]) == 1", "assert smallest([5]) == 5"],
        ["assert smallest([9, 4, 7, 8]) == 4", "assert smallest([-1, -5]) == -5"],
    ),
    (
        "missing argument",
        """\
        def order(graph, start):
            seen = [start]
            queue = [start]
            while queue:
                node = queue.pop()
                for n in graph.get(node, []):
                    if n not in seen:
                        seen.append(n)
                        queue.append(n)
            return seen
        """,
        [
            "assert order({1: [2, 3], 2: [4], 3: [5]}, 1) == [1, 2, 3, 4, 5]",
            "assert order({}, 1) == [1]",
        ],
        ["assert order({0: [1, 2], 1: [3], 2: [4]}, 0) == [0, 1, 2, 3, 4]"],
    ),
    (
        "missing statement",
        """\
        def unique(xs):
            seen = set()
            out = []
            for x in xs:
                if x not in seen:
                    out.append(x)
            return out
        """,
        ["assert unique([1, 2, 1]) == [1, 2]", "assert unique([3, 3]) == [3]"],
        ["assert unique([5, 4, 5, 4, 6]) == [5, 4, 6]", "assert unique([]) == []"],
    ),
    (
        "extra statement",
        """\
        def total(xs):
            s = 0
            for x in xs:
                s += x
                s += 1
            return s
        """,
        ["assert total([1, 2]) == 3", "assert total([5]) == 5", "assert total([]) == 0"],
        ["assert total([10, 20, 30]) == 60"],
    ),
    (
        "loose condition",
        """\
        def evens_above(xs, low):
            count = 0
            above = 0
            for x in xs:
                if x > low:
                    above += 1
                if x % 2 == 0:
                    count += 1
            return count
        """,
        [
            "assert evens_above([1, 2, 3, 4], 2) == 1",
            "assert evens_above([2, 4, 6], 3) == 2",
            "assert evens_above([2, 4], 0) == 2",
            "assert evens_above([8, 6], 10) == 0",
        ],
        ["assert evens_above([8, 10, 3, 2], 8) == 1", "assert evens_above([], 0) == 0"],
    ),
    (
        "augmented assignment",
        """\
        def total(xs):
            s = 0
            for x in xs:
                s = x
            return s
        """,
        ["assert total([1, 2, 3]) == 6", "assert total([4]) == 4"],
        ["assert total([10, -2, 5]) == 13", "assert total([]) == 0"],
    ),
    (
        "swapped arguments",
        """\
        def power(b, e):
            return pow(e, b)
        """,
        ["assert power(2, 3) == 8", "assert power(3, 2) == 9"],
        ["assert power(5, 3) == 125", "assert power(10, 0) == 1"],
    ),
    (
        "base case",
        """\
        def fact(n):
            return n * fact(n - 1)
        """,
        ["assert fact(1) == 1", "assert fact(3) == 6", "assert fact(4) == 24"],
        ["assert fact(5) == 120", "assert fact(6) == 720"],
    ),
]


@pytest.mark.parametrize(
    ("buggy", "visible", "hidden"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_the_offline_engine_repairs_a_program_of_each_family(
    buggy: str, visible: list[str], hidden: list[str]
) -> None:
    buggy = dedent(buggy)
    entry_point = buggy.split("(")[0].removeprefix("def ")
    result = ldb.debug(buggy, visible, entry_point=entry_point, strategy=OfflineEngine())
    assert result.status in ("fixed", "plausible"), result.message
    namespace: dict[str, object] = {}
    exec(compile(result.program, "<repaired>", "exec"), namespace)
    for check in visible + hidden:
        exec(check, namespace)
