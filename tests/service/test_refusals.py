"""What the service will not do for a client, on any debug route: read a recording from its
own disk; and a stored result read again within the server's limits as they stand now."""

from __future__ import annotations

import httpx
import pytest

from api import work
from tests.helpers.service_answers import PASSING, error


@pytest.mark.parametrize("path", ["/debug", "/debug/stream"])
def test_a_recording_on_the_servers_disk_is_refused(client: httpx.Client, path: str) -> None:
    request = {**PASSING, "model": "replay:/etc/passwd"}
    assert "replay:FILE" in error(client.post(path, json=request), 403, "forbidden")
    job = client.post("/jobs", json={"requests": [request]})
    assert error(job, 403, "forbidden").startswith("requests[0]: ")


def test_a_stored_requests_limits_are_kept_within_the_servers_now(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LDB_TIMEOUT_S", "5")
    stored = {"timeout_s": 8.0, "memory_mb": 128, "exact_counts": True, "gone": 1, "cpu_s": None}
    limits = work.clamped_limits(stored)
    assert (limits.timeout_s, limits.memory_mb, limits.exact_counts) == (5.0, 128, True)
    assert limits.cpu_s == 30
    assert work.clamped_limits({"memory_mb": 1}).memory_mb == 1024  # never valid: the server's
