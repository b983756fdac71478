"""S002 against a real PostgreSQL: every fix the fixtures produce makes its statement idempotent.

For each statement of a fixture case that S002 flags with a fix, in a scratch database created
for the check and dropped after it:

- the statements before it (earlier migrations of the case first, then earlier statements of its
  file) run once, as preconditions;
- the statement as fixed (all of its S002 fixes applied, as ``check --fix`` would) runs twice in a
  row, and both runs must succeed; so does each alternative fix (offered in the editor);
- in a fresh scratch database, the statement as written runs twice, and the second run must fail
  (so the fixture is meaningful) with one of the SQLSTATEs its messages name. An UPDATE's second
  run comes after the rest of its migration ran (S002 flags it for a column a later statement
  drops).

Statements S002 flags without a fix are checked the same way for the SQLSTATE (or, for an
unnamed index or constraint, or an INSERT that adds its rows again, for silently succeeding a
second time), which is what the rule's DO-block judgement rests on. S002 reads a statement among
the other statements of its file (a DROP ... IF EXISTS before it, a table's keys), so it is
checked and fixed there. The ``ok-drop-then-create`` case runs whole, twice.

Needs ``DATABASE_URL`` (default ``postgresql://postgres@127.0.0.1:5432/postgres``) and a role that
may create databases. Skipped when the server cannot be reached, except under CI (``CI`` set),
where that is a failure.
"""

from __future__ import annotations

import itertools
import os
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import psycopg
import pytest
from psycopg import conninfo, errors, sql
from rule_cases import FIXTURES, Case, all_cases
from shared import unavailable

from drizzle_lsp.core.diagnostics import Applicability, Fix, Violation
from drizzle_lsp.core.fixes import apply_edits, compatible_fixes
from drizzle_lsp.core.folder import MigrationFolder
from drizzle_lsp.core.migration import BREAKPOINT, MigrationFile, Statement
from drizzle_lsp.core.settings import S002Scope
from drizzle_lsp.core.workspace import discover, load_target
from drizzle_lsp.engine.analyze import analyze
from drizzle_lsp.rules import non_idempotent_ddl
from drizzle_lsp.rules._api import SqlContext

pytestmark = pytest.mark.postgres

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
HOW = (
    "start one with `docker run -d -p 5432:5432 -e POSTGRES_HOST_AUTH_METHOD=trust postgres:16` "
    "or point DATABASE_URL at a server whose role may CREATE DATABASE"
)
SQLSTATE = re.compile(r"\((\w+), ([0-9A-Z]{5})\)")
_counter = itertools.count()


@dataclass(frozen=True)
class Target:
    """A flagged statement of a fixture case, with what it needs run before it."""

    case: str  # <CODE>/<case>
    file: str
    line: int
    setup: tuple[str, ...]
    written: str
    violations: tuple[Violation, ...]
    before: tuple[str, ...]  # the statements of its file before it (the end of ``setup``)
    after: tuple[str, ...]  # and after it
    fixed: str | None  # its file as `check --fix` writes it in the case, if it changes

    @property
    def id(self) -> str:
        return f"{self.case}/{self.file}:{self.line}"

    @property
    def fixable(self) -> bool:
        return any(v.fix is not None for v in self.violations)


def _run_text(statement: Statement, text: str) -> str:
    end = statement.terminator + 1 if statement.terminator is not None else statement.span.end
    return text[statement.span.start : end]


def _ordered_documents(folder: MigrationFolder) -> list[Path]:
    if folder.journal is not None:
        tags = [e.tag for e in folder.journal.entries if e.tag]
        paths = [folder.sql_path(tag) for tag in tags]
        return [p for p in paths if p in folder.sql]
    return sorted(folder.sql)


def _targets() -> Iterator[Target]:
    for case in all_cases():
        with tempfile.TemporaryDirectory() as scratch:
            yield from _case_targets(case, case.build(Path(scratch)))


