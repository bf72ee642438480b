"""Every error the service answers with, as `{"error": {"type", "message", "request_id"}}`,
and the one place that maps an error to its HTTP status.

    ServiceError                      raised by the service itself
    ├── Unauthorized        401       no or a wrong bearer token
    ├── Forbidden           403       a model server the operator did not allow
    ├── NotFound            404       no such result, job or route
    ├── TooLarge            413       a body or program over the limit
    ├── Busy                503       every turn taken and the queue full (Retry-After)
    ├── StoreUnavailable    503       the database cannot be reached now (Retry-After)
    └── TimedOut            504       the request ran past its time budget
    ldb.InputError          422       a program, test or limit ldb cannot use
    ldb.ModelError          502       the model server failed
    ldb.SandboxError        503       programs cannot be run here now
    anything else           500       no detail leaves the service; the log has it
"""

from __future__ import annotations

import logging
from typing import Any

import anyio
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import iter_route_contexts
from pydantic import BaseModel
from starlette.exceptions import HTTPException
from starlette.routing import Match

import ldb

log = logging.getLogger("ldb.service")


class ErrorDetail(BaseModel):
    type: str
    message: str
    request_id: str | None


class ErrorBody(BaseModel):
    """The body of every answer that is not a success."""

    error: ErrorDetail


class ServiceError(Exception):
    status = 500
    type = "internal"

    def __init__(self, message: str, *, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.headers = headers or {}


class Unauthorized(ServiceError):
    status = 401
    type = "unauthorized"

    def __init__(self, message: str) -> None:
        super().__init__(message, headers={"WWW-Authenticate": "Bearer"})


class Forbidden(ServiceError):
    status = 403
    type = "forbidden"


class NotFound(ServiceError):
    status = 404
    type = "not_found"


class TooLarge(ServiceError):
    status = 413
    type = "too_large"


class Busy(ServiceError):
    status = 503
    type = "busy"

    def __init__(self, message: str, *, retry_after_s: int) -> None:
        super().__init__(message, headers={"Retry-After": str(retry_after_s)})


class StoreUnavailable(ServiceError):
    status = 503
    type = "store_unavailable"

    def __init__(self, message: str, *, retry_after_s: int = 5) -> None:
        super().__init__(message, headers={"Retry-After": str(retry_after_s)})


class TimedOut(ServiceError):
    status = 504
    type = "timeout"


_LDB_ERRORS: list[tuple[type[ldb.LdbError], int, str]] = [
    (ldb.SourceSyntaxError, 422, "syntax_error"),
    (ldb.InputError, 422, "bad_input"),
    (ldb.ModelError, 502, "model_error"),
    (ldb.SandboxError, 503, "sandbox_unavailable"),
    (ldb.LdbError, 500, "internal"),
]

Responses = dict[int | str, dict[str, Any]]
"""Error answers a route documents besides its success, for OpenAPI."""

_WHEN: dict[int, str] = {
    401: "A bearer token is required (LDB_AUTH_TOKEN)",
    403: "base_url or model is not one the operator allows",
    404: "No such job or result",
    413: "The body, a program or a job is over the server's limits",
    422: "The request or its program, test or limits cannot be used",
    502: "The model server failed",
    503: "The service is busy, cannot run programs now, or cannot reach its database "
    "(retry after Retry-After seconds)",
    504: "The run took longer than the request budget",
}

_HEADERS: dict[int, dict[str, Any]] = {
    401: {"WWW-Authenticate": {"schema": {"type": "string"}, "required": True}},
    503: {
        "Retry-After": {
            "description": "Seconds to wait, when the service is busy",
            "schema": {"type": "string", "pattern": "^[0-9]+$"},
        }
    },
}


def responses(*statuses: int, missing: str | None = None) -> Responses:
    """The error answers a route documents: each of `statuses` with the one error body (and
    the headers it carries); `missing` says what a 404 did not find."""
    return {
        status: {
            "model": ErrorBody,
            "description": missing if status == 404 and missing else _WHEN[status],
            **({"headers": _HEADERS[status]} if status in _HEADERS else {}),
        }
        for status in statuses
    }


def request_id(request: Request) -> str | None:
    return getattr(request.state, "request_id", None)


def error_response(
    request: Request, status: int, kind: str, message: str, headers: dict[str, str] | None = None
) -> JSONResponse:
    body = ErrorBody(error=ErrorDetail(type=kind, message=message, request_id=request_id(request)))
    return JSONResponse(body.model_dump(), status_code=status, headers=headers)


def install(app: FastAPI) -> None:
    """Routes every error to its status and the one body shape."""

    @app.exception_handler(ServiceError)
    async def service_error(request: Request, error: ServiceError) -> JSONResponse:
        return error_response(request, error.status, error.type, error.message, error.headers)

    @app.exception_handler(ldb.LdbError)
    async def ldb_error(request: Request, error: ldb.LdbError) -> JSONResponse:
        status, kind, message = describe(error)
        return error_response(request, status, kind, message)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, error: RequestValidationError) -> JSONResponse:
        return error_response(request, 422, "invalid_request", _first_problem(error))

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, error: HTTPException) -> JSONResponse:
        if error.status_code == 400:
            # FastAPI's answer to a body it could not read as text, where JSON that does not
            # parse gets a 422: the request's shape either way.
            return error_response(request, 422, "invalid_request", "body: not JSON in UTF-8")
        kinds = {404: "not_found", 405: "method_not_allowed", TooLarge.status: TooLarge.type}
        kind = kinds.get(error.status_code, "http_error")
        headers = dict(error.headers) if error.headers else {}
        if error.status_code == 405:
            headers["Allow"] = ", ".join(_allowed(request))
        return error_response(request, error.status_code, kind, str(error.detail), headers)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, error: Exception) -> JSONResponse:
        if _client_left(error):
            log.info("request %s: the client went away", request_id(request))
            return error_response(request, 499, "client_closed", "the client went away")
        log.error("unexpected error: %r", error, exc_info=error)
        return error_response(request, 500, "internal", "the service failed on this request")


