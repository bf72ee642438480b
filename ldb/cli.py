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
from ldb.models import BlocksReport
from ldb.schema import DOCUMENTS, json_schema

log = logging.getLogger("ldb")

EXIT_OK = 0
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


def _schema(args: argparse.Namespace) -> int:
    print(json.dumps(json_schema(args.name), indent=2))
    return EXIT_OK
