"""ldb: a runtime-tracing debugger for Python programs written by language models."""

from __future__ import annotations

from ldb.cfg import build as blocks
from ldb.errors import InputError, InternalError, LdbError, SandboxError, SourceSyntaxError
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
    SandboxStatus,
    Span,
    TestError,
    TraceResult,
)
from ldb.sandbox import status as sandbox_status
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
    "SandboxError",
    "SandboxStatus",
    "SourceSyntaxError",
    "Span",
    "TestError",
    "TraceLimits",
    "TraceResult",
    "blocks",
    "sandbox_status",
    "trace",
    "__version__",
]
