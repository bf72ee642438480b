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
    sources: dict[str, str] = {}
    rejected: list[str] = []
    for path in stdlib_files():
        text = read_source(path)
        if text is None:
            rejected.append(str(path))
        else:
            sources[str(path)] = text
    return Corpus(sources, rejected)


def stdlib_files() -> list[Path]:
    """Every `.py` file of the standard library, in path order, site-packages left out."""
    root = Path(sysconfig.get_paths()["stdlib"])
    return [path for path in sorted(root.rglob("*.py")) if "site-packages" not in path.parts]


def read_source(path: Path) -> str | None:
    """The text of `path`, or None where `ast.parse` itself rejects it."""
    try:
        text = path.read_text(encoding="utf-8")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ast.parse(text, str(path))
    except (SyntaxError, UnicodeDecodeError, ValueError):
        return None
    return text
