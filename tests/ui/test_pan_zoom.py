"""Big drawings in Chromium: the graphs' pane pans and zooms with the mouse, a trackpad's
gestures (as the browser delivers them: wheel events, with Ctrl for a pinch), a touch screen's
fingers and the keyboard;
"Fit" shows the whole drawing; stepping keeps the current step's block in view."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import ldb
from ldb.present import viewer
from tests.helpers.browser import Page
from tests.helpers.drawings import BRANCHY
from tests.helpers.paths import EXAMPLES

# A case that walks most of the 73 blocks' drawing, from its top to its bottom.
WALK_TEST = "assert grade(13) == -1\n"


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    result = ldb.trace(BRANCHY, WALK_TEST)
    out = tmp_path_factory.mktemp("pan") / "grade.html"
    views = viewer.trace_views(BRANCHY, result)
    out.write_text(viewer.page(views, viewer.summary("grade", result)))
    return out


@pytest.fixture
def view(browser: Any, exported: Path) -> Iterator[Page]:
    shown = Page(browser, width=1200, height=800)
    shown.page.goto(exported.as_uri())
    shown.page.wait_for_selector(".block")
    yield shown
    assert shown.errors == []
    shown.page.close()


def rect(page: Any, selector: str) -> tuple[float, float, float, float]:
    """The element's box on screen: left, top, right, bottom."""
    box = page.locator(selector).first.bounding_box()
    return box["x"], box["y"], box["x"] + box["width"], box["y"] + box["height"]


def centre(page: Any, selector: str) -> tuple[float, float]:
    left, top, right, bottom = rect(page, selector)
    return (left + right) / 2, (top + bottom) / 2


def scale(page: Any) -> float:
    return float(page.evaluate("window.ldbViewer.camera.scale"))


def visible_block(page: Any) -> str:
    """A selector of a block wholly in the graphs' pane and clear of its buttons."""
    number = page.evaluate(
        """() => {
          const pane = document.getElementById("graphs").getBoundingClientRect();
          const buttons = document.getElementById("zoom").getBoundingClientRect();
          const clear = (b) => b.left > pane.left && b.right < pane.right && b.top > pane.top
            && b.bottom < pane.bottom && (b.top > buttons.bottom || b.right < buttons.left);
          const block = [...document.querySelectorAll(".block")]
            .find((n) => clear(n.getBoundingClientRect()));
          return block.dataset.block;
        }"""
    )
    return f'.block[data-block="{number}"]'


def inside(inner: tuple[float, ...], outer: tuple[float, ...], slack: float = 1) -> bool:
    return (
        inner[0] >= outer[0] - slack
        and inner[1] >= outer[1] - slack
        and inner[2] <= outer[2] + slack
        and inner[3] <= outer[3] + slack
    )


# The entry block: in view when the page opens.
BLOCK = '.block[data-block="0"]'


def test_a_pinch_or_ctrl_wheel_zooms_about_the_pointer(view: Page) -> None:
    page = view.page
    before = scale(page)
    x, y = centre(page, BLOCK)
    page.mouse.move(x, y)
    page.keyboard.down("Control")
    page.mouse.wheel(0, -120)
    page.keyboard.up("Control")
    page.wait_for_function(f"window.ldbViewer.camera.scale > {before}")
    assert scale(page) == pytest.approx(before * 1.2712, rel=0.01)
    after = centre(page, BLOCK)
    assert abs(after[0] - x) <= 2 and abs(after[1] - y) <= 2, "the point under the pointer moved"
    page.keyboard.down("Control")
    page.mouse.wheel(0, 120)
    page.keyboard.up("Control")
    page.wait_for_function(f"window.ldbViewer.camera.scale < {before * 1.01}")
    assert scale(page) == pytest.approx(before, rel=0.01)


def test_a_wheel_or_two_fingers_move_the_drawing(view: Page) -> None:
    page = view.page
    x, y = centre(page, BLOCK)
    page.mouse.move(*centre(page, "#graphs"))
    page.mouse.wheel(30, 100)
    page.wait_for_function("window.ldbViewer.camera.y < 0")
    after = centre(page, BLOCK)
    assert after == pytest.approx((x - 30, y - 100), abs=1)
    assert page.evaluate("window.scrollY") == 0, "the page scrolled, not the drawing"


def test_dragging_the_background_moves_the_drawing_and_a_blocks_text_is_selected(
    view: Page,
) -> None:
    page = view.page
    x, y = centre(page, BLOCK)
    line = page.locator(f"{BLOCK} text").last
    box = line.bounding_box()
    page.mouse.move(box["x"] + 1, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] - 1, box["y"] + box["height"] / 2, steps=5)
    page.mouse.up()
    assert centre(page, BLOCK) == (x, y), "dragging over a block moved the drawing"
    selected = page.evaluate("window.getSelection().toString()")
    assert selected and selected.strip() in (line.text_content() or "")

    left, top, right, bottom = rect(page, "#graphs")
    # Below the zoom buttons, right of the entry block: no block there.
    page.mouse.move(right - 40, top + 70)
    page.mouse.down()
    page.mouse.move(right - 140, top + 50, steps=5)
    page.mouse.up()
    assert centre(page, BLOCK) == pytest.approx((x - 100, y - 20), abs=1)


