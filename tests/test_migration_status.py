"""migration_status (pure) and the password-safe, one-line error messages of core.database.

The same model is checked against the real migrator in tests/oracle/; here every branch is pinned
down with hand-made rows, no database needed.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from folders import entries, journal_text

from drizzle_lsp.core.database import (
    AppliedRow,
    FileDigests,
    State,
    expand_env,
    folder_status,
    migration_status,
    read_migration_text,
    redact_url,
    scrub,
)
from drizzle_lsp.core.database.postgres import _describe_connect
from drizzle_lsp.core.journal import parse_journal
from drizzle_lsp.core.migration import drizzle_hash

TEXTS = {"0000_a": "CREATE TABLE a (id int);", "0001_b": "ALTER TABLE a ADD x int;"}


def journal(*tagged: tuple[str, int]):
    return parse_journal(journal_text(entries(*tagged)))


def row(ident: int, tag: str, when: int | None, texts: dict[str, str] = TEXTS) -> AppliedRow:
    return AppliedRow(ident, drizzle_hash(texts[tag]), when)


def states(status) -> dict[str | None, State]:
    return {e.tag: e.state for e in status.entries}


def test_empty_database_runs_everything():
    status = migration_status(journal(("0000_a", 100), ("0001_b", 200)), TEXTS, [])
    assert states(status) == {"0000_a": State.PENDING, "0001_b": State.PENDING}
    assert status.unknown_rows == ()


def test_applied_prefix_then_pending():
    rows = [row(1, "0000_a", 100)]
    status = migration_status(journal(("0000_a", 100), ("0001_b", 200)), TEXTS, rows)
    assert states(status) == {"0000_a": State.APPLIED, "0001_b": State.PENDING}
    assert status.entries[0].row == rows[0]


def test_entry_dated_before_the_newest_row_is_skipped_and_names_the_blocker():
    texts = {**TEXTS, "0002_c": "SELECT 1;"}
    rows = [row(1, "0000_a", 100), row(2, "0001_b", 300, texts)]
    status = migration_status(
        journal(("0000_a", 100), ("0001_b", 300), ("0002_c", 200)), texts, rows
    )
    assert states(status)["0002_c"] is State.WILL_BE_SKIPPED
    assert status.skipped[0].blocker == rows[1]


def test_equal_when_is_skipped_too():
    # the migrator runs an entry only when created_at < when, strictly
    texts = {**TEXTS, "0002_c": "SELECT 1;"}
    rows = [row(1, "0000_a", 100), row(2, "0001_b", 200)]
    status = migration_status(
        journal(("0000_a", 100), ("0001_b", 200), ("0002_c", 200)), texts, rows
    )
    assert states(status)["0002_c"] is State.WILL_BE_SKIPPED


def test_edited_file_is_applied_file_changed():
    rows = [AppliedRow(1, "0" * 64, 100)]
    status = migration_status(journal(("0000_a", 100)), TEXTS, rows)
    assert states(status) == {"0000_a": State.APPLIED_FILE_CHANGED}
    assert status.entries[0].file_hash == drizzle_hash(TEXTS["0000_a"])


def test_rows_matching_no_entry_are_reported():
    rows = [row(1, "0000_a", 100), AppliedRow(2, "f" * 64, 150)]
    status = migration_status(journal(("0000_a", 100), ("0001_b", 200)), TEXTS, rows)
    assert status.unknown_rows == (rows[1],)
    assert states(status)["0001_b"] is State.PENDING


def test_null_created_at_row_makes_everything_run_again():
    # ORDER BY created_at DESC puts NULL first and Number(null) is 0 (checked in tests/oracle)
    rows = [row(1, "0000_a", 100), AppliedRow(2, "f" * 64, None)]
    status = migration_status(journal(("0000_a", 100), ("0001_b", 200)), TEXTS, rows)
    assert states(status) == {"0000_a": State.PENDING, "0001_b": State.PENDING}
    assert status.entries[0].reruns and not status.entries[1].reruns


def test_missing_file_is_flagged_whatever_the_state():
    status = migration_status(
        journal(("0000_a", 100), ("0001_b", 200)), {"0000_a": None}, [row(1, "0000_a", 100)]
    )
    assert [e.file_missing for e in status.entries] == [True, True]
    assert states(status)["0000_a"] is State.APPLIED  # nothing to compare the hash with


def test_entry_without_when_is_invalid():
    parsed = parse_journal('{"entries": [{"idx": 0, "tag": "0000_a", "when": "soon"}]}')
    status = migration_status(parsed, TEXTS, [])
    assert states(status) == {"0000_a": State.INVALID}


def test_hash_is_of_the_text_as_node_decodes_it(tmp_path: Path):
    # BOM and CRLF kept, invalid UTF-8 replaced by U+FFFD, re-encoded (see tests/oracle/README.md)
    path = tmp_path / "0000_a.sql"
    path.write_bytes(b"\xef\xbb\xbfSELECT 1;\r\n-- caf\xe9\n")
    text = read_migration_text(path)
    assert text == "\ufeffSELECT 1;\r\n-- caf\ufffd\n"
    expected = hashlib.sha256("\ufeffSELECT 1;\r\n-- caf\ufffd\n".encode()).hexdigest()
    assert drizzle_hash(text) == expected
    assert read_migration_text(tmp_path / "missing.sql") is None


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("postgresql://u:s3cret@db:5432/app", "postgresql://u:***@db:5432/app"),
        ("postgres://u:p%40ss@db/app?sslmode=require", "postgres://u:***@db/app?sslmode=require"),
        ("postgresql://u@db/app?password=s3cret", "postgresql://u@db/app?password=***"),
        ("postgresql://u@db/app", "postgresql://u@db/app"),
        ("host=db user=u password=s3cret dbname=app", "host=db user=u password=*** dbname=app"),
        ("host=db password='a b' dbname=app", "host=db password=*** dbname=app"),
    ],
)
def test_redact_url(url: str, expected: str):
    assert redact_url(url) == expected


ODD_URLS = [
    # (url, every secret it holds)
    ("postgresql://app:S3cr3tPW@[::1/app", ["S3cr3tPW"]),  # urlsplit refuses it; libpq echoes it
    ("postgresql://app:S3cr3tPW@[::1]:5432/app", ["S3cr3tPW"]),
    ("postgresql://app:p@ss@db/app", ["p@ss"]),
    ("postgresql://app:p%40ss%2Fw@db/app", ["p%40ss%2Fw", "p@ss/w"]),
    (
        "postgresql://app:S3cr3tPW@db/app?sslpassword=K3yPass&sslmode=verify-full",
        ["S3cr3tPW", "K3yPass"],
    ),
    ("postgresql://app@db/app?password=S3cr3tPW#frag", ["S3cr3tPW"]),
    ("postgresql://app@db/app?PASSWORD=S3cr3tPW", ["S3cr3tPW"]),
    ("postgresql://app:S3cr3tPW@db1:5432,db2:5433/app", ["S3cr3tPW"]),
    ("postgresql://:S3cr3tPW@db/app", ["S3cr3tPW"]),
    ("host=db user=app password=S3cr3tPW sslpassword=K3yPass", ["S3cr3tPW", "K3yPass"]),
    ("host=db password = 'S3 cr3t' dbname=app", ["S3 cr3t"]),
    ("host=db password='it\\'s' dbname=app", ["it\\'s"]),
]


@pytest.mark.parametrize(("url", "secrets"), ODD_URLS)
def test_no_secret_survives_redaction(url: str, secrets: list[str]):
    shown = redact_url(url)
    assert "***" in shown
    for secret in secrets:
        assert secret not in shown
    # what libpq may echo back: the URL itself, or the secret alone
    echoed = scrub(f'invalid URI "{url}": {" ".join(secrets)} rejected', url)
    for secret in secrets:
        assert secret not in echoed


def test_scrub_removes_the_password_in_any_form():
    url = "postgresql://u:p%40ss@db/app"
    assert scrub("failed for p%40ss and p@ss", url) == "failed for *** and ***"


@pytest.mark.parametrize(
    ("libpq", "kind"),
    [
        ('password authentication failed for user "u"', "authentication"),
        ("fe_sendauth: no password supplied", "authentication"),
        ('role "nobody" does not exist', "authentication"),
        ('no pg_hba.conf entry for host "10.0.0.1", user "u", database "app"', "authentication"),
        ('database "nodb" does not exist', "no-database"),
        ("Connection refused", "unreachable"),
        ("timeout expired", "unreachable"),
        (
            "failed to resolve host 'db.invalid': [Errno -2] Name or service not known",
            "unreachable",
        ),
    ],
)
def test_connection_failures_are_classified(libpq: str, kind: str):
    # libpq's own wording (it sets no SQLSTATE on connection failures); the live cases that a
    # trust-auth test server can produce are in tests/oracle/test_oracle_read_applied.py
    error = _describe_connect(libpq, "postgresql://u:***@db/app")
    assert error is not None and error.kind == kind
    assert "postgresql://u:***@db/app" in str(error)


def test_each_row_belongs_to_one_entry():
    # two entries share a `when` (J004): told apart by hash; a duplicate row is left over
    rows = [row(1, "0000_a", 100), row(2, "0001_b", 100), row(3, "0001_b", 100)]
    status = migration_status(journal(("0000_a", 100), ("0001_b", 100)), TEXTS, rows)
    assert [e.row for e in status.entries] == rows[:2]
    assert status.unknown_rows == (rows[2],)


def test_folder_status_hashes_the_files_on_disk(tmp_path: Path):
    (tmp_path / "0000_a.sql").write_bytes(b"\xef\xbb\xbf" + TEXTS["0000_a"].encode())  # BOM kept
    (tmp_path / "0001_b.sql").write_text(TEXTS["0001_b"], encoding="utf-8")
    j = journal(("0000_a", 100), ("0001_b", 200))
    bom_row = AppliedRow(1, hashlib.sha256((tmp_path / "0000_a.sql").read_bytes()).hexdigest(), 100)
    status = folder_status(tmp_path, j, [bom_row, row(2, "0001_b", 200)])
    assert states(status) == {"0000_a": State.APPLIED, "0001_b": State.APPLIED}
    (tmp_path / "0001_b.sql").unlink()
    assert folder_status(tmp_path, j, [bom_row]).of_tag("0001_b").file_missing


def test_file_digests_follow_the_file(tmp_path: Path):
    path = tmp_path / "0000_a.sql"
    digests = FileDigests()
    assert digests(path) is None
    path.write_text("SELECT 1;")
    assert digests(path) == drizzle_hash("SELECT 1;")
    path.write_text("SELECT 22;")  # another size: noticed without being told
    assert digests(path) == drizzle_hash("SELECT 22;")
    path.write_text("SELECT 33;")  # same size, maybe the same mtime tick: told by a watcher
    digests.invalidate(path)
    assert digests(path) == drizzle_hash("SELECT 33;")
    trusting = FileDigests(verify=False)  # the server's: its watcher reports every change
    assert trusting(path) == drizzle_hash("SELECT 33;")
    path.write_text("SELECT 4444;")
    assert trusting(path) == drizzle_hash("SELECT 33;")
    trusting.invalidate(path)
    assert trusting(path) == drizzle_hash("SELECT 4444;")


def test_expand_env():
    env = {"DATABASE_URL": "postgresql://u:pw@h/db", "PW": "s3cret"}
    assert expand_env("${env:DATABASE_URL}", env) == ("postgresql://u:pw@h/db", [])
    assert expand_env("postgresql://u:${env:PW}@h/db", env) == ("postgresql://u:s3cret@h/db", [])
    assert expand_env("${env:NOPE}", env) == ("", ["NOPE"])
    assert expand_env("postgresql://h/$db", env) == ("postgresql://h/$db", [])
