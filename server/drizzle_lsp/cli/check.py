"""``drizzle-lsp check``: find migrations folders, analyse (and fix) them, print a report.

Translation only: discovery, analysis and fixes belong to the core. This module turns the command
line and the config files into :class:`Settings`, writes the fixed files, and hands the result to
the formatter of ``--format``.

Configuration: the nearest ``drizzle-lsp.toml`` (or ``pyproject.toml`` with
``[tool.drizzle-lsp]``) above each migrations folder, or the one ``--config`` names. ``--select``
replaces the config's ``select`` and ``ignore`` (as ruff does: the command line is the last word);
``--ignore`` alone adds to the config's ``ignore``. Without a PATH, the config's ``migrations``
folders are checked, else the working directory.

``DRIZZLE_LSP_NOW`` (epoch milliseconds, or an ISO 8601 date) fixes "now" for reproducible runs.

``--database-url URL`` adds the D rules: each journal folder against that database's migrations
table (schema and table from the folder's config), read-only, as ``status`` reads it. Only when
asked on the command line (a CI check should not connect because a config file names a
database); ``${env:NAME}`` in the value is expanded, which keeps a password out of the process
list. Not with ``--fix``: the fixes change files the database hashed.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

from drizzle_lsp.cli.errors import CliError
from drizzle_lsp.core.database import (
    AppliedMigrations,
    DatabaseError,
    DatabaseView,
    at_risk_tags,
    database_view,
    expand_env,
    read_applied,
    redact_url,
    scrub,
)
from drizzle_lsp.core.diagnostics import Violation
from drizzle_lsp.core.folder import Layout, MigrationFolder, source_of
from drizzle_lsp.core.settings import (
    S002Scope,
    Settings,
    SettingsError,
    find_config,
    load_settings,
)
from drizzle_lsp.core.source import SourceError, SourceText, write_sources
from drizzle_lsp.core.workspace import (
    PathNotFound,
    Target,
    TextIndexes,
    discover,
    load_target,
)
from drizzle_lsp.engine.analyze import (
    Clock,
    analyze,
    fix_folder,
    is_journal_code,
    lint_in_parallel,
    now_ms,
)
from drizzle_lsp.engine.base_branch import GitError, base_tree, git_dir, is_commit, new_tags
from drizzle_lsp.engine.forked import map_from_both_ends
from drizzle_lsp.output import FORMATS, formatter
from drizzle_lsp.output.report import Diagnostic, Report, display_path, locate
from drizzle_lsp.output.text import fixed_summary
from drizzle_lsp.rules import ALL_RULES, rule_by_code

NOW_ENV = "DRIZZLE_LSP_NOW"
PROGRESS_MIN_FOLDERS = 10  # show progress on a terminal from this many folders on
PARALLEL_MIN_FOLDERS = 4  # check folders on two cores from this many on (a fork costs ~5 ms)
PARALLEL_MIN_BYTES = 256 * 1024  # else lint one folder's chunks on two cores from this much SQL
FORMATS_WITH_FIXES = frozenset({"json", "sarif"})  # the formats that print where fixes edit


def add_check_parser(commands: Any) -> None:
    parser = commands.add_parser(
        "check",
        help="lint migrations folders (and fix them with --fix)",
        description="Lint Drizzle migrations folders. Exit status: 0 no problems, 1 problems "
        "remain, 2 usage, configuration or I/O error.",
    )
    parser.add_argument(
        "paths",
        nargs="*",
        type=Path,
        metavar="PATH",
        help="a migrations folder, a file in one, a .sql file, or a tree to search "
        "(default: the config's `migrations`, else .)",
    )
    parser.add_argument("--fix", action="store_true", help="apply the fixes and write the files")
    parser.add_argument(
        "--unsafe-fixes",
        action="store_true",
        help="also apply (and count as fixable) fixes that can change behaviour",
    )
    parser.add_argument(
        "--select",
        type=rule_selectors,
        action="extend",
        metavar="CODES",
        help="only these rules: codes, prefixes or names, comma-separated (J001,S)",
    )
    parser.add_argument(
        "--ignore",
        type=rule_selectors,
        action="extend",
        metavar="CODES",
        help="skip these rules: codes, prefixes or names, comma-separated",
    )
    parser.add_argument(
        "--format",
        "--output-format",
        dest="format",
        choices=list(FORMATS),
        default="text",
        help="output format (default: text)",
    )
    parser.add_argument("--exit-zero", action="store_true", help="exit 0 even when problems remain")
    parser.add_argument(
        "--database-url",
        metavar="URL",
        help="also check each journal against this PostgreSQL database's migrations table "
        "(D rules, read-only); ${env:NAME} is expanded, e.g. '${env:DATABASE_URL}'",
    )
    parser.add_argument(
        "--since",
        metavar="REF",
        help="S002 on the migrations added or changed since the merge-base with this git ref "
        "(and the at-risk ones), whatever `s002-scope` says; e.g. --since origin/main",
    )
    parser.add_argument(
        "--config", type=Path, metavar="FILE", help="use this config file instead of searching"
    )
    parser.set_defaults(handler=run_check)


def rule_selectors(value: str) -> list[str]:
    """``--select``/``--ignore`` values: code prefixes (``ALL`` is every rule, the empty prefix)."""
    codes = []
    for token in (t.strip() for t in value.split(",")):
        if not token:
            continue
        rule = rule_by_code(token)
        code = rule.code if rule is not None else token.upper()
        if code == "ALL":
            code = ""
        elif not _known_prefix(code):
            raise argparse.ArgumentTypeError(f"unknown rule code or prefix `{token}`")
        codes.append(code)
    return codes


def _known_prefix(code: str) -> bool:
    return any(rule.code.startswith(code) for rule in ALL_RULES)


# ---- configuration -----------------------------------------------------------------------------


class Configs:
    """Settings per config file: ``--config``, or the nearest config above a folder."""

    def __init__(self, explicit: Path | None) -> None:
        self._explicit = _load(explicit) if explicit is not None else None
        self._loaded: dict[Path | None, Settings] = {}

    def for_path(self, path: Path) -> Settings:
        if self._explicit is not None:
            return self._explicit
        config = find_config(path)
        if config not in self._loaded:
            self._loaded[config] = Settings() if config is None else _load(config)
        return self._loaded[config]


def _load(config: Path) -> Settings:
    if not config.is_file():
        raise CliError(f"{config}: no such config file")
    try:
        settings = load_settings(config)
    except SettingsError as error:
        raise CliError(str(error)) from None
    lists = [("select", settings.select or frozenset()), ("ignore", settings.ignore)]
    lists += [(f"per-file-ignores.{k}", v) for k, v in settings.per_file_ignores.items()]
    for key, codes in lists:
        for code in sorted(codes):
            if not _known_prefix(code):
                raise CliError(f"{config}: `{key}`: unknown rule code or prefix `{code}`")
    return settings


def _with_command_line(settings: Settings, args: argparse.Namespace) -> Settings:
    if args.since is not None:
        settings = settings.with_overrides(s002_scope=S002Scope.NEW)
    if args.select is not None:
        return settings.with_overrides(
            select=frozenset(args.select), ignore=frozenset(args.ignore or ())
        )
    if args.ignore:
        return settings.with_overrides(ignore=settings.ignore | frozenset(args.ignore))
    return settings


def _paths(args: argparse.Namespace, configs: Configs, cwd: Path) -> list[Path]:
    if args.paths:
        return list(args.paths)
    settings = configs.for_path(cwd)
    if not settings.migrations or settings.root is None:
        return [Path(".")]
    paths = [settings.root / folder for folder in settings.migrations]
    for path in paths:
        if not path.exists():
            raise CliError(
                f"{path}: no such file or directory (listed in `migrations` of the config "
                f"in {settings.root})"
            )
    return paths


def _clock() -> Clock:
    value = os.environ.get(NOW_ENV)
    if not value:
        return now_ms
    try:
        fixed = int(value) if value.isdigit() else _iso_ms(value)
    except ValueError:
        raise CliError(f"{NOW_ENV}={value!r}: not epoch milliseconds or an ISO 8601 date") from None
    return lambda: fixed


def _iso_ms(value: str) -> int:
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        raise ValueError("no time zone")
    return int(moment.timestamp() * 1000)


# ---- the run -----------------------------------------------------------------------------------


def run_check(args: argparse.Namespace) -> int:
    # a run builds hundreds of thousands of long-lived objects (statements, tokens, violations)
    # and few cycles: the default thresholds rescan them again and again, a third of a large
    # run's time, and even mypy's thresholds (200,000) cost 9% more time than none for the same
    # peak memory (docs/performance.md). A check is short; the collector is back on after it.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _run_check(args)
    finally:
        if collecting:
            gc.enable()


def _run_check(args: argparse.Namespace) -> int:
    cwd = Path.cwd()
    clock = _clock()
    configs = Configs(args.config)
    paths = _paths(args, configs, cwd)
    if args.since is not None:
        _check_since(args.since, paths)
    try:
        targets = discover(paths)
    except PathNotFound as error:
        raise CliError(str(error)) from None
    if not targets:
        shown = ", ".join(str(p) for p in paths)
        print(f"drizzle-lsp: warning: No migrations folders found in {shown}", file=sys.stderr)

    databases = _Databases(args.database_url, fix=args.fix)
    progress = _Progress(sys.stderr, len(targets), cwd)
    main = os.getpid()

    by_folders = not databases.url and len(targets) >= PARALLEL_MIN_FOLDERS

    def check_one(number: int) -> _Checked:
        target = targets[number]
        if os.getpid() == main:
            progress.show(number + 1, target.root)
        settings = _with_command_line(configs.for_path(target.root), args)
        folder = load_target(target)
        if not by_folders and _sql_size(folder) >= PARALLEL_MIN_BYTES:
            lint_in_parallel(folder, settings, min_chunks=2)  # fills the cache analyze reads
        new = _new_tags(folder, settings, args.since)
        return _check_target(target, folder, settings, clock, args, databases, cwd, new)

    if by_folders:  # a second core takes folders from the last one back (same results, order)
        checked, _ = map_from_both_ends(check_one, range(len(targets)))
    else:
        checked = [check_one(number) for number in range(len(targets))]
    progress.clear()
    diagnostics = [d for one in checked for d in one.diagnostics]
    writes = {path: text for one in checked for path, text in one.writes.items()}
    read_as = {path: text for one in checked for path, text in one.read_as.items()}
    fixed = sum(one.fixed for one in checked)
    notes = [note for one in checked for note in one.notes]
    _write(writes, read_as)
    deleted = _delete([path for one in checked for path in one.deletes])

    diagnostics.sort(key=_text_order if args.format == "text" else _order)
    report = Report(
        diagnostics,
        cwd,
        unsafe_fixes=args.unsafe_fixes,
        fixed=fixed if args.fix else None,
        fixed_files=len(writes.keys() | set(deleted)),
        color=args.format == "text" and _use_color(sys.stdout),
        fix_notes=notes,
    )
    sys.stdout.write(formatter(args.format)(report))
    sys.stdout.flush()
    if args.format != "text" and fixed:
        # machine formats keep stdout parseable: say what was fixed on stderr
        print(fixed_summary(fixed, len(writes.keys() | set(deleted))), file=sys.stderr)
        for note in notes:
            print(f"  {note}", file=sys.stderr)
    return 1 if diagnostics and not args.exit_zero else 0


def _order(d: Diagnostic) -> tuple[str, int, str]:
    return d.violation.sort_key()


def _text_order(d: Diagnostic) -> tuple[bool, str, int, str]:
    """What never runs or is skipped first, above the SQL warnings."""
    v = d.violation
    return (not is_journal_code(v.code), *v.sort_key())


@dataclass(slots=True)
class _Checked:
    """What checking (and fixing) one folder gives the report: picklable, from either core."""

    diagnostics: list[Diagnostic]
    writes: dict[Path, SourceText] = field(default_factory=dict)
    read_as: dict[Path, SourceText] = field(default_factory=dict)  # each file as it was read
    fixed: int = 0
    notes: list[str] = field(default_factory=list)
    deletes: list[Path] = field(default_factory=list)  # files a fix deletes, once written


def _sql_size(folder: MigrationFolder) -> int:
    return sum(len(d.source.text) for d in folder.sql.values() if d.source is not None)


def _check_target(
    target: Target,
    folder: MigrationFolder,
    settings: Settings,
    clock: Clock,
    args: argparse.Namespace,
    databases: _Databases,
    cwd: Path,
    new: frozenset[str] | None,
) -> _Checked:
    if not args.fix:
        view = databases.view(folder, settings)
        found = analyze(folder, settings, clock, at_risk_tags(view), database=view, new=new)
        return _Checked(_located(found, target, folder, args.format))
    outcome = fix_folder(
        folder, settings, clock, unsafe=args.unsafe_fixes, wanted=target.wants, new=new
    )
    return _Checked(
        _located(outcome.remaining, target, outcome.folder, args.format),
        _sources(folder, outcome.changed),
        _read_as(folder, outcome.changed),
        len(outcome.fixed),
        fix_notes(outcome.fixed, cwd),
        outcome.deleted,
    )


def _new_tags(
    folder: MigrationFolder, settings: Settings, since: str | None
) -> frozenset[str] | None:
    """The migrations not on the base branch, for S002's ``new`` scope (None: not in git)."""
    if settings.s002_scope is not S002Scope.NEW or folder.layout is Layout.LOOSE:
        return None
    try:
        return new_tags(folder, base_tree(folder.root, since))
    except GitError as error:
        raise CliError(str(error)) from None


