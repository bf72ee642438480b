"""POST /blocks: the basic blocks and control-flow graph of each function of a program."""

from __future__ import annotations

from fastapi import APIRouter

import ldb
from api.deps import GateDep, SettingsDep
from api.errors import responses
from api.schemas import BlocksRequest
from api.work import check_sizes

router = APIRouter(tags=["analysis"])


@router.post("/blocks", responses=responses(413, 422, 503))
async def blocks(request: BlocksRequest, settings: SettingsDep, gate: GateDep) -> ldb.BlocksReport:
    """Each unit of the program (functions, methods, class bodies, the module) split into
    basic blocks, with the edges between them. Parsing only: nothing of the program runs."""
    check_sizes(settings, code=request.code)
    graphs = await gate.run(lambda: ldb.blocks(request.code))
    return ldb.BlocksReport(functions=graphs)
