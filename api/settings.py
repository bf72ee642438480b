"""The service's settings, from `LDB_*` environment variables, read once per process."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Annotated

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from ldb import concurrency as ldb_concurrency


def _default_database() -> str:
    state = os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state"
    return str(Path(state) / "ldb" / "service.sqlite3")


class ServiceSettings(BaseSettings):
    """What the operator decides: who may call, how much work at once, where state lives."""

    model_config = SettingsConfigDict(env_prefix="LDB_", extra="ignore")

    auth_token: SecretStr | None = Field(
        default=None,
        description="When set, every endpoint but /health needs `Authorization: Bearer <it>` "
        "(not the model key, LDB_API_KEY).",
    )
    allowed_base_urls: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Model servers a request may name in `base_url`, comma-separated; none "
        "by default, so the service is no open proxy.",
    )
    cors_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list, description="Origins browsers may call from, comma-separated."
    )
    max_body_bytes: int = Field(default=2_000_000, ge=1024, description="Largest request body.")
    max_code_bytes: int = Field(
        default=200_000, ge=256, description="Largest program or test in a request."
    )
    max_iterations: int = Field(
        default=50, ge=0, description="Rounds of judging and repair one debug request may ask."
    )
    max_project_files: int = Field(
        default=2000, ge=1, description="Files of one project a request may send."
    )
    max_job_requests: int = Field(default=500, ge=1, description="Debug requests in one job.")
    request_timeout_s: float = Field(
        default=300.0, gt=0, description="Time one /debug request may take, all rounds."
    )
    max_runs: int = Field(
        default_factory=lambda: max(2, os.cpu_count() or 2),
        ge=1,
        validation_alias=AliasChoices("LDB_MAX_RUNS", "LDB_MAX_CONCURRENT"),
        description="Sandbox runs at once (this machine's cores by default); a request "
        "waiting on its model holds none. LDB_MAX_CONCURRENT, its former name, still works.",
    )
    max_sessions: int = Field(
        default=128,
        ge=1,
        description="Requests in flight at once: mostly waiting on a model or for a run.",
    )
    max_model_calls: int = Field(
        default=ldb_concurrency.DEFAULT_MODEL_CALLS,
        ge=1,
        description="Model calls in flight at once, to all model servers.",
    )
    max_model_calls_per_server: int = Field(
        default=ldb_concurrency.DEFAULT_MODEL_CALLS_PER_SERVER,
        ge=1,
        description="Model calls in flight at once to any one model server (base URL).",
    )
    max_queued: int = Field(
        default=32,
        ge=0,
        description="Work that truly waits: sandbox runs waiting for a core, and requests "
        "waiting for a session; past that, 503 with Retry-After.",
    )
    # A string, not a Path: Path would fold the URL's `//` into one slash.
    database: str = Field(
        default_factory=_default_database,
        description="Where stored results and jobs live: a SQLite file, or a PostgreSQL "
        "database's `postgresql://` URL, which several replicas share.",
    )
    job_workers: int = Field(default=1, ge=0, description="Jobs one process runs at once.")
    job_parallel: int = Field(
        default=ldb_concurrency.DEFAULT_MODEL_CALLS,
        ge=1,
        description="Requests of one job run at once (their sandbox runs and model calls "
        "within the limits above).",
    )
    lease_s: float = Field(
        default=60.0,
        gt=0,
        description="A claimed job returns to the queue this long after its worker last reported.",
    )
    keep_s: float = Field(
        default=7 * 24 * 3600.0, gt=0, description="How long finished jobs and results are kept."
    )

    @field_validator("allowed_base_urls", "cors_origins", mode="before")
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip().rstrip("/") for part in value.split(",") if part.strip()]
        return value


@lru_cache
def get_service_settings() -> ServiceSettings:
    """The settings, read from the environment once (tests `cache_clear()` around changes)."""
    return ServiceSettings()
