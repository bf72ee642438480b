"""GET /results/{id}: a stored trace or debug result, read again."""

from __future__ import annotations

import json

from fastapi import APIRouter

import ldb
from api.deps import StoreDep
from api.errors import RESPONSES, ErrorBody, NotFound
from api.schemas import StoredResult

router = APIRouter(tags=["results"], responses=RESPONSES)


@router.get("/results/{result_id}", responses={404: {"model": ErrorBody}})
def result(result_id: str, store: StoreDep) -> StoredResult:
    """A result of POST /trace, /debug or a job, as it was answered."""
    stored = store.result(result_id)
    if stored is None:
        raise NotFound(f"no result {result_id!r} (results are kept for a limited time)")
    body = json.loads(stored.body)
    kind = ldb.DebugResult if stored.kind == "debug" else ldb.TraceResult
    return StoredResult(
        id=stored.id,
        kind="debug" if stored.kind == "debug" else "trace",
        created=stored.created,
        result=kind.model_validate(body),
    )
