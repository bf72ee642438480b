"""Around every request: its id, the body size limit, and one structured access-log line."""

from __future__ import annotations

import hmac
import json
import logging
import re
import time
import uuid

from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import ErrorBody, ErrorDetail, TooLarge, Unauthorized

access_log = logging.getLogger("ldb.access")

_CLIENT_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")


class RequestContext:
    """Gives each request an id (the client's `X-Request-ID` when it is sane), refuses a
    request without the bearer token when one is set (all but /health, the viewer's static
    page and CORS preflights, before any of its body is read), refuses a body over
    `max_body_bytes` with 413 whether or not it declared its length, and logs the request as
    one JSON line."""

    def __init__(self, app: ASGIApp, max_body_bytes: int, auth_token: str | None = None) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.expected = f"Bearer {auth_token}".encode() if auth_token else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        given = headers.get("x-request-id", "")
        request_id = given if _CLIENT_ID.fullmatch(given) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        started = time.perf_counter()
        status = 500
        declared = headers.get("content-length", "")
        limit = self.max_body_bytes
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    # FastAPI reads the body for the route and turns anything it raises but an
                    # HTTPException into a 400; errors.install answers this one as too_large.
                    raise HTTPException(TooLarge.status, f"the body is over {limit} bytes")
            return message

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", [])
                message["headers"] = [
                    *message["headers"],
                    (b"x-request-id", request_id.encode()),
                ]
            await send(message)

        try:
            refusal = self._refusal(scope, headers, declared, limit)
            if refusal is not None:
                status_code, kind, words, extra = refusal
                body = ErrorBody(error=ErrorDetail(type=kind, message=words, request_id=request_id))
                answer = JSONResponse(body.model_dump(), status_code=status_code, headers=extra)
                await answer(scope, receive, sending)
                return
            await self.app(scope, counted, sending)
        finally:
            access_log.info(
                json.dumps(
                    {
                        "request_id": request_id,
                        "method": scope["method"],
                        "path": scope["path"],
                        "status": status,
                        "ms": round((time.perf_counter() - started) * 1000, 1),
                        "client": (scope.get("client") or ("", 0))[0],
                    }
                )
            )

    def _refusal(
        self, scope: Scope, headers: dict[str, str], declared: str, limit: int
    ) -> tuple[int, str, str, dict[str, str] | None] | None:
        if self.expected is not None and not _public(scope["path"]):
            given = headers.get("authorization", "").encode("latin-1")
            preflight = scope["method"] == "OPTIONS"
            if not preflight and not hmac.compare_digest(given, self.expected):
                words = "this service needs `Authorization: Bearer <token>`"
                if given:
                    words = "the bearer token is not valid"
                return Unauthorized.status, Unauthorized.type, words, {"WWW-Authenticate": "Bearer"}
        if declared.isdigit() and int(declared) > limit:
            return (
                TooLarge.status,
                TooLarge.type,
                f"the body is {declared} bytes, over {limit}",
                None,
            )
        return None


def _public(path: str) -> bool:
    """/health, and the viewer's page and static files: they hold no data, and a browser
    cannot send a token to load a page (the page sends it with what it asks for)."""
    return path in ("/health", "/ui") or path.startswith("/ui/")
