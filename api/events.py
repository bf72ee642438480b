"""The debug loop's stages, a program's or a project's, as small JSON events: what a progress
bar or an IDE shows, not the whole result (that comes with `done`)."""

from __future__ import annotations

from typing import Any

import ldb


def event(stage: str, details: dict[str, Any]) -> dict[str, Any]:
    round_index = details.get("iteration")
    data: dict[str, Any] = {} if round_index is None else {"iteration": round_index}
    result = details.get("result")
    if stage == "tests" and isinstance(result, ldb.TraceResult):
        data["status"] = result.status
        data["passed"] = sum(case.status == "passed" for case in result.cases)
        data["cases"] = len(result.cases)
    elif stage == "trace" and isinstance(result, ldb.TraceResult):
        assert result.traced_case is not None
        case = result.cases[result.traced_case]
        data["case"] = result.traced_case
        data["test"] = case.test
        data["expected"] = case.expected
        data["actual"] = case.actual
        data["events"] = len(result.events)
    elif stage == "verdicts":
        verdicts: list[ldb.Verdict] = details.get("verdicts", [])
        data["verdicts"] = [verdict.model_dump(mode="json") for verdict in verdicts]
    elif stage == "repair":
        data["diff"] = details.get("diff")
    elif stage == "iteration" and "files" in details:
        # A project's round names the files it changed so far; their texts are in the
        # repair's diff and the result, and may be large.
        data["files"] = sorted(details["files"])
    elif stage == "done" and isinstance(result, ldb.DebugResult | ldb.ProjectDebugResult):
        data = result.model_dump(mode="json")
    return data
