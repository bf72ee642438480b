"""What the language server costs an editor: the answer to a code lens request on a test
file of 500 tests against finding those tests in the same process, the same request while a
debug run is in flight, and a whole debug run through the server against `ldb.debug_project`
called directly, measured in one run.

Run: python -m bench.lsp [--runs N]. The server is `ldb lsp` started over stdio, as an editor
starts it, driven by pytest-lsp's client; the project is the shop repository of the README
with one failing test, and a generated test file of 500 parametrized cases beside it. Both
sides of the run's ratio load no pytest plugin from the environment.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from lsprotocol import types
from pytest_lsp import client_capabilities
from pytest_lsp.client import LanguageClient, make_test_lsp_client

import ldb
from ldb.lsp import tests_in_file

ROOT = Path(__file__).resolve().parent.parent
QUIET = {"PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
HALF = "tests/test_cart.py::test_half"
CASES = 500


def _project(folder: Path) -> Path:
    """The README's shop example, and a test file of CASES parametrized cases."""
    shutil.copytree(ROOT / "examples" / "shop", folder)
    rows = "\n".join(f"    ({n}, {n * 2})," for n in range(CASES))
    (folder / "tests" / "test_many.py").write_text(
        "import pytest\n\n\n"
        f"@pytest.mark.parametrize(('n', 'doubled'), [\n{rows}\n])\n"
        "def test_double(n, doubled):\n    assert n * 2 == doubled\n"
    )
    return folder


async def _client(root: Path) -> LanguageClient:
    client = make_test_lsp_client()
    await client.start_io(sys.executable, "-m", "ldb", "lsp")
    await client.initialize_session(
        types.InitializeParams(
            capabilities=client_capabilities("visual-studio-code"),
            root_uri=root.as_uri(),
            initialization_options={"env": QUIET, "iterations": 2},
        )
    )
    return client


async def _lens_seconds(client: LanguageClient, uri: str) -> float:
    started = time.perf_counter()
    lenses = await client.text_document_code_lens_async(
        types.CodeLensParams(types.TextDocumentIdentifier(uri=uri))
    )
    elapsed = time.perf_counter() - started
    assert lenses is not None and len(lenses) == CASES + 1, len(lenses or [])
    return elapsed


async def _measure(root: Path, runs: int) -> dict[str, list[float]]:
    client = await _client(root)
    many = root / "tests" / "test_many.py"
    uri = many.as_uri()
    text = many.read_text()
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(types.TextDocumentItem(uri, "python", 1, text))
    )
    times: dict[str, list[float]] = {"found here": [], "lens": [], "lens in a run": []}
    times |= {"run via server": [], "run here": [], "cancelled after": []}
    for _ in range(runs):
        started = time.perf_counter()
        assert len(tests_in_file.tests(text)) == CASES + 1
        times["found here"].append(time.perf_counter() - started)
        times["lens"].append(await _lens_seconds(client, uri))
    test_uri = (root / "tests" / "test_cart.py").as_uri()
    for _ in range(max(1, runs // 10)):
        params = types.ExecuteCommandParams(command="ldb.debug", arguments=[test_uri, HALF])
        started = time.perf_counter()
        running = asyncio.ensure_future(client.workspace_execute_command_async(params))
        await asyncio.sleep(0.3)  # well into the run
        while not running.done():
            times["lens in a run"].append(await _lens_seconds(client, uri))
            await asyncio.sleep(0.1)
        answer = await running
        times["run via server"].append(time.perf_counter() - started)
        assert isinstance(answer, dict) and answer["status"] == "fixed", answer
        started = time.perf_counter()
        options = ldb.DebugOptions(max_iterations=2)
        direct = await asyncio.to_thread(
            ldb.debug_project, root, [HALF], options=options, env=QUIET
        )
        times["run here"].append(time.perf_counter() - started)
        assert direct.status == "fixed"
        times["cancelled after"].append(await _cancel_seconds(client, test_uri))
    await client.shutdown_session()
    return times


async def _cancel_seconds(client: LanguageClient, test_uri: str) -> float:
    """From the client's cancel, sent a third of a second into a run, to the run's answer."""
    known = set(client.progress_reports)
    params = types.ExecuteCommandParams(command="ldb.debug", arguments=[test_uri, HALF])
    running = asyncio.ensure_future(client.workspace_execute_command_async(params))
    while not set(client.progress_reports) - known:
        await asyncio.sleep(0.01)
    [token] = set(client.progress_reports) - known
    await asyncio.sleep(0.3)
    started = time.perf_counter()
    client.window_work_done_progress_cancel(types.WorkDoneProgressCancelParams(token=token))
    answer = await running
    assert isinstance(answer, dict) and answer["status"] == "cancelled", answer
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=50, help="lens requests (runs: a tenth)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ldb-bench-lsp-") as scratch:
        root = _project(Path(scratch) / "shop")
        times = asyncio.run(_measure(root, args.runs))
    medians = {name: statistics.median(values) for name, values in times.items()}
    print(f"code lens of a file of {CASES} test cases (median of {len(times['lens'])}):")
    print(f"  tests found in this process   {medians['found here'] * 1000:8.1f} ms")
    lens, here_found = medians["lens"], medians["found here"]
    print(f"  answered by the server        {lens * 1000:8.1f} ms  ({lens / here_found:.1f}x)")
    busy = medians["lens in a run"]
    print(
        f"  while a debug run is going    {busy * 1000:8.1f} ms  ({busy / lens:.1f}x idle; "
        f"{len(times['lens in a run'])} requests)"
    )
    via, here = medians["run via server"], medians["run here"]
    print(f"debug run of {HALF} (median of {len(times['run here'])}):")
    print(f"  ldb.debug_project here        {here:8.2f} s")
    print(f"  through the server            {via:8.2f} s  ({via / here:.2f}x)")
    cancelled = medians["cancelled after"]
    print(f"  its answer after a cancel     {cancelled:8.2f} s  (the stage under way ends first)")


if __name__ == "__main__":
    main()
