"""A request's work: checked once against what the operator allows (sizes, model server, rounds,
limits), the same way for every route and at submission, then run by ldb in a worker thread
within the request's time budget."""

from __future__ import annotations

import difflib
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import PurePosixPath
from typing import Any, NamedTuple

import anyio.to_thread
from fastapi import Response
from pydantic import BaseModel

import ldb
from api.errors import Forbidden, TimedOut, TooLarge
from api.schemas import (
    DebugRequest,
    ProjectDebugRequest,
    ProjectTraceRequest,
    ResultKind,
    TraceRequest,
)
from api.settings import ServiceSettings
from api.store import Store

Progress = Callable[[str, dict[str, Any]], None]

Debugged = ldb.DebugResult | ldb.ProjectDebugResult

# The server's interpreter runs a client's project: the pytest plugins installed beside the
# service are not the project's, so none loads unless its configuration names it.
_PROJECT_ENV = {"PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}


class Accepted(NamedTuple):
    """A debug request this server will run, with its options."""

    request: DebugRequest | ProjectDebugRequest
    options: ldb.DebugOptions


class Stopped(Exception):
    """Raised from the progress hook to end a debug run early (cancelled, out of time, or the
    service shutting down)."""


async def store_result(
    store: Store, result: ldb.TraceResult | Debugged, request: BaseModel
) -> tuple[str, str]:
    """The result stored with the request that asked for it: its JSON (serialised once, for
    the store and the answer alike) and its id."""
    body = result.model_dump_json()
    asked = request.model_dump(mode="json")
    result_id = await anyio.to_thread.run_sync(store.put_result, kind_of(result), body, asked)
    return body, result_id


def kind_of(result: ldb.TraceResult | Debugged) -> ResultKind:
    """The kind a result is stored under, which tells the model to read it back with."""
    if isinstance(result, ldb.ProjectDebugResult):
        return "debug_project"
    return "debug" if isinstance(result, ldb.DebugResult) else "trace"


def with_id(body: str, result_id: str) -> Response:
    """A result's JSON (`body`, as stored) with its id in front, serialised once: a trace can
    hold hundreds of events, and validating it again into a response model would cost more
    than the HTTP around it."""
    return Response(f'{{"id":"{result_id}",{body[1:]}', media_type="application/json")


def checked_debug(
    request: DebugRequest | ProjectDebugRequest, settings: ServiceSettings
) -> ldb.DebugOptions:
    """The options of a debug request this server will run; anything it would refuse is
    refused here, before a turn is taken, a stream starts or a job is queued."""
    if isinstance(request, ProjectDebugRequest):
        check_project(settings, request.files, request.tests)
        check_sizes(settings, task=request.task)
        # Written once for nothing: a path outside the project, or a file where a folder must
        # be, is refused by writing the tree as the run does, and a stream must not have
        # begun, nor a job been queued, when it is.
        with ldb.project_tree(request.files):
            pass
    else:
        check_sizes(settings, code=request.code, test=request.test, task=request.task)
    check_base_url(settings, request.base_url)
    if (request.model or "").startswith("replay:"):
        raise Forbidden("model replay:FILE reads a recording from the server's disk: not here")
    chosen = request.model_dump(include=set(ldb.DebugChoices.model_fields))
    if "max_iterations" not in request.model_fields_set:
        # A request that names no rounds is never refused for them: the default, or fewer
        # where the server allows fewer.
        chosen["max_iterations"] = min(request.max_iterations, settings.max_iterations)
    elif request.max_iterations > settings.max_iterations:
        raise ldb.InputError(f"max_iterations: at most {settings.max_iterations} on this server")
    return ldb.DebugOptions(**chosen, limits=limits(request.limits))


def checked_trace(
    request: TraceRequest | ProjectTraceRequest, settings: ServiceSettings
) -> ldb.RunLimits:
    """The limits of a trace request this server will run, as `checked_debug` checks; a
    project's files each within the size of a program, at most `max_project_files`, at
    paths inside the project."""
    if isinstance(request, ProjectTraceRequest):
        check_project(settings, request.files, request.tests)
    else:
        check_sizes(settings, code=request.code, test=request.test)
    return limits(request.limits)


def check_project(
    settings: ServiceSettings, files: Mapping[str, str], tests: Sequence[str]
) -> None:
    """A project's files each within the size of a program, at most `max_project_files`; its
    tests named in files it has. (Paths outside the project are refused as its tree is
    written.)"""
    if len(files) > settings.max_project_files:
        raise TooLarge(f"a project holds at most {settings.max_project_files} files here")
    for path, text in files.items():
        check_sizes(settings, **{path: text})
    check_sizes(settings, tests=list(tests))
    have = {PurePosixPath(path).as_posix() for path in files}
    for given in tests:
        # As ldb reads a node id; an absolute path or `..` is left for ldb to refuse in words
        # of its own.
        relative = PurePosixPath(given.partition("::")[0])
        file = relative.as_posix()
        if relative.is_absolute() or ".." in relative.parts or file in have:
            continue
        close = difflib.get_close_matches(file, sorted(have), n=3, cutoff=0.5)
        hint = f" (did you mean {', '.join(close)}?)" if close else ""
        raise ldb.InputError(f"tests: {given}: no such test file among the project's files{hint}")


def trace_project(request: ProjectTraceRequest, limits: ldb.RunLimits) -> ldb.TraceResult:
    """A project's trace, its files written to a folder of their own for the run."""
    with ldb.project_tree(request.files) as root:
        return ldb.trace_project(
            root, request.tests, python=sys.executable, env=_PROJECT_ENV, limits=limits
        )


def check_sizes(settings: ServiceSettings, **texts: str | list[str] | None) -> None:
    for name, text in texts.items():
        parts = [text] if isinstance(text, str) else text or []
        size = sum(len(part.encode()) for part in parts)
        if size > settings.max_code_bytes:
            raise TooLarge(f"{name} is {size} bytes, over this server's {settings.max_code_bytes}")


def clamped_limits(stored: dict[str, Any]) -> ldb.RunLimits:
    """The limits a stored request asked for, within the server's as they stand now (which
    may have been lowered since): for reading a result again, never refused."""
    server = ldb.RunLimits()
    chosen: dict[str, Any] = {}
    for name, value in stored.items():
        ceiling = getattr(server, name, None)
        if ceiling is None or value is None or type(value) is not type(ceiling):
            continue
        chosen[name] = value if isinstance(value, bool) else min(value, ceiling)
    try:
        return server.updated(**chosen)
    except ldb.InputError:
        return server


def limits(given: Any) -> ldb.RunLimits:
    """The server's limits with those the request names, each at most the server's own (a
    request may ask for less time or memory, never more)."""
    server = ldb.RunLimits()
    if given is None:
        return server
    chosen: dict[str, Any] = given.model_dump(exclude_none=True)
    for name, value in chosen.items():
        ceiling = getattr(server, name)
        if not isinstance(value, bool) and isinstance(value, int | float) and value > ceiling:
            raise ldb.InputError(f"limit {name}: at most {ceiling} on this server")
    return server.updated(**chosen)


def check_base_url(settings: ServiceSettings, base_url: str | None) -> None:
    """A request may send its model calls only to servers the operator listed."""
    if base_url is None:
        return
    wanted = base_url.rstrip("/")
    for allowed in settings.allowed_base_urls:
        if wanted == allowed or wanted.startswith(allowed + "/"):
            return
    raise Forbidden(
        f"base_url {base_url!r} is not among this server's allowed model servers "
        "(LDB_ALLOWED_BASE_URLS)"
    )


def debug(
    request: DebugRequest | ProjectDebugRequest,
    options: ldb.DebugOptions,
    settings: ServiceSettings,
    progress: Progress | None = None,
    should_stop: Callable[[], str | None] | None = None,
) -> Debugged:
    """The debug run of a request, a program's or a project's, with the options
    `checked_debug` gave it; `should_stop` is asked at each stage and ends the run (raising
    `Stopped` with its words) when it answers."""
    deadline = time.monotonic() + settings.request_timeout_s

    def hook(stage: str, details: dict[str, Any]) -> None:
        if stage == "done":
            if progress is not None:
                progress(stage, details)
            return
        if time.monotonic() > deadline:
            raise TimedOut(f"the debug run took over {settings.request_timeout_s:g} s")
        why = should_stop() if should_stop is not None else None
        if why is not None:
            raise Stopped(why)
        if progress is not None:
            progress(stage, details)

    if isinstance(request, ProjectDebugRequest):
        return debug_project(request, options, hook)
    return ldb.debug(
        request.code,
        request.test,
        task=request.task,
        entry_point=request.entry_point,
        options=options,
        progress=hook,
    )


def debug_project(
    request: ProjectDebugRequest, options: ldb.DebugOptions, progress: Progress
) -> ldb.ProjectDebugResult:
    """A project's debug run, its files written to a folder of their own for the run. Its
    result's `root` is `.`: the folder is gone with the run, and the client's own copy is
    the project the patch and `files` are for."""
    with ldb.project_tree(request.files) as root:
        result = ldb.debug_project(
            root,
            request.tests,
            task=request.task,
            options=options,
            python=sys.executable,
            env=_PROJECT_ENV,
            allow_test_edits=request.allow_test_edits,
            progress=progress,
        )
    return result.model_copy(update={"root": "."})
