"""Candidate repairs checked in one warm pytest session: each swapped into a forked child
(`ldb.harness.hotswap`), with the same outcome a cold run of its own gives, and those that
cannot be swapped said so."""

from __future__ import annotations

import importlib
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from ldb.harness.hotswap import Swapper
from ldb.project.runs import ProjectRuns
from tests.helpers.projects import SHOP, WITHOUT_PLUGINS, write_project

PRICING = textwrap.dedent(
    """
    import functools


    def logged(function):
        @functools.wraps(function)
        def wrapper(*args):
            return function(*args)

        return wrapper


    RATE = 3


    @logged
    def discount(amount, code="HALF"):
        if code == "HALF":
            return amount // RATE
        return 0


    class Till:
        def total(self, prices):
            return sum([price for price in prices])

        def adder(self, step):
            def add(value):
                return value + step

            return add
    """
).lstrip()


@pytest.fixture
def pricing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    package = tmp_path / "swapped"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "pricing.py").write_text(PRICING)
    monkeypatch.syspath_prepend(str(tmp_path))
    yield tmp_path
    for name in ("swapped.pricing", "swapped"):
        sys.modules.pop(name, None)


def test_changed_function_bodies_are_swapped_under_every_reference(pricing: Path) -> None:
    module = importlib.import_module("swapped.pricing")
    from swapped.pricing import Till, discount  # type: ignore[import-not-found]

    till, add_two = Till(), Till().adder(2)
    new = (
        PRICING.replace("amount // RATE", "amount // (RATE - 1)")
        .replace("[price for price in prices]", "[price * 10 for price in prices]")
        .replace("value + step", "value - step")
    )
    swapper = Swapper(str(pricing))
    swapper.learn("swapped/pricing.py", PRICING)
    assert swapper.swap({"swapped/pricing.py": new}, {"swapped/pricing.py": PRICING})
    # By the name imported, through the decorator, as a bound method, in a closure made before.
    assert discount(20) == 10 and module.discount(20) == 10
    assert till.total([1, 2]) == 30
    assert add_two(5) == 3


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("RATE = 3", "RATE = 2"),  # module code
        ('code="HALF"', 'code="FULL"'),  # a default, made on import
        ("@logged\ndef discount", "def discount"),  # a decorator
        ("def total(self, prices):", "def total(self, prices, extra=0):"),  # a signature
    ],
    ids=["module code", "default", "decorator", "signature"],
)
def test_changes_to_what_runs_on_import_are_not_swapped(pricing: Path, old: str, new: str) -> None:
    importlib.import_module("swapped.pricing")
    swapper = Swapper(str(pricing))
    changed = PRICING.replace(old, new)
    assert changed != PRICING
    assert not swapper.swap({"swapped/pricing.py": changed}, {"swapped/pricing.py": PRICING})


def test_a_module_not_imported_needs_no_swap(pricing: Path) -> None:
    swapper = Swapper(str(pricing))
    changed = PRICING.replace("RATE = 3", "RATE = 2")
    assert swapper.swap({"swapped/pricing.py": changed}, {"swapped/pricing.py": PRICING})


@pytest.fixture
def shop(tmp_path: Path) -> Path:
    return write_project(tmp_path / "shop-project", SHOP)


def test_warm_checks_agree_with_cold_runs(shop: Path) -> None:
    runs = ProjectRuns.open(shop, python=sys.executable, env=WITHOUT_PLUGINS)
    runs = ProjectRuns(
        runs.base,
        runs.found,
        runs.interpreter,
        runs.env,
        runs.pytest_args,
        runs.limits.updated(timeout_s=5, case_cpu_s=1),
        False,
    )
    base = (shop / "shop/pricing.py").read_text()
    candidates = [
        base.replace("// 3", "// 2"),  # the repair
        base.replace("// 3", "// 4"),
        base.replace('"HALF"', '"half"'),
        base.replace("return 0", "return amount"),
        base.replace("return amount // 3", "while True:\n            pass"),  # never ends
        base.replace("return amount // 3", "import os\n        os._exit(9)"),  # the child dies
        "RATE = 2\n" + base,  # module code: not swapped
    ]
    files = [{"shop/pricing.py": text} for text in candidates]
    warm = runs.check(["tests/test_cart.py"], files)
    assert warm[-1] is None  # checked cold by the caller
    for text, passed in zip(candidates[:-1], warm[:-1], strict=True):
        cold, _ = runs.run(["tests/test_cart.py"], "off", overrides={"shop/pricing.py": text})
        assert passed == frozenset(c.test for c in cold.cases if c.status == "passed"), text
    assert (shop / "shop/pricing.py").read_text() == base


def test_a_candidate_stops_once_it_is_sure_to_be_refused(shop: Path) -> None:
    runs = ProjectRuns.open(shop, python=sys.executable, env=WITHOUT_PLUGINS)
    base = (shop / "shop/pricing.py").read_text()
    half, plain = "tests/test_cart.py::test_half", "tests/test_cart.py::test_plain"
    others = {plain, "tests/test_cart.py::test_writes_into_the_tree"}
    still_failing, breaking, fixing = runs.check(
        ["tests/test_cart.py"],
        [
            {"shop/pricing.py": base.replace("// 3", "// 4")},
            {"shop/pricing.py": base.replace('code == "HALF"', "True").replace("// 3", "// 2")},
            {"shop/pricing.py": base.replace("// 3", "// 2")},
        ],
        failing=[half],
        passing=others,
    )
    assert still_failing == frozenset()  # the failing test alone ran, and failed
    assert breaking == frozenset({half})  # test_plain, run next, failed: nothing after it ran
    assert fixing == frozenset({half, *others})
