"""POST /debug and POST /debug/stream: the debug loop on a program or a project, answered whole
or as server-sent events, one per stage."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator
from typing import Annotated, Any

import anyio.to_thread
from fastapi import APIRouter, Depends, Response
from fastapi.sse import EventSourceResponse, ServerSentEvent

import ldb
from api import work
from api.deps import GateDep, SettingsDep, StoreDep
from api.errors import ServiceError, describe, responses
from api.events import event
from api.schemas import AnyDebugRequest, AnyDebugResponse

router = APIRouter(tags=["debug"])


def _checked(request: AnyDebugRequest, settings: SettingsDep) -> work.Accepted:
    """The request and its options, refused before a turn is taken and before any stream
    starts: a busy service must not answer "retry" to what can never pass, nor a stream 200
    to it."""
    return work.Accepted(request, work.checked_debug(request, settings))


Checked = Annotated[work.Accepted, Depends(_checked)]


@router.post(
    "/debug", response_model=AnyDebugResponse, responses=responses(403, 413, 422, 502, 503, 504)
)
async def debug(
    accepted: Checked, settings: SettingsDep, gate: GateDep, store: StoreDep
) -> Response:
    """Test, trace, judge each block, repair; again until the tests pass or
    `max_iterations` rounds are spent. Stored, under the `id` returned.

    A program (`code` and `test`) gets a `DebugResponse`, its final `program` and `diff`; a
    project (its `files` and the pytest `tests` to debug) a `ProjectDebugResponse`, whose
    `patch` (paths relative to the project's root) and changed `files` are the repair for
    the client to apply. Its `status` says what was shown: `passed` (as given), `fixed` (a
    repair that cleared every check), `plausible` (the tests pass after a repair that a check
    doubts, each doubt in `doubts`: look before trusting it), `unfixed` or `error`."""
    result = await gate.run(lambda: work.debug(*accepted, settings))
    body, result_id = await work.store_result(store, result, accepted.request)
    return work.with_id(body, result_id)


async def _turn(gate: GateDep, checked: Checked) -> AsyncIterator[None]:
    """A turn taken as a dependency, held until the stream ends: a streaming route's body runs
    only once the 200 has been sent, too late for a 503."""
    async with gate.turn():
        yield


@router.post(
    "/debug/stream",
    response_class=EventSourceResponse,
    # What fails once the stream has begun is its `error` event, not a status.
    responses=responses(403, 413, 422, 503),
    dependencies=[Depends(_turn)],
)
async def debug_stream(
    accepted: Checked, settings: SettingsDep, store: StoreDep, gate: GateDep
) -> AsyncIterator[ServerSentEvent]:
    """The same run as server-sent events, in order: `tests` (each round's outcome),
    `trace` (the failing case traced), `verdicts`, `repair` (its diff), `iteration` (a round
    ended; a project's names the `files` changed so far), then `done` with the whole result
    and its `id` — or `error` with `{type, message}`."""
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[tuple[str, dict[str, Any]]] = asyncio.Queue()

    def progress(stage: str, details: dict[str, Any]) -> None:
        if stage != "done":
            loop.call_soon_threadsafe(queue.put_nowait, (stage, event(stage, details)))

    gone = threading.Event()

    def stop_reason() -> str | None:
        return "the client went away" if gone.is_set() else None

    async def run() -> work.Debugged:
        return await anyio.to_thread.run_sync(
            lambda: work.debug(*accepted, settings, progress, stop_reason), limiter=gate.threads
        )

    task = asyncio.create_task(run())
    sequence = 0
    try:
        while not (task.done() and queue.empty()):
            getter = asyncio.ensure_future(queue.get())
            await asyncio.wait({getter, task}, return_when=asyncio.FIRST_COMPLETED)
            if not getter.done():
                getter.cancel()
                continue
            stage, data = getter.result()
            sequence += 1
            yield ServerSentEvent(event=stage, data=data, id=str(sequence))
    finally:
        # A client that leaves ends the run at its next stage rather than at its last.
        gone.set()
        task.add_done_callback(_forget)
    try:
        result = task.result()
        # Inside: a result that cannot be stored (the database away) ends the stream with an
        # error event that says so, not silently.
        _, result_id = await work.store_result(store, result, accepted.request)
    except (ldb.LdbError, ServiceError) as error:
        status, kind, message = describe(error)
        data = {"type": kind, "message": message, "status": status}
        yield ServerSentEvent(event="error", data=data, id=str(sequence + 1))
        return
    done = {"id": result_id, **result.model_dump(mode="json")}
    yield ServerSentEvent(event="done", data=done, id=str(sequence + 1))


def _forget(task: asyncio.Task[work.Debugged]) -> None:
    """The outcome of a run whose client left: read, so that asyncio does not report it."""
    if not task.cancelled():
        task.exception()
