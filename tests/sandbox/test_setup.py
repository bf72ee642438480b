"""The sandbox itself: which mode runs, and that bubblewrap works wherever it is installed."""

from __future__ import annotations

import os

import pytest

import ldb
from ldb.run import sandbox


def test_bwrap_works_wherever_it_is_installed() -> None:
    """A machine with bubblewrap, as root or with user namespaces, must isolate: falling back
    to the unisolated mode there would hide a broken sandbox behind passing tests."""
    if sandbox.bwrap_binary() is None:
        pytest.skip("bubblewrap is not installed here (apt-get install bubblewrap)")
    mode = sandbox.mode()
    reason = sandbox.unavailable_reason() or ""
    if os.geteuid() != 0 and "namespace" in reason.lower():
        pytest.skip(f"user namespaces are off here: {reason}")
    assert mode == "bwrap", reason


def test_every_result_says_how_it_ran() -> None:
    result = ldb.trace("def f():\n    return 1\n", "assert f() == 1")
    assert result.sandbox == sandbox.mode()
    assert ldb.trace("def f(:\n", "assert f()").sandbox == sandbox.mode()


def test_the_unisolated_mode_still_bounds_and_reports(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LDB_SANDBOX", "unisolated")
    from ldb.settings import get_settings

    get_settings.cache_clear()
    try:
        result = ldb.trace(
            "def f():\n    while True:\n        pass\n", "assert f()", timeout_s=2, case_cpu_s=1
        )
    finally:
        monkeypatch.delenv("LDB_SANDBOX")
        get_settings.cache_clear()
    assert result.sandbox == "unisolated"
    assert result.status == "timeout"
