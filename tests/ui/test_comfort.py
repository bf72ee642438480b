"""The viewer is comfortable to use, in Chromium: it follows the system's light or dark scheme
with readable contrast in both, its text can be selected, and keyboard focus can be seen."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

import ldb
from ldb.present import viewer
from tests.helpers.browser import Page
from tests.helpers.paths import EXAMPLES

PROGRAM = (EXAMPLES / "moving_average.py").read_text()
TEST = (EXAMPLES / "moving_average_test.py").read_text()


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A debug run's page: a block judged wrong, a repair, states that change."""
    result = ldb.debug(PROGRAM, TEST)
    out = tmp_path_factory.mktemp("comfort") / "debug.html"
    views = viewer.debug_views(result, TEST)
    summary = viewer.summary("moving_average", result)
    out.write_text(viewer.page(views, summary, {"code": PROGRAM, "test": TEST}))
    return out


def opened(browser: Any, exported: Path, scheme: str = "light") -> Page:
    shown = Page(browser, width=1400, height=1000, scheme=scheme)
    shown.page.goto(exported.as_uri())
    shown.page.wait_for_selector(".block.incorrect")
    return shown


def colour(page: Any, selector: str, prop: str) -> tuple[int, int, int]:
    value = page.locator(selector).first.evaluate(
        f"node => getComputedStyle(node).getPropertyValue({prop!r})"
    )
    r, g, b = (int(part) for part in re.findall(r"\d+", value)[:3])
    return r, g, b


def luminance(rgb: tuple[int, int, int]) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(v) for v in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: tuple[int, int, int], b: tuple[int, int, int]) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


# Text and what it is drawn on: (the text's element and property, the background's).
READABLE = {
    "page text": (("#case", "color"), ("body", "background-color")),
    "muted text": (("#about", "color"), ("header", "background-color")),
    "actual value": (("#case .actual", "color"), ("body", "background-color")),
    "expected value": (("#case .expected", "color"), ("body", "background-color")),
    "block code": (
        (".block.ran:not(.incorrect) text:last-of-type", "fill"),
        (".block.ran:not(.incorrect) rect", "fill"),
    ),
    "block header": ((".block .head", "fill"), (".block:not(.incorrect) rect", "fill")),
    "blamed code": (
        (".block.incorrect text:last-of-type", "fill"),
        (".block.incorrect rect", "fill"),
    ),
    "visit count": ((".block .visits", "fill"), (".block:not(.incorrect) rect", "fill")),
    "changed state": (
        ("#state tr.changed td", "color"),
        ("#state tr.changed td", "background-color"),
    ),
    "added line": (("pre.diff .add", "color"), ("pre.diff", "background-color")),
    "removed line": (("pre.diff .del", "color"), ("pre.diff", "background-color")),
    "status badge": (("#outcome .status", "color"), ("#outcome .status", "background-color")),
}


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_page_follows_the_systems_scheme_and_stays_readable(
    browser: Any, exported: Path, scheme: str, tmp_path: Path
) -> None:
    view = opened(browser, exported, scheme)
    page = view.page
    page.screenshot(path=str(tmp_path / f"{scheme}.png"))
    background = luminance(colour(page, "body", "background-color"))
    if scheme == "dark":
        assert background < 0.05, "a dark system got a light page"
    else:
        assert background > 0.85, "a light system got a dark page"
    low = {
        name: round(contrast(colour(page, *text), colour(page, *ground)), 2)
        for name, (text, ground) in READABLE.items()
    }
    assert {name: ratio for name, ratio in low.items() if ratio < 4.5} == {}
    taken = colour(page, ".edge.taken", "stroke")
    assert contrast(taken, colour(page, "#graphs", "background-color")) >= 3
    view.page.close()
    assert view.errors == []


def test_text_can_be_selected(browser: Any, exported: Path) -> None:
    view = opened(browser, exported)
    page = view.page
    for selector in ("svg text", "#state td", "pre.diff", "#case", "pre.code"):
        assert (
            page.locator(selector).first.evaluate("node => getComputedStyle(node).userSelect")
            != "none"
        ), selector
    cell = page.locator("#state td").last
    cell.click(click_count=3)
    assert page.evaluate("window.getSelection().toString()").strip() == cell.inner_text().strip()
    line = page.locator(".block.incorrect text").last
    line.click(click_count=3)
    assert line.text_content().strip() in page.evaluate("window.getSelection().toString()")
    page.close()
    assert view.errors == []


def test_keyboard_focus_can_be_seen(browser: Any, exported: Path) -> None:
    view = opened(browser, exported)
    page = view.page
    focused = {}
    for _ in range(80):
        page.keyboard.press("Tab")
        kind = page.evaluate(
            "(n => n.closest('.block') ? 'block' : n.tagName.toLowerCase())(document.activeElement)"
        )
        if kind in ("button", "block") and kind not in focused:
            focused[kind] = page.evaluate("document.activeElement.outerHTML.slice(0, 80)")
            if kind == "button":
                style = page.evaluate(
                    "(s => [s.outlineStyle, parseFloat(s.outlineWidth)])"
                    "(getComputedStyle(document.activeElement))"
                )
                assert style[0] != "none" and style[1] >= 2, focused[kind]
            else:
                ring = colour(page, ".block:focus rect", "stroke")
                others = {
                    colour(page, f'.block[data-block="{n}"] rect', "stroke")
                    for n in page.locator(".block:not(:focus)").evaluate_all(
                        "nodes => nodes.map(n => n.dataset.block)"
                    )
                }
                assert ring not in others, "a focused block looks like the others"
        if len(focused) == 2:
            break
    assert set(focused) == {"button", "block"}, focused
    page.close()
    assert view.errors == []
