"""Command line (TEMPORARY, oracle branch only): the real ``cli.py`` with ``check`` and ``rule``
is written on main; it registers ``status`` with :func:`drizzle_lsp.cli_status.add_status_parser`.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from drizzle_lsp.cli_status import add_status_parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="drizzle-lsp")
    subparsers = parser.add_subparsers(dest="command", required=True)
    add_status_parser(subparsers)
    args = parser.parse_args(argv)
    return int(args.handler(args))
