"""Every file of the running interpreter's standard library: graphs build, invariants hold."""

from __future__ import annotations

import time

import pytest

import ldb
from bench.stdlib import stdlib_corpus
from tests.cfg_invariants import check


@pytest.mark.slow
@pytest.mark.timeout(1200)
def test_whole_standard_library() -> None:
    corpus = stdlib_corpus()
    assert len(corpus.sources) > 1000
    # Only test data written to be invalid is rejected by the parser itself.
    assert len(corpus.rejected) < 30, corpus.rejected
    started = time.perf_counter()
    units = 0
    problems: list[str] = []
    for path, source in corpus.sources.items():
        graphs = ldb.blocks(source, path)
        units += len(graphs)
        problems.extend(f"{path}: {problem}" for problem in check(source, graphs))
    seconds = time.perf_counter() - started
    print(
        f"\nstdlib: {len(corpus.sources)} files ({len(corpus.rejected)} rejected by ast.parse), "
        f"{units} units, {seconds:.1f} s with invariant checks"
    )
    assert problems == []