def _check_since(since: str, paths: list[Path]) -> None:
    """``--since`` needs a git repository and a ref it knows: say so before checking anything."""
    where = next((p if p.is_dir() else p.parent for p in paths if p.exists()), Path("."))
    if git_dir(where.absolute()) is None:
        raise CliError(f"--since {since}: {where} is not in a git repository")
    if not is_commit(where, since):
        raise CliError(f"--since {since}: not a commit git knows (try `git fetch`, or origin/main)")


def _located(
    found: list[Violation], target: Target, folder: MigrationFolder, output_format: str
) -> list[Diagnostic]:
    diagnostics = locate((v for v in found if target.wants(v)), TextIndexes(folder))
    if output_format in FORMATS_WITH_FIXES:
        for diagnostic in diagnostics:
            diagnostic.locate_fix()
    return diagnostics


def fix_notes(fixed: list[Violation], cwd: Path) -> list[str]:
    """One line per applied fix that says more than its title: ``path: CODE title: notes``."""
    lines = []
    for v in fixed:
        fix = v.fix
        if fix is None or not fix.notes:
            continue
        line = f"{display_path(v.path, cwd)}: {v.code} {'; '.join(fix.notes)}"
        if line not in lines:
            lines.append(line)
    return lines


class _Databases:
    """``--database-url``: the migrations table read once per schema and table."""

    def __init__(self, given: str | None, fix: bool) -> None:
        self.url = ""
        if given is None:
            return
        if fix:
            raise CliError("--database-url cannot be combined with --fix: fix first, then check")
        self.url, missing = expand_env(given)
        if missing:
            raise CliError(f"--database-url names ${{env:{missing[0]}}}, which is not set")
        if not self.url.strip():
            raise CliError("--database-url is empty")
        self._read: dict[tuple[str, str], AppliedMigrations] = {}

    def view(self, folder: MigrationFolder, settings: Settings) -> DatabaseView | None:
        if not self.url or folder.layout not in (Layout.JOURNAL, Layout.V1):
            return None
        table = (settings.migrations_schema, settings.migrations_table)
        if table not in self._read:
            try:
                self._read[table] = read_applied(self.url, *table)
            except DatabaseError as error:
                raise CliError(scrub(str(error), self.url)) from None
            except Exception as error:  # never let a traceback or repr carry the URL
                where = redact_url(self.url)
                raise CliError(scrub(f"reading {where}: {error!r}", self.url)) from None
        applied = self._read[table]
        return database_view(folder, applied.rows, redact_url(self.url), shape=applied.shape)


