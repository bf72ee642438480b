"""The running interpreter's standard library as a corpus of real Python files."""

from __future__ import annotations

import ast
import sysconfig
import warnings
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Corpus:
    sources: dict[str, str]
    """Path to text of each file that `ast.parse` accepts."""
    rejected: list[str]
    """Files `ast.parse` itself rejects (test data written to be invalid)."""


def stdlib_corpus() -> Corpus:
    root = Path(sysconfig.get_paths()["stdlib"])
    sources: dict[str, str] = {}
    rejected: list[str] = []
    for path in sorted(root.rglob("*.py")):
        if "site-packages" in path.parts:
            continue
        try:
            text = path.read_text(encoding="utf-8")
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                ast.parse(text, str(path))
        except (SyntaxError, UnicodeDecodeError, ValueError):
            rejected.append(str(path))
            continue
        sources[str(path)] = text
    return Corpus(sources, rejected)
