"""The drizzle-orm v1 migrator model: what migrate() runs against a v1 table and how the first
v1 migrate() upgrades a 0.x table (the oracle tests prove the same against the real migrator)."""

from __future__ import annotations

from drizzle_lsp.core.database import AppliedRow, State
from drizzle_lsp.core.database.migrator_v1 import (
    Detail,
    LocalMigration,
    MatchedBy,
    TableShape,
    runs_after_newer,
    v1_status,
)
from drizzle_lsp.core.folder import v1_created_at, v1_order_key

A, B, C = "20250101000000_a", "20250102000000_b", "20250103000000_c"


def local(*names: str, hashes: dict[str, str] | None = None) -> list[LocalMigration]:
    given = hashes or {}
    return [LocalMigration(n, given.get(n, f"h-{n}"), v1_created_at(n)) for n in names]


def row(ident: int, name: str | None, digest: str | None = None, when: int | None = None):
    created = when if when is not None else (v1_created_at(name) if name else None)
    return AppliedRow(ident, digest or f"h-{name}", created, name)


def states(status) -> dict[str, tuple[str, tuple[str, ...]]]:
    return {e.name: (e.state.value, tuple(d.value for d in e.details)) for e in status.entries}


def test_created_at_is_date_utc_of_the_first_fourteen_digits():
    assert v1_created_at("20250110090000_a") == 1736499600000
    assert v1_created_at("20251301000000_x") == v1_created_at("20260101000000_x")  # rolls over
    assert v1_created_at("init") is None and v1_created_at("2025") is None


def test_names_sort_as_locale_compare():
    names = ["20250101000000_a-b", "20250101000000_a_b", "20250101000000_B", "20250101000000_a"]
    assert sorted(names, key=v1_order_key) == [
        "20250101000000_a",
        "20250101000000_a_b",
        "20250101000000_a-b",
        "20250101000000_B",
    ]


def test_v1_table_runs_every_name_it_lacks_in_name_order():
    status = v1_status(local(A, B, C), [row(1, A), row(2, C)], TableShape.V1)
    assert states(status) == {
        A: ("applied", ()),
        B: ("pending", ("runs-after-newer-ones",)),
        C: ("applied", ()),
    }
    assert status.run_order == (B,)
    assert runs_after_newer([B], [A, C]) == (B,) and runs_after_newer([C], [A, B]) == ()


def test_a_new_database_runs_everything_in_name_order():
    status = v1_status(local(C, A, B), [], TableShape.NONE)
    assert status.run_order == (A, B, C)
    assert {e.details for e in status.entries} == {()}


def test_edited_and_renamed_folders():
    renamed = "20250102000000_b_renamed"
    status = v1_status(
        local(A, renamed, hashes={A: "edited", renamed: "h-" + B}),
        [row(1, A), row(2, B)],
        TableShape.V1,
    )
    assert states(status)[A] == ("applied-file-changed", ())
    entry = status.of_name(renamed)
    assert entry is not None and entry.state is State.PENDING
    assert entry.details == (Detail.RENAMED,) and entry.renamed_from == row(2, B)
    assert status.unknown_rows == (row(2, B),)


def test_upgrade_matches_by_second_then_hash_then_hash_alone():
    folders = local(A, "20250102000000_b1", "20250102000000_b2", C, hashes={C: "c"})
    rows = [
        AppliedRow(1, "whatever", 1735689600123),  # A's second, one folder: hash not looked at
        AppliedRow(2, "h-20250102000000_b2", 1735776000456),  # two folders: by hash
        AppliedRow(3, "c", 1600000000000),  # no folder of that second: by hash
    ]
    status = v1_status(folders, rows, TableShape.V0)
    assert [(m.row.id, m.name, m.by) for m in status.row_matches] == [
        (1, A, MatchedBy.DATE),
        (2, "20250102000000_b2", MatchedBy.DATE_AND_HASH),
        (3, C, MatchedBy.HASH),
    ]
    assert not status.upgrade_throws
    # b1 is older than the newest row: 0.x skipped it, the upgrade runs it
    assert states(status)["20250102000000_b1"] == ("pending", ("skipped-under-0.x-runs-now",))
    assert states(status)[A] == ("applied-file-changed", ())


def test_upgrade_throws_on_a_row_of_no_folder_and_runs_nothing():
    status = v1_status(
        local(A, B), [row(1, A), AppliedRow(2, "other", 1700000000000)], TableShape.V0
    )
    assert status.upgrade_throws and [r.id for r in status.unknown_rows] == [2]
    assert status.run_order == () and status.of_name(B).run_position is None  # type: ignore[union-attr]


def test_two_folders_of_one_second_and_no_hash_match_throws():
    both = local("20250102000000_x", "20250102000000_y")
    status = v1_status(both, [AppliedRow(1, "neither", 1735776000000)], TableShape.V0)
    assert status.upgrade_throws


def test_two_rows_can_match_one_folder():
    status = v1_status(local(A), [row(1, A), AppliedRow(2, "h-" + A, 5)], TableShape.V0)
    assert not status.upgrade_throws
    assert [r.id for r in status.entries[0].rows] == [1, 2]


def test_a_null_created_at_matches_the_folders_whose_date_is_nan():
    status = v1_status(local("init", A), [AppliedRow(1, "x", None)], TableShape.V0)
    assert [(m.name, m.by) for m in status.row_matches] == [("init", MatchedBy.DATE)]