def _case_targets(case: Case, project: Path) -> Iterator[Target]:
    fixed = case.read_fixed()
    for target in discover([project]):
        folder = load_target(target)
        settings = case.settings
        if settings.s002_scope is S002Scope.NEW:  # every migration's statements, not the newest
            settings = settings.with_overrides(s002_scope=S002Scope.ALL)
        found = [v for v in analyze(folder, settings) if v.code == "S002"]
        done: list[str] = []  # statements of earlier files, then of this one
        for path in _ordered_documents(folder):
            migration = folder.sql[path].migration
            if migration is None:
                continue
            texts = [_run_text(s, migration.text) for s in migration.statements]
            rel = path.relative_to(project).as_posix()
            for k, statement in enumerate(migration.statements):
                mine = tuple(
                    v
                    for v in found
                    if v.path == path and migration.statement_at(v.span.start) == statement
                )
                if mine:
                    yield Target(
                        case.id,
                        rel,
                        migration.index.line_of(statement.span.start) + 1,
                        tuple(done),
                        texts[k],
                        mine,
                        tuple(texts[:k]),
                        tuple(texts[k + 1 :]),
                        fixed.get(rel),
                    )
                done.append(texts[k])


TARGETS = list(_targets())
FIXABLE = [t for t in TARGETS if t.fixable]


def fix_statement(target: Target) -> str:
    """The statement with every S002 fix applied, pass after pass as ``check --fix`` does."""
    text = target.written
    for _ in range(10):
        fixes: list[Fix] = [v.fix for v in remaining(target, text) if v.fix is not None]
        chosen = compatible_fixes(fixes)
        if not chosen:
            break
        edits = sorted((e for f in chosen for e in f.edits), key=lambda e: e.span.start)
        text = apply_edits(text, edits)
    return text


def remaining(target: Target, text: str) -> list[Violation]:
    """S002's violations of the statement ``text`` among the other statements of its file
    (offsets and fixes relative to ``text``)."""
    head = "".join(f"{s}{_BREAK}" for s in target.before)
    tail = "".join(f"{_BREAK}{s}" for s in target.after)
    start, end = len(head), len(head) + len(text)
    whole = MigrationFile(head + text + tail)  # a statement a chunk, as drizzle-kit writes them
    found = non_idempotent_ddl.check(SqlContext(whole, breakpoints=True))
    return [_within(v, start) for v in found if start <= v.span.start < end]


_BREAK = f"\n{BREAKPOINT}\n"


def _within(v: Violation, start: int) -> Violation:
    fix = v.fix.shifted(-start) if v.fix is not None else None
    alternatives = tuple(a.shifted(-start) for a in v.alternatives)
    span = v.span.shifted(-start)
    return Violation(v.code, v.name, v.severity, v.message, v.path, span, fix, alternatives, v.tag)


# ---- the server --------------------------------------------------------------------------------


@cache
def _server() -> str | None:
    """The admin connection string, or None (with the reason in _why) when unreachable."""
    url = os.environ.get("DATABASE_URL") or DEFAULT_URL
    try:
        with psycopg.connect(url, autocommit=True, connect_timeout=3) as conn:
            conn.execute("SELECT 1")
    except psycopg.Error as error:
        host = conninfo.conninfo_to_dict(url).get("host")
        _why.append(f"PostgreSQL at {host}: {' '.join(str(error).split())}")
        return None
    return url


_why: list[str] = []


@pytest.fixture(scope="module")
def server() -> str:
    url = _server()
    if url is None:
        unavailable(f"no PostgreSQL ({_why[0].strip()}); {HOW}")
    return url


@pytest.fixture(scope="module")
def server_info(server: str) -> tuple[int, frozenset[str]]:
    with psycopg.connect(server, autocommit=True) as conn:
        version = int(conn.execute("SHOW server_version_num").fetchone()[0])  # type: ignore[index]
        rows = conn.execute("SELECT name FROM pg_available_extensions").fetchall()
    return version, frozenset(r[0] for r in rows)


