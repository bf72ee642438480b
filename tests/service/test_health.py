"""/health says how the service runs programs; without a sandbox it does not start."""

from __future__ import annotations

import httpx

import ldb
from testbed import server


def test_health_reports_version_and_sandbox_mode(service: server.Service) -> None:
    reply = httpx.get(f"{service.url}/health")
    assert reply.status_code == 200
    health = reply.json()
    assert health["status"] == "ok"
    assert health["version"] == ldb.__version__
    assert health["sandbox"]["mode"] == ldb.sandbox_status().mode


def test_the_service_refuses_to_run_programs_unisolated() -> None:
    service = server.start({"LDB_SANDBOX": "unisolated"})
    _, err = server.stop(service)
    assert service.process.returncode != 0
    assert "refusing to serve: programs would run unisolated" in err
    assert "LDB_ALLOW_UNISOLATED=1" in err


def test_unisolated_when_the_operator_allows_it_and_health_says_so() -> None:
    env = {"LDB_SANDBOX": "unisolated", "LDB_ALLOW_UNISOLATED": "1"}
    with server.running(env) as service:
        sandbox = httpx.get(f"{service.url}/health").json()["sandbox"]
    assert sandbox["mode"] == "unisolated"
    assert sandbox["allow_unisolated"] is True
    assert "LDB_SANDBOX=unisolated" in sandbox["reason"]
