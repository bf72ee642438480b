"""POST /trace: a test run in the sandbox under the block tracer."""

from __future__ import annotations

from fastapi import APIRouter, Response

import ldb
from api import work
from api.deps import GateDep, SettingsDep, StoreDep
from api.errors import responses
from api.schemas import AnyTraceRequest, ProjectTraceRequest, TraceResponse

router = APIRouter(tags=["analysis"])


@router.post("/trace", response_model=TraceResponse, responses=responses(413, 422, 503))
async def trace(
    request: AnyTraceRequest, settings: SettingsDep, gate: GateDep, store: StoreDep
) -> Response:
    """Every test case's outcome, and the variable state after each basic block of the
    first failing case; stored, under the `id` returned."""
    # Refused before a turn: a busy service must not answer "retry" to what can never pass.
    limits = work.checked_trace(request, settings)
    if isinstance(request, ProjectTraceRequest):
        project = request
        result = await gate.run(lambda: work.trace_project(project, limits))
    else:
        program = request
        result = await gate.run(
            lambda: ldb.trace(
                program.code, program.test, entry_point=program.entry_point, limits=limits
            )
        )
    body, result_id = await work.store_result(store, result, request)
    return work.with_id(body, result_id)
