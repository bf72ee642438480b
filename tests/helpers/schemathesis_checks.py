"""A check schemathesis runs beside its own (its config's `hooks` names this file): a request
the OpenAPI document allows is refused only for what its program, test or project means."""

from __future__ import annotations

import re
from typing import Any

import schemathesis
from schemathesis import Case, CheckContext, Response

MEANING = re.compile(
    "|".join(
        [
            # A test or program that does not parse, or holds no case, or whose cases call no
            # function of the program: found by parsing, and by running the tests.
            r"the test does not parse",
            r"the test holds no assert and no test_\* function",
            r"the program has no function for the test to call",
            r"cannot tell which function the test is for",
            # A project's tests named in files it does not have, a file where a folder must be,
            # or a text that is not Unicode: one field against another, or text no pattern
            # can tell.
            r"tests: .*: no such test file among the project's files",
            r"files: .* cannot be written",
            # A project in which pytest finds no test, or does not find a test named: pytest
            # alone knows what it collects.
            r"pytest collected no test to run",
            r"^pytest: ",
        ]
    )
)
"""Why `bad_input` may refuse a request the document allows: what no JSON Schema can say."""


@schemathesis.check
def refused_only_for_meaning(ctx: CheckContext, response: Response, case: Case[Any]) -> bool | None:
    """A request generated from the document (not to break it) refused with 422 is refused
    for its meaning: a program that does not parse (`syntax_error`), or `bad_input` for one of
    the reasons in MEANING; never for its shape (`invalid_request`), which the document
    says in full, nor a limit it declares."""
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive or response.status_code != 422:
        return None
    error = response.json()["error"]
    if error["type"] == "syntax_error":
        return None
    if error["type"] == "bad_input" and MEANING.search(error["message"]):
        return None
    raise AssertionError(
        f"A request the document allows was refused as {error['type']}: {error['message']}"
    )
