"""Verdicts restated: the block a passing edit changed blamed, and the verdicts given at the
level asked (line, block or function)."""

from __future__ import annotations

from collections.abc import Sequence

from ldb.debugging.offline.localise import Localisation
from ldb.literals import Level
from ldb.models import FunctionGraph, Verdict


def blame(
    judged: list[Verdict],
    graphs: Sequence[FunctionGraph],
    line: int,
    proof: str,
    complete: bool,
) -> list[Verdict]:
    """The block the repair edited is incorrect, whatever its score: the passing edit is the
    strongest evidence there is. When the edit passes every case, the other blocks blamed
    are no longer: they are left not judged, first the edited block."""
    edited = {
        (graph.qualname, block.id)
        for graph in graphs
        if graph.qualname != "<module>"
        for block in graph.blocks
        if block.start_line is not None
        and block.end_line is not None
        and block.start_line <= line <= block.end_line
    }
    blamed: list[Verdict] = []
    others: list[Verdict] = []
    for verdict in judged:
        if (verdict.function, verdict.block) in edited:
            explanation = f"{verdict.explanation}; {proof}"
            blamed.append(verdict.model_copy(update={"correct": False, "explanation": explanation}))
        elif complete and verdict.correct is False:
            others.append(verdict.model_copy(update={"correct": None}))
        else:
            others.append(verdict)
    return blamed + others


def at_level(
    judged: list[Verdict],
    level: Level,
    graphs: Sequence[FunctionGraph],
    localisation: Localisation,
) -> list[Verdict]:
    """Block verdicts restated per line (each line takes its block's) or per function (the
    worst of its blocks)."""
    if level == "block":
        return judged
    if level == "line":
        by_block = {(g.qualname, b.id): b for g in graphs for b in g.blocks}
        return [
            verdict.model_copy(update={"line": line})
            for verdict in judged
            if verdict.block is not None
            for line in by_block[(verdict.function, verdict.block)].lines
        ]
    worst: dict[str, Verdict] = {}
    for verdict in judged:
        kept = worst.get(verdict.function)
        if kept is None or (verdict.suspiciousness or 0) > (kept.suspiciousness or 0):
            worst[verdict.function] = verdict.model_copy(update={"block": None, "visit": None})
    return list(worst.values())
