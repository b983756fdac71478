"""The rule registry: an explicit, ordered list of rule modules."""

from __future__ import annotations

from types import ModuleType

from drizzle_lsp.rules import (
    bad_folder_name,
    database_file_changed,
    database_renamed,
    database_skipped,
    database_unknown,
    database_upgrade_throws,
    enum_value_in_transaction,
    future_timestamp,
    ignored_folder,
    invalid_journal,
    journal_index,
    journal_needs_upgrade,
    journal_order,
    missing_breakpoint,
    missing_sql_file,
    non_idempotent_ddl,
    out_of_order_migration,
    schema_recreation,
    snapshot_chain,
    syntax_error,
    transaction_control,
    transaction_incompatible,
    unjournaled_sql_file,
)
from drizzle_lsp.rules._api import Rule, Scope

_MODULES: tuple[ModuleType, ...] = (
    journal_order,
    missing_sql_file,
    unjournaled_sql_file,
    journal_index,
    future_timestamp,
    invalid_journal,
    snapshot_chain,
    journal_needs_upgrade,
    syntax_error,
    non_idempotent_ddl,
    missing_breakpoint,
    schema_recreation,
    transaction_incompatible,
    transaction_control,
    enum_value_in_transaction,
    database_skipped,
    database_file_changed,
    database_unknown,
    database_upgrade_throws,
    database_renamed,
    out_of_order_migration,
    ignored_folder,
    bad_folder_name,
)

ALL_RULES: tuple[Rule, ...] = tuple(
    Rule(
        m.RULE,
        m.check,
        (m.__doc__ or "").strip(),
        getattr(m, "ACROSS", None),
        getattr(m, "fix_holds", None),
    )
    for m in _MODULES
)
FOLDER_RULES = tuple(r for r in ALL_RULES if r.info.scope is Scope.FOLDER)
SQL_RULES = tuple(r for r in ALL_RULES if r.info.scope is Scope.SQL)
DATABASE_RULES = tuple(r for r in ALL_RULES if r.info.scope is Scope.DATABASE)
_BY_KEY = {r.code: r for r in ALL_RULES} | {r.name: r for r in ALL_RULES}


def rule_by_code(key: str) -> Rule | None:
    """Look a rule up by code (``J001``, any case) or name (``journal-order``)."""
    return _BY_KEY.get(key.upper()) or _BY_KEY.get(key.lower())
