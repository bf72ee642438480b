"""A program that tests itself on import and fails there: the engine drops those checks."""

from __future__ import annotations

import ldb
from ldb.debugging.offline.self_tests import strip_self_tests

SELF_TESTED = '''\
"""Binary digit sums."""
import math

LIMIT = 10


def solve(n):
    return bin(sum(int(d) for d in str(n)))[2:]


# Unit test
assert solve(1000) == "10"
print("Test passed!")
if __name__ == "__main__":
    for n in range(3):
        print(solve(n))
'''


def test_module_level_checks_go_and_definitions_stay() -> None:
    stripped = strip_self_tests(SELF_TESTED)
    assert stripped is not None
    assert stripped.lines == [(12, 12), (13, 13), (14, 16)]
    assert "assert" not in stripped.program and "print" not in stripped.program
    for kept in ('"""Binary digit sums."""', "import math", "LIMIT = 10", "def solve(n):"):
        assert kept in stripped.program
    compile(stripped.program, "stripped.py", "exec")


def test_nothing_to_strip_or_nothing_parsed_is_none() -> None:
    assert strip_self_tests("def f():\n    assert False\n") is None
    assert strip_self_tests("def f(:\n") is None


def test_the_engine_repairs_a_program_its_own_checks_stop_on_import() -> None:
    """Fixed: the check it drops asks a call the tests answer otherwise, and they win."""
    result = ldb.debug(SELF_TESTED, ["assert solve(1000) == '1'", "assert solve(150) == '110'"])
    assert (result.status, result.doubts) == ("fixed", [])
    [round_] = result.iterations
    assert round_.edit == "lines 12, 13, 14-16: the program's own module-level checks removed"
    [verdict] = round_.verdicts
    assert (verdict.function, verdict.correct) == ("<module>", False)
    assert "AssertionError" in verdict.explanation
    assert "def solve(n):" in result.program and "assert" not in result.program


def test_a_check_the_repair_drops_and_the_program_still_fails_makes_it_plausible() -> None:
    """The tests pass with the function as it is, but its own check of another call fails:
    the check may be right and the tests too weak."""
    result = ldb.debug(SELF_TESTED, ["assert solve(150) == '110'"])
    assert result.status == "plausible"
    [doubt] = result.doubts
    assert "program's own checks" in doubt and "`assert solve(1000) == \"10\"` (gives '1')" in doubt
