"""The OpenAPI document of one app: the bounds its settings put on requests, and every error
answered as the one JSON body."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fastapi import FastAPI

import ldb
from api.settings import ServiceSettings

_REQUESTS = (
    "BlocksRequest",
    "TraceRequest",
    "ProjectTraceRequest",
    "DebugRequest",
    "ProjectDebugRequest",
    "JobRequest",
)
_TEXTS = ("code", "test", "task", "tests")
"""Fields held to LDB_MAX_CODE_BYTES: each text, or each part of a list of them."""

_FASTAPIS_422 = "Validation Error"
_ERROR = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}}


def install(app: FastAPI, settings: ServiceSettings) -> None:
    """Builds `app`'s document, once, from FastAPI's and `settings`."""
    built = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = built()
            bound(document["components"]["schemas"], settings)
            _errors_as_json(document)
        return app.openapi_schema or {}

    app.openapi = openapi  # type: ignore[method-assign]


def bound(schemas: dict[str, Any], settings: ServiceSettings) -> None:
    """The request schemas held to what the service enforces: sizes, rounds, a job's
    requests, a project's files, and each run limit at most the server's own."""
    for name in _REQUESTS:
        properties: dict[str, Any] = schemas[name]["properties"]
        for field in _TEXTS:
            for text in _strings(properties.get(field)):
                # Counted in characters, where the server counts bytes of UTF-8: the same
                # for ASCII, and never less.
                text["maxLength"] = settings.max_code_bytes
        if "files" in properties:
            files = properties["files"]
            files["maxProperties"] = settings.max_project_files
            files["additionalProperties"]["maxLength"] = settings.max_code_bytes
        if "max_iterations" in properties:
            rounds = properties["max_iterations"]
            rounds["maximum"] = settings.max_iterations
            rounds["default"] = min(rounds["default"], settings.max_iterations)
        if "requests" in properties:
            properties["requests"]["maxItems"] = settings.max_job_requests
    ceilings = ldb.RunLimits()
    for field, limit in schemas["Limits"]["properties"].items():
        ceiling = getattr(ceilings, field)
        if isinstance(ceiling, bool):
            continue
        for number in limit["anyOf"]:
            if number.get("type") in ("integer", "number"):
                number["maximum"] = ceiling


def _strings(schema: dict[str, Any] | None) -> Iterator[dict[str, Any]]:
    """The string schemas within `schema`: itself, its alternatives, its items."""
    if schema is None:
        return
    if schema.get("type") == "string":
        yield schema
    for alternative in schema.get("anyOf", []):
        yield from _strings(alternative)
    yield from _strings(schema.get("items"))


def _errors_as_json(document: dict[str, Any]) -> None:
    """Every answer but a success is the one JSON error body: FastAPI documents a route's
    errors in the media type of its success, which for an event stream is not theirs, and
    adds its own 422 to a route with parameters even where none can fail (a path's string);
    the routes document the 422s they can answer."""
    for operations in document["paths"].values():
        for operation in operations.values():
            answers = operation["responses"]
            if answers.get("422", {}).get("description") == _FASTAPIS_422:
                del answers["422"]
            for status, answer in answers.items():
                if not status.startswith("2"):
                    answer["content"] = _ERROR
    for name in ("HTTPValidationError", "ValidationError"):
        document["components"]["schemas"].pop(name, None)
