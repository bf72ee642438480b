"""The service's requests and responses: what clients send and get, as OpenAPI shows it."""

from __future__ import annotations

from typing import Annotated, Any, Literal, get_args

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    create_model,
    field_validator,
)
from pydantic.config import JsonDict
from pydantic.fields import FieldInfo

import ldb


class _Strict(BaseModel):
    """A request's fields, read as the OpenAPI document says: no unknown field, and no value
    of another JSON type taken for the one asked (`0` is no boolean, `"5"` no integer)."""

    model_config = ConfigDict(extra="forbid", strict=True)

    @field_validator("*", mode="before")
    @classmethod
    def _whole_numbers(cls, value: Any, info: ValidationInfo) -> Any:
        # JSON Schema counts 3.0 as an integer, and so must the service: strict pydantic
        # would refuse it where an `int` is asked.
        if isinstance(value, float) and value.is_integer() and info.field_name is not None:
            annotation = cls.model_fields[info.field_name].annotation
            kinds = get_args(annotation) or (annotation,)
            if int in kinds and float not in kinds:
                return int(value)
        return value


def _every_limit_optional() -> type[BaseModel]:
    """`ldb.RunLimits` with every field optional: a request names only what it changes."""
    fields: dict[str, Any] = {
        name: (info.annotation | None, FieldInfo.merge_field_infos(info, default=None))  # type: ignore[operator]
        for name, info in ldb.RunLimits.model_fields.items()
    }
    return create_model(
        "Limits",
        __base__=_Strict,
        __doc__="Limits of each run, each at most the server's own; unset ones take the server's.",
        **fields,
    )


Limits = _every_limit_optional()

Test = str | list[str]
_SomeTest = Annotated[str, Field(min_length=1)] | Annotated[list[str], Field(min_length=1)]
"""A test to debug against: an empty one holds no case."""
_CODE = "The program: Python source defining the function under test."
_TEST = "assert lines, a `def check(candidate)`, test_* functions, or a list of assert strings."
_FILES = (
    "A project instead of `code`: each file's text by its path relative to the project's root "
    "(`pkg/mod.py`, `tests/test_mod.py`, `pyproject.toml`), run by pytest under the server's "
    "interpreter."
)
_PATH_INSIDE = (
    r"^(?!/)(?!(\.?/)*\.?$)(?!(.*/)?\.\.(/|$))[^/\\\x00]{1,255}(/+[^/\\\x00]{1,255}){0,31}/*$"
)
"""A path inside the project: relative, of 1 to 32 parts (of at most 255 bytes each), none of
them `..`, no backslash or NUL, and not only `.` and `/`."""

_NodeId = Annotated[str, Field(min_length=1)]

_Files = Annotated[
    dict[str, str],
    Field(
        description=_FILES,
        json_schema_extra={"propertyNames": {"pattern": _PATH_INSIDE, "maxLength": 1024}},
    ),
]

_PROGRAM_EXAMPLE: JsonDict = {
    "code": "def add(a, b):\n    return a - b\n",
    "test": "assert add(2, 3) == 5",
}
_PROJECT_EXAMPLE: JsonDict = {
    "files": {
        "calc.py": "def add(a, b):\n    return a - b\n",
        "tests/test_calc.py": (
            "from calc import add\n\n\ndef test_add():\n    assert add(2, 3) == 5\n"
        ),
    },
    "tests": ["tests/test_calc.py::test_add"],
}


class BlocksRequest(_Strict):
    model_config = ConfigDict(json_schema_extra={"examples": [{"code": _PROGRAM_EXAMPLE["code"]}]})

    code: str = Field(description=_CODE)


class TraceRequest(_Strict):
    """A program and its test, traced."""

    model_config = ConfigDict(json_schema_extra={"examples": [_PROGRAM_EXAMPLE]})

    code: str = Field(description=_CODE)
    test: Test = Field(description=_TEST)
    entry_point: str | None = Field(default=None, description="The function `candidate` is.")
    limits: Limits | None = None  # type: ignore[valid-type]


