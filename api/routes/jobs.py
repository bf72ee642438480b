"""Jobs: many debug requests submitted at once, run in the background, survived by restarts."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import anyio.to_thread
from fastapi import APIRouter, Depends, Header, Request, Response
from fastapi.sse import EventSourceResponse, ServerSentEvent

import ldb
from api.deps import SettingsDep, StoreDep
from api.errors import Forbidden, NotFound, TooLarge, responses
from api.schemas import JobCreated, JobItem, JobRequest, JobStatus
from api.store import Job, Store
from api.work import checked_debug

router = APIRouter(tags=["jobs"])

# Every route here reads or writes the store, which a database outage makes answer 503.
_NOT_FOUND = responses(404, 503, missing="No such job")
_POLL_S = 0.25


@router.post("/jobs", status_code=202, responses=responses(403, 413, 422, 503))
def submit(
    jobs: JobRequest, request: Request, settings: SettingsDep, store: StoreDep
) -> JobCreated:
    """Queues the requests as one job and answers at once with its id; follow it at
    GET /jobs/{id} or its events. Each request is checked now, so a job never fails later
    for a reason that was plain at submission."""
    if len(jobs.requests) > settings.max_job_requests:
        raise TooLarge(f"a job holds at most {settings.max_job_requests} requests")
    for index, each in enumerate(jobs.requests):
        try:
            checked_debug(each, settings)
        except (ldb.InputError, Forbidden, TooLarge) as error:
            raise type(error)(f"requests[{index}]: {error}") from None
    # As asked, without the defaults: each is checked again when it runs, and a field it left
    # out takes what the server allows then.
    job_id = store.submit(
        [each.model_dump(mode="json", exclude_unset=True) for each in jobs.requests]
    )
    request.app.state.jobs.submitted()
    return JobCreated(id=job_id, total=len(jobs.requests))


@router.get("/jobs", responses=responses(422, 503))
def list_jobs(store: StoreDep, limit: int = 100) -> list[JobStatus]:
    """The newest jobs first, `limit` of them (at least 1, at most 1000)."""
    return [_status(job) for job in store.jobs(max(1, min(limit, 1000)))]


@router.get("/jobs/{job_id}", responses=_NOT_FOUND)
def job(job_id: str, store: StoreDep) -> JobStatus:
    """Its state, progress and the outcomes of the requests finished so far."""
    return _status(_job(store, job_id))


@router.post("/jobs/{job_id}/cancel", responses=_NOT_FOUND)
def cancel(job_id: str, store: StoreDep) -> JobStatus:
    """Cancels the job: no further request of it starts, and the one running stops at its
    next stage. Finished requests keep their results. Answers the job as it now stands;
    cancelling an ended job changes nothing."""
    found = _job(store, job_id)
    store.cancel(job_id, {"done": len(found.items)})
    return _status(_job(store, job_id))


@router.delete("/jobs/{job_id}", status_code=204, response_class=Response, responses=_NOT_FOUND)
def delete(job_id: str, store: StoreDep) -> None:
    """Removes the job, its outcomes and its events, cancelling it first if it has not
    ended: GET /jobs/{id} is 404 after. The results its requests stored stay, at
    GET /results/{id}, for as long as results are kept."""
    found = _job(store, job_id)
    store.cancel(job_id, {"done": len(found.items)})
    if not store.delete_job(job_id):
        raise NotFound(f"no job {job_id!r}")


def _known(job_id: str, store: StoreDep) -> None:
    """404 for an unknown job, checked as a dependency: a streaming route's body runs only
    once the 200 has been sent, too late for an error status."""
    _job(store, job_id)


@router.get(
    "/jobs/{job_id}/events",
    response_class=EventSourceResponse,
    responses=_NOT_FOUND,
    dependencies=[Depends(_known)],
)
async def events(
    job_id: str,
    store: StoreDep,
    last_event_id: str | None = Header(default=None, alias="Last-Event-ID"),
) -> AsyncIterator[ServerSentEvent]:
    """The job's events as they happen (`started`, each request's stages with its `index`,
    `item` when one finishes, then `done` or `cancelled`), from the start or after
    `Last-Event-ID`, so a client that reconnects misses nothing."""
    after = int(last_event_id) if last_event_id and last_event_id.isdigit() else 0
    while True:
        # The state first: a job seen ended has every event written by then.
        found = await anyio.to_thread.run_sync(store.job, job_id)
        batch = await anyio.to_thread.run_sync(store.events, job_id, after)
        for each in batch:
            after = each.seq
            yield ServerSentEvent(event=each.event, data=each.data, id=str(each.seq))
            if each.event in ("done", "cancelled"):
                return
        if found is None or found.state in ("done", "cancelled"):
            return
        await asyncio.sleep(_POLL_S)


def _job(store: Store, job_id: str) -> Job:
    found = store.job(job_id)
    if found is None:
        raise NotFound(f"no job {job_id!r}")
    return found


def _status(job: Job) -> JobStatus:
    return JobStatus(
        id=job.id,
        state=job.state,
        created=job.created,
        finished=job.finished,
        total=job.total,
        done=len(job.items),
        # Validated, not taken on trust: the database holds the status as text.
        items=[
            JobItem.model_validate(
                {
                    "index": item.position,
                    "status": item.status,
                    "result_id": item.result_id,
                    "message": item.message,
                }
            )
            for item in job.items
        ],
    )
