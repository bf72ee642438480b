"""The FastAPI application factory: settings, the store, the gate and the job runner wired
to the routers, errors and middleware."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

import anyio.to_thread
from fastapi import Depends, FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.staticfiles import StaticFiles

import ldb
from api import errors, openapi
from api.deps import bearer_documented
from api.gate import Gate
from api.jobs import JobRunner
from api.middleware import RequestContext
from api.routes import blocks, debug, jobs, results, service, trace, ui
from api.settings import ServiceSettings, get_service_settings
from api.store import Store
from ldb import concurrency

log = logging.getLogger("ldb.service")


def _lifespan(settings: ServiceSettings) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        sandbox = ldb.sandbox_status()
        if sandbox.mode == "unisolated" and not sandbox.allow_unisolated:
            # A service runs strangers' code: without the sandbox it does not start at all.
            raise ldb.SandboxError(
                f"refusing to serve: programs would run unisolated ({sandbox.reason}); install "
                "bubblewrap, or set LDB_ALLOW_UNISOLATED=1 to accept the risk"
            )
        store = Store(settings.database)
        purged = await anyio.to_thread.run_sync(store.purge, settings.keep_s)
        app.state.store = store
        concurrency.limit(
            runs=settings.max_runs,
            model_calls=settings.max_model_calls,
            model_calls_per_server=settings.max_model_calls_per_server,
        )
        app.state.gate = Gate(settings.max_sessions, settings.max_queued)
        app.state.jobs = JobRunner(store, settings)
        app.state.jobs.start()
        log.info(
            "serving: sandbox %s, %d runs and %d model calls at once, database %s (%d old "
            "records purged)",
            sandbox.mode,
            settings.max_runs,
            settings.max_model_calls,
            store.where,
            purged,
        )
        try:
            yield
        finally:
            await app.state.jobs.stop()
            store.close()

    return lifespan


def create_app(settings: ServiceSettings | None = None) -> FastAPI:
    """A new application, configured from `settings` (default: from the environment)."""
    settings = settings or get_service_settings()
    app = FastAPI(
        title="ldb",
        version=ldb.__version__,
        summary="A runtime-tracing debugger for Python programs written by language models.",
        description=(
            "Split a program into basic blocks, trace a failing test block by block in a "
            "sandbox, have each block judged and the program repaired until its tests pass. "
            'Every error answers `{"error": {"type", "message", "request_id"}}`.'
        ),
        lifespan=_lifespan(settings),
    )
    app.dependency_overrides[get_service_settings] = lambda: settings
    errors.install(app)
    openapi.install(app, settings)
    token = settings.auth_token.get_secret_value() if settings.auth_token else None
    app.add_middleware(RequestContext, max_body_bytes=settings.max_body_bytes, auth_token=token)
    # Outermost, so that even a refusal (401, 413) carries the CORS headers a browser needs.
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "DELETE"],
            allow_headers=["Authorization", "Content-Type", "X-Request-ID", "Last-Event-ID"],
            expose_headers=["X-Request-ID", "Retry-After"],
        )
    app.include_router(service.public)
    app.include_router(ui.public)
    app.mount("/ui", StaticFiles(directory=ldb.VIEWER_ASSETS), name="viewer")
    # The bearer scheme and its 401 are documented only where a token is asked for: each app
    # builds its own document.
    guarded = [Depends(bearer_documented)] if token else []
    refused = errors.responses(401) if token else {}
    for module in (blocks, trace, debug, jobs, results, service, ui):
        app.include_router(module.router, dependencies=guarded, responses=refused)
    return app
