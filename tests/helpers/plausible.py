"""Runs that end `plausible`: a repair that passes the tests and that a check doubts, from a
chat model played by the loopback server or from a project strategy that doubts its own."""

from __future__ import annotations

import json
import subprocess
import textwrap
from collections.abc import Callable
from pathlib import Path

from ldb.debugging.strategy import ProjectRound, ProjectStep
from testbed.chat_server import ChatServer, Reply, Request, completion_body
from tests.helpers.cli import ldb_command

CLAMP = textwrap.dedent(
    '''\
    def clamp(x, low, high):
        """Limit x to [low, high].
        >>> clamp(5, 0, 3)
        3
        >>> clamp(-2, 0, 3)
        0
        >>> clamp(2, 0, 3)
        2
        """
        return min(x, high)
    '''
)
"""A program whose task shows three examples, of which the test holds one."""
CLAMP_TEST = "assert clamp(-2, 0, 3) == 0"
OVERFITTED = CLAMP.replace("return min(x, high)", "return 0")
"""A repair that passes `CLAMP_TEST` and fails the docstring's two other examples."""
CLAMP_FAILED = "`assert clamp(5, 0, 3) == 3` (gives 0)"
"""What the loop's doubt about `OVERFITTED` names among the examples it fails."""


RIGHT = CLAMP.replace("return min(x, high)", "return max(low, min(x, high))")
"""A repair that passes every example: `fixed`."""


def model_answering(program: str) -> Callable[[Request], Reply]:
    """A chat model that blames the block it is shown and repairs the program as `program`,
    for any number of conversations at once."""

    def answer(request: Request) -> Reply:
        asked = request.json["messages"][-1]["content"] if request.json else ""
        if "[BLOCK-" in asked:
            text = json.dumps({"block": "BLOCK-0", "correct": False, "explanation": "no low"})
        else:
            text = f"```python\n{program}```"
        return Reply(200, completion_body(text), {"Content-Type": "application/json"})

    return answer


overfitting_model = model_answering(OVERFITTED)


def debug_clamp_to_html(repair: str, out: Path) -> subprocess.CompletedProcess[str]:
    """`ldb debug clamp.py --test CLAMP_TEST --html OUT` of `CLAMP` (written beside `out`),
    a chat model repairing it as `repair`."""
    program = out.parent / "clamp.py"
    program.write_text(CLAMP)
    with ChatServer(model_answering(repair)) as model:
        return ldb_command(
            *("debug", str(program), "--test", CLAMP_TEST, "--html", str(out)),
            *("--model", "gpt-test", "--base-url", model.url),
        )


PROJECT_DOUBT = (
    "another edit that passes the tests, `3` → `1`, answers otherwise for discount(9, 'HALF')"
)


class DoubtedShopRepair:
    """A project strategy for `tests.helpers.projects.SHOP` whose repair (the right one)
    makes the tests pass, and which doubts it: no engine or model doubts a project's repair
    on cue."""

    name = "doubted"

    def close(self) -> None:
        pass

    def __enter__(self) -> DoubtedShopRepair:
        return self

    def __exit__(self, *exc: object) -> None:
        pass

    def step_project(self, state: ProjectRound) -> ProjectStep:
        repaired = state.text("shop/pricing.py").replace("amount // 3", "amount // 2")
        return ProjectStep([], {"shop/pricing.py": repaired}, doubts=[PROJECT_DOUBT])
