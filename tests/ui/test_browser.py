"""The viewer in a real browser (headless Chromium) against the real service on loopback, and
the exported file opened from disk. Screenshots are left in each test's tmp_path."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

import ldb
from ldb.present import viewer
from testbed import server
from testbed.chat_server import ChatServer
from tests.helpers.browser import Page, submit
from tests.helpers.cli import debug_to_html, ldb_command
from tests.helpers.paths import EXAMPLES
from tests.helpers.plausible import (
    CLAMP,
    CLAMP_FAILED,
    CLAMP_TEST,
    OVERFITTED,
    PROJECT_DOUBT,
    RIGHT,
    DoubtedShopRepair,
    debug_clamp_to_html,
    overfitting_model,
)
from tests.helpers.projects import WITHOUT_PLUGINS

playwright = pytest.importorskip("playwright.sync_api", reason="playwright is in the test extra")

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="no Chromium here (apt-get install chromium; CI does)"
)

PROGRAM = (EXAMPLES / "moving_average.py").read_text()
TEST = (EXAMPLES / "moving_average_test.py").read_text()


def blocks_of(function: str) -> int:
    [graph] = [g for g in ldb.blocks(PROGRAM) if g.qualname == function]
    return len(graph.blocks)


def test_debug_from_the_page_draws_blames_and_steps(
    service: server.Service, browser: object, tmp_path: Path
) -> None:
    view = Page(browser)
    page = view.page
    submit(page, service.url, PROGRAM, TEST, "debug")
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
    # What `ldb debug` was given shows above the run, the failing case linked to its assert.
    assert page.text_content("#inputs pre.program") == PROGRAM
    assert page.text_content("#inputs pre.test") == TEST
    page.click("#case a.case-link")
    assert page.evaluate("document.activeElement.className") == "case failed linked"
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
    # A job's page is about the job: the form folded, the first visit's words gone.
    assert not page.is_visible("#input") and not page.is_visible("#intro")
    links = page.locator("#case a")
    assert links.count() == 10
    assert [links.nth(i).text_content() for i in range(9)] == [f"#{i} fixed" for i in range(9)]
    assert links.nth(9).text_content() == "#9 unfixed"
    # The job's last event comes after its last item: the page follows it to the end.
    page.wait_for_function(
        "document.getElementById('job-progress').textContent === 'done'", timeout=30_000
    )
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
        "tests/test_cart.py",
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
    # The failing test's link leads to the file asked for, which selected it.
    assert page.inner_text("#case a.case-link") == "✗ tests/test_cart.py::test_half"
    page.click("#case a.case-link")
    assert page.evaluate("document.activeElement.textContent") == "tests/test_cart.py"
    assert page.locator("#inputs li.case.failed").count() == 1
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
    assert not page.is_visible("#timeline") and page.is_visible("#no-trace")
    assert page.locator("#inputs li").all_inner_texts() == ["tests/test_cart.py::test_half"]
    assert requests == [out.as_uri()], "the file fetched something"
    assert view.errors == []


def outcome(page: object) -> tuple[str | None, str, list[str], str]:
    """The page's status as shown: its `data-status`, the badge's words, each doubt listed,
    and the badge's background colour."""
    box = page.locator("#outcome")  # type: ignore[attr-defined]
    badge = box.locator(".status")
    colour = badge.evaluate("node => getComputedStyle(node).backgroundColor")
    doubts = box.locator(".doubts li").all_inner_texts()
    return box.get_attribute("data-status"), badge.inner_text(), doubts, colour


