"""The FastAPI application factory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Literal

from fastapi import FastAPI
from pydantic import BaseModel

import ldb


class Health(BaseModel):
    """The service is up; which version, and how it runs programs."""

    status: Literal["ok"] = "ok"
    version: str
    sandbox: ldb.SandboxStatus


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    sandbox = ldb.sandbox_status()
    if sandbox.mode == "unisolated" and not sandbox.allow_unisolated:
        # A service runs strangers' code: without the sandbox it does not start at all.
        raise ldb.SandboxError(
            f"refusing to serve: programs would run unisolated ({sandbox.reason}); install "
            "bubblewrap, or set LDB_ALLOW_UNISOLATED=1 to accept the risk"
        )
    yield


def create_app() -> FastAPI:
    """A new application; routes arrive with the service itself."""
    app = FastAPI(
        title="ldb",
        version=ldb.__version__,
        description="A runtime-tracing debugger for Python programs written by language models.",
        lifespan=_lifespan,
    )

    @app.get("/version")
    def version() -> dict[str, str]:
        return {"version": ldb.__version__}

    @app.get("/health")
    def health() -> Health:
        return Health(version=ldb.__version__, sandbox=ldb.sandbox_status())

    return app
