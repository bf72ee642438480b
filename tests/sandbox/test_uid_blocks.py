"""ldb processes at the same time take different blocks of sandbox uids."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from ldb.run import sandbox
from ldb.settings import get_settings

SHOW_UIDS = (
    "import sys, time; from ldb.run import sandbox; "
    "print(sandbox.run_uid(0), sandbox.run_uid(), flush=True); sys.stdin.read()"
)


@pytest.mark.skipif(os.geteuid() != 0, reason="runs drop to uids of their own only as root")
def test_concurrent_processes_never_share_a_uid() -> None:
    mine = {sandbox.run_uid(0), sandbox.run_uid()}
    children = [
        subprocess.Popen(
            [sys.executable, "-c", SHOW_UIDS],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    try:
        seen = [tuple(map(int, child.stdout.readline().split())) for child in children]  # type: ignore[union-attr]
    finally:
        for child in children:
            child.communicate("")
    every = [uid for pair in seen for uid in pair]
    assert len(set(every)) == len(every), seen
    assert not mine & set(every)
    base = get_settings().sandbox_uid_base
    assert all(base <= uid < base + 1000 for uid in every)
    # A slot's uid and a cold run's are in the same block of 64, in its two halves.
    offsets = [(slot - base, cold - base) for slot, cold in seen]
    assert all(s // 64 == c // 64 and s % 64 < 32 <= c % 64 for s, c in offsets)