def test_a_plausible_repair_is_shown_apart_from_a_fix_in_the_exported_file(
    browser: object, tmp_path: Path
) -> None:
    shown = {}
    for name, repair, code in (("fixed", RIGHT, 0), ("plausible", OVERFITTED, 1)):
        out = tmp_path / name / "debug.html"
        out.parent.mkdir()
        exported = debug_clamp_to_html(repair, out)
        assert exported.returncode == code, exported.stderr
        view = Page(browser)
        view.page.goto(out.as_uri())
        view.page.wait_for_selector("#outcome .status")
        view.page.screenshot(path=str(tmp_path / f"{name}.png"), full_page=True)
        shown[name] = outcome(view.page)
        assert view.errors == []
        if name == "plausible":
            assert "look before trusting it" in view.page.text_content("#outcome")
            assert view.page.locator("nav button").all_inner_texts()[-1] == "Final (plausible)"
    assert shown["fixed"][:3] == ("fixed", "FIXED", [])
    status, words, [doubt], colour = shown["plausible"]
    assert (status, words) == ("plausible", "PLAUSIBLE")
    assert doubt.startswith("fails 2 of ") and CLAMP_FAILED in doubt
    assert colour != shown["fixed"][3], "a plausible repair looks like a fix"


def test_a_plausible_projects_page_lists_its_doubts(browser: object, tmp_path: Path) -> None:
    project = tmp_path / "shop"
    shutil.copytree(EXAMPLES / "shop", project)
    result = ldb.debug_project(
        project,
        ["tests/test_cart.py::test_half"],
        env=WITHOUT_PLUGINS,
        strategy=DoubtedShopRepair(),
    )
    assert result.status == "plausible"
    out = tmp_path / "debug.html"
    views = viewer.project_debug_views(project, result)
    out.write_text(viewer.page(views, viewer.summary("ldb debug --project shop", result)))
    view = Page(browser)
    page = view.page
    page.goto(out.as_uri())
    page.wait_for_selector("#outcome .status")
    page.screenshot(path=str(tmp_path / "project-plausible.png"), full_page=True)
    assert outcome(page)[:3] == ("plausible", "PLAUSIBLE", [PROJECT_DOUBT])
    page.click("nav button:has-text('Final (plausible)')")
    assert page.locator("#repair .add").all_inner_texts() == ["+        return amount // 2\n"]
    assert view.errors == []


@pytest.fixture(scope="module")
def doubting_service() -> Iterator[tuple[server.Service, ChatServer]]:
    """A service that may call a loopback model whose repairs fail the task's examples."""
    model = ChatServer(overfitting_model)
    with model, server.running({"LDB_ALLOWED_BASE_URLS": model.url}) as running:
        yield running, model


def test_the_service_shows_a_stored_plausible_result_as_such(
    doubting_service: tuple[server.Service, ChatServer], browser: object, tmp_path: Path
) -> None:
    service, model = doubting_service
    body = {"code": CLAMP, "test": CLAMP_TEST, "model": "loopback", "base_url": model.url}
    stored = httpx.post(f"{service.url}/debug", json=body, timeout=120).json()
    assert stored["status"] == "plausible", stored
    view = Page(browser)
    page = view.page
    page.goto(f"{service.url}/ui?result={stored['id']}")
    page.wait_for_selector("#outcome .status")
    page.screenshot(path=str(tmp_path / "service-plausible.png"), full_page=True)
    assert outcome(page)[:3] == ("plausible", "PLAUSIBLE", stored["doubts"])
    assert view.errors == []


def test_code_that_looks_like_html_stays_text(browser: object, tmp_path: Path) -> None:
    program = (
        "def tag(x):\n"
        '    opened = "<!--<script>"\n'
        '    return opened + "</script><img src=x onerror=alert(1)>" + x\n'
    )
    test = 'assert tag("<b>") == "<!--<script><b>"\n'
    result = ldb.trace(program, test)
    out = tmp_path / "html.html"
    page_text = viewer.page(
        viewer.trace_views(program, result),
        viewer.summary("<i>t</i>", result),
        {"code": program, "test": test},
    )
    out.write_text(page_text)
    view = Page(browser)
    page = view.page
    dialogs: list[str] = []

    def dismissed(dialog: Any) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", dismissed)
    page.goto(out.as_uri())
    page.wait_for_selector(".block.ran")
    assert page.text_content("#inputs pre.program") == program
    assert page.text_content("#inputs pre.test") == test
    assert page.locator("img, b, i").count() == 0
    assert page.locator("script").count() == 2
    assert dialogs == [] and view.errors == []
