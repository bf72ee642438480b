"""Command-line tools the tests run that come from Python packages of an extra."""

from __future__ import annotations

import shutil
import sysconfig
from pathlib import Path

import pytest


def installed_tool(name: str, extra: str) -> str:
    """The program `name` that a package of `extra` installs beside the interpreter's scripts,
    else one on PATH; the test skips, saying so, where there is neither."""
    beside = Path(sysconfig.get_path("scripts")) / name
    if beside.is_file():
        return str(beside)
    found = shutil.which(name)
    if found is None:
        pytest.skip(f"{name} not found at {beside} nor on PATH: pip install -e '.[{extra}]'")
    return found