def _sources(folder: MigrationFolder, changed: dict[Path, str]) -> dict[Path, SourceText]:
    """The fixed texts as sources to write, each keeping its file's BOM."""
    sources = {}
    for path, text in changed.items():
        original = source_of(folder, path)
        sources[path] = SourceText(text, bom=original.bom if original is not None else False)
    return sources


def _read_as(folder: MigrationFolder, changed: dict[Path, str]) -> dict[Path, SourceText]:
    return {path: source for path in changed if (source := source_of(folder, path)) is not None}


def _delete(paths: list[Path]) -> list[Path]:
    """Delete the files fixes delete (after the writes: a fix removes a journal entry before
    its file goes); those that do not exist are left alone. The paths deleted."""
    deleted = []
    for path in paths:
        try:
            path.unlink()
        except FileNotFoundError:
            continue
        except OSError as error:
            raise CliError(f"{path}: cannot delete: {error.strerror or error}") from None
        deleted.append(path)
    return deleted


def _write(writes: dict[Path, SourceText], read_as: dict[Path, SourceText]) -> None:
    try:
        write_sources(writes, read_as)
    except SourceError as error:
        raise CliError(f"{error}; no fix was written") from None


def _use_color(stream: TextIO) -> bool:
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return stream.isatty() and os.environ.get("TERM") != "dumb"


class _Progress:
    """``Checking 3/40 path`` on one rewritten stderr line, on a terminal and for long runs."""

    def __init__(self, stream: TextIO, total: int, cwd: Path) -> None:
        self._stream, self._total, self._cwd = stream, total, cwd
        self._on = total >= PROGRESS_MIN_FOLDERS and stream.isatty()

    def show(self, number: int, root: Path) -> None:
        if self._on:
            shown = display_path(root, self._cwd)
            self._stream.write(f"\r\x1b[2KChecking {number}/{self._total} {shown}")
            self._stream.flush()

    def clear(self) -> None:
        if self._on:
            self._stream.write("\r\x1b[2K")
            self._stream.flush()