class Scratch:
    """A database of its own; roles created while it is open are dropped with it."""

    def __init__(self, server: str, autocommit: bool = True) -> None:
        self.server = server
        self.autocommit = autocommit
        self.name = f"drizzle_lsp_s002_{os.getpid()}_{next(_counter)}"

    def __enter__(self) -> psycopg.Connection:
        with psycopg.connect(self.server, autocommit=True) as admin:
            self.roles = {r[0] for r in admin.execute("SELECT rolname FROM pg_roles").fetchall()}
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(self.name)))
        url = conninfo.make_conninfo(
            self.server, dbname=self.name, options="-c client_min_messages=warning"
        )
        self.conn = psycopg.connect(url, autocommit=self.autocommit)
        return self.conn

    def __exit__(self, *exc: object) -> None:
        self.conn.close()
        with psycopg.connect(self.server, autocommit=True) as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(self.name)))
            now = {r[0] for r in admin.execute("SELECT rolname FROM pg_roles").fetchall()}
            for role in sorted(now - self.roles):
                admin.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(role)))


@pytest.fixture(scope="module")
def shared(server: str) -> Iterator[psycopg.Connection]:
    """One scratch database for the module; each check runs in a transaction rolled back after
    it (the drizzle-orm migrator, too, runs pending migrations in one transaction)."""
    with Scratch(server, autocommit=False) as conn:
        yield conn


@contextmanager
def isolated(
    target: Target, server: str, shared: psycopg.Connection
) -> Iterator[psycopg.Connection]:
    if _outside_transaction(target):
        # CREATE/DROP INDEX CONCURRENTLY cannot run in a transaction block
        with Scratch(server) as conn:
            yield conn
        return
    try:
        yield shared
    finally:
        shared.rollback()


def _outside_transaction(target: Target) -> bool:
    return any(
        getattr(migration.tree(statement), "concurrent", False)
        for text in (*target.setup, target.written)
        for migration in [MigrationFile(text)]
        for statement in migration.statements
    )


def _execute(conn: psycopg.Connection, text: str) -> None:
    """Run each statement of ``text`` as the migrator would send it (no placeholders)."""
    migration = MigrationFile(text)
    assert not migration.syntax_errors, f"does not parse: {text}"
    for statement in migration.statements:
        conn.execute(_run_text(statement, text).encode())


def _needs(target: Target, server_info: tuple[int, frozenset[str]]) -> None:
    version, extensions = server_info
    migration = MigrationFile("\n".join((*target.setup, target.written)))
    for statement in migration.statements:
        node = migration.tree(statement)
        name = getattr(node, "extname", None)
        if node.type_name == "CreateExtensionStmt" and name not in extensions:
            pytest.skip(f"extension {name} is not available on this server")
    if version < 140000 and "TRIGGER" in target.written.upper():
        pytest.skip("CREATE OR REPLACE TRIGGER needs PostgreSQL 14")


def _setup(conn: psycopg.Connection, target: Target) -> None:
    for text in target.setup:
        try:
            _execute(conn, text)
        except psycopg.Error as error:
            pytest.fail(f"{target.id}: precondition failed: {text!r}: {error}")


def _run_between(target: Target) -> tuple[str, ...]:
    """What runs between an UPDATE's two runs: the rest of its migration, where S002 found the
    column it uses dropped. Other statements run twice in a row."""
    migration = MigrationFile(target.written)
    kinds = {migration.tree(s).type_name for s in migration.statements}
    return target.after if kinds == {"UpdateStmt"} else ()


def _named_states(target: Target) -> set[str]:
    return {m[1] for v in target.violations for m in SQLSTATE.findall(v.message)}


# ---- the checks -------------------------------------------------------------------------------


def test_fixtures_offer_s002_fixes() -> None:
    assert len(FIXABLE) >= 40, "the S002 fixtures should cover every fixable statement kind"


