"""ldb: a runtime-tracing debugger for Python programs written by language models."""

from __future__ import annotations

from ldb.cfg import build as blocks
from ldb.debugging.loop import debug
from ldb.errors import (
    InputError,
    InternalError,
    LdbError,
    ModelError,
    SandboxError,
    SourceSyntaxError,
    UnusableReply,
)
from ldb.models import (
    SCHEMA_VERSION,
    Block,
    BlocksReport,
    BlockVisits,
    CaseResult,
    DebugResult,
    Edge,
    EdgeKind,
    Event,
    Feedback,
    FunctionGraph,
    Iteration,
    Level,
    SandboxStatus,
    Span,
    TestError,
    TraceResult,
    Verdict,
)
from ldb.present.viewer import ASSETS as VIEWER_ASSETS
from ldb.present.viewer import debug_views, trace_views
from ldb.present.viewer import page as viewer_page
from ldb.present.viewer import summary as viewer_summary
from ldb.run.sandbox import status as sandbox_status
from ldb.run.tracing import TraceLimits, trace
from ldb.settings import default_model
from ldb.settings import run_limits as trace_limits

__version__ = "0.1.0"

__all__ = [
    "Block",
    "BlockVisits",
    "BlocksReport",
    "CaseResult",
    "DebugResult",
    "Edge",
    "EdgeKind",
    "Event",
    "Feedback",
    "FunctionGraph",
    "InputError",
    "InternalError",
    "Iteration",
    "LdbError",
    "Level",
    "ModelError",
    "SCHEMA_VERSION",
    "SandboxError",
    "SandboxStatus",
    "SourceSyntaxError",
    "Span",
    "TestError",
    "TraceLimits",
    "TraceResult",
    "UnusableReply",
    "VIEWER_ASSETS",
    "Verdict",
    "blocks",
    "debug",
    "debug_views",
    "default_model",
    "sandbox_status",
    "trace",
    "trace_limits",
    "trace_views",
    "viewer_page",
    "viewer_summary",
    "__version__",
]
