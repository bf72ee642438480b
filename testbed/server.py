"""The service as users run it: a real uvicorn process on a loopback port."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
"""The checkout, where uvicorn starts so that it serves this checkout's `api`."""


@dataclass
class Service:
    process: subprocess.Popen[str]
    url: str
    logs: tuple[Path, Path]
    """Files of its standard output and error: a pipe nobody reads while it serves fills
    after a thousand lines of access log, and the server stalls writing the next."""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def start(env: dict[str, str] | None = None, port: int | None = None) -> Service:
    """Starts uvicorn serving `api.create_app`; returns once it answers or has exited. The
    database is a fresh temporary file unless `env` names one (LDB_DATABASE)."""
    port = port or _free_port()
    env = dict(env or {})
    if "LDB_DATABASE" not in env:
        env["LDB_DATABASE"] = tempfile.mkstemp(prefix="ldb-service-", suffix=".sqlite3")[1]
    # The developer's own settings must not steer the service under test.
    outside = {k: v for k, v in os.environ.items() if not k.startswith(("LDB_", "OPENAI_"))}
    logs = (_log_file("out"), _log_file("err"))
    with logs[0].open("w") as out, logs[1].open("w") as err:
        process = subprocess.Popen(
            [
                *(sys.executable, "-m", "uvicorn", "--factory", "api:create_app"),
                *("--host", "127.0.0.1", "--port", str(port)),
            ],
            cwd=ROOT,
            env={**outside, **env},
            stdout=out,
            stderr=err,
            text=True,
        )
    service = Service(process, f"http://127.0.0.1:{port}", logs)
    deadline = time.monotonic() + 60
    while process.poll() is None and time.monotonic() < deadline:
        with contextlib.suppress(httpx.TransportError):
            httpx.get(f"{service.url}/version", timeout=1)
            return service
        time.sleep(0.05)
    return service


def _log_file(stream: str) -> Path:
    handle, path = tempfile.mkstemp(prefix="ldb-service-", suffix=f".{stream}")
    os.close(handle)
    return Path(path)


def stop(service: Service) -> tuple[str, str]:
    """Stops the service (once more does no harm); its standard output and error."""
    if service.process.poll() is None:
        service.process.terminate()
    service.process.wait(timeout=30)
    out, err = (path.read_text(errors="replace") for path in service.logs)
    return out, err


@contextlib.contextmanager
def running(env: dict[str, str] | None = None, port: int | None = None) -> Iterator[Service]:
    service = start(env, port)
    try:
        assert service.process.poll() is None, stop(service)[1]
        yield service
    finally:
        stop(service)
