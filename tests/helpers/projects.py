"""Small repositories written for project mode's tests, and a fingerprint of a tree to tell
that a run left it as it was."""

from __future__ import annotations

import hashlib
import json
import textwrap
from pathlib import Path

WITHOUT_PLUGINS = {"PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
"""An environment for the projects' tests: ldb's own interpreter (which runs them) holds
pytest plugins the projects never use (schemathesis, hypothesis, …), whose loading costs some
three seconds a run; none is loaded but those a project names."""

SHOP = {
    "shop/__init__.py": "",
    "shop/cart.py": """
        from shop.pricing import discount


        def total(prices, code=None):
            subtotal = 0
            for price in prices:
                subtotal += price
            return subtotal - discount(subtotal, code)
    """,
    "shop/pricing.py": """
        def discount(amount, code):
            if code == "HALF":
                return amount // 3
            return 0
    """,
    "tests/test_cart.py": """
        import os
        from pathlib import Path

        from shop.cart import total


        def test_plain():
            assert total([1, 2, 3]) == 6


        def test_half():
            assert total([10, 10], "HALF") == 10


        def test_writes_into_the_tree():
            Path("cache.txt").write_text("x")
            (Path(__file__).parent / "out.txt").write_text(os.environ.get("GREETING", "none"))
            assert Path("cache.txt").read_text() == "x"
    """,
}


def shop_chat_replies() -> tuple[str, str]:
    """A chat model's two replies debugging SHOP's `test_half`: its verdicts (BLOCK-7 of the
    prompt is `return amount // 3`), then the repaired `discount`."""
    verdicts = "\n".join(
        json.dumps({"block": f"BLOCK-{index}", "correct": correct, "explanation": why})
        for index, correct, why in ((0, True, "Starts at 0."), (7, False, "Half is // 2."))
    )
    repair = (
        "```python\n# file: shop/pricing.py\ndef discount(amount, code):\n"
        '    if code == "HALF":\n        return amount // 2\n    return 0\n```\n'
    )
    return verdicts, repair


def write_project(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"))
    return root


def fingerprint(root: Path) -> dict[str, str]:
    return {
        path.relative_to(root).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }
