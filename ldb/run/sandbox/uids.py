"""The unprivileged uids runs drop to as root: each ldb process holds a block of its own."""

from __future__ import annotations

import fcntl
import itertools
import logging
import os
import tempfile
import threading
from pathlib import Path

from ldb.settings import get_settings

log = logging.getLogger("ldb.sandbox")

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
