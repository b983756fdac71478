"""Which folders the v1 rules (V001, V002, V003) look at.

The one place that decides it: the rules of drizzle-orm 1.0's name-based migrator apply to the
folders it runs, those of the v1 layout.
"""

from __future__ import annotations

from drizzle_lsp.core.folder import V1_FILE, Layout, MigrationFolder, SqlDocument, v1_order_key


def runs_v1(folder: MigrationFolder) -> bool:
    """Whether drizzle-orm 1.0's migrator runs ``folder`` (the V rules check it)."""
    return folder.layout is Layout.V1


def v1_migrations(folder: MigrationFolder) -> list[SqlDocument]:
    """The folder's migrations (each subfolder's ``migration.sql``) in the migrator's order."""
    # the files of the folder's listing; a loose file named on the command line is not one
    found = [d for p, d in folder.sql.items() if p.name == V1_FILE]
    return sorted(found, key=lambda d: v1_order_key(d.tag))
