"""ldb: a runtime-tracing debugger for Python programs written by language models."""

from __future__ import annotations

from ldb.cfg import build as blocks
from ldb.errors import InputError, InternalError, LdbError, SourceSyntaxError
from ldb.models import (
    SCHEMA_VERSION,
    Block,
    BlocksReport,
    BlockVisits,
    CaseResult,
    Edge,
    EdgeKind,
    Event,
    FunctionGraph,
    Span,
    TestError,
    TraceResult,
)
from ldb.tracing import TraceLimits, trace

__version__ = "0.1.0"

__all__ = [
    "Block",
    "BlockVisits",
    "BlocksReport",
    "CaseResult",
    "Edge",
    "EdgeKind",
    "Event",
    "FunctionGraph",
    "InputError",
    "InternalError",
    "LdbError",
    "SCHEMA_VERSION",
    "SourceSyntaxError",
    "Span",
    "TestError",
    "TraceLimits",
    "TraceResult",
    "blocks",
    "trace",
    "__version__",
]
