"""ldb: a runtime-tracing debugger for Python programs written by language models."""

from __future__ import annotations

from ldb.cfg import build as blocks
from ldb.errors import InputError, InternalError, LdbError, SourceSyntaxError
from ldb.models import (
    SCHEMA_VERSION,
    Block,
    BlocksReport,
    Edge,
    EdgeKind,
    FunctionGraph,
    Span,
)

__version__ = "0.1.0"

__all__ = [
    "Block",
    "BlocksReport",
    "Edge",
    "EdgeKind",
    "FunctionGraph",
    "InputError",
    "InternalError",
    "LdbError",
    "SCHEMA_VERSION",
    "SourceSyntaxError",
    "Span",
    "blocks",
    "__version__",
]
