"""GET /results/{id}: a stored trace or debug result, read again."""

from __future__ import annotations

import json

from fastapi import APIRouter

import ldb
from api.deps import StoreDep
from api.errors import NotFound, responses
from api.schemas import ResultKind, StoredResult

router = APIRouter(tags=["results"])

_MODELS: dict[ResultKind, type[ldb.TraceResult | ldb.DebugResult | ldb.ProjectDebugResult]] = {
    "trace": ldb.TraceResult,
    "debug": ldb.DebugResult,
    "debug_project": ldb.ProjectDebugResult,
}
"""The model of each kind of result the store holds."""


@router.get("/results/{result_id}", responses=responses(404, 503, missing="No such result"))
def result(result_id: str, store: StoreDep) -> StoredResult:
    """A result of POST /trace, /debug or a job, as it was answered."""
    stored = store.result(result_id)
    if stored is None:
        raise NotFound(f"no result {result_id!r} (results are kept for a limited time)")
    body = json.loads(stored.body)
    kind: ResultKind = next((known for known in _MODELS if known == stored.kind), "trace")
    return StoredResult(
        id=stored.id, kind=kind, created=stored.created, result=_MODELS[kind].model_validate(body)
    )
