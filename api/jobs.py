"""The background worker that runs submitted jobs: claims one under a lease, runs its debug
requests (programs' or projects') in order, records each as it finishes, lets go when
stopped or cancelled, and waits out a database that went away."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, ParamSpec, TypeVar

import anyio.to_thread

import ldb
from api.errors import ServiceError, StoreUnavailable
from api.events import event
from api.schemas import debug_request
from api.settings import ServiceSettings
from api.store import Job, Outcome, Store
from api.work import Stopped, checked_debug, debug, kind_of

log = logging.getLogger("ldb.jobs")

_PURGE_EVERY_S = 3600.0
_RETRY_MAX_S = 5.0
"""The longest wait between two attempts to reach a database that went away."""

P = ParamSpec("P")
T = TypeVar("T")


class JobRunner:
    """One per worker process (`job_workers` loops in it). A job whose worker dies is taken
    up again by any worker once its lease runs out, and one a database outage interrupted as
    soon as the database is back; a request recorded as finished is never run again."""

    def __init__(self, store: Store, settings: ServiceSettings, poll_s: float = 0.2) -> None:
        self.store = store
        self.settings = settings
        self.poll_s = poll_s
        self.owner = f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self.stopping = threading.Event()
        self.wakeup = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._purged_at = time.monotonic()  # the application purges as it starts

    def start(self) -> None:
        for _ in range(self.settings.job_workers):
            self._tasks.append(asyncio.create_task(self._loop()))

    async def stop(self) -> None:
        self.stopping.set()
        self.wakeup.set()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    def submitted(self) -> None:
        """A new job: look now rather than at the next poll."""
        self.wakeup.set()

    async def _loop(self) -> None:
        while not self.stopping.is_set():
            try:
                job = await anyio.to_thread.run_sync(self._until_stored, self._next_job)
                if job is None:
                    self.wakeup.clear()
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self.wakeup.wait(), self.poll_s)
                    continue
                await anyio.to_thread.run_sync(self._run, job)
            except StoreUnavailable:
                log.warning(
                    "stopping while the database is unavailable: a job held keeps its "
                    "lease until it runs out"
                )
                return

    def _next_job(self) -> Job | None:
        """The next job to run, after purging the old ones when it is time."""
        if time.monotonic() - self._purged_at > _PURGE_EVERY_S:
            self.store.purge(self.settings.keep_s)
            self._purged_at = time.monotonic()
        return self.store.claim(self.owner, self.settings.lease_s)

    def _until_stored(self, call: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """The call, tried again while the database is unavailable (less often the longer it
        stays away) until it succeeds; raises `StoreUnavailable` only once the service is
        stopping."""
        delay = self.poll_s
        while True:
            try:
                return call(*args, **kwargs)
            except StoreUnavailable:
                if self.stopping.wait(delay):
                    raise
                delay = min(delay * 2, _RETRY_MAX_S)

    def _run(self, job: Job) -> None:
        """The job's requests not yet done, `job_parallel` at once (a request waiting on its
        model holds no sandbox run: a job of model-backed requests keeps many calls in
        flight), each recorded as it finishes. Should the database go away, no further
        request starts; those running finish, and are recorded once it is back."""
        done = {item.position for item in job.items}
        log.info("job %s: %d of %d requests to run", job.id, job.total - len(done), job.total)
        started = {"done": len(done), "total": job.total}
        self._until_stored(self.store.add_event, job.id, "started", started)
        todo = [
            (position, raw) for position, raw in enumerate(job.requests) if position not in done
        ]
        stopped = threading.Event()
        outage = threading.Event()
        unrecorded: list[tuple[int, Outcome]] = []  # appended to by the pool's threads

        def attempt(position: int, raw: dict[str, Any]) -> None:
            try:
                if stopped.is_set() or not self._still_ours(job.id):
                    stopped.set()
                    return
                outcome = self._run_one(job.id, position, raw)
            except Stopped as why:
                log.info("job %s: stopped at request %d (%s)", job.id, position, why)
                stopped.set()
                return
            except StoreUnavailable:
                outage.set()
                stopped.set()
                return
            try:
                self.store.record_outcome(job.id, self.owner, position, outcome)
            except StoreUnavailable:
                unrecorded.append((position, outcome))
                outage.set()
                stopped.set()

        width = max(1, min(self.settings.job_parallel, len(todo)))
        ended = threading.Event()
        keeper = threading.Thread(
            target=self._keep_lease,
            args=(job.id, ended, stopped),
            name=f"ldb-lease-{job.id[:8]}",
            daemon=True,
        )
        keeper.start()
        try:
            with ThreadPoolExecutor(width, thread_name_prefix=f"ldb-job-{job.id[:8]}") as pool:
                for finished in [pool.submit(attempt, *item) for item in todo]:
                    finished.result()
        finally:
            ended.set()
            keeper.join()
        if outage.is_set():
            self._after_outage(job.id, unrecorded)
        elif stopped.is_set():
            if self.stopping.is_set():
                self._until_stored(self.store.release, job.id, self.owner)
        else:
            self._until_stored(self.store.finish, job.id, self.owner, {"total": job.total})

    def _keep_lease(self, job_id: str, ended: threading.Event, stopped: threading.Event) -> None:
        """Renews the job's lease every third of it while the job runs: a request can go a
        long while between the stages that also renew it (a repair search, a slow model), and
        a lease run out meanwhile would hand the job to a second worker."""
        while not ended.wait(self.settings.lease_s / 3):
            try:
                if not self._still_ours(job_id):
                    stopped.set()  # cancelled, or taken over: start no further request
                    return
            except StoreUnavailable:
                continue  # the requests run on through an outage; the lease may lapse

    def _after_outage(self, job_id: str, unrecorded: list[tuple[int, Outcome]]) -> None:
        """Once the database is back: records the requests that finished while it was away
        (unless the job went to another worker meanwhile, which runs them again: a request
        is never recorded twice), then hands the job back to the queue, to be taken up at
        once rather than when its lease runs out."""
        late = sum(
            self._until_stored(self.store.record_outcome, job_id, self.owner, position, outcome)
            for position, outcome in unrecorded
        )
        self._until_stored(self.store.release, job_id, self.owner)
        log.info(
            "job %s: the database is back; %d of %d requests that ended meanwhile recorded",
            job_id,
            late,
            len(unrecorded),
        )

    def _run_one(self, job_id: str, position: int, raw: dict[str, Any]) -> Outcome:
        def progress(stage: str, details: dict[str, Any]) -> None:
            if stage != "done":
                data = {"index": position, **event(stage, details)}
                # A stage's news lost to a database outage is no reason to stop the request:
                # its outcome, kept until the database is back, is what counts.
                with contextlib.suppress(StoreUnavailable):
                    self.store.add_event(job_id, stage, data)

        try:
            request = debug_request(raw)
            options = checked_debug(request, self.settings)  # the settings may have changed
            stop = functools.partial(self._stop_reason, job_id)
            result = debug(request, options, self.settings, progress, stop)
        except (ldb.LdbError, ServiceError) as error:
            return Outcome("error", str(error))
        kept = (kind_of(result), result.model_dump_json(), raw)
        return Outcome(result.status, result.message, kept)

    def _stop_reason(self, job_id: str) -> str | None:
        if self.stopping.is_set():
            return "the service is stopping"
        try:
            ours = self._still_ours(job_id)
        except StoreUnavailable:
            return None  # the request runs on through an outage, as `progress` says
        return None if ours else "the job was cancelled"

    def _still_ours(self, job_id: str) -> bool:
        return self.store.renew(job_id, self.owner, self.settings.lease_s)