def test_a_big_drawing_goes_no_further_than_its_edges(view: Page) -> None:
    page = view.page
    pane = rect(page, "#graphs")
    page.click("#actual-size")
    page.mouse.move(*centre(page, "#graphs"))
    for far in (1, -1):
        for _ in range(10):
            page.mouse.wheel(-1000 * far, -1000 * far)
        page.wait_for_timeout(100)
        drawing = rect(page, "#canvas")
        if far > 0:
            assert drawing[0] - pane[0] == pytest.approx(40, abs=1)
            assert drawing[1] - pane[1] == pytest.approx(40, abs=1)
        else:
            assert pane[2] - drawing[2] == pytest.approx(40, abs=1)
            assert pane[3] - drawing[3] == pytest.approx(40, abs=1)


def test_a_small_drawing_stays_put_and_the_wheel_scrolls_the_page(
    browser: Any, tmp_path: Path
) -> None:
    program = (EXAMPLES / "moving_average.py").read_text()
    test = (EXAMPLES / "moving_average_test.py").read_text()
    result = ldb.trace(program, test)
    out = tmp_path / "small.html"
    out.write_text(viewer.page(viewer.trace_views(program, result), viewer.summary("m", result)))
    view = Page(browser, width=420, height=800)
    page = view.page
    page.goto(out.as_uri())
    page.wait_for_selector(".block")
    page.keyboard.press("f")
    camera = page.evaluate("({...window.ldbViewer.camera})")
    page.mouse.move(*centre(page, "#graphs"))
    page.mouse.wheel(0, 300)
    page.wait_for_function("window.scrollY > 0")
    assert page.evaluate("({...window.ldbViewer.camera})") == camera
    assert view.errors == []


def test_keys_and_buttons_zoom_fit_and_move(view: Page) -> None:
    page = view.page
    page.focus("#graphs")
    start = scale(page)
    page.keyboard.press("+")
    assert scale(page) == pytest.approx(start * 1.25)
    assert page.text_content("#scale") == f"{int(start * 125 + 0.5)}%"
    page.keyboard.press("-")
    assert scale(page) == pytest.approx(start)
    x, y = centre(page, BLOCK)
    page.keyboard.press("Shift+ArrowDown")
    page.keyboard.press("Shift+ArrowRight")
    assert centre(page, BLOCK) == pytest.approx((x - 60, y - 60), abs=1)
    page.keyboard.press("f")
    pane = rect(page, "#graphs")
    assert inside(rect(page, "#canvas"), pane), "Fit left some of the drawing out"
    assert scale(page) < 0.5
    page.keyboard.press("0")
    assert scale(page) == 1
    page.click("#zoom-out")
    assert scale(page) == pytest.approx(0.8)
    page.click("#zoom-in")
    page.click("#fit")
    assert inside(rect(page, "#canvas"), pane)
    page.click("#actual-size")
    assert page.text_content("#scale") == "100%"


def test_stepping_keeps_the_current_block_in_view(view: Page) -> None:
    page = view.page
    page.click("#actual-size")
    pane = rect(page, "#graphs")
    steps = int(page.evaluate("window.ldbViewer.state.events.length"))
    assert steps > 30
    seen = set()
    for _ in range(steps - 1):
        page.keyboard.press("ArrowRight")
        if page.locator(".block.current").count():
            seen.add(page.locator(".block.current").get_attribute("data-block"))
            assert inside(rect(page, ".block.current"), pane), page.text_content("#position")
    lowest = max(int(block) for block in seen)
    assert lowest > 40, "the walk never left the first screen"


def test_one_finger_drags_and_two_pinch_on_a_touch_screen(browser: Any, exported: Path) -> None:
    context = browser.new_context(viewport={"width": 900, "height": 800}, has_touch=True)
    page = context.new_page()
    page.goto(exported.as_uri())
    page.wait_for_selector(".block")
    touch = context.new_cdp_session(page)

    def fingers(kind: str, *points: tuple[float, float]) -> None:
        at = [{"x": x, "y": y, "id": n} for n, (x, y) in enumerate(points)]
        touch.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": at})

    # One finger drags, even from a block, a drawing larger than the pane.
    page.click("#actual-size")
    block = visible_block(page)
    x, y = centre(page, block)
    fingers("touchStart", (x, y))
    fingers("touchMove", (x - 40, y - 30))
    fingers("touchEnd")
    assert centre(page, block) == pytest.approx((x - 40, y - 30), abs=1)

    before = scale(page)
    left, top, right, bottom = rect(page, "#graphs")
    x, y = (left + right) / 2, (top + bottom) / 2
    fingers("touchStart", (x - 50, y), (x + 50, y))
    for gap in range(60, 101, 10):
        fingers("touchMove", (x - gap, y), (x + gap, y))
    fingers("touchEnd")
    assert scale(page) == pytest.approx(before * 2, rel=0.02)
    context.close()


def test_focus_brings_a_block_into_view_without_scrolling_the_pane(view: Page) -> None:
    page = view.page
    page.click("#actual-size")
    far = page.locator(".block").last
    far.focus()
    number = far.get_attribute("data-block")
    assert inside(rect(page, f'.block[data-block="{number}"]'), rect(page, "#graphs"))
    assert page.evaluate("[graphs.scrollLeft, graphs.scrollTop]") == [0, 0]


def test_after_a_click_on_the_pane_the_arrows_still_step(view: Page) -> None:
    page = view.page
    left, top, right, bottom = rect(page, "#graphs")
    page.mouse.click(right - 40, top + 70)
    camera = page.evaluate("({...window.ldbViewer.camera})")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    assert page.evaluate("window.ldbViewer.state.step") == 2
    assert page.evaluate("({...window.ldbViewer.camera})") == camera