class ProjectTraceRequest(_Strict):
    """A project's files and the pytest tests to run, traced."""

    model_config = ConfigDict(json_schema_extra={"examples": [_PROJECT_EXAMPLE]})

    files: _Files
    tests: list[_NodeId] = Field(
        default_factory=list,
        description="Pytest node ids or test files to run (none: all).",
    )
    limits: Limits | None = None  # type: ignore[valid-type]


class _Program(_Strict):
    code: str = Field(description=_CODE)
    test: _SomeTest = Field(description="The visible test: " + _TEST)
    task: str | None = Field(default=None, description="What the program must do.")
    entry_point: str | None = Field(default=None, description="The function `candidate` is.")


class _Project(_Strict):
    files: _Files
    tests: list[_NodeId] = Field(
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
    model_config = ConfigDict(extra="forbid", strict=True, frozen=False)

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

    model_config = ConfigDict(json_schema_extra={"examples": [_PROGRAM_EXAMPLE]})


class ProjectDebugRequest(_Debugging, _Project):
    """A project's files and its failing tests to debug, and `ldb.DebugChoices`. The answer's
    `patch` and `files` are the repair, for the client to apply to its own copy."""

    model_config = ConfigDict(json_schema_extra={"examples": [_PROJECT_EXAMPLE]})


def _form(program: type[BaseModel], project: type[BaseModel], given: Any) -> Any:
    """A request of either form: a project's carries `files`, a program's `code`."""
    if isinstance(given, program | project):
        return given
    # Chosen by hand, not by a tagged union: the tag would stand in every error's location
    # (`body.program.code`), and a client's errors should name the fields it sent.
    form = project if isinstance(given, dict) and "files" in given else program
    return form.model_validate(given)


def debug_request(given: Any) -> DebugRequest | ProjectDebugRequest:
    """A debug request of either form, as a body or a stored job's request."""
    chosen: DebugRequest | ProjectDebugRequest = _form(DebugRequest, ProjectDebugRequest, given)
    return chosen


def _trace_request(given: Any) -> TraceRequest | ProjectTraceRequest:
    chosen: TraceRequest | ProjectTraceRequest = _form(TraceRequest, ProjectTraceRequest, given)
    return chosen


AnyDebugRequest = Annotated[DebugRequest | ProjectDebugRequest, BeforeValidator(debug_request)]
AnyTraceRequest = Annotated[TraceRequest | ProjectTraceRequest, BeforeValidator(_trace_request)]


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


class RunInputs(BaseModel):
    """What a stored run was given, as the viewer shows it above the run; absent keys were
    not given."""

    code: str | None = Field(default=None, description="A program's source.")
    test: str | list[str] | None = Field(default=None, description="A program's test.")
    task: str | None = None
    entry_point: str | None = None
    tests: list[str] | None = Field(default=None, description="A project's tests, as asked for.")
    files: list[str] | None = Field(
        default=None, description="The paths of a project's files (their functions are drawn)."
    )


class ResultView(BaseModel):
    """What the viewer draws for a stored result."""

    views: list[dict[str, Any]] = Field(
        description="A view per round, then the final program's (or files'): its `title`, "
        "`graphs` (each function's blocks with a `layout`: boxes and routed edges), `trace` "
        "(its events, for stepping; null where there is none), `verdicts`, the round's "
        "`diff` and `edit`, and a project round's `notes`."
    )
    summary: dict[str, Any] = Field(
        description="The heading: `title` and `line`; for a debug run its `status`, why it is "
        "not passed or fixed (`message`) and a plausible repair's `doubts`; for a project "
        "also `model`, `seconds`, `targets`, `tests` and the whole `patch`."
    )
    inputs: RunInputs | None = None


class JobRequest(_Strict):
    requests: list[AnyDebugRequest] = Field(
        min_length=1, description="Debug requests, each a program's or a project's, run in order."
    )


class JobItem(BaseModel):
    index: int
    status: ldb.DebugStatus = Field(
        description="How the request ended, as its result's `status` says (`error` also when "
        "it could not run): `plausible` is not `fixed`, its result's `doubts` say why."
    )
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
    database: Literal["up", "down"] = Field(
        default="up",
        description="Whether the database of results and jobs answers; while it is down, "
        "what needs it answers 503 (the jobs' counts above are then 0).",
    )


class Version(BaseModel):
    version: str