@pytest.mark.parametrize("target", FIXABLE, ids=lambda t: t.id)
def test_fixed_statement_runs_twice(
    target: Target,
    server: str,
    shared: psycopg.Connection,
    server_info: tuple[int, frozenset[str]],
) -> None:
    _needs(target, server_info)
    fixed = fix_statement(target)
    assert fixed != target.written
    left = [v for v in remaining(target, fixed) if SQLSTATE.search(v.message)]
    assert not left, f"still not idempotent after its fixes: {[v.message for v in left]}"
    if target.fixed is not None and all(
        v.fix is None or v.fix.applicability is Applicability.SAFE for v in target.violations
    ):
        # what the PostgreSQL check runs is what `check --fix` wrote in the fixture
        assert fixed.replace("\r\n", "\n") in target.fixed.replace("\r\n", "\n")
    with isolated(target, server, shared) as conn:
        _setup(conn, target)
        for run in ("first", "second"):
            try:
                _execute(conn, fixed)
            except psycopg.Error as error:
                pytest.fail(f"{run} run of the fixed statement failed: {error}\n{fixed}")


ALTERNATIVES = [(t, a) for t in TARGETS for v in t.violations for a in v.alternatives]


def test_fixtures_offer_alternative_fixes() -> None:
    assert any(a.title == "Use CREATE OR REPLACE VIEW" for _, a in ALTERNATIVES)


@pytest.mark.parametrize(
    ("target", "alternative"), ALTERNATIVES, ids=lambda x: getattr(x, "id", getattr(x, "title", ""))
)
def test_alternative_fix_runs_twice(
    target: Target,
    alternative: Fix,
    server: str,
    shared: psycopg.Connection,
    server_info: tuple[int, frozenset[str]],
) -> None:
    _needs(target, server_info)
    (mine,) = [
        a
        for v in remaining(target, target.written)
        for a in v.alternatives
        if a.title == alternative.title
    ]
    fixed = apply_edits(target.written, sorted(mine.edits, key=lambda e: e.span.start))
    with isolated(target, server, shared) as conn:
        _setup(conn, target)
        for run in ("first", "second"):
            try:
                _execute(conn, fixed)
            except psycopg.Error as error:
                pytest.fail(f"{run} run of {alternative.title!r} failed: {error}\n{fixed}")


PAIRS_CASE = FIXTURES / "S002" / "ok-drop-then-create"  # a case folder: two folders


@pytest.mark.parametrize(
    "folder",
    sorted(p.parent.parent for p in PAIRS_CASE.glob("*/meta/_journal.json")),
    ids=lambda p: p.name,
)
def test_drop_if_exists_then_create_runs_twice(folder: Path, server: str) -> None:
    """What S002 takes as idempotent pairs: each migration of the case, run whole twice."""
    with Scratch(server) as conn:
        for run in ("first", "second"):
            for path in sorted(folder.glob("*.sql")):
                try:
                    _execute(conn, path.read_text())
                except psycopg.Error as error:
                    pytest.fail(f"{run} run of {path.name} failed: {error}")


@pytest.mark.parametrize("target", TARGETS, ids=lambda t: t.id)
def test_written_statement_fails_second_run(
    target: Target,
    server: str,
    shared: psycopg.Connection,
    server_info: tuple[int, frozenset[str]],
) -> None:
    _needs(target, server_info)
    states = _named_states(target)
    with isolated(target, server, shared) as conn:
        _setup(conn, target)
        try:
            _execute(conn, target.written)
        except psycopg.Error as error:
            pytest.fail(f"first run of the statement failed: {error}\n{target.written}")
        if not states:
            # an unnamed index or constraint: the second run succeeds and duplicates it
            _execute(conn, target.written)
            return
        for later in _run_between(target):
            _execute(conn, later)
        with pytest.raises(psycopg.Error) as raised:
            _execute(conn, target.written)
    assert isinstance(raised.value, errors.Error)
    assert raised.value.sqlstate in states, (
        f"second run raised {raised.value.sqlstate} ({raised.value}), messages name {states}"
    )
