"""Source to `ast` objects and `ast` objects to code, one thread at a time.

CPython 3.11 and 3.12 count the converter's recursion depth per interpreter, not per thread:
two threads converting at once can fail with a spurious `SystemError: AST constructor
recursion depth mismatch` (python/cpython#106905). The service and the repair search parse
in many threads, so every conversion in ldb goes through here.
"""

from __future__ import annotations

import ast
import threading
from types import CodeType

LOCK = threading.RLock()


def parse(source: str, filename: str = "<unknown>", mode: str = "exec") -> ast.AST:
    with LOCK:
        return ast.parse(source, filename, mode)


def parse_module(source: str, filename: str = "<unknown>") -> ast.Module:
    with LOCK:
        return ast.parse(source, filename)


def compile_tree(tree: ast.Module, filename: str) -> CodeType:
    with LOCK:
        return compile(tree, filename, "exec", dont_inherit=True)
