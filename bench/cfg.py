"""How fast ldb builds control-flow graphs, against `ast.parse` of the same files.

Run: python -m bench.cfg [--repeat N]. Prints functions per second and the ratio of graph
building to parsing alone (parsing is the floor: the builder parses, then walks).
"""

from __future__ import annotations

import argparse
import ast
import statistics
import sys
import time

import ldb
from testbed.stdlib import stdlib_corpus


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3, help="timed passes of each (median)")
    args = parser.parse_args()
    corpus = stdlib_corpus()
    sources = list(corpus.sources.items())
    units = sum(len(ldb.blocks(text, path)) for path, text in sources)

    def parse_all() -> None:
        for path, text in sources:
            ast.parse(text, path)

    def build_all() -> None:
        for path, text in sources:
            ldb.blocks(text, path)

    parse_times, build_times = [], []
    for _ in range(args.repeat):
        parse_times.append(_timed(parse_all))
        build_times.append(_timed(build_all))
    parse_s, build_s = statistics.median(parse_times), statistics.median(build_times)
    print(
        f"python {sys.version.split()[0]}: {len(sources)} files "
        f"({len(corpus.rejected)} rejected by ast.parse), {units} units"
    )
    print(f"ast.parse alone     {parse_s:7.2f} s")
    print(f"ldb.blocks          {build_s:7.2f} s  {units / build_s:9.0f} units/s")
    print(f"ratio blocks/parse  {build_s / parse_s:7.2f}x")


def _timed(work: object) -> float:
    start = time.perf_counter()
    work()  # type: ignore[operator]
    return time.perf_counter() - start


if __name__ == "__main__":
    main()
