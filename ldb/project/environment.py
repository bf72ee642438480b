"""Which interpreter runs a project's tests, and what of it the sandbox must show.

The tests run under the project's interpreter: the one named (`--python`), else the active
virtual environment, else `ROOT/.venv`, else ldb's own. ldb's harness is standard library
only, so any Python 3.11+ serves; pytest must be importable there.
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import site
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from ldb.errors import InputError
from ldb.run.sandbox.bwrap import OWN_PYTHON

Origin = Literal["--python", "VIRTUAL_ENV", ".venv", "ldb's own"]

# Run under the candidate interpreter in isolated mode (no current directory, no user site),
# as the sandbox will run it.
_PROBE = """
import importlib.metadata, json, site, sys
try:
    pytest = importlib.metadata.version("pytest")
except importlib.metadata.PackageNotFoundError:
    pytest = None
print(json.dumps({
    "executable": sys.executable,
    "version": list(sys.version_info[:3]),
    "prefix": sys.prefix,
    "base_prefix": sys.base_prefix,
    "site_packages": site.getsitepackages(),
    "pytest": pytest,
}))
"""


@dataclass(frozen=True)
class Interpreter:
    """A project's interpreter, as it describes itself."""

    executable: Path
    origin: Origin
    version: tuple[int, int, int]
    prefixes: tuple[Path, ...]
    """Its prefix, base prefix and site-packages: what a run must see, read-only."""
    pytest: str
    """The version of pytest it imports."""


def find(
    root: Path, python: str | None = None, environ: Mapping[str, str] | None = None
) -> Interpreter:
    """The interpreter to run `root`'s tests with, checked to be 3.11+ with pytest."""
    environ = os.environ if environ is None else environ
    executable, origin = _choose(root, python, environ)
    return _describe(executable, origin)


def _choose(root: Path, python: str | None, environ: Mapping[str, str]) -> tuple[Path, Origin]:
    if python is not None:
        # As the sandbox must name it: absolute, without `..` (not resolved: a venv's link).
        return Path(os.path.normpath(os.path.abspath(python))), "--python"
    active = environ.get("VIRTUAL_ENV")
    if active and _python_of(Path(active)).exists():
        return _python_of(Path(active)), "VIRTUAL_ENV"
    local = _python_of(root / ".venv")
    if local.exists():
        return local, ".venv"
    return Path(OWN_PYTHON), "ldb's own"


def _python_of(environment: Path) -> Path:
    return environment / "bin" / "python"


def _describe(executable: Path, origin: Origin) -> Interpreter:
    named = f"{executable} ({origin})"
    if not executable.exists():
        raise InputError(f"{named}: no such interpreter")
    if executable == Path(OWN_PYTHON):
        return _checked(named, executable, origin, _own_facts())
    try:
        probe = subprocess.run(
            [str(executable), "-I", "-c", _PROBE],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
            env={"PATH": os.defpath},
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        raise InputError(f"{named} does not run: {error}") from None
    try:
        facts = json.loads(probe.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        why = probe.stderr.strip().splitlines()[-1:] or ["it printed nothing"]
        raise InputError(f"{named} is not a Python ldb can use: {why[0]}") from None
    return _checked(named, executable, origin, facts)


def _own_facts() -> dict[str, Any]:
    """What the probe says, for the interpreter running ldb: asked of itself, not of a
    process started to tell (a twentieth of a second of every run)."""
    try:
        pytest: str | None = importlib.metadata.version("pytest")
    except importlib.metadata.PackageNotFoundError:
        pytest = None
    return {
        "version": list(sys.version_info[:3]),
        "prefix": sys.prefix,
        "base_prefix": sys.base_prefix,
        "site_packages": site.getsitepackages(),
        "pytest": pytest,
    }


def _checked(named: str, executable: Path, origin: Origin, facts: dict[str, Any]) -> Interpreter:
    """The interpreter the facts describe, when it can run a project's tests."""
    version = tuple(facts["version"])
    if version < (3, 11):
        shown = ".".join(str(part) for part in version)
        raise InputError(f"{named} is Python {shown}; ldb runs tests under Python 3.11 or newer")
    if facts["pytest"] is None:
        raise InputError(
            f"pytest is not installed in {named}: `{executable} -m pip install pytest`, "
            "or name another interpreter with --python"
        )
    found = [facts["prefix"], facts["base_prefix"], *facts["site_packages"]]
    prefixes = tuple(dict.fromkeys(Path(path) for path in found if Path(path).exists()))
    return Interpreter(
        executable, origin, (version[0], version[1], version[2]), prefixes, facts["pytest"]
    )
