"""The JSON Schemas of the documents ldb writes, by name."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from ldb.models import SCHEMA_VERSION, BlocksReport, DebugResult, TraceResult

DOCUMENTS: dict[str, type[BaseModel]] = {
    "blocks": BlocksReport,
    "trace": TraceResult,
    "debug": DebugResult,
}
"""Each document ldb prints with `--json`, under the name `ldb schema NAME` takes."""


def json_schema(name: str) -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of one document, as ldb serialises it."""
    schema = DOCUMENTS[name].model_json_schema(mode="serialization")
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"urn:ldb:schema:{name}:v{SCHEMA_VERSION}",
        **schema,
    }
