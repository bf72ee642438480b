"""The tests the language server finds in a file's text are the ones pytest collects from it,
parametrized cases included where their ids can be read off the source."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from ldb.lsp import tests_in_file

SAMPLE = textwrap.dedent(
    """
    import unittest

    import pytest


    def test_plain():
        pass


    @pytest.mark.parametrize(
        ("values", "expected"),
        [
            ([3, 1, 2], 2.0),
            ([5], 5.0),
        ],
        ids=["odd", "single"],
    )
    def test_named(values, expected):
        pass


    @pytest.mark.parametrize("n", [1, 2.5, "word", None, True])
    def test_literals(n):
        pass


    @pytest.mark.parametrize("a,b", [(1, [2]), pytest.param(3, 4, id="three"), (5, "x")])
    def test_mixed(a, b):
        pass


    class TestGroup:
        @pytest.mark.slow
        def test_method(self):
            pass

        def helper(self):
            pass


    class Cases(unittest.TestCase):
        def test_case(self):
            pass


    async def test_later():
        pass


    class NotTests:
        def test_ignored(self):
            pass


    TABLE = [
        ("a", 1),
        ("b", 2),
    ]


    @pytest.mark.parametrize(("word", "n"), TABLE)
    def test_table(word, n):
        pass


    @pytest.mark.parametrize("letter", [c for c in "xy"])
    def test_computed(letter):
        pass
    """
)


def collected(folder: Path) -> list[str]:
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "--co", "-q", "-p", "no:cacheprovider", "-W", "ignore"],
        cwd=folder,
        capture_output=True,
        text=True,
        env={"PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1", "PATH": "/usr/bin:/bin"},
        check=False,
    )
    return [line.partition("::")[2] for line in done.stdout.splitlines() if "::" in line]


def test_the_tests_found_are_those_pytest_collects(tmp_path: Path) -> None:
    (tmp_path / "test_sample.py").write_text(SAMPLE)
    (tmp_path / "pytest.ini").write_text("[pytest]\nmarkers = slow\n")
    found = [test.name for test in tests_in_file.tests(SAMPLE)]
    # pytest names a parametrized test by its cases only; the server adds a lens for them all.
    whole = {"test_named", "test_literals", "test_mixed", "test_table", "test_computed"}
    # Cases computed when the module runs cannot be read off its text: the test's lens alone.
    computed = ["test_computed[x]", "test_computed[y]"]
    pytest_says = collected(tmp_path)
    assert [name for name in pytest_says if name.startswith("test_computed")] == computed
    assert [name for name in found if name not in whole] == [
        name for name in pytest_says if name not in computed
    ]
    assert whole <= set(found)


def test_each_lens_sits_on_its_case_or_its_first_decorator() -> None:
    lines = SAMPLE.splitlines()
    places = {test.name: lines[test.line - 1].strip() for test in tests_in_file.tests(SAMPLE)}
    assert places["test_plain"] == "def test_plain():"
    assert places["test_named"] == "@pytest.mark.parametrize("
    assert places["test_named[odd]"] == "([3, 1, 2], 2.0),"
    assert places["test_named[single]"] == "([5], 5.0),"
    assert places["TestGroup::test_method"] == "@pytest.mark.slow"
    assert places["test_mixed[three]"].startswith('@pytest.mark.parametrize("a,b"')
    # A case of a table the decorator names sits on its row.
    assert places["test_table[b-2]"] == '("b", 2),'


def test_a_file_that_does_not_parse_has_no_tests() -> None:
    assert tests_in_file.tests("def test_x(:\n") == []


def test_test_files_are_named_as_pytest_finds_them() -> None:
    assert tests_in_file.is_test_file("tests/test_cart.py") and tests_in_file.is_test_file(
        "cart_test.py"
    )
    assert not tests_in_file.is_test_file("shop/cart.py") and not tests_in_file.is_test_file(
        "tests/conftest.py"
    )
