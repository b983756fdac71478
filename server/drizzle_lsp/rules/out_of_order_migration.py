"""V001 out-of-order-migration: a v1 migration that databases may run after newer ones.

## What it does
Reads the `prevIds` of each v1 migration's `snapshot.json` (drizzle-kit writes it beside
`migration.sql`) and finds migrations of two branches: a migration that sorts before another
one that neither follows it nor precedes it in that graph. Two branches each ran
`drizzle-kit generate`, and both were merged. Reports the earlier-named migration of such a
pair when the two touch the same objects: a statement of one writes a table, column,
constraint, type... that the other writes or reads. The range is its file's first line.

With a database configured, also reports each migration the database has not applied that
sorts before one it applied (the next `migrate()` runs it after that one), when the two touch
the same objects, whether or not snapshots tell its branch.

Migrations whose statements touch different objects give the same schema in either order and
are not reported; nor are migrations without a `snapshot.json` (written by hand), whose place
in the history is not known, nor one that does not parse. What a `DO` block or a function body
does inside is not looked into: only the objects a statement names count. Columns count one by
one for `ALTER TABLE`, indexes and constraints (two branches adding different columns to one
table commute); a row written, updated or deleted counts for its whole table.

## Why is this bad?
drizzle-orm 1.0's migrator runs every migration whose name is not in its table, in name order.
A database that ran the newer migration before the branch holding the older-named one was
merged runs the older-named one at the next `migrate()`, after the newer one; an empty
database runs the two in name order. When they touch the same objects, the two orders can give
different schemas, or one of them fails: a `CREATE INDEX` on a column that the other branch
renames runs on a database that has the column, and fails (`42703`) on the one that ran the
rename first.

## Example
```
drizzle/20250110090000_init/           users (id, name)
drizzle/20250111090000_index_name/     CREATE INDEX ON users (name)        (branch a)
drizzle/20250112090000_rename_name/    ALTER TABLE users RENAME name TO full_name (branch b)
```
Branch b deployed first: its databases run `index_name` after the rename, and it fails.

## Use instead
Make the two migrations independent of their order, or put them in one line of history: give
the later-merged branch's migration a name that sorts after every migration of the other
branch (delete its folder and run `drizzle-kit generate` again on the merged schema) before any
database ran it, and make it idempotent if one did.

## Fix safety
No fix: which branch's databases ran which migrations, and how to reconcile them, is for you
to decide.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from functools import lru_cache

from drizzle_lsp.core.database import Detail, State, V1Status
from drizzle_lsp.core.diagnostics import Severity, Span, Violation
from drizzle_lsp.core.folder import MigrationFolder, SqlDocument, v1_snapshot_path
from drizzle_lsp.core.migrator_choice import Migrator
from drizzle_lsp.core.text import TextIndex
from drizzle_lsp.rules._api import Fixability, FolderContext, RuleInfo, Scope
from drizzle_lsp.rules._touched import Key, Touched, conflicts, migration_touches
from drizzle_lsp.rules._v1 import runs_v1, v1_migrations

RULE = RuleInfo(
    code="V001",
    name="out-of-order-migration",
    severity=Severity.WARNING,
    fixability=Fixability.NONE,
    scope=Scope.FOLDER,
    summary="v1 migration of a merged branch that databases run after newer ones, not commuting",
    migrator=Migrator.V1,
)

_SHOWN = 3  # newer migrations named in a message


def check(ctx: FolderContext) -> Iterator[Violation]:
    folder = ctx.folder
    if not runs_v1(folder):
        return
    reported: set[str] = set()
    if ctx.v1_applied is not None:
        for document, clashes in _pending_before_applied(folder, ctx.v1_applied):
            reported.add(document.tag)
            yield _violation(document, clashes, _DATABASE_SAYS)
    graphed = [(d, node) for d in v1_migrations(folder) if (node := _node(folder, d)) is not None]
    if len(graphed) < 2:
        return
    for i, later in _branches(tuple(node for _, node in graphed)):
        clashes = _clashes(graphed[i][0], [graphed[j][0] for j in later])
        if clashes and graphed[i][0].tag not in reported:
            yield _violation(graphed[i][0], clashes, _BRANCHES_SAY)


def _pending_before_applied(
    folder: MigrationFolder, applied: V1Status
) -> Iterator[tuple[SqlDocument, list[tuple[str, frozenset[Key]]]]]:
    """The migrations the database has not run that sort before one it ran (the next
    ``migrate()`` runs them after it), with the newer applied ones they do not commute with."""
    documents = v1_migrations(folder)
    ran = {e.name for e in applied.entries if e.state is not State.PENDING}
    for i, document in enumerate(documents):
        entry = applied.of_name(document.tag)
        if entry is None or Detail.RUNS_AFTER_NEWER not in entry.details:
            continue
        newer = [d for d in documents[i + 1 :] if d.tag in ran]
        clashes = _clashes(document, newer)
        if clashes:
            yield document, clashes


Node = tuple[str, tuple[str, ...]]  # a snapshot's id and prevIds


@lru_cache(maxsize=8)
def _branches(nodes: tuple[Node, ...]) -> tuple[tuple[int, tuple[int, ...]], ...]:
    """For each migration (by its place in name order), the later ones that neither follow it
    nor precede it in the graph; those without any left out. Cached: the graph changes only
    when a snapshot does, not as SQL is typed."""
    # one line of history, each migration following the one before it: no branches (the
    # common case, told apart in one pass)
    if all(parents == (nodes[i - 1][0],) for i, (_, parents) in enumerate(nodes) if i > 0):
        return ()
    parents = dict(nodes)
    ancestors: dict[str, frozenset[str]] = {}
    for own, _ in nodes:
        ancestors[own] = _ancestors(own, parents)
    found = []
    for i, (own, _) in enumerate(nodes):
        later = tuple(
            j
            for j in range(i + 1, len(nodes))
            if own not in ancestors[nodes[j][0]] and nodes[j][0] not in ancestors[own]
        )
        if later:
            found.append((i, later))
    return tuple(found)


def _node(folder: MigrationFolder, document: SqlDocument) -> Node | None:
    snapshot = folder.snapshots.get(v1_snapshot_path(document.path))
    if snapshot is None or snapshot.source is None:
        return None
    return graph_node(snapshot.source.text)


@lru_cache(maxsize=4096)
def graph_node(text: str) -> Node | None:
    """A v1 snapshot's ``id`` and ``prevIds`` (None: not a snapshot drizzle-kit can read)."""
    try:
        data = json.loads(text)
    except ValueError:
        return None
    own, parents = (data.get("id"), data.get("prevIds")) if isinstance(data, dict) else (0, 0)
    if not isinstance(own, str) or not isinstance(parents, list):
        return None
    return own, tuple(p for p in parents if isinstance(p, str))


