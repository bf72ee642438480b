"""The viewer in a real browser (headless Chromium) against the real service on loopback, and
the exported file opened from disk. Screenshots are left in each test's tmp_path."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

import ldb
from testbed import server
from tests.helpers.cli import debug_to_html, ldb_command
from tests.helpers.paths import EXAMPLES

playwright = pytest.importorskip("playwright.sync_api", reason="playwright is in the test extra")

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="no Chromium here (apt-get install chromium; CI does)"
)

PROGRAM = (EXAMPLES / "moving_average.py").read_text()
TEST = (EXAMPLES / "moving_average_test.py").read_text()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with playwright.sync_playwright() as driver:
        launched = driver.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield launched
        launched.close()


class Page:
    """A page with every console error and uncaught exception collected."""

    def __init__(self, browser: object, width: int = 1280, height: int = 800) -> None:
        self.page = browser.new_page(viewport={"width": width, "height": height})  # type: ignore[attr-defined]
        self.errors: list[str] = []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))


def blocks_of(function: str) -> int:
    [graph] = [g for g in ldb.blocks(PROGRAM) if g.qualname == function]
    return len(graph.blocks)


def test_debug_from_the_page_draws_blames_and_steps(
    service: server.Service, browser: object, tmp_path: Path
) -> None:
    view = Page(browser)
    page = view.page
    page.goto(f"{service.url}/ui")
    page.fill("textarea[name=code]", PROGRAM)
    page.fill("textarea[name=test]", TEST)
    page.click("button[value=debug]")
    page.wait_for_selector(".block.incorrect", timeout=60_000)
    page.screenshot(path=str(tmp_path / "debugged.png"), full_page=True)
    figure = page.locator('figure[data-function="moving_average"]')
    assert figure.locator(".block").count() == blocks_of("moving_average")
    blamed = figure.locator(".block.incorrect")
    assert blamed.count() == 1 and blamed.get_attribute("data-block") == "1"
    assert "range(len(values) - width)" in blamed.text_content()
    assert page.locator(".block.ran").count() >= 3
    assert page.locator(".edge.taken").count() >= 2
    assert "expected [5.0]" in page.text_content("#case")

    first = page.text_content("#position")
    state = page.text_content("#state")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    assert page.text_content("#position") != first
    assert page.text_content("#state") != state
    assert page.locator(".block.current").count() == 1
    page.screenshot(path=str(tmp_path / "stepped.png"))

    blamed.focus()
    page.keyboard.press("Enter")
    assert "✗ incorrect" in page.text_content("#verdict")
    assert "here makes 4 of 4 cases pass" in page.text_content("#verdict")
    page.click("nav button:has-text('Final')")
    assert page.locator(".block.incorrect").count() == 0
    assert "passed" in page.text_content("#case")
    assert view.errors == []
    assert "?result=" in page.url


def test_a_stored_result_opens_by_its_id_in_a_narrow_window(
    service: server.Service, browser: object, tmp_path: Path
) -> None:
    stored = httpx.post(f"{service.url}/trace", json={"code": PROGRAM, "test": TEST}, timeout=60)
    view = Page(browser, width=420, height=800)
    page = view.page
    page.goto(f"{service.url}/ui?result={stored.json()['id']}")
    page.wait_for_selector('figure[data-function="moving_average"] .block')
    page.screenshot(path=str(tmp_path / "narrow.png"), full_page=True)
    assert page.locator(".block").count() == blocks_of("moving_average")
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1, "the page scrolls sideways; only the graph pane may"
    assert view.errors == []


def test_the_exported_file_works_from_disk_alone(browser: object, tmp_path: Path) -> None:
    out = tmp_path / "debug.html"
    exported = debug_to_html(
        EXAMPLES / "moving_average.py", EXAMPLES / "moving_average_test.py", out
    )
    assert exported.returncode == 0, exported.stderr
    view = Page(browser)
    page = view.page
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(out.as_uri())
    page.wait_for_selector(".block.incorrect")
    page.screenshot(path=str(tmp_path / "exported.png"), full_page=True)
    assert page.locator(".block").count() == blocks_of("moving_average")
    assert requests == [out.as_uri()], "the file fetched something"
    assert view.errors == []


def test_a_job_is_followed_as_its_events_arrive(
    service: server.Service, browser: object, tmp_path: Path
) -> None:
    second = (EXAMPLES / "second_largest.py").read_text()
    second_test = (EXAMPLES / "second_largest_test.py").read_text()
    # Long enough (a few seconds) that the page meets the job running and reads its events.
    requests = [{"code": PROGRAM, "test": TEST}] * 9 + [{"code": second, "test": second_test}]
    job = httpx.post(f"{service.url}/jobs", json={"requests": requests}, timeout=30).json()
    view = Page(browser)
    page = view.page
    page.goto(f"{service.url}/ui?job={job['id']}")
    page.wait_for_function(
        "document.getElementById('summary').textContent.includes('done, 10 of 10')",
        timeout=90_000,
    )
    page.screenshot(path=str(tmp_path / "job.png"), full_page=True)
    links = page.locator("#case a")
    assert links.count() == 10
    assert [links.nth(i).text_content() for i in range(9)] == [f"#{i} fixed" for i in range(9)]
    assert links.nth(9).text_content() == "#9 unfixed"
    assert page.text_content("#progress") == "done", "the page followed the job's events"
    links.first.click()
    page.wait_for_selector(".block.incorrect")
    assert view.errors == []


def test_a_projects_trace_draws_each_function_with_its_file(
    browser: object, tmp_path: Path
) -> None:
    out = tmp_path / "project.html"
    exported = ldb_command(
        "trace",
        "--project",
        str(EXAMPLES / "shop"),
        "tests/test_cart.py::test_half",
        "--env",
        "PYTEST_DISABLE_PLUGIN_AUTOLOAD=1",
        "--html",
        str(out),
    )
    assert exported.returncode == 1, exported.stderr
    view = Page(browser)
    page = view.page
    page.goto(out.as_uri())
    page.wait_for_selector("figure h3")
    headings = page.locator("figure h3").all_inner_texts()
    page.screenshot(path=str(tmp_path / "project.png"), full_page=True)
    assert headings == ["shop/cart.py::total (line 6)", "shop/pricing.py::discount (line 4)"]
    page.keyboard.press("End")
    assert "shop/cart.py::total" in page.locator("#stack").inner_text()
    assert view.errors == []


def test_a_projects_debug_page_names_files_and_shows_the_patch(
    browser: object, tmp_path: Path
) -> None:
    project = tmp_path / "shop"
    shutil.copytree(EXAMPLES / "shop", project)
    out = tmp_path / "debug.html"
    exported = ldb_command(
        "debug",
        "--project",
        str(project),
        "tests/test_cart.py::test_half",
        "--env",
        "PYTEST_DISABLE_PLUGIN_AUTOLOAD=1",
        "--apply",
        "--html",
        str(out),
    )
    assert exported.returncode == 0, exported.stderr
    view = Page(browser)
    page = view.page
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(out.as_uri())
    page.wait_for_selector(".block.incorrect")
    page.screenshot(path=str(tmp_path / "project-debug.png"), full_page=True)
    headings = page.locator("figure h3").all_inner_texts()
    assert headings == ["shop/cart.py::total (line 6)", "shop/pricing.py::discount (line 4)"]
    # Drawn as the round tested it, though --apply has since written the repair.
    blamed = page.locator('figure[data-function="shop/pricing.py::discount"] .block.incorrect')
    assert blamed.count() == 1 and "amount // 3" in blamed.text_content()
    assert page.locator("#repair h3.diff-file").all_inner_texts() == ["shop/pricing.py"]
    assert page.locator("#repair .del").all_inner_texts() == ["-        return amount // 3\n"]
    assert page.locator("#repair .add").all_inner_texts() == ["+        return amount // 2\n"]
    blamed.focus()
    page.keyboard.press("Enter")
    assert "of shop/pricing.py::discount" in page.text_content("#verdict")
    page.click("nav button:has-text('Final')")
    page.screenshot(path=str(tmp_path / "project-final.png"), full_page=True)
    assert (
        "amount // 2"
        in page.locator('figure[data-function="shop/pricing.py::discount"]').text_content()
    )
    assert "patch applied" in page.text_content("#summary")
    assert page.text_content("#position") == "no trace"
    assert requests == [out.as_uri()], "the file fetched something"
    assert view.errors == []
