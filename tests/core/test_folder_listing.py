"""Which files of a migrations folder are its SQL files, in which order."""

from __future__ import annotations

from pathlib import Path

from drizzle_lsp.core.folder import Layout, load_folder, sql_paths


def test_a_journal_folder_lists_its_sql_files_by_name(tmp_path: Path) -> None:
    for name in ("0010_b.sql", "0002_a.sql", "0002_A.sql", ".hidden.sql", "notes.SQL", "x.sql.bak"):
        (tmp_path / name).write_text("SELECT 1;")
    (tmp_path / "0003_dir.sql").mkdir()  # not a file
    (tmp_path / "0004_link.sql").symlink_to(tmp_path / "0002_a.sql")  # a file, through a link
    (tmp_path / "0005_broken.sql").symlink_to(tmp_path / "gone.sql")  # no file behind it
    expected = [".hidden.sql", "0002_A.sql", "0002_a.sql", "0004_link.sql", "0010_b.sql"]
    assert sql_paths(tmp_path, Layout.JOURNAL) == [tmp_path / name for name in expected]
    assert sql_paths(tmp_path, Layout.JOURNAL) == sorted(
        p for p in tmp_path.glob("*.sql") if p.is_file()
    )
    assert list(load_folder(tmp_path, Layout.JOURNAL).sql) == [tmp_path / n for n in expected]
