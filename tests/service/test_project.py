"""POST /trace with a project's files: pytest in the sandbox on the server, the same result
shape with each event's file; paths outside the project refused."""

from __future__ import annotations

import textwrap

import httpx
import pytest

from tests.helpers.projects import SHOP
from tests.helpers.service_answers import error

FILES = {path: textwrap.dedent(text).lstrip("\n") for path, text in SHOP.items()}


def test_a_projects_failing_test_is_traced_across_its_files(client: httpx.Client) -> None:
    request = {"files": FILES, "tests": ["tests/test_cart.py::test_half"]}
    reply = client.post("/trace", json=request)
    assert reply.status_code == 200, reply.text
    result = reply.json()
    assert result["status"] == "failed"
    assert [case["test"] for case in result["cases"]] == ["tests/test_cart.py::test_half"]
    calls = [(e["file"], e["function"]) for e in result["events"] if e["block"] is None]
    assert calls == [("shop/cart.py", "total"), ("shop/pricing.py", "discount")]
    stored = client.get(f"/results/{result['id']}").json()
    assert stored["result"]["events"] == result["events"]


@pytest.mark.parametrize(
    "path",
    [
        "/etc/passwd",
        "../outside.py",
        "shop/../../outside.py",
        "a\\b.py",
        "",
        "nul\0.py",
        "x" * 300 + ".py",
        "/".join(["deep"] * 40) + ".py",
    ],
)
def test_a_path_outside_the_project_is_refused(client: httpx.Client, path: str) -> None:
    request = {"files": {**FILES, path: "x = 1\n"}}
    assert "is not a path inside the project" in error(
        client.post("/trace", json=request), 422, "bad_input"
    )


def test_a_file_where_a_folder_must_be_is_refused(client: httpx.Client) -> None:
    request = {"files": {**FILES, "shop/cart.py/inner.py": "x = 1\n"}}
    assert "cannot be written" in error(client.post("/trace", json=request), 422, "bad_input")


def test_a_test_the_project_does_not_have_is_refused(client: httpx.Client) -> None:
    request = {"files": FILES, "tests": ["tests/test_nothing.py"]}
    words = error(client.post("/trace", json=request), 422, "bad_input")
    assert "no such test file" in words and "did you mean tests/test_cart.py" in words
