"""GET /ui: the trace viewer, served by the service (static files, nothing from elsewhere),
and GET /results/{id}/view: what the viewer draws for a stored result."""

from __future__ import annotations

from typing import Any

import anyio.to_thread
from fastapi import APIRouter
from fastapi.responses import HTMLResponse

import ldb
from api import work
from api.deps import GateDep, StoreDep
from api.errors import NotFound, responses
from api.schemas import ResultView
from api.store import StoredResult

public = APIRouter(tags=["viewer"])
router = APIRouter(tags=["viewer"])


@public.get("/ui", response_class=HTMLResponse)
def page() -> str:
    """The viewer: paste a program and a test, trace or debug it, and see it; or open a stored
    result (`/ui?result=ID`) or follow a job (`/ui?job=ID`). The page itself holds no data
    and needs no token; what it asks the service for does."""
    shell = (ldb.VIEWER_ASSETS / "index.html").read_text(encoding="utf-8")
    return (
        shell.replace("{{title}}", "ldb")
        .replace("/*{{data}}*/null", "null")
        .replace("<style>/*{{css}}*/</style>", '<link rel="stylesheet" href="ui/viewer.css">')
        .replace(
            "<script>/*{{js}}*/</script>",
            '<script src="ui/viewer.js"></script><script src="ui/service.js"></script>',
        )
    )


@router.get(
    "/results/{result_id}/view",
    response_model=ResultView,
    response_model_exclude_none=True,
    responses=responses(404, 503, missing="No such result"),
)
async def view(result_id: str, store: StoreDep, gate: GateDep) -> dict[str, Any]:
    """What the viewer draws for a stored result: each program's graphs laid out, its trace
    (a debug result's rounds traced again for their states), verdicts and repairs."""
    stored = await anyio.to_thread.run_sync(store.result, result_id)
    if stored is None:
        raise NotFound(f"no result {result_id!r} (results are kept for a limited time)")
    return await gate.run(lambda: _views(stored))


def _views(stored: StoredResult) -> dict[str, Any]:
    asked = stored.request or {}
    title = f"ldb {stored.kind} {stored.id}"
    result: ldb.TraceResult | ldb.DebugResult | ldb.ProjectDebugResult
    files = asked.get("files")
    if isinstance(files, dict):
        # A project's functions are drawn from its files, written again as they were sent.
        with ldb.project_tree(files) as root:
            if stored.kind == "debug_project":
                result = ldb.ProjectDebugResult.model_validate_json(stored.body)
                views = ldb.project_debug_views(root, result)
            else:
                result = ldb.TraceResult.model_validate_json(stored.body)
                views = ldb.project_views(root, result)
    elif stored.kind == "trace":
        result = ldb.TraceResult.model_validate_json(stored.body)
        views = ldb.trace_views(str(asked.get("code", "")), result)
    else:
        result = ldb.DebugResult.model_validate_json(stored.body)
        # Traced again as the request asked, within the server's limits as they stand now.
        limits = work.clamped_limits(asked.get("limits") or {})
        views = ldb.debug_views(result, asked.get("test"), asked.get("entry_point"), limits)
    return {
        "views": views,
        "summary": ldb.viewer_summary(title, result),
        "inputs": ldb.viewer_inputs(asked) or None,
    }
