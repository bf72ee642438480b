"""ldb: a runtime-tracing debugger for Python programs written by language models.

The public API is below; each name is imported when first used, so `import ldb` costs almost
nothing and a command pays only for what it touches.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ldb.lazy import exports

if TYPE_CHECKING:
    from ldb.cfg import build as blocks
    from ldb.debugging.loop import debug
    from ldb.debugging.project import debug_project
    from ldb.errors import (
        InputError,
        InternalError,
        LdbError,
        ModelError,
        SandboxError,
        SourceSyntaxError,
        UnusableReply,
    )
    from ldb.literals import Feedback, Level
    from ldb.models import (
        SCHEMA_VERSION,
        Block,
        BlocksReport,
        BlockVisits,
        CaseResult,
        DebugResult,
        DebugStatus,
        Edge,
        EdgeKind,
        Event,
        FunctionGraph,
        Iteration,
        ProjectDebugResult,
        ProjectIteration,
        SandboxStatus,
        Span,
        TestError,
        TraceResult,
        Verdict,
    )
    from ldb.present.viewer import ASSETS as VIEWER_ASSETS
    from ldb.present.viewer import debug_views, project_debug_views, project_views, trace_views
    from ldb.present.viewer import inputs as viewer_inputs
    from ldb.present.viewer import page as viewer_page
    from ldb.present.viewer import summary as viewer_summary
    from ldb.project.files import project_tree
    from ldb.project.tracing import trace_project
    from ldb.run.sandbox import status as sandbox_status
    from ldb.run.tracing import trace
    from ldb.settings import DebugChoices, DebugOptions, RunLimits, default_model

__version__ = "0.1.0"

_RENAMED: dict[str, tuple[str, str]] = {
    "blocks": ("ldb.cfg", "build"),
    "debug": ("ldb.debugging.loop", "debug"),
    "debug_project": ("ldb.debugging.project", "debug_project"),
    "sandbox_status": ("ldb.run.sandbox", "status"),
    "trace": ("ldb.run.tracing", "trace"),
    "trace_project": ("ldb.project.tracing", "trace_project"),
    "project_tree": ("ldb.project.files", "project_tree"),
    "VIEWER_ASSETS": ("ldb.present.viewer", "ASSETS"),
    "debug_views": ("ldb.present.viewer", "debug_views"),
    "project_debug_views": ("ldb.present.viewer", "project_debug_views"),
    "project_views": ("ldb.present.viewer", "project_views"),
    "trace_views": ("ldb.present.viewer", "trace_views"),
    "viewer_inputs": ("ldb.present.viewer", "inputs"),
    "viewer_page": ("ldb.present.viewer", "page"),
    "viewer_summary": ("ldb.present.viewer", "summary"),
}
"""Public names that live elsewhere than the modules below, or under another name."""
_HOMES = ("ldb.errors", "ldb.literals", "ldb.models", "ldb.settings")
"""Where every other public name lives under its own name, searched in this order."""


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
    "DebugStatus",
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
    "ProjectDebugResult",
    "ProjectIteration",
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
    "debug_project",
    "debug_views",
    "default_model",
    "project_debug_views",
    "project_tree",
    "project_views",
    "sandbox_status",
    "trace",
    "trace_project",
    "trace_views",
    "viewer_inputs",
    "viewer_page",
    "viewer_summary",
    "__version__",
]

# Hidden from type checkers, which would otherwise take any misspelt name for a lazy one.
if not TYPE_CHECKING:
    __getattr__ = exports(__name__, __all__, _HOMES, _RENAMED)