def _ancestors(start: str, parents: Mapping[str, tuple[str, ...]]) -> frozenset[str]:
    seen: set[str] = set()
    todo = list(parents.get(start, ()))
    while todo:
        node = todo.pop()
        if node not in seen:
            seen.add(node)
            todo.extend(parents.get(node, ()))
    return frozenset(seen)


def _clashes(document: SqlDocument, newer: list[SqlDocument]) -> list[tuple[str, frozenset[Key]]]:
    own = _touches(document)
    if own is None:
        return []
    found = []
    for other in newer:
        theirs = _touches(other)
        shared = conflicts(own, theirs) if theirs is not None else frozenset()
        if shared:
            found.append((other.tag, shared))
    return found


def _touches(document: SqlDocument) -> Touched | None:
    source = document.source
    if source is None:
        return None
    # by text: a keystroke changes one file, and the others' chunks need not be walked again
    found = _TOUCHED.get(source.text, _UNKNOWN)
    if found is _UNKNOWN:
        if len(_TOUCHED) >= _TOUCHED_KEPT:
            _TOUCHED.clear()
        migration = document.migration
        found = None if migration is None else migration_touches(migration)
        _TOUCHED[source.text] = found
    return found if isinstance(found, Touched) else None


_TOUCHED: dict[str, object] = {}
_TOUCHED_KEPT = 8192
_UNKNOWN = object()


# how the migration came to run after newer ones: the snapshots' graph, or the database
_BRANCHES_SAY = (
    "`{tag}` is on another branch than the newer {named}{more}, and touches the same objects: "
    "a database that ran the newer one before this branch was merged runs this one after it"
)
_DATABASE_SAYS = (
    "`{tag}` runs after the newer {named}{more} on the configured database, which applied "
    "them and not this one, and it touches the same objects"
)


def _violation(
    document: SqlDocument, clashes: list[tuple[str, frozenset[Key]]], how: str
) -> Violation:
    named = ", ".join(f"`{tag}` ({_objects(keys)})" for tag, keys in clashes[:_SHOWN])
    more = f" and {len(clashes) - _SHOWN} more" if len(clashes) > _SHOWN else ""
    return RULE.violation(
        document.path,
        _first_line(document),
        how.format(tag=document.tag, named=named, more=more)
        + ", while an empty database runs it first, so the two orders can give different "
        "schemas or fail on one side. Make them independent of their order, or generate this "
        "migration again after the other branch's.",
        tag=document.tag,
    )


def _objects(keys: frozenset[Key]) -> str:
    shown = sorted(".".join(key[1:]) for key in keys)
    return ", ".join(f"`{name}`" for name in shown[:_SHOWN]) + ("…" if len(shown) > _SHOWN else "")


def _first_line(document: SqlDocument) -> Span:
    if document.source is None:
        return Span(0, 0)
    return Span(0, TextIndex(document.source.text).line_end(0))
