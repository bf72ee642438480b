"""A run's own pids and memory cgroups (v1 or v2), where this process may make them."""

from __future__ import annotations

import contextlib
import functools
import os
import threading
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from ldb.settings import RunLimits


@dataclass
class Cgroups:
    """A pids and a memory cgroup of the run's own, where this process may make them."""

    folders: dict[str, Path] = field(default_factory=dict)
    version: int = 0

    @property
    def procs_files(self) -> list[str]:
        return [str(folder / "cgroup.procs") for folder in self.folders.values()]

    @classmethod
    def create(cls, limits: RunLimits, label: str | None = None) -> Cgroups:
        """New cgroups under this process's own, named after this process so that those a
        killed ldb left behind can be told apart and removed."""
        _remove_stale_cgroups()
        cgroups = cls()
        name = f"{_CGROUP_PREFIX}{os.getpid()}-{label or uuid.uuid4().hex[:12]}"
        for controller in ("pids", "memory"):
            folder = _own_cgroup(controller)
            if folder is None:
                continue
            run_folder = folder / name
            try:
                run_folder.mkdir()
            except OSError:
                continue
            cgroups.folders[controller] = run_folder
            if not cgroups._limit(controller, limits):  # a cgroup that limits nothing
                del cgroups.folders[controller]
                _rmdir(run_folder)
        return cgroups

    def limit(self, limits: RunLimits) -> None:
        """Set the limits of the next run (a pool's slot serves runs with different ones)."""
        for controller in self.folders:
            self._limit(controller, limits)

    def _limit(self, controller: str, limits: RunLimits) -> bool:
        """Whether any of the controller's limits could be written."""
        if controller == "pids":
            # bwrap or the pool's slot, the run's init and the harness's thread.
            values = {"pids.max": str(limits.max_processes + 8)}
        else:
            memory_max = str((limits.memory_mb + 256) << 20)
            values = {"memory.limit_in_bytes": memory_max, "memory.max": memory_max}
        written = False
        for key, value in values.items():
            with contextlib.suppress(OSError):
                (self.folders[controller] / key).write_text(value)
                written = True
        return written

    def memory_events(self) -> int:
        """How often the memory limit was hit (v1) or its OOM killer ran (v2), so far."""
        folder = self.folders.get("memory")
        if folder is None:
            return 0
        with contextlib.suppress(OSError, ValueError):
            return int((folder / "memory.failcnt").read_text().strip())
        with contextlib.suppress(OSError, ValueError):
            for line in (folder / "memory.events").read_text().splitlines():
                key, _, value = line.partition(" ")
                if key == "oom_kill":
                    return int(value)
        return 0

    def memory_exceeded(self) -> bool:
        return self.memory_events() > 0

    def remaining(self) -> list[int]:
        """Processes still in the run's cgroups."""
        pids: set[int] = set()
        for folder in self.folders.values():
            with contextlib.suppress(OSError, ValueError):
                pids.update(int(p) for p in (folder / "cgroup.procs").read_text().split())
        return sorted(pids)

    def kill_all(self) -> None:
        for folder in self.folders.values():
            with contextlib.suppress(OSError):
                (folder / "cgroup.kill").write_text("1")
        for _ in range(50):
            remaining = self.remaining()
            if not remaining:
                return
            for pid in remaining:
                with contextlib.suppress(OSError):
                    os.kill(pid, 9)

    def remove(self) -> None:
        self.kill_all()
        for folder in self.folders.values():
            for _ in range(100):
                try:
                    folder.rmdir()
                    break
                except OSError:
                    self.kill_all()
                    threading.Event().wait(0.01)


_CGROUP_PREFIX = "ldb-"


def _rmdir(folder: Path) -> bool:
    try:
        folder.rmdir()
    except OSError:
        return False
    return True


@functools.cache
def _remove_stale_cgroups() -> None:
    """Empty cgroups an ldb process made and left when it was killed (once per process)."""
    for controller in ("pids", "memory"):
        folder = _own_cgroup(controller)
        if folder is None:
            continue
        with contextlib.suppress(OSError):
            for entry in folder.iterdir():
                owner = entry.name.removeprefix(_CGROUP_PREFIX).partition("-")[0]
                ours = entry.name.startswith(_CGROUP_PREFIX) and owner.isdigit()
                if ours and not _alive(int(owner)):
                    _rmdir(entry)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _own_cgroup(controller: str) -> Path | None:
    """The folder of this process's cgroup for a controller (v1), or its v2 cgroup."""
    root = Path("/sys/fs/cgroup")
    try:
        lines = Path("/proc/self/cgroup").read_text().splitlines()
    except OSError:
        return None
    for line in lines:
        _, controllers, path = line.split(":", 2)
        if controller in controllers.split(","):
            folder = root / controller / path.lstrip("/")
            return folder if folder.is_dir() else None
    for line in lines:
        hierarchy, controllers, path = line.split(":", 2)
        if hierarchy == "0" and controllers == "":
            folder = root / path.lstrip("/")
            if (folder / "cgroup.controllers").exists():
                return folder
    return None
