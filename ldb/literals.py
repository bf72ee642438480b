"""The closed sets of names ldb's options take, as `Literal` types that import nothing: the
command line offers them as choices without loading ldb's models."""

from __future__ import annotations

from typing import Literal

Feedback = Literal["blocks", "simple", "explain"]
"""What the model is shown of a failing run: the block-level trace (LDB's way), only the test
result, or nothing but a request to explain the code line by line (Self-Debugging's two)."""

Level = Literal["line", "block", "function"]
"""The unit the trace is cut into for verdicts (LDB's granularities)."""

TracerName = Literal["auto", "monitoring", "settrace", "off"]
"""The tracing backend: `sys.monitoring` (3.12+), `sys.settrace`, the first available, or
none (the tests only)."""

Dataset = Literal["humaneval", "mbpp", "transcoder"]
"""The benchmarks `ldb eval` runs."""
