"""What a real database has applied, and what the next ``migrate()`` will do with each entry.

:mod:`.migrator` models the drizzle-orm 0.x migrator and :mod:`.migrator_v1` the 1.0 one, pure;
:mod:`.postgres` reads the migrations table, read-only; :mod:`.files` hashes a folder's files as
the migrator does; :mod:`.secrets` keeps passwords out of messages. Nothing here imports editor
types; the CLI and the server both use it.
"""

from __future__ import annotations

from drizzle_lsp.core.database.files import (
    FileDigests,
    database_view,
    file_digest,
    folder_status,
    read_migration_text,
)
from drizzle_lsp.core.database.migrator import (
    AppliedRow,
    DatabaseView,
    EntryStatus,
    FolderStatus,
    State,
    at_risk_tags,
    migration_status,
    newest_row,
    status_from_digests,
)
from drizzle_lsp.core.database.migrator_v1 import (
    Detail,
    LocalMigration,
    MatchedBy,
    RowMatch,
    TableShape,
    V1EntryStatus,
    V1Status,
    runs_after_newer,
    v1_status,
)
from drizzle_lsp.core.database.postgres import (
    CONNECT_TIMEOUT_S,
    DEFAULT_SCHEMA,
    DEFAULT_TABLE,
    QUERY_WALL_GRACE_S,
    STATEMENT_TIMEOUT_MS,
    AppliedMigrations,
    DatabaseError,
    read_applied,
)
from drizzle_lsp.core.database.secrets import expand_env, redact_url, scrub

__all__ = [
    "CONNECT_TIMEOUT_S",
    "DEFAULT_SCHEMA",
    "DEFAULT_TABLE",
    "QUERY_WALL_GRACE_S",
    "STATEMENT_TIMEOUT_MS",
    "AppliedMigrations",
    "AppliedRow",
    "DatabaseError",
    "DatabaseView",
    "Detail",
    "EntryStatus",
    "FileDigests",
    "FolderStatus",
    "LocalMigration",
    "MatchedBy",
    "RowMatch",
    "State",
    "TableShape",
    "V1EntryStatus",
    "V1Status",
    "at_risk_tags",
    "database_view",
    "expand_env",
    "file_digest",
    "folder_status",
    "migration_status",
    "newest_row",
    "read_applied",
    "read_migration_text",
    "redact_url",
    "runs_after_newer",
    "scrub",
    "status_from_digests",
    "v1_status",
]
