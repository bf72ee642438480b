"""What the viewer costs a browser: drawing a function of about two hundred blocks against
the five of the README's example, a step through its trace (the current block kept in view)
against a step through the example's, and the frames while the big drawing is dragged and
zoomed against the frames of the idle page, measured in one run in headless Chromium.

Run: python -m bench.viewer [--runs N]. Needs the `test` extra (Playwright) and Chromium.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

from playwright.sync_api import sync_playwright

import ldb
from ldb.present import viewer

ROOT = Path(__file__).resolve().parent.parent
BRANCHES = 40


def _big_program() -> tuple[str, str]:
    """A function of BRANCHES branches, each a loop holding a test: 5 blocks a branch."""
    body = "".join(
        f"    {'if' if k == 0 else 'elif'} n == {k}:\n        total += {k}\n"
        f"        for i in range(n):\n"
        f"            if i % {k + 2} == 0:\n                total -= i\n"
        for k in range(BRANCHES)
    )
    program = (
        f"def grade(n):\n    total = 0\n{body}    else:\n        total = -1\n    return total\n"
    )
    return program, f"assert grade({BRANCHES - 1}) == -1\n"


def _page(folder: Path, name: str, program: str, test: str) -> Path:
    result = ldb.trace(program, test)
    out = folder / f"{name}.html"
    out.write_text(viewer.page(viewer.trace_views(program, result), viewer.summary(name, result)))
    return out


# Each measure runs in the page, timed by the page's own clock (milliseconds).
DRAW = """(runs) => {
  const data = JSON.parse(document.getElementById("data").textContent);
  const times = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    window.ldbViewer.load(data);
    document.body.getBoundingClientRect();  // the layout the drawing needs, done now
    times.push(performance.now() - start);
  }
  return times;
}"""

STEP = """() => {
  const steps = window.ldbViewer.state.events.length;
  const start = performance.now();
  for (let i = 0; i < steps; i++) {
    window.ldbViewer.go(i);
    document.body.getBoundingClientRect();
  }
  return [(performance.now() - start) / steps, steps];
}"""

# Frame intervals over `frames` animation frames, moving the drawing at each or not.
FRAMES = """([frames, move]) => new Promise((done) => {
  const times = [];
  let last = null, n = 0;
  const tick = (now) => {
    if (last !== null) times.push(now - last);
    last = now;
    const way = n % 40 < 20 ? 1 : -1;
    if (move === "pan") window.ldbViewer.moveBy(6 * way, 4 * way);
    if (move === "zoom") window.ldbViewer.zoomTo(window.ldbViewer.camera.scale * 1.03 ** way);
    if (++n < frames) requestAnimationFrame(tick); else done(times);
  };
  requestAnimationFrame(tick);
})"""


def _median(values: list[float]) -> float:
    return statistics.median(values)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=15, help="draws measured on each page")
    args = parser.parse_args()
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        print("bench.viewer: no Chromium here (apt-get install chromium)", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        examples = ROOT / "examples"
        small = _page(
            folder,
            "moving_average",
            (examples / "moving_average.py").read_text(),
            (examples / "moving_average_test.py").read_text(),
        )
        big = _page(folder, "grade", *_big_program())
        with sync_playwright() as driver:
            browser = driver.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
            measured = {
                name: _measure(browser, path, args.runs)
                for name, path in (("small", small), ("big", big))
            }
            browser.close()
    small_, big_ = measured["small"], measured["big"]
    print(f"blocks drawn: {small_['blocks']} (moving_average) and {big_['blocks']} (grade)")
    print(
        f"draw:  {big_['draw']:.1f} ms against {small_['draw']:.1f} ms "
        f"({big_['draw'] / small_['draw']:.1f}x for {big_['blocks'] / small_['blocks']:.0f}x "
        "the blocks)"
    )
    print(
        f"step:  {big_['step']:.2f} ms a step over {big_['steps']} steps against "
        f"{small_['step']:.2f} ms over {small_['steps']} ({big_['step'] / small_['step']:.1f}x)"
    )
    for move, doing in (("pan", "dragging"), ("zoom", "zooming")):
        print(
            f"{move + ':':6} median frame {big_[move]:.1f} ms {doing} the big drawing against "
            f"{big_['idle']:.1f} ms idle ({big_[move] / big_['idle']:.2f}x); "
            f"slowest {big_[move + ' max']:.1f} ms"
        )
    return 0


def _measure(browser: Any, path: Path, runs: int) -> dict[str, float]:
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(path.as_uri())
    page.wait_for_selector(".block")
    found: dict[str, float] = {"blocks": page.locator(".block").count()}
    found["draw"] = _median(page.evaluate(DRAW, runs))
    found["step"], found["steps"] = page.evaluate(STEP)
    found["idle"] = _median(page.evaluate(FRAMES, [120, "idle"]))
    for move in ("pan", "zoom"):
        frames = page.evaluate(FRAMES, [120, move])
        found[move], found[move + " max"] = _median(frames), max(frames)
    page.close()
    return found


if __name__ == "__main__":
    sys.exit(main())
