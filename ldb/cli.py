"""The `ldb` command line: argument parsing, dispatch, and exit codes."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from rich.console import Console

import ldb
from ldb import cfg, render
from ldb.errors import InputError, LdbError
from ldb.harness.main import PROGRAM_FILENAME
from ldb.models import BlocksReport
from ldb.schema import DOCUMENTS, json_schema

log = logging.getLogger("ldb")

# Outcomes that mean the input itself was unusable: exit code 2, like a usage error.
_BAD_INPUT = {"syntax_error", "test_syntax_error", "no_entry_point", "no_tests", "test_error"}

EXIT_OK = 0
EXIT_FAILING = 1
EXIT_USAGE = 2
EXIT_INTERNAL = 3


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
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


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ldb",
        description=(
            "A runtime-tracing debugger for Python programs written by language models: "
            "basic blocks, traces of the states after each block, verdicts and repairs."
        ),
        epilog="Exit codes: 0 success, 1 failing, 2 bad input or usage, 3 internal error.",
    )
    parser.add_argument("--version", action="version", version=f"ldb {ldb.__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log what ldb does")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND", required=True)

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
    tracing.add_argument("path", metavar="PATH", help="the program, or - for standard input")
    tests = tracing.add_mutually_exclusive_group(required=True)
    tests.add_argument(
        "--test",
        metavar="TEXT",
        help="the test: assert lines, a `def check(candidate)`, or test_* functions",
    )
    tests.add_argument("--test-file", metavar="FILE", help="read the test from a file")
    tracing.add_argument(
        "--entry-point", metavar="NAME", help="the function `candidate` stands for in check()"
    )
    tracing.add_argument("--json", action="store_true", help="print JSON (see `ldb schema trace`)")
    tracing.add_argument(
        "--tracer",
        choices=["auto", "monitoring", "settrace", "off"],
        default="auto",
        help="sys.monitoring (Python 3.12+) or sys.settrace; auto picks the first available; "
        "off runs the tests only",
    )
    tracing.add_argument("--timeout", type=float, metavar="S", help="wall time for the run")
    tracing.add_argument(
        "--visits-per-block", type=int, metavar="K", help="visits of a block recorded in full"
    )
    tracing.add_argument(
        "--exact-counts", action="store_true", help="count every visit past the budget"
    )
    tracing.add_argument("--max-events", type=int, metavar="N", help="events kept in the trace")
    tracing.set_defaults(run=_trace)

    schema = commands.add_parser(
        "schema",
        help="print the JSON Schema of a JSON document ldb writes",
        description="Print the JSON Schema (draft 2020-12) of what a command prints with --json.",
    )
    schema.add_argument("name", choices=sorted(DOCUMENTS), help="the document")
    schema.set_defaults(run=_schema)
    return parser


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


def _blocks(args: argparse.Namespace) -> int:
    source, filename = _read(args.path)
    graphs = cfg.build(source, filename)
    if args.function is not None:
        graphs = cfg.find(graphs, args.function)
        if not graphs:
            raise InputError(f"{filename}: no function named {args.function!r}")
    if args.json:
        print(BlocksReport(functions=graphs).model_dump_json(indent=2))
    else:
        Console(highlight=False, soft_wrap=True).print(render.blocks(graphs))
    return EXIT_OK


def _trace(args: argparse.Namespace) -> int:
    source, filename = _read(args.path)
    test = args.test if args.test is not None else _read(args.test_file)[0]
    limits = {
        name: value
        for name, value in (
            ("timeout_s", args.timeout),
            ("visits_per_block", args.visits_per_block),
            ("max_events", args.max_events),
        )
        if value is not None
    }
    if args.exact_counts:
        limits["exact_counts"] = True
    result = ldb.trace(source, test, entry_point=args.entry_point, tracer=args.tracer, **limits)
    if result.status in _BAD_INPUT:
        message = result.message or result.status.replace("_", " ")
        raise InputError(message.replace(PROGRAM_FILENAME, filename, 1))
    if args.json:
        print(result.model_dump_json(indent=2))
    else:
        graphs = cfg.build(source, filename)
        Console(highlight=False, soft_wrap=True).print(render.trace(result, graphs))
    return EXIT_OK if result.status == "passed" else EXIT_FAILING


def _schema(args: argparse.Namespace) -> int:
    print(json.dumps(json_schema(args.name), indent=2))
    return EXIT_OK
