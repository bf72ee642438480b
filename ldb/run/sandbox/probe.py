"""Whether bubblewrap works here: tried once per process, and how programs run as a result."""

from __future__ import annotations

import os
import subprocess
import threading
from typing import Literal

from ldb.errors import SandboxError
from ldb.models import SandboxStatus
from ldb.run.sandbox.bwrap import OWN_PYTHON, bwrap_arguments, bwrap_binary
from ldb.settings import RunLimits, SandboxChoice, get_settings

SandboxMode = Literal["bwrap", "unisolated"]

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
        command = [
            *bwrap_arguments(binary, RunLimits()),
            OWN_PYTHON,
            "-I",
            "-c",
            "pass",
        ]
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
