"""A browser page for the viewer's tests, its console errors and uncaught exceptions kept, and
the service's form filled in."""

from __future__ import annotations

from typing import Any


class Page:
    """A page with every console error and uncaught exception collected; `scheme` is the
    colour scheme the system prefers (light or dark)."""

    def __init__(
        self, browser: Any, width: int = 1280, height: int = 800, scheme: str = "light"
    ) -> None:
        self.page = browser.new_page(
            viewport={"width": width, "height": height}, color_scheme=scheme
        )
        self.errors: list[str] = []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))


def submit(page: Any, service_url: str, code: str, test: str, action: str) -> None:
    """The service's page opened, its form filled with `code` and `test`, and `action`
    (trace or debug) pressed."""
    page.goto(f"{service_url}/ui")
    page.fill("textarea[name=code]", code)
    page.fill("textarea[name=test]", test)
    page.click(f"button[value={action}]")
