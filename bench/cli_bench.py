"""Time ``drizzle-lsp check`` against squawk on the same inputs, paired run by run.

    python bench/cli_bench.py [--runs 3] [--corpus ../shared/corpus/pg-regression] [--quick]

Each row runs both tools on the same files ``--runs`` times, in turns (drizzle-lsp first on odd
runs, squawk first on even ones, so a machine that slows down mid-row hurts both alike), and
prints the median wall time and the largest peak RSS of each, and their ratio (drizzle-lsp /
squawk: below 1 means faster). Both tools run as a user runs them, start-up included.

Rows:

* the whole pg-regression corpus (PostgreSQL's own regression SQL, 243 files), every file given;
* one chunk of generated drizzle-kit-style DDL at 500, 2,000 and 8,000 statements, as a plain
  ``.sql`` file and as the only migration of a ``breakpoints: false`` journal (squawk gets the
  same ``.sql`` file for both);
* a workspace of 1,000 journal entries and 1,000 files (3,000 statements);
* ``--fix`` of 4,000, 16,000 and 64,000 S002 fixes in one file (squawk has no fix, and its
  check of a 64,000-statement file alone runs for more than six minutes: no squawk column);
* start-up: the bundled example (``examples/drizzle``).

The 8,000-statement rows run once each (squawk needs ~30 s for one), the others ``--runs``
times. ``--quick`` leaves out the 8,000-statement and 64,000-fix rows. squawk is ``squawk-cli`` from
PyPI (the dev extra); its exit status is ignored, as is ours (both exit 1 on problems).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from _compiled import compile_package

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("DRIZZLE_LSP_SHARED", ROOT.parent / "shared"))
BIN = Path(sys.executable).parent
OURS = [str(BIN / "drizzle-lsp"), "check", "--exit-zero"]
SQUAWK = [str(BIN / "squawk")]
T0 = 1_700_000_000_000
# GNU time (Debian's package `time`) for true peak RSS; without it, wait4's, which is too high
GNU_TIME = shutil.which("time", path="/usr/bin:/bin")


@dataclass(frozen=True, slots=True)
class Run:
    seconds: float
    peak_kb: int


def run(command: list[str]) -> Run:
    """One run of ``command``: wall time, and its peak RSS as GNU time reports it. Linux keeps a
    process's peak RSS across ``exec``, so ``wait4`` on a child of this process would report at
    least this process's own RSS (~35 MB with the inputs in memory); GNU time is a small C
    program whose children start from its own ~2 MB."""
    null = os.open(os.devnull, os.O_RDWR)
    with tempfile.NamedTemporaryFile("r", prefix="drizzle-lsp-bench-rss-") as peak:
        timed = [GNU_TIME, "-f", "%M", "-o", peak.name, *command] if GNU_TIME else command
        try:
            actions = [(os.POSIX_SPAWN_DUP2, null, 1), (os.POSIX_SPAWN_DUP2, null, 2)]
            start = time.perf_counter()
            pid = os.posix_spawn(timed[0], timed, os.environ, file_actions=actions)
            _, _, usage = os.wait4(pid, 0)
            seconds = time.perf_counter() - start
        finally:
            os.close(null)
        reported = peak.read().strip().splitlines()
    kb = int(reported[-1]) if GNU_TIME and reported else usage.ru_maxrss
    return Run(seconds, kb)


@dataclass(slots=True)
class Row:
    name: str
    ours: list[str]
    theirs: list[str] | None  # None: no squawk column
    prepare: Callable[[], None] = lambda: None  # before each of our runs (--fix rewrites)
    runs: int | None = None  # None: as many as --runs


def measure(row: Row, runs: int) -> tuple[list[Run], list[Run]]:
    ours: list[Run] = []
    theirs: list[Run] = []
    for number in range(row.runs or runs):

        def mine() -> None:
            row.prepare()
            ours.append(run(row.ours))

        def squawk() -> None:
            if row.theirs is not None:
                theirs.append(run(row.theirs))

        for step in (mine, squawk) if number % 2 == 0 else (squawk, mine):
            step()
    return ours, theirs


def line(name: str, ours: list[Run], theirs: list[Run]) -> str:
    mine = statistics.median(r.seconds for r in ours)
    mine_kb = max(r.peak_kb for r in ours)
    cells = f"{name:<44} {mine:8.2f} s {mine_kb / 1024:6.0f} MB"
    if not theirs:
        return cells + f"{'-':>12} {'':>9} {'':>7}"
    other = statistics.median(r.seconds for r in theirs)
    other_kb = max(r.peak_kb for r in theirs)
    ratio = mine / other if other else float("inf")
    runs = " ".join(f"{a.seconds:.2f}/{b.seconds:.2f}" for a, b in zip(ours, theirs, strict=False))
    return (
        cells
        + f" {other:8.2f} s {other_kb / 1024:6.0f} MB {ratio:7.2f}x {mine_kb / other_kb:5.1f}x"
        + f"   runs: {runs}"
    )


# ---- generated inputs -------------------------------------------------------------------------


def statements(count: int) -> str:
    """drizzle-kit-style DDL in one chunk: tables, columns and indexes, each flagged by S002."""
    out: list[str] = []
    i = 0
    while len(out) < count:
        columns = '\t"id" serial PRIMARY KEY NOT NULL,\n\t"name" text NOT NULL'
        out.append(f'CREATE TABLE "t{i}" (\n{columns}\n);')
        out.append(f'ALTER TABLE "t{i}" ADD COLUMN "c{i}" integer;')
        out.append(f'CREATE INDEX "t{i}_name_idx" ON "t{i}" USING btree ("name");')
        i += 1
    return "\n".join(out[:count]) + "\n"


def journal(tags: list[str], breakpoints: bool) -> str:
    entries = [
        {"idx": i, "version": "7", "when": T0 + i * 60_000, "tag": tag, "breakpoints": breakpoints}
        for i, tag in enumerate(tags)
    ]
    return json.dumps({"version": "7", "dialect": "postgresql", "entries": entries}, indent=2)


def unbroken_folder(root: Path, count: int) -> Path:
    """A journal folder whose one migration is ``count`` statements, ``breakpoints: false``."""
    folder = root / f"unbroken{count}"
    (folder / "meta").mkdir(parents=True)
    (folder / "meta" / "_journal.json").write_text(journal(["0000_init"], breakpoints=False))
    (folder / "0000_init.sql").write_text(statements(count))
    return folder


def workspace(root: Path, files: int) -> Path:
    folder = root / "workspace"
    (folder / "meta").mkdir(parents=True)
    tags = [f"{i:04d}_m{i}" for i in range(files)]
    (folder / "meta" / "_journal.json").write_text(journal(tags, breakpoints=True))
    for i, tag in enumerate(tags):
        (folder / f"{tag}.sql").write_text(
            f'CREATE TABLE "t{i}" (\n\t"id" serial PRIMARY KEY NOT NULL\n);\n'
            "--> statement-breakpoint\n"
            f'ALTER TABLE "t{i}" ADD COLUMN "name" text;\n'
            "--> statement-breakpoint\n"
            f'CREATE INDEX "t{i}_name_idx" ON "t{i}" USING btree ("name");\n'
        )
    return folder


def fixable(count: int) -> str:
    """``count`` chunks, one S002 fix each (CREATE TABLE without IF NOT EXISTS)."""
    parts = [f'CREATE TABLE "t{i}" ("id" serial PRIMARY KEY NOT NULL);' for i in range(count)]
    return "\n--> statement-breakpoint\n".join(parts) + "\n"


# ---- the rows ---------------------------------------------------------------------------------


def rows(root: Path, corpus: Path, quick: bool) -> list[Row]:
    found: list[Row] = []
    corpus_files = sorted(str(p) for p in corpus.glob("*.sql"))
    if corpus_files:
        name = f"pg-regression corpus ({len(corpus_files)} files)"
        found.append(Row(name, [*OURS, *corpus_files], [*SQUAWK, *corpus_files]))
    sizes = (500, 2000) if quick else (500, 2000, 8000)
    for count in sizes:
        plain = root / f"plain{count}.sql"
        plain.write_text(statements(count))
        found.append(Row(f"one chunk, {count:,} statements (.sql)", [*OURS, str(plain)],
                         [*SQUAWK, str(plain)], runs=_once(count)))  # fmt: skip
    for count in sizes:
        folder = unbroken_folder(root, count)
        sql = str(folder / "0000_init.sql")
        found.append(Row(f"breakpoints: false, {count:,} statements", [*OURS, str(folder)],
                         [*SQUAWK, sql], runs=_once(count)))  # fmt: skip
    folder = workspace(root, 1000)
    files = sorted(str(p) for p in folder.glob("*.sql"))
    found.append(Row("workspace, 1,000 entries + files", [*OURS, str(folder)],
                     [*SQUAWK, *files]))  # fmt: skip
    for count in (4000, 16000) if quick else (4000, 16000, 64000):
        source, target = root / f"fix{count}.orig", root / f"fix{count}.sql"
        source.write_text(fixable(count))
        found.append(
            Row(
                f"--fix, {count:,} fixes in one file",
                [*OURS, "--fix", str(target)],
                None,
                prepare=lambda s=source, t=target: shutil.copyfile(s, t),  # type: ignore[misc]
            )
        )
    example = ROOT / "examples" / "drizzle"
    example_sql = sorted(str(p) for p in example.glob("*.sql"))
    found.append(Row("start-up: examples/drizzle", [*OURS, str(example)],
                     [*SQUAWK, *example_sql]))  # fmt: skip
    return found


def _once(statements: int) -> int | None:
    return 1 if statements > 2000 else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--corpus", type=Path, default=SHARED / "corpus" / "pg-regression")
    parser.add_argument("--quick", action="store_true", help="leave out the largest rows")
    args = parser.parse_args()
    for tool in (OURS[0], SQUAWK[0]):
        if not Path(tool).exists():
            sys.exit(f"cli_bench: {tool} not found: pip install -e '.[dev]' installs it")
    compile_package()
    if GNU_TIME is None:
        print("cli_bench: no GNU time (apt install time): peak RSS below ~35 MB reads as ~35 MB")
    print(f"{'':<44} {'drizzle-lsp':>20} {'squawk':>20} {'time':>8} {'RSS':>5}")
    with tempfile.TemporaryDirectory(prefix="drizzle-lsp-bench-") as tmp:
        for row in rows(Path(tmp), args.corpus, args.quick):
            ours, theirs = measure(row, args.runs)
            print(line(row.name, ours, theirs), flush=True)


if __name__ == "__main__":
    main()
