"""The FastAPI application factory."""

from __future__ import annotations

from fastapi import FastAPI

import ldb


def create_app() -> FastAPI:
    """A new application; routes arrive with the service itself."""
    app = FastAPI(
        title="ldb",
        version=ldb.__version__,
        description="A runtime-tracing debugger for Python programs written by language models.",
    )

    @app.get("/version")
    def version() -> dict[str, str]:
        return {"version": ldb.__version__}

    return app
