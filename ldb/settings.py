"""Every option of ldb in one place: what one run may use (`RunLimits`), how a debug run goes
(`DebugOptions`), and how this machine runs programs (`Settings`); defaults from `LDB_*`
environment variables."""

from __future__ import annotations

from functools import lru_cache
from typing import Any, ClassVar, Literal

from pydantic import (
    AliasChoices,
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
)
from pydantic_settings import BaseSettings, SettingsConfigDict

from ldb.errors import InputError
from ldb.literals import Feedback, Level

SandboxChoice = Literal["auto", "bwrap", "unisolated"]


class _Checked(BaseModel):
    """Refuses a bad value as an `InputError` naming it: the option or limit as given, or the
    `LDB_*` variable it came from."""

    _kind: ClassVar[str] = "option"

    def __init__(self, **values: Any) -> None:
        try:
            super().__init__(**values)
        except ValidationError as error:
            first = error.errors()[0]
            where = ".".join(str(part) for part in first["loc"])
            given = first["loc"][0] in values or not isinstance(self, BaseSettings)
            named = f"{self._kind} {where}" if given else f"LDB_{where.upper()}"
            raise InputError(f"{named}: {first['msg']}") from None


class RunLimits(_Checked, BaseSettings):
    """What one run of a program may use. A field not given takes `LDB_<FIELD>` from the
    environment (e.g. `LDB_TIMEOUT_S=20`), else its default: `RunLimits(timeout_s=3)` is this
    machine's limits with a shorter wall time. A bad value is an `InputError` naming it."""

    model_config = SettingsConfigDict(env_prefix="LDB_", extra="forbid", frozen=True)

    timeout_s: float = Field(default=10.0, gt=0, description="Wall time of one run of the tests.")
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

    _kind: ClassVar[str] = "limit"

    def updated(self, **changes: Any) -> RunLimits:
        """These limits with some replaced, each checked (an unknown name is refused)."""
        return RunLimits(**{**self.model_dump(), **changes}) if changes else self


class DebugChoices(BaseModel):
    """What anyone may choose about a debug run, the service's clients included: who judges
    and repairs, for how many rounds, and what the model is shown."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    model: str | None = Field(
        default=None,
        description="`offline` (ldb's own engine, needing no model), a chat model's name on the "
        "OpenAI-compatible server at base_url, or `replay:FILE` (a recording); default: "
        "LDB_MODEL, else offline.",
    )
    base_url: str | None = Field(
        default=None,
        description="The model's OpenAI-compatible server; default: LDB_BASE_URL (or "
        "OPENAI_BASE_URL), else OpenAI's.",
    )
    max_iterations: int = Field(default=10, ge=0, description="Rounds of judging and repair.")
    feedback: Feedback = Field(
        default="blocks",
        description="What the model sees: the block trace (LDB), the test result only, or a "
        "request to explain the code (Self-Debugging).",
    )
    level: Level = Field(default="block", description="The unit of the trace the verdicts judge.")
    seed: int = Field(default=0, description="Picks the failing case traced each round.")
    max_tokens: int | None = Field(
        default=None, ge=1, description="Model tokens the whole run may use."
    )


class DebugOptions(_Checked, DebugChoices):
    """How a debug run goes: `DebugChoices`, and what only the caller's own machine gives, the
    model server's key and the limits of every run. The one set of options of `ldb.debug`,
    `ldb debug`, the service's requests and `ldb eval`."""

    api_key: SecretStr | None = Field(
        default=None,
        exclude=True,
        description="The model server's key; default: LDB_API_KEY (or OPENAI_API_KEY). Never "
        "shown or stored.",
    )
    limits: RunLimits = Field(default_factory=RunLimits, description="What each run may use.")


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
        description="`DebugOptions.model` when a call names none (else offline).",
    )
    base_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("LDB_BASE_URL", "OPENAI_BASE_URL"),
        description="`DebugOptions.base_url` when a call names none (else OpenAI's, "
        "https://api.openai.com/v1).",
    )
    api_key: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices("LDB_API_KEY", "OPENAI_API_KEY"),
        description="`DebugOptions.api_key` when a call gives none; never logged or stored.",
    )
    model_timeout_s: float = Field(
        default=120.0,
        gt=0,
        description="Seconds one model call may take (a server that hangs is given up on and "
        "asked again, as after a broken connection).",
    )
    model_retries: int = Field(
        default=4,
        ge=0,
        description="Times a model call is tried again after a 429, a 5xx, a timeout or a "
        "broken connection (with backoff, or after the server's Retry-After).",
    )


@lru_cache
def get_settings() -> Settings:
    """The settings, read from the environment once (`cache_clear()` reads them again)."""
    return Settings()


def default_model() -> str:
    """The model a call that names none debugs with: `LDB_MODEL`, else `offline`."""
    return get_settings().model or "offline"
