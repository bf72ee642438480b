"""POST /trace: a test run in the sandbox under the block tracer."""

from __future__ import annotations

from fastapi import APIRouter, Response

import ldb
from api import work
from api.deps import GateDep, SettingsDep, StoreDep
from api.errors import RESPONSES
from api.schemas import TraceRequest, TraceResponse

router = APIRouter(tags=["analysis"], responses=RESPONSES)


@router.post("/trace", response_model=TraceResponse)
async def trace(
    request: TraceRequest, settings: SettingsDep, gate: GateDep, store: StoreDep
) -> Response:
    """Every test case's outcome, and the variable state after each basic block of the
    first failing case; stored, under the `id` returned."""
    # Refused before a turn: a busy service must not answer "retry" to what can never pass.
    limits = work.checked_trace(request, settings)
    if request.files is not None:
        result = await gate.run(lambda: work.trace_project(request, limits))
    else:
        code, test = request.code or "", request.test or ""
        result = await gate.run(
            lambda: ldb.trace(code, test, entry_point=request.entry_point, limits=limits)
        )
    body, result_id = await work.store_result(store, result, request)
    return work.with_id(body, result_id)
