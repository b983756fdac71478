"""The ``drizzle-lsp`` command: ``serve`` (the default), ``check``, ``rule``, ``status``, ``trust``.

An adapter: each subcommand turns its arguments into calls to the core and prints the result.
Errors are one line on stderr, ``drizzle-lsp: error: ...``, with exit status 2, never a traceback;
set ``DRIZZLE_LSP_DEBUG=1`` to get the traceback of an unexpected error instead.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys
from collections.abc import Sequence
from typing import Any, NoReturn

from drizzle_lsp import version
from drizzle_lsp.cli.errors import PROG, CliError

DEBUG_ENV = "DRIZZLE_LSP_DEBUG"
SERVER_MODULE = "drizzle_lsp.lsp.server"


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is a :class:`CliError` (one line, no usage dump)."""

    def error(self, message: str) -> NoReturn:
        raise CliError(f"{message} (see `{self.prog} --help`)")


class _Version(argparse.Action):
    """``--version``: the version is looked up only when asked for."""

    def __call__(self, parser: argparse.ArgumentParser, *_: Any) -> NoReturn:
        print(f"{PROG} {version()}")
        parser.exit()


def build_parser() -> argparse.ArgumentParser:
    from drizzle_lsp.cli.check import add_check_parser
    from drizzle_lsp.cli.trust import add_trust_parser

    parser = _Parser(
        prog=PROG,
        description="Language server and linter for Drizzle ORM PostgreSQL migration folders. "
        "Without a command, runs the language server over stdio.",
    )
    parser.add_argument("-V", "--version", action=_Version, nargs=0, help="show the version")
    # editors (vscode-languageclient) start servers as `<command> --stdio`
    parser.add_argument("--stdio", action="store_true", help=argparse.SUPPRESS)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    serve = commands.add_parser(
        "serve",
        help="run the language server over stdio (the default)",
        description="Run the language server over stdio.",
    )
    serve.add_argument("--stdio", action="store_true", help="use stdio (the default transport)")
    serve.set_defaults(handler=run_serve)
    add_check_parser(commands)
    _add_rule_parser(commands)
    _add_status_parser(commands)
    add_trust_parser(commands)
    return parser


def _add_status_parser(commands: Any) -> None:
    from drizzle_lsp.cli.status import add_status_parser, run_status

    add_status_parser(commands)
    parser = commands.choices["status"]
    if parser.get_default("handler") is None:
        parser.set_defaults(handler=run_status)


# ---- serve -------------------------------------------------------------------------------------


def run_serve(args: argparse.Namespace) -> int:
    try:
        server = importlib.import_module(SERVER_MODULE)
    except ModuleNotFoundError as error:
        raise CliError(
            f"cannot start the language server: module `{error.name}` is missing "
            "(reinstall drizzle-lsp with its dependencies)"
        ) from None
    if sys.stdin.isatty():
        print(
            f"{PROG}: language server on stdio (Ctrl-C to stop; `{PROG} --help` for commands)",
            file=sys.stderr,
        )
    return int(server.main() or 0)


# ---- rule --------------------------------------------------------------------------------------


def _add_rule_parser(commands: Any) -> None:
    parser = commands.add_parser(
        "rule",
        help="show a rule's documentation",
        description="Print a rule's documentation (by code or name), every rule's with --all, "
        "or the list of rules.",
    )
    parser.add_argument("code", nargs="?", metavar="CODE", help="a rule code or name")
    parser.add_argument("--all", action="store_true", help="document every rule")
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.set_defaults(handler=run_rule)


def run_rule(args: argparse.Namespace) -> int:
    from drizzle_lsp.docs import docs_url, rule_page
    from drizzle_lsp.rules import ALL_RULES, Rule, rule_by_code

    if args.code and args.all:
        raise CliError("give a rule code or --all, not both")
    rules: Sequence[Rule] = ALL_RULES
    if args.code:
        rule = rule_by_code(args.code)
        if rule is None:
            raise CliError(f"unknown rule `{args.code}` (`{PROG} rule` lists them)")
        rules = [rule]
    if args.format == "json":
        items = [
            {
                "code": r.code,
                "name": r.name,
                "severity": r.info.severity.value,
                "fixability": r.info.fixability.value,
                "scope": r.info.scope.value,
                "summary": r.info.summary,
                "explanation": r.doc,
                "url": docs_url(r.code),
            }
            for r in rules
        ]
        print(json.dumps(items[0] if args.code else items, indent=2, ensure_ascii=False))
    elif args.code or args.all:
        print("\n".join(rule_page(r) for r in rules), end="")
    else:
        width = max(len(r.name) for r in rules)
        for r in rules:
            print(f"{r.code}  {r.name:<{width}}  {r.info.summary}")
    return 0


# ---- entry point -------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (0 clean, 1 problems found, 2 error)."""
    try:
        return _run(argv)
    except CliError as error:
        _fail(str(error))
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # the reader went away (`drizzle-lsp check | head`): stop quietly, and keep Python from
        # complaining again when it flushes stdout at exit
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except Exception as error:
        if os.environ.get(DEBUG_ENV):
            raise
        _fail(f"{type(error).__name__}: {error} (set {DEBUG_ENV}=1 for a traceback)")
    return 2


def run() -> NoReturn:
    """The installed command: :func:`main`, then exit without freeing the heap.

    A large ``check`` leaves millions of objects behind; freeing them one by one at exit takes
    about a second (see docs/performance.md). The language server exits the usual way: its
    threads and pygls' handlers are shut down in order.
    """
    status = main()
    if SERVER_MODULE in sys.modules:  # this process was the language server
        raise SystemExit(status)
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except BrokenPipeError:
        pass
    except OSError:
        status = status or 2
    os._exit(status)


def _run(argv: Sequence[str] | None) -> int:
    args = build_parser().parse_args(argv)
    handler = getattr(args, "handler", None)
    if handler is None:  # no command: the editor started us
        return run_serve(args)
    return int(handler(args) or 0)


def _fail(message: str) -> None:
    print(f"{PROG}: error: {message}", file=sys.stderr)
