"""Batch evaluation under LDB's protocol: the benchmark problems, the protocol per problem, where
problems run, and the report."""

from __future__ import annotations

from typing import get_args

from ldb.literals import Dataset

DATASETS: tuple[Dataset, ...] = get_args(Dataset)
