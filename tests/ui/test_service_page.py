"""The service's page as a new user meets it, in Chromium against the real service on loopback:
what it says before anything is run, an example to try, a stored result shown with the
program, test and task it was given, and each failed request said in the page with what to do
(a token asked for, a body too large, a busy service's wait counted down)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

import ldb
from ldb.present import viewer
from testbed import server
from tests.helpers.browser import Page, submit
from tests.helpers.paths import EXAMPLES

SECOND = (EXAMPLES / "second_largest.py").read_text()
SECOND_TEST = (EXAMPLES / "second_largest_test.py").read_text()
TOKEN = "page-token"
SLEEPY = "import time\n\ndef nap(seconds):\n    time.sleep(seconds)\n    return seconds\n"


def test_the_bundled_examples_are_the_repositorys() -> None:
    bundled = json.loads((viewer.ASSETS / "examples.json").read_text())
    assert [example["name"] for example in bundled] == [
        "second_largest",
        "moving_average",
        "parse_intervals",
        "shapes",
    ]
    for example in bundled:
        assert example["code"] == (EXAMPLES / f"{example['name']}.py").read_text()
        assert example["test"] == (EXAMPLES / f"{example['name']}_test.py").read_text()
        # The menu says which examples' tests pass (nothing to debug there).
        traced = ldb.trace(example["code"], example["test"])
        assert example["fails"] is (traced.status == "failed"), example["name"]


def test_the_first_visit_says_what_to_do_and_an_example_runs(
    service: server.Service, browser: Any, tmp_path: Path
) -> None:
    view = Page(browser, width=1400, height=1000)
    page = view.page
    asked: list[str] = []
    page.on("request", lambda r: asked.append(r.url))
    page.goto(f"{service.url}/ui")
    page.wait_for_selector("#examples option[value=second_largest]", state="attached")
    page.screenshot(path=str(tmp_path / "first.png"))
    assert "block by block" in page.inner_text("#about")
    assert page.is_visible("#intro") and "try an example" in page.inner_text("#intro")
    for hidden in ("#timeline", "#side", "#inputs", "#zoom", "#error", "#new-run"):
        assert not page.is_visible(hidden), f"{hidden} shows before there is anything in it"

    page.select_option("#examples", "second_largest")
    assert page.input_value("textarea[name=code]") == SECOND
    assert page.input_value("textarea[name=test]") == SECOND_TEST
    page.click("button[value=trace]")
    page.wait_for_selector(".block.ran")
    page.screenshot(path=str(tmp_path / "traced.png"))
    assert not page.is_visible("#intro")
    assert page.is_visible("#timeline") and page.is_visible("#zoom")
    # The form folds away; the inputs are shown with the run.
    assert not page.is_visible("#input") and page.is_visible("#new-run")
    assert page.text_content("#inputs pre.program") == SECOND
    assert page.text_content("#inputs pre.test") == SECOND_TEST
    cases = page.locator("#inputs pre.test .case")
    assert cases.all_inner_texts() == SECOND_TEST.strip().split("\n")
    assert [cases.nth(i).get_attribute("class") for i in range(4)] == [
        "case passed",
        "case failed",
        "case failed",
        "case failed",
    ]
    # The failing case's link leads to it in the test, marked and focused.
    link = page.locator("#case a.case-link")
    assert link.inner_text() == "✗ assert second_largest([7, 7]) is None"
    page.click("#inputs summary")
    assert not page.is_visible("#inputs pre.test")
    link.click()
    assert page.is_visible("#inputs pre.test")
    assert page.evaluate("document.activeElement.id") == "case-1"
    assert cases.nth(1).get_attribute("class") == "case failed linked"

    page.click("#new-run")
    assert page.is_visible("#input")
    assert page.input_value("textarea[name=code]") == SECOND
    assert page.evaluate("document.activeElement.name") == "code"
    assert all(url.startswith(service.url) for url in asked), "the page fetched from elsewhere"
    assert view.errors == []


def test_a_stored_result_shows_the_program_test_and_task_it_was_given(
    service: server.Service, browser: Any, tmp_path: Path
) -> None:
    program = (EXAMPLES / "moving_average.py").read_text()
    asserts = [
        "assert moving_average([1, 2, 3], 1) == [1.0, 2.0, 3.0]",
        "assert moving_average([4, 6], 2) == [5.0]",
    ]
    task = "The mean of every run of `width` consecutive values, in order."
    body = {
        "code": program,
        "test": asserts,
        "task": task,
        "entry_point": "moving_average",
        "max_iterations": 1,
    }
    stored = httpx.post(f"{service.url}/debug", json=body, timeout=120).json()
    view = Page(browser, width=1400, height=1000)
    page = view.page
    page.goto(f"{service.url}/ui?result={stored['id']}")
    page.wait_for_selector(".block.incorrect")
    page.screenshot(path=str(tmp_path / "stored.png"))
    assert page.text_content("#inputs pre.program") == program
    assert page.inner_text("#inputs pre.test") == "\n".join(asserts)
    assert page.inner_text("#inputs pre.task") == task
    assert page.locator("#inputs .case.failed").all_inner_texts() == asserts
    traced = page.inner_text("#case a.case-link").removeprefix("✗ ")
    assert traced in asserts
    page.click("#case a.case-link")
    assert page.evaluate("document.activeElement.textContent") == traced
    page.click("#new-run")
    assert page.input_value("input[name=task]") == task
    assert page.input_value("input[name=entry_point]") == "moving_average"
    assert page.inner_text("#inputs pre.entry") == "moving_average"
    assert page.input_value("textarea[name=test]") == "\n".join(asserts)
    assert view.errors == []


@pytest.fixture(scope="module")
def guarded() -> Iterator[server.Service]:
    """A service that wants a token, takes small bodies, and runs one request at a time with
    none waiting."""
    settings = {
        "LDB_AUTH_TOKEN": TOKEN,
        "LDB_MAX_BODY_BYTES": "4096",
        "LDB_MAX_SESSIONS": "1",
        "LDB_MAX_QUEUED": "0",
    }
    with server.running(settings) as running:
        yield running


def with_token(page: Any) -> None:
    page.add_init_script(f"sessionStorage.setItem('ldb-token', {TOKEN!r})")


def trace_an_example(page: Any, service: server.Service, picture: Path) -> None:
    """The page opened, an example chosen and traced, and the error it meets in view."""
    page.goto(f"{service.url}/ui")
    page.wait_for_selector("#examples option[value=second_largest]", state="attached")
    page.select_option("#examples", "second_largest")
    page.click("button[value=trace]")
    page.wait_for_selector("#error:not([hidden])")
    page.screenshot(path=str(picture))


def test_a_401_asks_for_the_token_in_the_page_and_the_run_goes_on(
    guarded: server.Service, browser: Any, tmp_path: Path
) -> None:
    view = Page(browser)
    page = view.page
    trace_an_example(page, guarded, tmp_path / "401.png")
    assert page.inner_text("#error .kind") == "401 unauthorized"
    assert "access token" in page.inner_text("#error")
    assert page.evaluate("document.activeElement.name") == "token"
    page.fill("#error input[name=token]", "not-the-token")
    page.click("#error button[type=submit]")
    page.wait_for_selector("#error:not([hidden]) >> text=was refused")
    page.fill("#error input[name=token]", TOKEN)
    page.click("#error button[type=submit]")
    page.wait_for_selector(".block.ran")
    assert not page.is_visible("#error")
    # The browser console reports the 401 itself; nothing else went wrong.
    assert [e for e in view.errors if "401" not in e] == []


def test_a_413_says_the_program_is_too_large(
    guarded: server.Service, browser: Any, tmp_path: Path
) -> None:
    view = Page(browser)
    page = view.page
    with_token(page)
    page.goto(f"{guarded.url}/ui")
    page.fill("textarea[name=code]", SECOND + "\n# padding\n" * 600)
    page.fill("textarea[name=test]", SECOND_TEST)
    page.click("button[value=debug]")
    page.wait_for_selector("#error:not([hidden])")
    page.screenshot(path=str(tmp_path / "413.png"))
    assert page.inner_text("#error .kind") == "413 too_large"
    assert "over 4096" in page.inner_text("#error") and "smaller" in page.inner_text("#error")
    assert page.locator("#error button").count() == 0, "a retry would fail the same way"
    assert page.is_visible("#input"), "the form went away with its text"
    assert [e for e in view.errors if "413" not in e] == []


def test_a_503_counts_down_its_retry_time_then_tries_again(
    guarded: server.Service, browser: Any, tmp_path: Path
) -> None:
    auth = {"Authorization": f"Bearer {TOKEN}"}
    busy: list[httpx.Response] = []
    request = {"code": SLEEPY, "test": "assert nap(3) == 3\n"}
    sleeper = threading.Thread(
        target=lambda: busy.append(
            httpx.post(f"{guarded.url}/trace", json=request, headers=auth, timeout=60)
        )
    )
    sleeper.start()
    deadline = time.monotonic() + 20
    while httpx.get(f"{guarded.url}/health").json()["queue"]["active"] < 1:
        assert time.monotonic() < deadline, "the sleeping request never started"
        time.sleep(0.05)
    view = Page(browser)
    page = view.page
    with_token(page)
    trace_an_example(page, guarded, tmp_path / "503.png")
    assert page.inner_text("#error .kind") == "503 busy"
    assert page.inner_text("#error .retry") == "(retry in 2 s)"
    again = page.locator("#error button", has_text="Try again")
    assert again.is_disabled()
    assert float(again.evaluate("node => getComputedStyle(node).opacity")) < 1, "looks enabled"
    page.wait_for_function("!document.querySelector('#error button').disabled", timeout=5000)
    sleeper.join(timeout=30)
    assert busy and busy[0].status_code == 200
    again.click()
    page.wait_for_selector(".block.ran")
    assert not page.is_visible("#error")
    assert [e for e in view.errors if "503" not in e] == []


@pytest.mark.parametrize(
    ("code", "test", "said"),
    [
        ("def f(x):\n    return x +\n", "assert f(1) == 2\n", "program.py:2"),
        ("def f(x):\n    return x + 1\n", "assert f(1) ==\n", "test.py:1"),
    ],
    ids=["program", "test"],
)
def test_a_syntax_error_is_said_and_the_form_stays_to_mend_it(
    service: server.Service, browser: Any, code: str, test: str, said: str
) -> None:
    view = Page(browser)
    page = view.page
    submit(page, service.url, code, test, "trace")
    page.wait_for_selector("#case .message")
    assert said in page.inner_text("#case .message")
    assert page.is_visible("#input") and page.input_value("textarea[name=code]") == code
    assert not page.is_visible("#no-trace") and not page.is_visible("#timeline")
    assert view.errors == []
