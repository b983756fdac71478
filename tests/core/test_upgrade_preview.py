"""What `drizzle-kit up` will do with a journal, predicted (the oracle runs the real one)."""

from __future__ import annotations

from drizzle_lsp.core.snapshots import ROOT_ID, SnapshotFacts
from drizzle_lsp.core.upgrade_preview import UpEntry, folder_name, preview_up

JAN_10_9H = 1736499600000  # 2025-01-10T09:00:00.000Z


def snap(ident: str, parent: str = ROOT_ID) -> SnapshotFacts:
    return SnapshotFacts(ident, parent, "7", None)


def test_folder_is_the_utc_second_of_when_and_the_tag_without_its_number():
    assert folder_name("0000_a", JAN_10_9H) == "20250110090000_a"
    assert folder_name("0001_add_users", JAN_10_9H + 1999) == "20250110090001_add_users"
    assert folder_name("0002_x", 0) is None  # up uses the time it runs


def test_a_linear_history_moves_every_entry():
    preview = preview_up(
        [
            UpEntry("0000_a", JAN_10_9H, snap("s0")),
            UpEntry("0001_b", JAN_10_9H + 1000, snap("s1", "s0")),
        ],
        ["0000_a.sql", "0001_b.sql"],
    )
    assert not preview.refuses
    assert [(m.folder, m.sql_file) for m in preview.moves] == [
        ("20250110090000_a", "0000_a.sql"),
        ("20250110090001_b", "0001_b.sql"),
    ]


def test_an_entry_of_its_parents_second_or_earlier_is_refused():
    entries = [
        UpEntry("0000_a", JAN_10_9H, snap("s0")),
        UpEntry("0001_b", JAN_10_9H + 5000, snap("s1", "s0")),
        # its parent's second, and a name that sorts before the parent's
        UpEntry("0002_a_fix", JAN_10_9H + 5500, snap("s2", "s1")),
    ]
    preview = preview_up(entries, ["0000_a.sql", "0001_b.sql", "0002_a_fix.sql"])
    assert preview.kind == "order"
    assert "0002_a_fix (20250110090005_a_fix) sorts before its parent 0001_b" in (
        preview.refusal or ""
    )
    # the same second with a name that sorts after the parent's is fine
    entries[2] = UpEntry("0002_c", JAN_10_9H + 5500, snap("s2", "s1"))
    assert not preview_up(entries, ["0000_a.sql", "0001_b.sql", "0002_c.sql"]).refuses
    assert "No file was changed" in (preview.refusal or "")


def test_siblings_of_one_parent_are_fine():
    entries = [
        UpEntry("0000_a", JAN_10_9H, snap("s0")),
        UpEntry("0001_b", JAN_10_9H + 2000, snap("s1", "s0")),
        UpEntry("0002_c", JAN_10_9H + 1000, snap("s2", "s0")),  # a branch merged late
    ]
    assert not preview_up(entries, ["0000_a.sql", "0001_b.sql", "0002_c.sql"]).refuses


def test_missing_files_and_broken_chains():
    a = UpEntry("0000_a", JAN_10_9H, snap("s0"))
    assert preview_up([a, UpEntry("0001_b", JAN_10_9H + 1, None)], []).kind == "snapshot-missing"
    assert preview_up([a], []).kind == "sql-missing"
    assert preview_up([a], ["0000_x.sql", "0000_y.sql"]).kind == "sql-conflict"
    assert preview_up([a], ["0000_other.sql"]).moves[0].sql_file == "0000_other.sql"
    orphan = UpEntry("0001_b", JAN_10_9H + 1000, snap("s1", "gone"))
    assert preview_up([a, orphan], ["0000_a.sql", "0001_b.sql"]).kind == "history"
    second_root = UpEntry("0001_b", JAN_10_9H + 1000, snap("s1"))
    assert preview_up([a, second_root], ["0000_a.sql", "0001_b.sql"]).kind == "history"
