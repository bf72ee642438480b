"""The JSON Schemas of the documents ldb writes, by name."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pydantic import BaseModel

DOCUMENTS = {
    "blocks": "BlocksReport",
    "debug": "DebugResult",
    "debug-project": "ProjectDebugResult",
    "trace": "TraceResult",
}
"""Each document ldb prints with `--json`, under the name `ldb schema NAME` takes, and its
model in `ldb.models` (named, so that listing them imports nothing)."""


def document_model(name: str) -> type[BaseModel]:
    """The model of a document, by its name."""
    model: type[BaseModel] = getattr(importlib.import_module("ldb.models"), DOCUMENTS[name])
    return model


def json_schema(name: str) -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of one document, as ldb serialises it."""
    from ldb.models import SCHEMA_VERSION

    schema = document_model(name).model_json_schema(mode="serialization")
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"urn:ldb:schema:{name}:v{SCHEMA_VERSION}",
        **schema,
    }
