"""Property tests over generated hostile journals and SQL (hypothesis; profiles in conftest.py).

For any folder: analysis raises nothing; every diagnostic's and every edit's range lies inside
its document; a fix pass changes exactly what its edits say (every other character is kept);
fixed files parse no worse; and one `--fix` leaves nothing it could fix (I4).
"""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import event, given
from hypothesis import strategies as st

from drizzle_lsp.core.diagnostics import Violation
from drizzle_lsp.core.fixes import apply_edits
from drizzle_lsp.core.folder import JOURNAL, Layout, MigrationFolder, folder_texts, load_folder
from drizzle_lsp.core.journal import parse_journal
from drizzle_lsp.core.settings import Settings
from drizzle_lsp.core.source import SourceError, SourceText
from drizzle_lsp.engine.analyze import analyze, fix_folder

ROOT = Path("/nonexistent/drizzle")
NOW = 1_767_225_600_000
TAGS = ["0000_init", "0001_users", "0002_orders", "0002_orders_b", "0003_x"]
STATEMENTS = [
    'CREATE TABLE "users" ("id" serial PRIMARY KEY, "name" text);',
    'CREATE TABLE IF NOT EXISTS "t" ("id" int);',
    'ALTER TABLE "users" ADD COLUMN "age" integer;',
    'CREATE INDEX "users_name_idx" ON "users" ("name");',
    'CREATE UNIQUE INDEX IF NOT EXISTS "u" ON "users" USING btree ("id");',
    "CREATE TYPE \"mood\" AS ENUM('sad', 'ok');",
    'ALTER TABLE "o" ADD CONSTRAINT "o_fk" FOREIGN KEY ("u") REFERENCES "users"("id");',
    'DROP TABLE "old";',
    'ALTER TABLE "users" DROP COLUMN "age";',
    'ALTER TABLE "users" RENAME COLUMN "a" TO "b";',
    "CREATE VIEW v AS SELECT 1;",
    "DO $$ BEGIN CREATE TYPE t AS ENUM ('a'); EXCEPTION WHEN duplicate_object THEN null; END $$;",
    "INSERT INTO t VALUES ('café ☕ 😀');",
    "-- drizzle-lsp-ignore: S002\nCREATE TABLE x (id int);",
    "SELECT 'unterminated",
    "CREATE TABLE \0 (id int);",
    "$$ ;; $$",
    "",
]
BREAKPOINT = "\n--> statement-breakpoint\n"

NOISE = list("ab ;'\"$-\n\r\t\0é☕😀\u2028(){}[]\\/*")
noise = st.text(alphabet=st.sampled_from(NOISE), max_size=30)
statement = st.one_of(st.sampled_from(STATEMENTS), noise)
sql_text = st.lists(
    st.tuples(statement, st.sampled_from(["\n", BREAKPOINT, ";--> statement-breakpoint\n", ""])),
    max_size=6,
).map(lambda parts: "".join(s + sep for s, sep in parts))

when = st.one_of(
    st.integers(NOW - 10**10, NOW + 10**10),
    st.sampled_from([0, -1, 2**53 - 1, 2**53, 2**63, 10**30]),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=5),
    st.none(),
)
tag = st.one_of(st.sampled_from(TAGS), st.text(max_size=12))
entry = st.fixed_dictionaries(
    {
        "idx": st.one_of(st.integers(-2, 8), st.text(max_size=2)),
        "version": st.sampled_from(["7", "5", 7]),
        "when": when,
        "tag": tag,
        "breakpoints": st.one_of(st.booleans(), st.none()),
    }
)


@st.composite
def journal_text(draw: st.DrawFn) -> str:
    data: object = {
        "version": draw(st.sampled_from(["7", "5"])),
        "dialect": draw(st.sampled_from(["postgresql", "pg", "mysql"])),
        "entries": draw(st.lists(entry, max_size=6)),
    }
    text = json.dumps(data, indent=2, ensure_ascii=draw(st.booleans()))
    damage = draw(st.sampled_from(["none"] * 6 + ["truncate", "comment", "conflict", "nest"]))
    if damage == "truncate":
        text = text[: draw(st.integers(0, len(text)))]
    elif damage == "comment":
        text = text.replace("\n", "\n// note\n", 1)
    elif damage == "conflict":
        text = "<<<<<<< HEAD\n" + text + "\n=======\n>>>>>>> branch\n"
    elif damage == "nest":
        text = text.replace('"entries": [', '"entries": [' + "[" * 1200 + "]" * 1200 + ",", 1)
    return text


@st.composite
def folders(draw: st.DrawFn) -> MigrationFolder:
    files = {
        ROOT / f"{name}.sql": draw(sql_text)
        for name in draw(st.lists(st.sampled_from(TAGS), unique=True, max_size=5))
    }
    texts: dict[Path, str] = {ROOT / JOURNAL: draw(journal_text()), **files}

    def reader(path: Path) -> SourceText:
        if path not in texts:
            raise SourceError(f"{path}: cannot read: No such file or directory")
        return SourceText(texts[path])

    return load_folder(ROOT, Layout.JOURNAL, reader, sql_files=sorted(files))


def clock() -> int:
    return NOW


def _inside(violation: Violation, texts: dict[Path, str]) -> None:
    length = len(texts.get(violation.path, ""))
    assert 0 <= violation.span.start <= violation.span.end <= length, violation
    for fix in (violation.fix, *violation.alternatives):
        for edit in fix.edits if fix else ():
            assert 0 <= edit.span.start <= edit.span.end <= len(texts.get(edit.path, "")), fix


def _s001(violations: list[Violation], path: Path) -> int:
    return sum(v.code == "S001" and v.path == path for v in violations)


@given(folders())
def test_analysis_and_fixes_hold_on_hostile_folders(folder: MigrationFolder) -> None:
    settings = Settings()
    texts = folder_texts(folder)
    found = analyze(folder, settings, clock)
    for violation in found:
        _inside(violation, texts)

    # one pass: each changed file is its original with the applied edits, nothing else
    once = fix_folder(folder, settings, clock, unsafe=True, passes=1)
    event("fixed files", len(once.changed))
    for path, text in once.changed.items():
        applied = dict.fromkeys(v.fix for v in once.fixed if v.fix)  # one fix may serve many
        edits = [e for fix in applied if fix for e in fix.edits if e.path == path]
        assert apply_edits(texts[path], edits) == text
        if path == ROOT / JOURNAL:
            assert parse_journal(text).syntax_errors or not parse_journal(texts[path]).syntax_errors
    after = analyze(once.folder, settings, clock)
    for path in once.changed:
        assert _s001(after, path) <= _s001(found, path), path  # fixed SQL parses no worse

    # I4: what one --fix leaves has nothing left to fix
    fixed = fix_folder(folder, settings, clock)
    assert fix_folder(fixed.folder, settings, clock).changed == {}
