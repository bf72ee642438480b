"""The service as users run it: a real uvicorn process on a loopback port."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass

import httpx

from tests.conftest import ROOT


@dataclass
class Service:
    process: subprocess.Popen[str]
    url: str


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def start(env: dict[str, str] | None = None) -> Service:
    """Starts uvicorn serving `api.create_app`; returns once it answers or has exited."""
    port = _free_port()
    process = subprocess.Popen(
        [
            *(sys.executable, "-m", "uvicorn", "--factory", "api:create_app"),
            *("--host", "127.0.0.1", "--port", str(port)),
        ],
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    service = Service(process, f"http://127.0.0.1:{port}")
    deadline = time.monotonic() + 60
    while process.poll() is None and time.monotonic() < deadline:
        with contextlib.suppress(httpx.TransportError):
            httpx.get(f"{service.url}/version", timeout=1)
            return service
        time.sleep(0.05)
    return service


def stop(service: Service) -> tuple[str, str]:
    """Stops the service; its output."""
    if service.process.poll() is None:
        service.process.terminate()
    out, err = service.process.communicate(timeout=30)
    return out, err


@contextlib.contextmanager
def running(env: dict[str, str] | None = None) -> Iterator[Service]:
    service = start(env)
    try:
        assert service.process.poll() is None, stop(service)[1]
        yield service
    finally:
        stop(service)
