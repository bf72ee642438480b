"""A project's files told apart (its code, its tests, and what is neither), and the tests a
user names, checked against the tree."""

from __future__ import annotations

from pathlib import Path

import pytest

from ldb.errors import InputError
from ldb.project import files, targets


def _tree(root: Path, paths: list[str]) -> None:
    for path in paths:
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text("")


def test_code_and_tests_are_told_apart_and_the_rest_passed_over(tmp_path: Path) -> None:
    _tree(
        tmp_path,
        [
            "src/shop/__init__.py",
            "src/shop/cart.py",
            "src/shop/cart_test.py",
            "tests/conftest.py",
            "tests/helpers.py",
            "tests/test_cart.py",
            "conftest.py",
            "setup.py",
            ".venv/lib/python3.11/site-packages/dep.py",
            "myenv/lib/dep.py",
            ".git/hooks/x.py",
            "build/lib/shop/cart.py",
            "src/shop/__pycache__/cart.py",
            "shop.egg-info/x.py",
            "README.md",
        ],
    )
    (tmp_path / "myenv" / "pyvenv.cfg").write_text("home = /usr\n")
    found = files.scan(tmp_path)
    assert found.code == ("setup.py", "src/shop/__init__.py", "src/shop/cart.py")
    assert found.tests == (
        "conftest.py",
        "src/shop/cart_test.py",
        "tests/conftest.py",
        "tests/helpers.py",
        "tests/test_cart.py",
    )


def test_a_named_test_is_parsed_and_its_file_checked(tmp_path: Path) -> None:
    _tree(tmp_path, ["tests/test_cart.py"])
    target = targets.parse(tmp_path, "tests/test_cart.py::TestCart::test_total[3-4]", ())
    assert (target.file, target.names) == ("tests/test_cart.py", ("TestCart", "test_total[3-4]"))
    assert target.node_id == "tests/test_cart.py::TestCart::test_total[3-4]"
    assert targets.parse(tmp_path, "tests/test_cart.py", ()).names == ()


@pytest.mark.parametrize(
    ("given", "words"),
    [
        (
            "tests/test_crat.py::test_total",
            r"no such test file .* \(did you mean tests/test_cart\.py\?\)",
        ),
        ("/abs/test_cart.py", "relative to the project's root"),
        ("../test_cart.py", "relative to the project's root"),
        ("tests/data.txt", "not a Python file"),
        ("tests/test_cart.py::::test_total", "an empty part"),
    ],
)
def test_a_test_that_is_not_there_is_refused_naming_close_ones(
    tmp_path: Path, given: str, words: str
) -> None:
    _tree(tmp_path, ["tests/test_cart.py", "tests/data.txt"])
    with pytest.raises(InputError, match=words):
        targets.parse(tmp_path, given, ("tests/test_cart.py",))
