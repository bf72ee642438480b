"""ldb: a runtime-tracing debugger for Python programs written by language models.

The public API is below; each name is imported when first used, so `import ldb` costs almost
nothing and a command pays only for what it touches.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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
    from ldb.run.tracing import trace
    from ldb.settings import DebugChoices, DebugOptions, RunLimits, default_model

__version__ = "0.1.0"

_ERRORS = [
    "InputError",
    "InternalError",
    "LdbError",
    "ModelError",
    "SandboxError",
    "SourceSyntaxError",
    "UnusableReply",
]
_MODELS = [
    "SCHEMA_VERSION",
    "Block",
    "BlocksReport",
    "BlockVisits",
    "CaseResult",
    "DebugResult",
    "Edge",
    "EdgeKind",
    "Event",
    "Feedback",
    "FunctionGraph",
    "Iteration",
    "Level",
    "SandboxStatus",
    "Span",
    "TestError",
    "TraceResult",
    "Verdict",
]
_WHERE: dict[str, tuple[str, str]] = {
    **{name: ("ldb.errors", name) for name in _ERRORS},
    **{name: ("ldb.models", name) for name in _MODELS},
    **{name: ("ldb.settings", name) for name in ("DebugChoices", "DebugOptions", "RunLimits")},
    "blocks": ("ldb.cfg", "build"),
    "debug": ("ldb.debugging.loop", "debug"),
    "default_model": ("ldb.settings", "default_model"),
    "sandbox_status": ("ldb.run.sandbox", "status"),
    "trace": ("ldb.run.tracing", "trace"),
    "VIEWER_ASSETS": ("ldb.present.viewer", "ASSETS"),
    "debug_views": ("ldb.present.viewer", "debug_views"),
    "trace_views": ("ldb.present.viewer", "trace_views"),
    "viewer_page": ("ldb.present.viewer", "page"),
    "viewer_summary": ("ldb.present.viewer", "summary"),
}
"""Where each public name lives: its module, and its name there."""


def __getattr__(name: str) -> Any:
    try:
        module, attribute = _WHERE[name]
    except KeyError:
        raise AttributeError(f"module 'ldb' has no attribute {name!r}") from None
    value = getattr(importlib.import_module(module), attribute)
    globals()[name] = value  # looked up once
    return value


def __dir__() -> list[str]:
    return __all__


__all__ = [
    "Block",
    "BlockVisits",
    "BlocksReport",
    "CaseResult",
    "DebugChoices",
    "DebugOptions",
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
    "RunLimits",
    "SCHEMA_VERSION",
    "SandboxError",
    "SandboxStatus",
    "SourceSyntaxError",
    "Span",
    "TestError",
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
    "trace_views",
    "viewer_page",
    "viewer_summary",
    "__version__",
]
