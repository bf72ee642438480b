"""The language server's settings, as an editor gives them: `initializationOptions`, then the
`ldb` section of `workspace/configuration`, in camelCase (`baseUrl`, `runOnSave`, …)."""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from typing import Any

from pydantic import SecretStr

from ldb.settings import DebugOptions

_NAMES = {
    "model": "model",
    "baseUrl": "base_url",
    "apiKey": "api_key",
    "iterations": "iterations",
    "level": "level",
    "interpreter": "interpreter",
    "runOnSave": "run_on_save",
    "inlayHints": "inlay_hints",
    "env": "env",
    "viewerUrl": "viewer_url",
}
"""Each setting's name in the editor's settings, and in `EditorSettings`."""


@dataclass(frozen=True)
class EditorSettings:
    """What an editor may set; unset, ldb's defaults (and `LDB_*` variables) hold."""

    model: str | None = None
    base_url: str | None = None
    api_key: str | None = field(default=None, repr=False)
    iterations: int | None = None
    level: str | None = None
    interpreter: str | None = None
    run_on_save: bool = False
    inlay_hints: bool = True
    env: dict[str, str] = field(default_factory=dict)
    viewer_url: str | None = None

    @classmethod
    def read(cls, given: Any) -> EditorSettings:
        return cls().updated(given)

    def updated(self, given: Any) -> EditorSettings:
        """These settings with those `given` (a JSON object; anything else changes nothing,
        and so does a setting of the wrong type)."""
        if not isinstance(given, dict):
            return self
        kinds = {f.name: f.type for f in fields(self)}
        changes: dict[str, Any] = {}
        for outside, inside in _NAMES.items():
            value = given.get(outside)
            if value is None or not _fits(value, str(kinds[inside])):
                continue
            changes[inside] = (
                {str(k): str(v) for k, v in value.items()} if inside == "env" else value
            )
        return replace(self, **changes)

    def options(self) -> DebugOptions:
        """The debug options these settings choose (a bad value: an `InputError` naming it)."""
        given: dict[str, Any] = {
            "model": self.model,
            "base_url": self.base_url,
            "api_key": SecretStr(self.api_key) if self.api_key else None,
            "max_iterations": self.iterations,
            "level": self.level,
        }
        return DebugOptions(**{name: value for name, value in given.items() if value is not None})


def _fits(value: Any, kind: str) -> bool:
    if kind.startswith("bool"):
        return isinstance(value, bool)
    if kind.startswith("int"):
        return isinstance(value, int) and not isinstance(value, bool)
    if kind.startswith("dict"):
        return isinstance(value, dict)
    return isinstance(value, str)
