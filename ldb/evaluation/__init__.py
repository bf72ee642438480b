"""Batch evaluation under LDB's protocol: the benchmark problems, the protocol per problem, where
problems run, and the report."""

from __future__ import annotations

from typing import Literal

Dataset = Literal["humaneval", "mbpp", "transcoder"]
DATASETS: tuple[Dataset, ...] = ("humaneval", "mbpp", "transcoder")
"""The benchmarks `ldb eval` runs, named without importing them."""
