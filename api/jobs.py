"""The background worker that runs submitted jobs: claims one under a lease, runs its debug
requests (programs' or projects') in order, records each as it finishes, and lets go when
stopped or cancelled."""

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
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import anyio.to_thread

import ldb
from api.errors import ServiceError
from api.events import event
from api.schemas import debug_request
from api.settings import ServiceSettings
from api.store import Job, Store
from api.work import Stopped, checked_debug, debug, kind_of

log = logging.getLogger("ldb.jobs")

_PURGE_EVERY_S = 3600.0


class JobRunner:
    """One per worker process (`job_workers` loops in it). A job whose worker dies is taken
    up again by any worker once its lease runs out; finished requests are never run twice."""

    def __init__(self, store: Store, settings: ServiceSettings, poll_s: float = 0.2) -> None:
        self.store = store
        self.settings = settings
        self.poll_s = poll_s
        self.owner = f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self.stopping = threading.Event()
        self.wakeup = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []

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
        purged_at = time.monotonic()
        while not self.stopping.is_set():
            if time.monotonic() - purged_at > _PURGE_EVERY_S:
                purged_at = time.monotonic()
                await anyio.to_thread.run_sync(self.store.purge, self.settings.keep_s)
            job = await anyio.to_thread.run_sync(
                self.store.claim, self.owner, self.settings.lease_s
            )
            if job is None:
                self.wakeup.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.wakeup.wait(), self.poll_s)
                continue
            await anyio.to_thread.run_sync(self._run, job)

    def _run(self, job: Job) -> None:
        """The job's requests not yet done, `job_parallel` at once (a request waiting on its
        model holds no sandbox run: a job of model-backed requests keeps many calls in
        flight), each recorded as it finishes."""
        done = {item.position for item in job.items}
        log.info("job %s: %d of %d requests to run", job.id, job.total - len(done), job.total)
        self.store.add_event(job.id, "started", {"done": len(done), "total": job.total})
        todo = [
            (position, raw) for position, raw in enumerate(job.requests) if position not in done
        ]
        stopped = threading.Event()

        def attempt(position: int, raw: dict[str, Any]) -> None:
            if stopped.is_set() or not self._still_ours(job.id):
                stopped.set()
                return
            try:
                self._run_one(job.id, position, raw)
            except Stopped as why:
                log.info("job %s: stopped at request %d (%s)", job.id, position, why)
                stopped.set()

        width = max(1, min(self.settings.job_parallel, len(todo)))
        with ThreadPoolExecutor(width, thread_name_prefix=f"ldb-job-{job.id[:8]}") as pool:
            for finished in [pool.submit(attempt, *item) for item in todo]:
                finished.result()
        if stopped.is_set():
            if self.stopping.is_set():
                self.store.release(job.id, self.owner)
            return
        self.store.finish(job.id, self.owner, {"total": job.total})

    def _run_one(self, job_id: str, position: int, raw: dict[str, Any]) -> None:
        def progress(stage: str, details: dict[str, Any]) -> None:
            if stage != "done":
                data = {"index": position, **event(stage, details)}
                self.store.add_event(job_id, stage, data)

        try:
            request = debug_request(raw)
            options = checked_debug(request, self.settings)  # the settings may have changed
            stop = functools.partial(self._stop_reason, job_id)
            result = debug(request, options, self.settings, progress, stop)
        except (ldb.LdbError, ServiceError) as error:
            message = str(error)
            self.store.record_item(job_id, position, "error", None, message)
            self.store.add_event(job_id, "item", {"index": position, "status": "error"})
            return
        result_id = self.store.put_result(kind_of(result), result.model_dump_json(), raw)
        self.store.record_item(job_id, position, result.status, result_id, result.message)
        self.store.add_event(
            job_id, "item", {"index": position, "status": result.status, "result_id": result_id}
        )

    def _stop_reason(self, job_id: str) -> str | None:
        if self.stopping.is_set():
            return "the service is stopping"
        if not self._still_ours(job_id):
            return "the job was cancelled"
        return None

    def _still_ours(self, job_id: str) -> bool:
        return self.store.renew(job_id, self.owner, self.settings.lease_s)
