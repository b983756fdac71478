"""A migration the user may not read is one diagnostic in the editor, not J002 everywhere."""

from __future__ import annotations

from lsp_harness import Starter, make_folder
from unprivileged import lock, shared_directory

T0 = 1_718_000_000_000
SQL = "CREATE TABLE IF NOT EXISTS t (id int);\n"


async def test_a_link_into_an_unreadable_directory(start: Starter) -> None:
    with shared_directory() as root:
        entries = [("0000_a", T0), ("0001_b", T0 + 1000), ("0002_c", T0 + 2000)]
        folder = make_folder(root, {"0000_a.sql": SQL, "0002_c.sql": SQL}, entries)
        private = root / "private"
        private.mkdir()
        (private / "0001_b.sql").write_text(SQL)
        (folder / "0001_b.sql").symlink_to(private / "0001_b.sql")
        lock(private)
        s = await start(root, as_nobody=True)
        await s.wait_for(lambda: s.codes(folder / "0001_b.sql"), what="a diagnostic on 0001_b")
        [unreadable] = s.diagnostics(folder / "0001_b.sql")
        assert unreadable.code == "S001"
        assert "Permission denied" in unreadable.message
        assert s.codes(folder / "meta" / "_journal.json") == []  # no J002: the files are there
