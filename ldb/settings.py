"""Every limit and setting of ldb in one place, from `LDB_*` environment variables."""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Literal

from pydantic import (
    AliasChoices,
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    SecretStr,
    ValidationError,
)
from pydantic_settings import BaseSettings, SettingsConfigDict

from ldb.errors import InputError

SandboxChoice = Literal["auto", "bwrap", "unisolated"]


class RunLimits(BaseModel):
    """What one run of a program may use. Defaults come from `LDB_<FIELD>` (e.g.
    `LDB_TIMEOUT_S=20`, see `run_limits`); each call may override any of them by keyword."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    timeout_s: float = Field(default=10.0, gt=0, description="Wall time for the whole run.")
    case_cpu_s: float = Field(default=5.0, gt=0, description="CPU time for one test case.")
    cpu_s: int = Field(default=30, ge=1, description="CPU time for the whole run (RLIMIT_CPU).")
    memory_mb: int = Field(default=1024, ge=64, description="Memory of the run (address space).")
    max_processes: int = Field(default=32, ge=1, description="Processes and threads at once.")
    max_open_files: int = Field(default=64, ge=16, description="Open file descriptors.")
    max_file_mb: int = Field(default=16, ge=1, description="Largest file the program may write.")
    tmp_mb: int = Field(default=64, ge=1, description="Size of the private /tmp.")
    visits_per_block: int = Field(
        default=20, ge=1, description="Visits of each block recorded in full, per case."
    )
    exact_counts: bool = Field(
        default=False, description="Count every visit past the budget (slower on long loops)."
    )
    max_events: int = Field(default=400, ge=10, description="Events kept for the traced case.")
    max_trace_bytes: int = Field(
        default=1 << 20, ge=4096, description="JSON size of the events kept, at most."
    )
    max_value_chars: int = Field(default=240, ge=20, description="Longest repr of one value.")
    max_output_bytes: int = Field(default=1 << 20, ge=1024, description="Program output kept.")
    max_result_bytes: int = Field(default=64 << 20, ge=1 << 16, description="Result pipe cap.")


class _RunLimitsFromEnvironment(BaseSettings, RunLimits):
    model_config = SettingsConfigDict(env_prefix="LDB_", extra="ignore", frozen=True)


class Settings(BaseSettings):
    """How ldb runs programs, from `LDB_*` environment variables."""

    model_config = SettingsConfigDict(env_prefix="LDB_", extra="ignore")

    sandbox: SandboxChoice = Field(
        default="auto",
        description="bwrap: isolate every run (fail if bubblewrap cannot); unisolated: a plain "
        "subprocess with rlimits; auto: bwrap where it works.",
    )
    allow_unisolated: bool = Field(
        default=False,
        description="Let the service run programs without isolation when bwrap cannot work.",
    )
    pool: bool = Field(
        default=True,
        description="In bwrap mode, fork each run from a warm zygote instead of starting an "
        "interpreter: each run still gets namespaces, /tmp, limits and uid of its own.",
    )
    sandbox_uid_base: int = Field(
        default=60000,
        ge=1000,
        description="As root, runs drop to uids from this one to 959 above it: each ldb process "
        "holds a block of 64 (its pool slots take the first 32, cold runs take turns with the "
        "rest), so runs at the same time, in one process or several, do not share one and "
        "their process limits do not add up.",
    )

    model: str | None = Field(
        default=None,
        description="The debugging model when a call names none: `offline` (the embedded engine, "
        "the default) or a chat model's name on the OpenAI-compatible server at base_url.",
    )
    base_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("LDB_BASE_URL", "OPENAI_BASE_URL"),
        description="The OpenAI-compatible server (default https://api.openai.com/v1).",
    )
    api_key: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices("LDB_API_KEY", "OPENAI_API_KEY"),
        description="The model server's key; never logged or stored.",
    )

    _limits: RunLimits = PrivateAttr()

    def model_post_init(self, context: Any) -> None:
        self._limits = RunLimits.model_validate(_RunLimitsFromEnvironment().model_dump())

    @property
    def limits(self) -> RunLimits:
        """The default limits of every run, from `LDB_<FIELD>`."""
        return self._limits


@lru_cache
def get_settings() -> Settings:
    """The settings, read from the environment once (`cache_clear()` reads them again)."""
    return Settings()


def default_model() -> str:
    """The model a call that names none debugs with: `LDB_MODEL`, else `offline`."""
    return get_settings().model or "offline"


def run_limits(**overrides: Any) -> RunLimits:
    """The default limits with some replaced: each value validated, an unknown name refused."""
    defaults = get_settings().limits
    if not overrides:
        return defaults
    try:
        return RunLimits.model_validate({**defaults.model_dump(), **overrides})
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise InputError(f"limit {where}: {first['msg']}") from None