def describe(error: ldb.LdbError | ServiceError) -> tuple[int, str, str]:
    """Status, type and message for an error, as a body or an `error` event carries them;
    an internal failure is logged here and told to the client without detail."""
    if isinstance(error, ServiceError):
        return error.status, error.type, error.message
    status, kind = next((s, k) for cls, s, k in _LDB_ERRORS if isinstance(error, cls))
    if status == 500:
        log.error("internal error: %s", error, exc_info=error)
        return 500, kind, "ldb failed on this request"
    return status, kind, str(error)


def _allowed(request: Request) -> list[str]:
    """Every method the request's path takes: Starlette's 405 names only those of the first
    route on the path, and FastAPI makes a route per method (its included routers' routes
    seen through `iter_route_contexts`)."""
    methods: set[str] = set()
    for route in iter_route_contexts(request.app.router.routes):
        match, _ = route.matches(request.scope)
        if match is not Match.NONE:
            methods |= route.methods or set()
    return sorted(methods)


def _client_left(error: BaseException) -> bool:
    """A stream whose client disconnected fails with these, inside a task group's group."""
    if isinstance(error, BaseExceptionGroup):
        return all(_client_left(inner) for inner in error.exceptions)
    return isinstance(error, anyio.BrokenResourceError | anyio.ClosedResourceError)


def _first_problem(error: RequestValidationError) -> str:
    """The first thing wrong, in words a client can act on: `body.code: Field required`."""
    problems = error.errors()
    if not problems:
        return "the request is not valid"
    first = problems[0]
    where = ".".join(str(part) for part in first.get("loc", ()))
    more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
    return f"{where}: {first.get('msg', 'invalid')}{more}"
