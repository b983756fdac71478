"""History scenarios: the real migrator skips exactly the entries our model predicts.

A database migrated with the first k entries of a journal, then with the whole journal, skips
every later entry dated at or before the newest of those k. A database migrated after every
merge ("deploy on each commit") skips exactly the entries J001 flags. Before the second run,
``status`` (core.database: read_applied + migration_status) must say the same.
Own folders under tests/oracle/folders/, real projects from ../shared/corpus/drizzle.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from oracle_support import (
    CORPUS,
    FOLDERS,
    deploy_after_every_merge,
    homarr_before_restamp,
    needs_corpus,
    out_of_order,
    predicted_skips,
    prefix_folder,
    read_entries,
)

from drizzle_lsp.core.database import (
    State,
    migration_status,
    read_applied,
    read_migration_text,
)
from drizzle_lsp.core.journal import parse_journal

pytestmark = [pytest.mark.postgres, pytest.mark.node]

OWN = ["branch-merge", "several-out-of-order", "future-stamp"]


def predicted_status(folder: Path, url: str) -> dict[str, State]:
    """What ``status`` says about each entry of ``folder`` on the database at ``url``."""
    journal = parse_journal((folder / "meta" / "_journal.json").read_text("utf-8"))
    texts = {e.tag: read_migration_text(folder / f"{e.tag}.sql") for e in journal.entries if e.tag}
    status = migration_status(journal, texts, read_applied(url).rows)
    return {e.tag: e.state for e in status.entries if e.tag}


def history(migrate, url: str, folder: Path, applied: int, tmp: Path) -> tuple[set[str], set[str]]:
    """Migrate the first ``applied`` entries, then all; the tags (skipped, predicted skipped)."""
    entries = read_entries(folder)
    first = migrate(prefix_folder(folder, applied, tmp / f"prefix{applied}"), url)
    assert first.ok, first.error
    assert set(first.applied_tags) == {e["tag"] for e in entries[:applied]}
    before = predicted_status(folder, url)
    second = migrate(folder, url)
    assert second.ok, second.error
    skipped = {e["tag"] for e in entries[applied:]} - set(second.applied_tags)
    whens = [e["when"] for e in entries]
    model = {entries[i]["tag"] for i in predicted_skips(whens, applied)}
    said = {tag for tag, state in before.items() if state is State.WILL_BE_SKIPPED}
    assert said == model, "status disagrees with the model"
    pending = {tag for tag, state in before.items() if state is State.PENDING}
    assert pending == set(second.applied_tags), "status' pending is not what ran"
    return skipped, model


@pytest.mark.parametrize("name", OWN)
def test_every_prefix_history_skips_what_the_model_predicts(name, migrate, new_database, tmp_path):
    folder = FOLDERS / name
    for applied in range(1, len(read_entries(folder))):
        skipped, model = history(migrate, new_database(), folder, applied, tmp_path)
        assert skipped == model, f"after the first {applied} entries"


@pytest.mark.parametrize("name", OWN)
def test_deploying_after_every_merge_skips_exactly_the_out_of_order_entries(
    name, node, scratch_db, tmp_path
):
    folder = FOLDERS / name
    entries = read_entries(folder)
    skipped = deploy_after_every_merge(folder, scratch_db, tmp_path)
    j001 = {entries[i]["tag"] for i in out_of_order([e["when"] for e in entries])}
    assert skipped == j001
    assert skipped  # each own folder is there to show a skip


@needs_corpus
@pytest.mark.parametrize(
    ("name", "applied"),
    [
        ("vercel__ai-chatbot", 4),
        ("dittofeed__dittofeed", 6),
        ("Mail-0__Zero", 13),  # an orphan file (0025_far_echo.sql) sits beside the journal
        ("drizzle-team__drizzle-orm__pg", 1),  # journal version 5, dialect "pg"
        ("Dokploy__dokploy", 130),  # 186 entries, versions 5/6/7, an orphan 0130 file
    ],
)
def test_corpus_histories_in_order_skip_nothing(name, applied, migrate, scratch_db, tmp_path):
    skipped, model = history(migrate, scratch_db, CORPUS / name, applied, tmp_path)
    assert skipped == model == set()


@needs_corpus
def test_corpus_merge_before_restamp_skips_the_older_entry(migrate, new_database, tmp_path):
    folder = homarr_before_restamp(tmp_path / "homarr")
    skipped, model = history(migrate, new_database(), folder, 4, tmp_path)
    assert skipped == model == {"0004_add_user_ddg_bangs"}
    skipped, model = history(migrate, new_database(), folder, 3, tmp_path / "3")
    assert skipped == model == set()  # applied before 0003 was: nothing hides 0004
