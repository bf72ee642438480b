"""GET /health and GET /version: whether the service is up, and how it stands."""

from __future__ import annotations

from fastapi import APIRouter

import ldb
from api.deps import GateDep, StoreDep
from api.errors import StoreUnavailable
from api.schemas import Health, ModelCallState, QueueState, RunState, Version
from ldb import concurrency

public = APIRouter(tags=["service"])
router = APIRouter(tags=["service"])


@public.get("/health")
def health(gate: GateDep, store: StoreDep) -> Health:
    """Up; the version, how programs run (isolated or not), who can debug, and the load.
    Needs no token, for load balancers and container health checks."""
    # Up while the database is down, so that a load balancer keeps every replica: each
    # answers 503 with Retry-After for what needs the database, and its jobs resume after.
    try:
        counts, up = store.counts(), True
    except StoreUnavailable:
        counts, up = {}, False
    load = concurrency.load()
    return Health(
        version=ldb.__version__,
        sandbox=ldb.sandbox_status(),
        backends=sorted({"offline", ldb.default_model()}),
        queue=QueueState(
            active=gate.active,
            waiting=gate.waiting,
            limit=gate.sessions,
            jobs_queued=counts.get("queued", 0),
            jobs_running=counts.get("running", 0),
        ),
        runs=RunState(active=load.runs_active, waiting=load.runs_waiting, limit=load.runs_limit),
        model_calls=ModelCallState(
            in_flight=load.model_calls,
            waiting=load.model_calls_waiting,
            limit=load.model_calls_limit,
        ),
        database="up" if up else "down",
    )


@router.get("/version")
def version() -> Version:
    return Version(version=ldb.__version__)
