"""Which interpreter runs a project's tests: named, active, the project's `.venv`, or ldb's
own; each refused, saying how to fix it, when it cannot serve."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from ldb.errors import InputError
from ldb.project import environment


def test_the_projects_own_venv_is_taken_over_ldbs(project_venv: Path, tmp_path: Path) -> None:
    (tmp_path / ".venv").symlink_to(project_venv)
    found = environment.find(tmp_path, environ={})
    assert found.origin == ".venv"
    assert found.executable == tmp_path / ".venv" / "bin" / "python"
    assert found.version >= (3, 11, 0) and found.pytest
    assert any(path.name == "site-packages" for path in found.prefixes)
    assert all(path.exists() for path in found.prefixes)


def test_an_active_venv_comes_before_the_projects_and_a_named_one_before_both(
    project_venv: Path, tmp_path: Path
) -> None:
    (tmp_path / ".venv").symlink_to(project_venv)
    active = environment.find(tmp_path, environ={"VIRTUAL_ENV": str(project_venv)})
    assert (active.origin, active.executable) == ("VIRTUAL_ENV", project_venv / "bin" / "python")
    named = environment.find(tmp_path, sys.executable, environ={"VIRTUAL_ENV": "/nowhere"})
    assert (named.origin, named.executable) == ("--python", Path(sys.executable))


def test_without_any_ldbs_own_interpreter_serves(tmp_path: Path) -> None:
    found = environment.find(tmp_path, environ={})
    assert (found.origin, found.executable) == ("ldb's own", Path(sys.executable))


def test_an_interpreter_without_pytest_is_refused_saying_how_to_install_it(
    tmp_path: Path,
) -> None:
    bare = tmp_path / "bare"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(bare)], check=True)
    python = str(bare / "bin" / "python")
    with pytest.raises(InputError, match=rf"pytest is not installed in .*`{python} -m pip install"):
        environment.find(tmp_path, python)


def test_an_old_python_is_refused(tmp_path: Path) -> None:
    """An interpreter that says it is 3.9 (a script standing in for one)."""
    old = tmp_path / "python3.9"
    old.write_text(
        '#!/bin/sh\necho \'{"executable": "x", "version": [3, 9, 18], "prefix": "/", '
        '"base_prefix": "/", "site_packages": [], "pytest": "8.0"}\'\n'
    )
    old.chmod(0o755)
    with pytest.raises(InputError, match=r"is Python 3\.9\.18; ldb runs tests under Python 3\.11"):
        environment.find(tmp_path, str(old))


@pytest.mark.parametrize(
    ("python", "words"),
    [("/no/such/python", "no such interpreter"), ("/bin/false", "is not a Python ldb can use")],
)
def test_what_is_no_interpreter_is_refused(tmp_path: Path, python: str, words: str) -> None:
    with pytest.raises(InputError, match=words):
        environment.find(tmp_path, python)
