"""Benchmark problems in LDB's JSON-lines format, and programs put together as LDB does."""

from __future__ import annotations

import ast
import json
from pathlib import Path
from typing import Any

from ldb.errors import InputError
from ldb.harness import asts


def read_jsonl(path: str | Path) -> list[dict[str, Any]]:
    """Every record of a JSON-lines file."""
    records = []
    try:
        with open(path, encoding="utf-8") as handle:
            for number, line in enumerate(handle, 1):
                if line.strip():
                    try:
                        records.append(json.loads(line))
                    except ValueError as error:
                        raise InputError(f"{path}:{number}: not JSON ({error})") from None
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    return records


def assemble_program(prompt: str, solution: str) -> str:
    """A seed's solution completed with what the prompt had and it lacks: the prompt's imports
    and its helper functions (a model often answers with the entry function alone)."""
    try:
        prompt_tree = asts.parse_module(prompt)
    except SyntaxError:
        return solution
    try:
        defined = {
            node.name
            for node in asts.parse_module(solution).body
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
        }
    except SyntaxError:
        defined = set()
    missing: list[str] = []
    for node in prompt_tree.body:
        segment = ast.get_source_segment(prompt, node)
        if segment is None:
            continue
        if isinstance(node, ast.Import | ast.ImportFrom):
            if segment not in solution:
                missing.append(segment)
        elif (
            isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
            and node.name not in defined
            and node.body
            and not _is_stub(node)
        ):
            missing.append(_with_decorators(prompt, node, segment))
    if not missing:
        return solution
    return "\n".join(missing) + "\n\n" + solution


def _is_stub(node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) -> bool:
    """A prompt's own entry function: only a docstring, for the model to complete."""
    body = node.body
    return (
        len(body) == 1 and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant)
    )


def _with_decorators(
    source: str, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef, segment: str
) -> str:
    decorators = node.decorator_list
    if not decorators:
        return segment
    lines = source.splitlines()
    first = min(d.lineno for d in decorators)
    return "\n".join(lines[first - 1 : node.lineno - 1]) + "\n" + segment
