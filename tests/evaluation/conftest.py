"""A small dataset in LDB's layout, written for each test (tests/helpers/toy_dataset.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers.toy_dataset import write_dataset


@pytest.fixture
def toy(tmp_path: Path) -> tuple[Path, Path]:
    """The dataset folder and its seed file."""
    folder = tmp_path / "toy"
    return folder, write_dataset(folder)
