"""What a rule is and what it gets to look at.

A rule is a module: its docstring is the user documentation (``drizzle-lsp rule CODE`` prints
it), ``RULE`` names it, and ``check(ctx)`` yields :class:`Violation` s, written as guard clauses.
Journal rules (scope FOLDER) see the whole migrations folder; SQL rules (scope SQL) see one chunk
of one file at a time, which is what lets the analyzer cache their results per chunk text. An SQL
rule that must know what the file's other chunks say (``ACROSS``, an :class:`Across`) is told it
in ``SqlContext.around``.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from drizzle_lsp.core.database import FolderStatus, V1Status
from drizzle_lsp.core.diagnostics import CHUNK_PATH, Fix, Severity, Span, Violation
from drizzle_lsp.core.folder import MigrationFolder, SqlDocument
from drizzle_lsp.core.migration import MigrationFile
from drizzle_lsp.core.migrator_choice import Migrator, MigratorChoice
from drizzle_lsp.core.settings import Settings

TITLE_MAX = 59  # a quick fix menu shows about this much of a title


def fit_title(*candidates: str) -> str:
    """The first of ``candidates`` (most precise first) that fits a quick fix menu; the last
    one should fit whatever names it holds."""
    return next((t for t in candidates if len(t) <= TITLE_MAX), candidates[-1])


class Fixability(StrEnum):
    NONE = "none"
    SOMETIMES = "sometimes"
    ALWAYS = "always"


class Scope(StrEnum):
    FOLDER = "folder"  # journal rules: the journal and the folder's file list
    SQL = "sql"  # statement rules: one chunk of one .sql file
    DATABASE = "database"  # the journal against a database's migrations table


@dataclass(frozen=True, slots=True)
class RuleInfo:
    code: str
    name: str
    severity: Severity
    fixability: Fixability
    scope: Scope
    summary: str  # one line, for listings
    # an SQL rule that reads every statement's parse tree: the analyzer parses the trees of the
    # chunks it runs on with their bounds, in one pass of the parser
    reads_trees: bool = False
    # an SQL rule whose findings in a statement depend only on the statement's text, its number
    # in the chunk and what the rule keeps in ``SqlContext.memo``: its fixes are checked on the
    # statements they touch alone, not among their neighbours
    statement_local: bool = False
    # the one drizzle-orm migrator the rule is about (None: both); it runs only on the folders
    # of projects that run that migrator (see core.migrator_choice)
    migrator: Migrator | None = None

    def applies_to(self, choice: MigratorChoice) -> bool:
        return self.migrator is None or self.migrator is choice.kind

    def violation(
        self,
        path: Path,
        span: Span,
        message: str,
        fix: Fix | None = None,
        alternatives: tuple[Fix, ...] = (),
        tag: str | None = None,
    ) -> Violation:
        return Violation(
            self.code, self.name, self.severity, message, path, span, fix, alternatives, tag
        )


@dataclass(frozen=True, slots=True)
class Rule:
    info: RuleInfo
    check: Callable[..., Iterator[Violation]]
    doc: str
    across: Across | None = None  # how it sees beyond its chunk (SQL rules)
    # whether a violation's fix holds, decided without parsing the fixed text (None: undecided,
    # check it by parsing); for fixes whose shape proves them, e.g. S003's breakpoint
    fix_holds: Callable[[SqlContext, Violation], bool | None] | None = None

    @property
    def code(self) -> str:
        return self.info.code

    @property
    def name(self) -> str:
        return self.info.name


@dataclass(frozen=True, slots=True)
class Across:
    """How an SQL rule learns what the other chunks of its file say (S002: a `DROP ... IF EXISTS`
    in one chunk makes the `CREATE` of the same object in a later chunk idempotent).

    The analyzer lints each chunk alone, as always, then reads every chunk's ``summary`` and lints
    again, with ``SqlContext.around``, the few chunks that ``arounds`` tells something. A chunk's
    results still depend only on its text and what it was told, and are cached by both.
    """

    # a chunk's text -> what it says to the others and asks of them (pure; cached by the rule)
    summary: Callable[[str], Any]
    # the summaries of a file's chunks, in order -> what each chunk is told (by chunk number;
    # a chunk told nothing is left out); hashable, compared to know when to lint again
    arounds: Callable[[Sequence[Any]], Mapping[int, Hashable]]
    # ``summary`` of a chunk parsed already (with trees), as the one about to be linted
    summary_of: Callable[[MigrationFile], Any]


@dataclass(slots=True)
class SqlContext:
    """One chunk of a migration file, as its own small file (offsets relative to the chunk)."""

    file: MigrationFile
    breakpoints: bool  # the journal says the migrator splits this folder's files
    path: Path = CHUNK_PATH
    # what a rule found, kept by it (under its code) for the checks of this chunk's fixes: a fix
    # leaves most statements as they were, and a rule may reuse what it found in those
    memo: dict[str, Any] = field(default_factory=dict)
    # what the file's other chunks tell a rule with ``ACROSS`` (under its code; see `Across`)
    around: dict[str, Any] = field(default_factory=dict)
    # the number, in the chunk, of this file's first statement: a fix is checked on a window of
    # the statements it touches, and a rule that numbers statements counts from here
    first_statement: int = 0
    # the text continues a chunk, right after the `;` of the statement before it (a long chunk
    # is linted in runs of statements): its first statement is not the chunk's first
    continues: bool = False


_ZERO_X = MigratorChoice(Migrator.ZERO_X, "default")


@dataclass(slots=True)
class FolderContext:
    folder: MigrationFolder
    settings: Settings
    now_ms: int  # "now" in epoch milliseconds; injectable for tests
    # SQL-rule violations of one file (e.g. J001 asks S002 whether a migration is idempotent)
    lint_sql: Callable[[SqlDocument, frozenset[str]], list[Violation]] = field(
        default=lambda doc, codes: []
    )
    # a file's text in the pieces the analyzer lints it in, each with where it starts: its
    # chunks, a long chunk in runs of whole statements (cut again only where an edit touched)
    units_of: Callable[[SqlDocument], Sequence[tuple[int, str]]] = field(
        default=lambda doc: _chunks(doc)
    )
    # the migrator that runs the folder (the engine runs only the rules about it)
    migrator: MigratorChoice = _ZERO_X
    # a v1 folder against the configured database, when there is one (V001: what it ran)
    v1_applied: V1Status | None = None


def _chunks(document: SqlDocument) -> list[tuple[int, str]]:
    migration = document.migration
    return [(c.span.start, c.text) for c in migration.chunks] if migration is not None else []


@dataclass(slots=True)
class DatabaseContext:
    """A migrations folder and what the configured database has applied of it (a v1 folder:
    ``v1``, and no journal entries in ``status``)."""

    folder: MigrationFolder
    status: FolderStatus
    database: str  # the URL without its password, for messages
    v1: V1Status | None = None
