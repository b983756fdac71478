"""``drizzle-lsp trust``: approve the database URL a repository's config file names.

A ``database-url`` from ``drizzle-lsp.toml`` or ``pyproject.toml`` is not connected to, nor
``${env:}``-expanded, until approved (see :mod:`drizzle_lsp.core.trust`); this command is the
approval, shown with the host it points to. ``--revoke`` takes it back.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from drizzle_lsp.cli.errors import CliError
from drizzle_lsp.core.settings import SettingsError, find_config, load_settings
from drizzle_lsp.core.trust import TrustError, approve, repository_url, revoke


def add_trust_parser(commands: Any) -> None:
    parser = commands.add_parser(
        "trust",
        help="approve the database-url of a project's config file",
        description="Approve the database-url of drizzle-lsp.toml (or pyproject.toml) for "
        "`status` and the editor. A URL from a repository file is not used until approved; "
        "changing it needs a new approval.",
    )
    parser.add_argument(
        "path",
        nargs="?",
        type=Path,
        default=Path("."),
        help="the config file, or a folder to look for it from (default: .)",
    )
    parser.add_argument("--revoke", action="store_true", help="withdraw the approval")
    parser.set_defaults(handler=run_trust)


def run_trust(args: argparse.Namespace) -> int:
    config = _config(args.path)
    try:
        if args.revoke:
            done = revoke(config)
            print(f"{config}: approval withdrawn" if done else f"{config}: was not approved")
            return 0
        settings = load_settings(config)
        candidate = repository_url(settings)
        if candidate is None:
            raise CliError(f"{config} sets no database-url")
        store = approve(candidate)
    except (SettingsError, TrustError) as error:
        raise CliError(str(error)) from None
    print(
        f"approved database-url {candidate.shown} (host {candidate.host}) of {config} "
        f"(recorded in {store})"
    )
    return 0


def _config(path: Path) -> Path:
    if path.is_file():
        return path.absolute()
    config = find_config(path) if path.is_dir() else None
    if config is None:
        raise CliError(f"{path}: no drizzle-lsp.toml or pyproject.toml with [tool.drizzle-lsp]")
    return config
