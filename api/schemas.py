"""The service's requests and responses: what clients send and get, as OpenAPI shows it."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, create_model, model_validator
from pydantic.fields import FieldInfo

import ldb


def _every_limit_optional() -> type[BaseModel]:
    """`ldb.RunLimits` with every field optional: a request names only what it changes."""
    fields: dict[str, Any] = {
        name: (info.annotation | None, FieldInfo.merge_field_infos(info, default=None))  # type: ignore[operator]
        for name, info in ldb.RunLimits.model_fields.items()
    }
    return create_model(
        "Limits",
        __config__=ConfigDict(extra="forbid"),
        __doc__="Limits of each run, each at most the server's own; unset ones take the server's.",
        **fields,
    )


Limits = _every_limit_optional()

Test = str | list[str]
_CODE = "The program: Python source defining the function under test."
_TEST = "assert lines, a `def check(candidate)`, test_* functions, or a list of assert strings."
_FILES = (
    "A project instead of `code`: each file's text by its path relative to the project's root "
    "(`pkg/mod.py`, `tests/test_mod.py`, `pyproject.toml`), run by pytest under the server's "
    "interpreter."
)


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid")


class BlocksRequest(_Request):
    code: str = Field(description=_CODE)


class TraceRequest(_Request):
    """A program and its test; or a project's files and the pytest tests to run."""

    code: str | None = Field(default=None, description=_CODE)
    test: Test | None = Field(default=None, description=_TEST)
    entry_point: str | None = Field(default=None, description="The function `candidate` is.")
    files: dict[str, str] | None = Field(default=None, description=_FILES)
    tests: list[str] | None = Field(
        default=None,
        description="With `files`: pytest node ids or test files to run (none: all).",
    )
    limits: Limits | None = None  # type: ignore[valid-type]

    @model_validator(mode="after")
    def _one_kind(self) -> TraceRequest:
        if self.files is None and (self.code is None or self.test is None):
            raise ValueError("give `code` and `test`, or a project's `files`")
        if self.files is not None and (self.code is not None or self.test is not None):
            raise ValueError("`files` is a project: it takes `tests`, not `code` or `test`")
        if self.files is None and self.tests is not None:
            raise ValueError("`tests` names a project's tests: give its `files`")
        return self


class _Program(_Request):
    code: str = Field(description=_CODE)
    test: Test = Field(description="The visible test: " + _TEST)
    task: str | None = Field(default=None, description="What the program must do.")
    entry_point: str | None = Field(default=None, description="The function `candidate` is.")


class _Project(_Request):
    files: dict[str, str] = Field(description=_FILES)
    tests: list[str] = Field(
        default_factory=list,
        description="The failing tests to debug: pytest node ids or test files (none: every "
        "failing test of the project).",
    )
    task: str | None = Field(default=None, description="What the code must do.")
    allow_test_edits: bool = Field(
        default=False, description="A repair may change the project's tests too."
    )


class _Debugging(ldb.DebugChoices):
    """`ldb.DebugChoices` as a request gives them: the model server's key is the server's own."""

    # The bases' configs merge, and the choices are frozen: a request need not be.
    model_config = ConfigDict(extra="forbid", frozen=False)

    model: str | None = Field(
        default=None,
        description="`offline` (ldb's own engine, needing no model) or a chat model's name on "
        "the model server; default: the server's (LDB_MODEL, else offline).",
    )
    base_url: str | None = Field(
        default=None,
        description="The model's OpenAI-compatible server: one the operator allows "
        "(LDB_ALLOWED_BASE_URLS); default: the server's.",
    )
    limits: Limits | None = None  # type: ignore[valid-type]


class DebugRequest(_Debugging, _Program):
    """A program and its test to debug, and `ldb.DebugChoices` (its fields after the
    program's): the model server's key is the server's own."""


class ProjectDebugRequest(_Debugging, _Project):
    """A project's files and its failing tests to debug, and `ldb.DebugChoices`. The answer's
    `patch` and `files` are the repair, for the client to apply to its own copy."""


def debug_request(given: Any) -> DebugRequest | ProjectDebugRequest:
    """A debug request of either form, as a body or a stored job's request: a project's
    carries `files`, a program's `code`."""
    if isinstance(given, DebugRequest | ProjectDebugRequest):
        return given
    # Chosen by hand, not by a tagged union: the tag would stand in every error's location
    # (`body.program.code`), and a client's errors should name the fields it sent.
    form = ProjectDebugRequest if isinstance(given, dict) and "files" in given else DebugRequest
    return form.model_validate(given)


AnyDebugRequest = Annotated[DebugRequest | ProjectDebugRequest, BeforeValidator(debug_request)]


class TraceResponse(ldb.TraceResult):
    id: str = Field(description="Read it again at GET /results/{id}.")


class DebugResponse(ldb.DebugResult):
    id: str = Field(description="Read it again at GET /results/{id}.")


class ProjectDebugResponse(ldb.ProjectDebugResult):
    id: str = Field(description="Read it again at GET /results/{id}.")


AnyDebugResponse = DebugResponse | ProjectDebugResponse

ResultKind = Literal["trace", "debug", "debug_project"]


class StoredResult(BaseModel):
    id: str
    kind: ResultKind = Field(
        description="Which `result` it is: `trace` (a program's or a project's), `debug` (a "
        "program's debug result) or `debug_project` (a project's)."
    )
    created: float = Field(description="Unix time it was stored.")
    result: ldb.TraceResult | ldb.DebugResult | ldb.ProjectDebugResult


class JobRequest(_Request):
    requests: list[AnyDebugRequest] = Field(
        min_length=1, description="Debug requests, each a program's or a project's, run in order."
    )


class JobItem(BaseModel):
    index: int
    status: str = Field(description="The debug status, or `error`.")
    result_id: str | None = Field(description="GET /results/{result_id}; null on an error.")
    message: str | None


class JobStatus(BaseModel):
    id: str
    state: Literal["queued", "running", "done", "cancelled"]
    created: float
    finished: float | None
    total: int
    done: int = Field(description="Requests finished so far.")
    items: list[JobItem] = Field(description="The finished requests' outcomes, in order.")


class JobCreated(BaseModel):
    id: str
    state: Literal["queued"] = "queued"
    total: int


class QueueState(BaseModel):
    active: int = Field(description="Requests in flight (working, or waiting on a model).")
    waiting: int = Field(description="Requests waiting for a session.")
    limit: int = Field(description="Requests that may be in flight at once.")
    jobs_queued: int
    jobs_running: int


class RunState(BaseModel):
    active: int = Field(description="Sandbox runs now.")
    waiting: int = Field(description="Sandbox runs waiting for a core.")
    limit: int | None = Field(description="Sandbox runs at once.")


class ModelCallState(BaseModel):
    in_flight: int = Field(description="Requests to model servers awaiting their answer.")
    waiting: int = Field(description="Model calls waiting for a slot.")
    limit: int | None = Field(description="Model calls at once, to all servers.")


class Health(BaseModel):
    """The service is up; which version, how it runs programs, and how loaded it is."""

    status: Literal["ok"] = "ok"
    version: str
    sandbox: ldb.SandboxStatus
    backends: list[str] = Field(description="Who can debug: offline, and the default model.")
    queue: QueueState
    runs: RunState
    model_calls: ModelCallState


class Version(BaseModel):
    version: str
