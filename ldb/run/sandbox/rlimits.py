"""The rlimits of a run, and the set-up its process does between fork and exec."""

from __future__ import annotations

import os
import resource
from collections.abc import Callable

from ldb.settings import RunLimits


def rlimits(limits: RunLimits, drops_uid: bool) -> list[list[int]]:
    """The rlimits of a run, as [resource, value] pairs."""
    pairs = [
        [resource.RLIMIT_CPU, limits.cpu_s],
        [resource.RLIMIT_AS, limits.memory_mb << 20],
        [resource.RLIMIT_FSIZE, limits.max_file_mb << 20],
        [resource.RLIMIT_NOFILE, limits.max_open_files],
        [resource.RLIMIT_CORE, 0],
    ]
    if drops_uid:
        # Counts the processes of the run's own uid, so it binds only once it is dropped to.
        pairs.append([resource.RLIMIT_NPROC, limits.max_processes])
    return pairs


def before_exec(limits: RunLimits, procs_files: list[str], drops_uid: bool) -> Callable[[], None]:
    limit_pairs = rlimits(limits, drops_uid)

    def set_up() -> None:
        # Runs in the child between fork and exec: plain system calls only.
        for path in procs_files:
            descriptor = os.open(path, os.O_WRONLY)
            try:
                os.write(descriptor, str(os.getpid()).encode())
            finally:
                os.close(descriptor)
        for kind, value in limit_pairs:
            resource.setrlimit(kind, (value, value))

    return set_up
