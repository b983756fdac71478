"""The analyzer: runs the rules over a migrations folder, verifies their fixes, and applies
selection, per-file ignores and suppression comments in one central place.

SQL rules run per chunk and their results are cached by chunk text; re-analysing an edited file
splits and lints only the stretch the edit touched, keeping the chunks before it and moving those
after it (see ``_lint_file``). A rule that must know what the file's other chunks say (S002:
`DROP ... IF EXISTS` in one, `CREATE` of the same object in a later one) lints again the few
chunks they tell something (``_tell_chunks``). The rules the settings turn off for a file do not
run on it.
Journal rules run on the whole folder.
Every fix is verified before it is offered: applied to the text, the result must parse no worse
and the rule must fire less often. A fix that fails the check is dropped (the diagnostic stays).
"""

from __future__ import annotations

import bisect
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache, partial
from itertools import chain
from pathlib import Path
from typing import Any, NamedTuple, Protocol

from drizzle_lsp.core.database import DatabaseView, V1Status
from drizzle_lsp.core.diagnostics import Edit, Fix, Severity, Span, Violation
from drizzle_lsp.core.driver import Driver, in_transaction, resolve_driver, runs_several_statements
from drizzle_lsp.core.fixes import (
    apply_edits,
    apply_fix,
    compatible_fixes,
    differing_middle,
    edits_by_path,
    fixable,
)
from drizzle_lsp.core.folder import (
    Layout,
    MigrationFolder,
    SqlDocument,
    folder_texts,
    migration_of,
    source_of,
    with_texts,
)
from drizzle_lsp.core.migration import BREAKPOINT, MigrationFile
from drizzle_lsp.core.migrator_choice import Migrator, MigratorChoice, choose_migrator
from drizzle_lsp.core.settings import S002Scope, Settings
from drizzle_lsp.engine.base_branch import newest_tag
from drizzle_lsp.engine.forked import map_from_both_ends
from drizzle_lsp.engine.sql_fix_check import SqlFixCheck
from drizzle_lsp.engine.units import RUN, Unit, units
from drizzle_lsp.rules import DATABASE_RULES, FOLDER_RULES, SQL_RULES, Rule, syntax_error
from drizzle_lsp.rules._api import Across, DatabaseContext, FolderContext, SqlContext
from drizzle_lsp.rules.journal_order import out_of_order

AT_RISK_CODES = frozenset({"J001", "J005"})
# under v1: the migrations that existing databases run after newer ones
AT_RISK_CODES_V1 = frozenset({"V001"})
SYNTAX_CODES = frozenset({"J006", "S001"})
ALL_SQL_CODES = frozenset(r.code for r in SQL_RULES)
FOLDER_CODES = frozenset(r.code for r in FOLDER_RULES)

Clock = Callable[[], int]


def is_journal_code(code: str) -> bool:
    """A problem of the journal or of a database's view of it (a migration that never runs, is
    skipped, or crashes the migrator): listed above the SQL warnings where the order is ours."""
    return code[:1] in ("J", "D")


def now_ms() -> int:
    return int(time.time() * 1000)


def analyze(
    folder: MigrationFolder,
    settings: Settings,
    clock: Clock = now_ms,
    at_risk: frozenset[str] = frozenset(),
    database: DatabaseView | None = None,
    new: frozenset[str] | None = None,
) -> list[Violation]:
    """All enabled violations of ``folder``, sorted by file and position.

    ``at_risk`` names further tags that may run twice; with ``s002-scope = "at-risk"`` S002 only
    looks at those, at the ones J001/J005 flag and, given a ``database``, at the ones it has not
    applied yet. With ``"new"`` (the default) it looks at those and at the ``new`` tags, the
    migrations not yet on the base branch (:mod:`~drizzle_lsp.engine.base_branch`); ``new`` None
    (no git, or no base branch): at the newest entry. A ``database`` also brings the D rules.
    """
    by_file = analyze_files(folder, settings, clock, at_risk, database, new)
    return list(chain.from_iterable(by_file.values()))


def analyze_files(
    folder: MigrationFolder,
    settings: Settings,
    clock: Clock = now_ms,
    at_risk: frozenset[str] = frozenset(),
    database: DatabaseView | None = None,
    new: frozenset[str] | None = None,
) -> dict[Path, list[Violation]]:
    """:func:`analyze`'s violations per file, in path order (every SQL file has its list)."""
    migrator = choose_migrator(settings.migrator, folder.root, folder.layout)
    v1_applied = database.v1 if database is not None else None
    journal_found = _folder_violations(folder, settings, clock(), migrator, v1_applied)
    risky = at_risk | _at_risk(folder, journal_found, migrator)
    found = [*journal_found, *_unreadable(folder)]
    if database is not None:
        risky |= database.not_applied
        ctx = DatabaseContext(folder, database.status, database.label, database.v1)
        rules = (rule for rule in DATABASE_RULES if rule.info.applies_to(migrator))
        found.extend(v for rule in rules for v in rule.check(ctx))
    breakpoints = _breakpoints(folder)
    driver = resolve_driver(settings.driver, folder.root)
    if settings.s002_scope is S002Scope.NEW:
        risky |= new if new is not None else frozenset(filter(None, [newest_tag(folder)]))
    enabled = _SqlCodes(settings, risky, driver, folder.layout)
    by_file = {
        document.path: lint_sql(document, breakpoints, enabled.of(document))
        for document in folder.sql.values()
    }
    if not in_transaction(driver):
        by_file = {path: _s002_errors(found) for path, found in by_file.items()}
    return _in_order(_enabled(found, settings), by_file)


def _at_risk(
    folder: MigrationFolder, journal_found: list[Violation], migrator: MigratorChoice
) -> frozenset[str]:
    """The tags that may run twice or late, for ``s002-scope = "at-risk"``: under 0.x those J001
    and J005 flag; under v1 those V001 flags and, while a journal is left to convert, the entries
    0.x skipped on databases that applied a later one (the first v1 migrate() runs them, after
    the newer ones)."""
    if migrator.kind is Migrator.ZERO_X:
        return frozenset(v.tag for v in journal_found if v.code in AT_RISK_CODES and v.tag)
    flagged = {v.tag for v in journal_found if v.code in AT_RISK_CODES_V1 and v.tag}
    if folder.journal is not None:
        flagged.update(entry.tag for entry, _ in out_of_order(folder.journal) if entry.tag)
    return frozenset(flagged)


def _s002_errors(found: list[Violation]) -> list[Violation]:
    """S002 as an error: without a transaction, a migration that fails half-way leaves what ran
    before applied and no row recorded, so the next deploy runs it again. (Not the chunk's own
    violation any more: no ``origin``, so nothing written for that one is reused for it.)"""
    return [
        Violation(
            v.code,
            v.name,
            Severity.ERROR,
            f"{v.message} {_NO_TRANSACTION}",
            v.path,
            v.span,
            v.fix,
            v.alternatives,
            v.tag,
        )
        if v.code == "S002"
        else v
        for v in found
    ]


_NO_TRANSACTION = "No transaction with this driver: a half-run migration runs again."


def lint_in_parallel(folder: MigrationFolder, settings: Settings, min_chunks: int = 400) -> bool:
    """Lint ``folder``'s SQL chunks with two processes when it has about ``min_chunks`` of them
    or more: this one from the largest file, a forked child from the smallest, until they meet
    (:func:`~drizzle_lsp.engine.forked.map_from_both_ends`); the results join the chunk cache,
    where :func:`analyze` then finds them all. Used for a first look at a large folder; the
    child verifies fixes as we do. Whether the child's results were used.

    A file is cut into units and linted whole (:func:`_lint_whole`) by the process that takes
    it: each chunk is told what the others say before it is linted, so none is linted twice.
    A file with more than ``1/SHARED_BY`` of the text would leave one core idle: it is cut
    here, its units linted one by one, alone, on both cores, and those the others tell
    something again, with it. How each file was cut and what each chunk says are kept for
    :func:`analyze` (``_cut_here``, ``_said_here``)."""
    driver = resolve_driver(settings.driver, folder.root)
    # the codes analyze() enables, but S002 on risky tags (it learns them later: a few files)
    enabled = _SqlCodes(settings, frozenset(), driver, folder.layout)
    breakpoints = _breakpoints(folder)
    files = [
        _File(document.source.text, breakpoints, enabled.of(document))
        for document in folder.sql.values()
        if document.source is not None and document.source.text
    ]
    if sum(_units_about(file.text) for file in files) < min_chunks:
        return False
    size = sum(len(file.text) for file in files)
    big = [
        _Whole(units(file.text) or [], breakpoints, file.codes)
        for file in files
        if len(file.text) * SHARED_BY > size
    ]
    small = [file for file in files if len(file.text) * SHARED_BY <= size]
    small.sort(key=lambda file: -len(file.text))  # the child meets us on small files
    alone = [_Whole([unit], breakpoints, whole.codes) for whole in big for unit in whole.units]
    _said_here.clear()
    _cut_here.clear()
    used = _lint_jobs([*alone, *small])
    told = [
        key
        for found, _, codes in big
        for i, around in _told(_says(found, codes), codes).items()
        if (key := _key(found[i].text, breakpoints, codes, around, found[i].continues))
        not in unit_lints
    ]
    if told:
        _lint_jobs(told)
    return used


SHARED_BY = 8  # a file with more of the text than this share is linted chunk by chunk


def _units_about(text: str) -> int:
    """About how many units ``text`` is cut into (without parsing it)."""
    return text.count(BREAKPOINT) + 1 + text.count(";") // RUN


def _lint_jobs(jobs: Sequence[_File | _Whole | ChunkKey]) -> bool:
    """Lint ``jobs`` (files, units or chunks told something) on two cores into the chunk
    cache; whether the child did any."""
    results, theirs = map_from_both_ends(_lint_job, jobs)
    for linted in results:
        if linted.text is not None and linted.units is not None:
            _cut_here[linted.text] = linted.units
        for key, result, said in linted.found:
            unit_lints.seed([(key, result)])
            if said is not None:
                _said_here[key[0], key[2]] = said
    return theirs < len(jobs)


class _File(NamedTuple):
    """A file's text, to be cut into units and linted whole (see :func:`_lint_whole`)."""

    text: str
    breakpoints: bool
    codes: frozenset[str]


class _Whole(NamedTuple):
    """A file's units (or one of them), to be linted together (see :func:`_lint_whole`)."""

    units: list[Unit]
    breakpoints: bool
    codes: frozenset[str]


class _Linted(NamedTuple):
    """What a job found: each unit's key, violations and what it says (None: no rule
    listens); for a file, its text and how it was cut."""

    found: list[tuple[ChunkKey, LintResult, Said | None]]
    text: str | None = None
    units: list[Unit] | None = None


def _lint_job(job: _File | _Whole | ChunkKey) -> _Linted:
    if isinstance(job, _File):
        found = units(job.text) or []
        return _Linted(_lint_whole(_Whole(found, job.breakpoints, job.codes)), job.text, found)
    if isinstance(job, _Whole):
        return _Linted(_lint_whole(job))
    return _Linted([(job, unit_lints.of_key(job), None)])


def _lint_whole(whole: _Whole) -> list[tuple[ChunkKey, LintResult, Said | None]]:
    """Each unit of a file, parsed once, told what the others say (``Across``), then linted
    with what it was told: (its key, its violations, what it says; None when no rule listens).
    A unit already in the chunk cache is left out."""
    found, breakpoints, codes = whole
    listening = _listening(codes)
    if not listening:
        keys = [_key(u.text, breakpoints, codes, (), u.continues) for u in found]
        return [(key, _lint_chunk_now(*key), None) for key in keys if key not in unit_lints]
    files = [MigrationFile(u.text, trees=True) for u in found]  # a summary reads trees
    said = [tuple(across.summary_of(file) for _, across in listening) for file in files]
    told = _told([[one[i] for one in said] for i in range(len(listening))], codes)
    linted: list[tuple[ChunkKey, LintResult, Said | None]] = []
    files.reverse()
    for i, unit in enumerate(found):
        file = files.pop()  # a long chunk's trees go as its runs are linted
        key = _key(unit.text, breakpoints, codes, told.get(i, ()), unit.continues)
        if key not in unit_lints:
            result = _lint_parsed(file, breakpoints, codes, told.get(i, ()), unit.continues)
            linted.append((key, result, said[i]))
    return linted


def _says(found: list[Unit], codes: frozenset[str]) -> list[list[Any]]:
    """What each of a file's units tells the others, a list for each rule that listens."""
    said = [_said(unit.text, codes) for unit in found]
    return [[one[i] for one in said] for i in range(len(_listening(codes)))]


class _SqlCodes:
    """The SQL rules to run on each file: those the settings enable for it (so the rules they
    turn off do not run, and the files' results need no filtering)."""

    def __init__(
        self,
        settings: Settings,
        risky: frozenset[str],
        driver: Driver | None,
        layout: Layout = Layout.JOURNAL,
    ) -> None:
        self.settings, self.risky = settings, risky
        off = _off_for(driver)
        self.everywhere = frozenset(
            c for c in ALL_SQL_CODES if settings.enabled(c) and c not in off
        )
        self.not_s002 = self.everywhere - {"S002"}
        # S002 on the risky tags only (a loose file, named on its own, is nobody's history)
        self.scoped = settings.s002_scope is not S002Scope.ALL and layout is not Layout.LOOSE

    def of(self, document: SqlDocument) -> frozenset[str]:
        codes = self.not_s002 if self.scoped and document.tag not in self.risky else self.everywhere
        if not self.settings.per_file_ignores:
            return codes
        return self.settings.enabled_codes(codes, document.path, document.tag)


def _off_for(driver: Driver | None) -> frozenset[str]:
    """The SQL rules that do not apply with ``driver`` (None: not known)."""
    off = set()
    if runs_several_statements(driver):
        off.add("S003")  # seen to run a chunk of several statements
    if not in_transaction(driver):
        off.update(DRIVER_TRANSACTION_CODES)
    return frozenset(off)


# the SQL rules about what fails inside migrate()'s transaction
DRIVER_TRANSACTION_CODES = frozenset({"S005", "S007"})


def _in_order(
    found: list[Violation], by_file: dict[Path, list[Violation]]
) -> dict[Path, list[Violation]]:
    """``found`` and the SQL files' violations per file, sorted by file and position. A file's
    SQL violations are in order already (see ``unit_lints``): only ``found``, a few, is sorted,
    and merged in file by file, so an edit costs no sort of thousands of violations."""
    found.sort(key=Violation.sort_key)
    others: dict[Path, list[Violation]] = {}
    for v in found:
        others.setdefault(v.path, []).append(v)
    ordered: dict[Path, list[Violation]] = {}
    for path in sorted(by_file.keys() | others.keys(), key=str):
        mine, theirs = by_file.get(path, []), others.get(path)
        ordered[path] = sorted([*mine, *theirs], key=Violation.sort_key) if theirs else mine
    return ordered


def _enabled(found: list[Violation], settings: Settings) -> list[Violation]:
    """``found`` less what the settings turn off (select/ignore decided once per code)."""
    selected = {code: settings.enabled(code) for code in {v.code for v in found}}
    if not settings.per_file_ignores:
        return [v for v in found if selected[v.code]]
    return [v for v in found if selected[v.code] and settings.enabled_for(v.code, v.path, v.tag)]


def _breakpoints(folder: MigrationFolder) -> bool:
    if folder.layout is Layout.JOURNAL and folder.journal is not None:
        return folder.journal.breakpoints
    return True  # drizzle-kit v1 and loose files: statements are split by breakpoints


def _unreadable(folder: MigrationFolder) -> list[Violation]:
    """S001 at 1:1 for each ``.sql`` file that cannot be read as UTF-8 text, with the reason.

    SQL rules see chunks of text, and such a file has none. (An unreadable journal is J006's:
    that rule sees the folder and its ``journal_error``.)
    """
    return [
        syntax_error.RULE.violation(
            document.path,
            Span(0, 0),
            # the output names the file already
            f"Cannot check this file: {document.error.removeprefix(f'{document.path}: ')}",
            tag=document.tag,
        )
        for document in folder.sql.values()
        if document.error is not None
    ]


# ---- SQL rules: per chunk, cached ------------------------------------------------------------


def lint_sql(
    document: SqlDocument, breakpoints: bool, codes: frozenset[str] = ALL_SQL_CODES
) -> list[Violation]:
    """SQL-rule violations of one file, suppression comments applied."""
    if document.source is None:
        return []
    return list(file_lints(document.path, document.tag, document.source.text, breakpoints, codes))


LintKey = tuple[Path, str, bool, frozenset[str]]
LintResult = tuple[Violation, ...]


@dataclass(slots=True)
class _FileLint:
    """A file's SQL-rule results for one text, chunk by chunk, as the next text reuses them."""

    text: str
    pieces: list[str]  # the chunks' texts, as ``MigrationFile`` splits them
    starts: list[int]  # where each chunk starts in ``text``
    found: list[LintResult]  # each chunk's violations as found in the chunk (``unit_lints``)
    placed: list[LintResult]  # the same, placed in the file
    result: LintResult  # all of them, suppression comments applied
    told: list[Around]  # what each was told by the other chunks when linted (``_tell_chunks``)
    # what each tells the other chunks: a list for each rule that listens (``_tell_chunks``)
    says: list[list[Any]]


class _LastTextPerFile:
    """Caches each file's SQL-rule results for the last text it was linted with.

    One entry per file, not per text: an editor makes a new text on every keystroke, and a cache
    keyed by text would keep every version's results. The entry is also where the next text
    starts from: only the chunks an edit touched are split and linted again (see
    :func:`_lint_file`).
    """

    def __init__(self) -> None:
        self._results: dict[LintKey, _FileLint] = {}

    def __call__(
        self, path: Path, tag: str, text: str, breakpoints: bool, codes: frozenset[str]
    ) -> LintResult:
        key = (path, tag, breakpoints, codes)
        hit = self._results.get(key)
        if hit is not None and (hit.text is text or hit.text == text):
            return hit.result
        linted = self._results[key] = _lint_file(path, tag, text, breakpoints, codes, hit)
        return linted.result

    def clear(self) -> None:
        self._results.clear()


file_lints = _LastTextPerFile()
_IGNORE_MARK = "drizzle-lsp-ignore"  # no suppression comment without it (see MigrationFile)
_BREAK = len(BREAKPOINT)


def _lint_file(
    path: Path,
    tag: str,
    text: str,
    breakpoints: bool,
    codes: frozenset[str],
    previous: _FileLint | None,
) -> _FileLint:
    """The SQL-rule violations of ``text``. Chunks of the ``previous`` text before the edit are
    kept as they are, those after it are moved; only the edited stretch is split and linted."""
    head, tail, region = _cut(previous, text)
    linted = _FileLint(text, [], [], [], [], (), [], [[] for _ in _listening(codes)])
    if previous is not None:
        linted.pieces, linted.starts = previous.pieces[:head], previous.starts[:head]
        linted.found, linted.placed = previous.found[:head], previous.placed[:head]
        linted.told = previous.told[:head]
        linted.says = [said[:head] for said in previous.says]
    region_units = region.units or []
    told = _told_ahead(region_units, codes) if previous is None else {}
    for i, unit in enumerate(region_units):
        offset = region.start + unit.offset
        around = told.get(i, ())
        found = unit_lints(unit.text, breakpoints, codes, around, unit.continues)
        placed = _placed(found, path, offset, tag)
        _add_chunk(linted, unit.text, offset, found, placed, _said(unit.text, codes), around)
    if previous is not None and tail:
        _add_moved(
            linted, previous, tail, region.end + region.gap - previous.starts[tail], path, tag
        )
    _tell_chunks(linted, path, tag, breakpoints, codes)
    linted.result = tuple(chain.from_iterable(linted.placed))
    if linted.result and _IGNORE_MARK in text:
        migration = MigrationFile(text)
        linted.result = tuple(v for v in linted.result if not _suppressed(migration, v))
    return linted


def _told_ahead(found: list[Unit], codes: frozenset[str]) -> dict[int, Around]:
    """What each unit of a whole file is told, when what every unit says is known without
    parsing it (:func:`lint_in_parallel` linted them so: each then has its results in the
    cache for what it is told, and none alone). Empty otherwise: each is linted alone first."""
    if not _listening(codes) or not all((u.text, codes) in _said_here for u in found):
        return {}
    return _told(_says(found, codes), codes)


def _add_chunk(
    linted: _FileLint,
    piece: str,
    offset: int,
    found: LintResult,
    placed: LintResult,
    said: Said,
    told: Around = (),
) -> None:
    linted.pieces.append(piece)
    linted.starts.append(offset)
    linted.found.append(found)
    linted.told.append(told)
    for summaries, summary in zip(linted.says, said, strict=True):
        summaries.append(summary)
    linted.placed.append(placed)


def _add_moved(
    linted: _FileLint, previous: _FileLint, tail: int, delta: int, path: Path, tag: str
) -> None:
    """The chunks of ``previous`` from ``tail`` on, ``delta`` further on in the file (a list
    operation each, not a call per chunk: they are most of a file's thousands of chunks)."""
    linted.pieces.extend(previous.pieces[tail:])
    linted.found.extend(previous.found[tail:])
    linted.told.extend(previous.told[tail:])
    for summaries, before in zip(linted.says, previous.says, strict=True):
        summaries.extend(before[tail:])
    if not delta:
        linted.starts.extend(previous.starts[tail:])
        linted.placed.extend(previous.placed[tail:])
        return
    starts = [start + delta for start in previous.starts[tail:]]
    linted.starts.extend(starts)
    found, place = previous.found[tail:], Violation.placed
    linted.placed.extend(
        [
            # one violation per chunk is the common case (a statement each): no inner loop
            ((place(f[0], path, s, tag),) if len(f) == 1 else _placed(f, path, s, tag)) if f else ()
            for f, s in zip(found, starts, strict=True)
        ]
    )


def _tell_chunks(
    linted: _FileLint, path: Path, tag: str, breakpoints: bool, codes: frozenset[str]
) -> None:
    """Lint again each chunk whose rules the other chunks now tell something else than when it
    was linted (most are told nothing, before and after)."""
    if not _listening(codes):
        return
    told = _told(linted.says, codes)
    if not told and not any(linted.told):
        return  # the common case: nothing told, now or before (`any` is one C loop)
    before = [i for i, around in enumerate(linted.told) if around]
    for i in sorted(told.keys() | set(before)):
        around = told.get(i, ())
        if around == linted.told[i]:
            continue
        found = unit_lints(linted.pieces[i], breakpoints, codes, around, _continues(linted, i))
        linted.found[i], linted.told[i] = found, around
        linted.placed[i] = _placed(found, path, linted.starts[i], tag)


def _told(says: list[list[Any]], codes: frozenset[str]) -> dict[int, Around]:
    """What each chunk of a file is told by the others (from what each says), by number."""
    told: dict[int, list[tuple[str, Hashable]]] = {}
    for (code, across), summaries in zip(_listening(codes), says, strict=True):
        for i, around in across.arounds(summaries).items():
            told.setdefault(i, []).append((code, around))
    return {i: tuple(arounds) for i, arounds in told.items()}


def _said(piece: str, codes: frozenset[str]) -> Said:
    sent = _said_here.get((piece, codes))
    if sent is not None:
        return sent  # the forked linter's (see `lint_in_parallel`): not worked out again here
    return tuple(across.summary(piece) for _, across in _listening(codes))


# what the chunks linted on two cores tell the others, and how their files were cut (those of
# the last folder linted so)
_said_here: dict[tuple[str, frozenset[str]], Said] = {}
_cut_here: dict[str, list[Unit]] = {}


@cache
def _listening(codes: frozenset[str]) -> tuple[tuple[str, Across], ...]:
    """The rules of ``codes`` that must know what a chunk's file says elsewhere."""
    return tuple((r.code, r.across) for r in SQL_RULES if r.across is not None and r.code in codes)


def _placed(found: LintResult, path: Path, offset: int, tag: str) -> LintResult:
    return tuple([Violation.placed(v, path, offset, tag) for v in found]) if found else ()


class _Units(Protocol):
    """A file's text and the units it is linted in (their texts and where each starts)."""

    @property
    def text(self) -> str: ...
    @property
    def pieces(self) -> list[str]: ...
    @property
    def starts(self) -> list[int]: ...


class _Cut(NamedTuple):
    text: str
    pieces: list[str]
    starts: list[int]


def _cut(previous: _Units | None, text: str) -> tuple[int, int, _Region]:
    """How ``text`` is cut into units after ``previous``: how many leading units of
    ``previous`` it keeps, its first unit moved after the edit (0: none), and the stretch
    between them with its units."""
    head, tail = _kept_chunks(previous, text) if previous is not None else (0, 0)
    region = _Region.of(previous, text, head, tail)
    if region.units is None:  # a run's bounds no longer hold: its whole chunk again
        assert previous is not None
        head, tail = _chunk_start(previous, head), _next_chunk(previous, tail)
        region = _Region.of(previous, text, head, tail)
    return head, tail, region


class _UnitsPerFile:
    """Each file's units (where each starts, its text) for the last text it was cut with: an
    edit cuts again only the stretch it touched. For the rules that follow the schema through
    a folder's migrations (S004, S007): a long chunk's statements are read a run at a time,
    so an edit reads one run again, not the whole chunk."""

    def __init__(self) -> None:
        self._last: dict[Path, _Cut] = {}

    def __call__(self, path: Path, text: str) -> list[tuple[int, str]]:
        previous = self._last.get(path)
        if previous is None or previous.text != text:
            previous = self._last[path] = _recut(previous, text)
        return list(zip(previous.starts, previous.pieces, strict=True))

    def clear(self) -> None:
        self._last.clear()


file_units = _UnitsPerFile()


def _recut(previous: _Cut | None, text: str) -> _Cut:
    head, tail, region = _cut(previous, text)
    pieces = previous.pieces[:head] if previous is not None else []
    starts = previous.starts[:head] if previous is not None else []
    for unit in region.units or ():
        pieces.append(unit.text)
        starts.append(region.start + unit.offset)
    if previous is not None and tail:
        delta = region.end + region.gap - previous.starts[tail]
        pieces.extend(previous.pieces[tail:])
        starts.extend(start + delta for start in previous.starts[tail:])
    return _Cut(text, pieces, starts)


def _kept_chunks(previous: _Units, text: str) -> tuple[int, int]:
    """How many leading chunks of ``previous`` ``text`` keeps unchanged (the chunk and the
    breakpoint after it lie before the edit), and the first chunk of the unchanged rest (the
    breakpoint before it and all after lie after the edit; 0: none). A breakpoint cannot
    overlap another, so none can start in the kept text and end in the edited stretch."""
    prefix, suffix = differing_middle(previous.text, text)
    starts = previous.starts
    head = bisect.bisect_right(starts, prefix) - 1
    tail = bisect.bisect_left(starts, len(previous.text) - suffix + _BREAK)
    return head, tail if tail < len(starts) else 0


def _gap_before(lint: _Units, i: int) -> int:
    """The text between unit ``i - 1`` and unit ``i``: a breakpoint, or none within a chunk."""
    return lint.starts[i] - lint.starts[i - 1] - len(lint.pieces[i - 1]) if i else 0


def _continues(lint: _Units, i: int) -> bool:
    return i > 0 and _gap_before(lint, i) == 0


def _chunk_start(lint: _Units, i: int) -> int:
    """The first unit of unit ``i``'s chunk."""
    while _continues(lint, i):
        i -= 1
    return i


def _next_chunk(lint: _Units, i: int) -> int:
    """The first unit of the chunk after unit ``i - 1``'s (0: none; ``i`` 0: none either)."""
    if i == 0:
        return 0
    while i < len(lint.pieces) and _continues(lint, i):
        i += 1
    return i if i < len(lint.pieces) else 0


@dataclass(slots=True)
class _Region:
    """The stretch of a new text between the units kept before an edit and those moved after
    it, and its units (None: they cannot be cut where the kept ones need, see ``units``)."""

    start: int
    end: int
    gap: int  # the breakpoint before the first moved unit (0: none, or it continues a chunk)
    units: list[Unit] | None

    @classmethod
    def of(cls, previous: _Units | None, text: str, head: int, tail: int) -> _Region:
        if previous is None:
            cut = _cut_here.get(text)  # cut by the linter on two cores (`lint_in_parallel`)
            return cls(0, len(text), 0, cut if cut is not None else units(text))
        start = previous.starts[head] if head else 0  # before the edit: where it was
        end, gap = len(text), 0
        if tail:
            gap = _gap_before(previous, tail)
            end = previous.starts[tail] + len(text) - len(previous.text) - gap
        found = units(text[start:end], _continues(previous, head), bool(tail) and gap == 0)
        return cls(start, end, gap, found)


def _suppressed(migration: MigrationFile, v: Violation) -> bool:
    ignored = migration.ignored_codes(v.span.start)
    return ignored is not None and (not ignored or v.code in ignored)


# what the other chunks of its file tell a chunk: (rule code, what) for each rule told something
Around = tuple[tuple[str, Hashable], ...]
Said = tuple[Any, ...]  # what a chunk tells the others: a summary for each rule that listens
# a unit's key: its text, whether the folder has breakpoints, the codes to run, what the other
# units tell it and whether it continues a chunk; the last two only when not empty and false
# (most units), so that the keys of `lint_in_parallel` find what `analyze` asks for
ChunkKey = (
    tuple[str, bool, frozenset[str]]
    | tuple[str, bool, frozenset[str], Around]
    | tuple[str, bool, frozenset[str], Around, bool]
)


def _key(
    text: str, breakpoints: bool, codes: frozenset[str], around: Around, continues: bool
) -> ChunkKey:
    if continues:
        return (text, breakpoints, codes, around, True)
    return (text, breakpoints, codes, around) if around else (text, breakpoints, codes)


class _ChunkResults:
    """The SQL rules' violations of a chunk, by (chunk text, breakpoints, codes): the 65,536
    last used are kept. Unlike an ``lru_cache``, it takes results computed elsewhere
    (:func:`lint_in_parallel`)."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._results: OrderedDict[ChunkKey, LintResult] = OrderedDict()

    def __call__(
        self,
        text: str,
        breakpoints: bool,
        codes: frozenset[str],
        around: Around = (),
        continues: bool = False,
    ) -> LintResult:
        return self.of_key(_key(text, breakpoints, codes, around, continues))

    def of_key(self, key: ChunkKey) -> LintResult:
        found = self._results.get(key)
        if found is None:
            again = self._told_again(key)
            found = self._keep(key, _lint_chunk_now(*key) if again is None else again)
        else:
            self._results.move_to_end(key)
        return found

    def _told_again(self, key: ChunkKey) -> LintResult | None:
        """A chunk told something by the other chunks, from its results as linted alone: only
        the rules told something run again (the others never read ``SqlContext.around``).
        None when those results are not here."""
        if len(key) < 4 or not key[3]:
            return None
        text, breakpoints, codes, around = key[0], key[1], key[2], key[3]
        continues = len(key) > 4
        alone = self._results.get(_key(text, breakpoints, codes, (), continues))
        if alone is None:
            return None
        told = frozenset(code for code, _ in around)
        kept = [v for v in alone if v.code not in told]
        again = _lint_chunk_now(text, breakpoints, codes & told, around, continues)
        return tuple(sorted([*kept, *again], key=_chunk_order)) if kept else again

    def _keep(self, key: ChunkKey, found: LintResult) -> LintResult:
        self._results[key] = found
        if len(self._results) > self._size:
            self._results.popitem(last=False)
        return found

    def __contains__(self, key: ChunkKey) -> bool:
        return key in self._results

    def seed(self, results: Iterable[tuple[ChunkKey, LintResult]]) -> None:
        for key, found in results:
            self._keep(key, found)

    def clear(self) -> None:
        self._results.clear()


unit_lints = _ChunkResults(65536)


def _lint_chunk_now(
    text: str,
    breakpoints: bool,
    codes: frozenset[str],
    around: Around = (),
    continues: bool = False,
) -> LintResult:
    file = MigrationFile(text, _reads_trees(codes))
    return _lint_parsed(file, breakpoints, codes, around, continues)


def _lint_parsed(
    file: MigrationFile,
    breakpoints: bool,
    codes: frozenset[str],
    around: Around,
    continues: bool,
) -> LintResult:
    ctx = SqlContext(file, breakpoints, around=dict(around), continues=continues)
    found: list[Violation] = []
    for rule in SQL_RULES:
        if rule.code not in codes:
            continue
        raw = list(rule.check(ctx))
        holds = SqlFixCheck(rule, ctx, raw)
        found.extend(_verified(v, holds) for v in raw)
    # in file order once placed (chunks are placed in order), as ``analyze`` returns them
    return tuple(sorted(found, key=_chunk_order))


def _chunk_order(v: Violation) -> tuple[int, str]:
    return (v.span.start, v.code)


@cache
def _reads_trees(codes: frozenset[str]) -> bool:
    return any(rule.info.reads_trees for rule in SQL_RULES if rule.code in codes)


def _verified(v: Violation, holds: Callable[[Fix], bool]) -> Violation:
    fix = v.fix if v.fix is not None and holds(v.fix) else None
    alternatives = tuple(a for a in v.alternatives if holds(a))
    if fix is v.fix and alternatives == v.alternatives:
        return v  # every fix holds: no copy (one costs as much as a small rule check)
    return v.with_fixes(fix, alternatives)


# ---- journal rules: whole folder ---------------------------------------------------------------


def _folder_violations(
    folder: MigrationFolder,
    settings: Settings,
    now: int,
    migrator: MigratorChoice,
    v1_applied: V1Status | None = None,
) -> list[Violation]:
    ctx = _folder_context(folder, settings, now, migrator, v1_applied)
    found: list[Violation] = []
    for rule in FOLDER_RULES:
        if not rule.info.applies_to(migrator):
            continue  # a rule about the other migrator (J001 under v1, J008 under 0.x)
        raw = list(rule.check(ctx))
        # several violations may share one fix (J001 moves all late entries at once): check once
        holds = cache(
            partial(_folder_fix_holds, rule, folder, settings, now, migrator, v1_applied, len(raw))
        )
        found.extend(_verified(v, holds) for v in raw)
    return found


def _folder_context(
    folder: MigrationFolder,
    settings: Settings,
    now: int,
    migrator: MigratorChoice,
    v1_applied: V1Status | None = None,
) -> FolderContext:
    breakpoints = _breakpoints(folder)

    def sql_of(document: SqlDocument, codes: frozenset[str]) -> list[Violation]:
        return lint_sql(document, breakpoints, codes)

    def units_of(document: SqlDocument) -> list[tuple[int, str]]:
        return file_units(document.path, document.source.text) if document.source else []

    return FolderContext(folder, settings, now, sql_of, units_of, migrator, v1_applied)


def _folder_fix_holds(
    rule: Rule,
    folder: MigrationFolder,
    settings: Settings,
    now: int,
    migrator: MigratorChoice,
    v1_applied: V1Status | None,
    before: int,
    fix: Fix,
) -> bool:
    changed: dict[Path, str] = {}
    others: list[Path] = []  # the files not worked out by _fixed_file
    errors_before = errors_after = 0
    for path, edits in edits_by_path(fix.edits).items():
        document = folder.sql.get(path)
        if document is not None and document.source is not None and path not in fix.deletes:
            changed[path], had, has = _fixed_file(path, document.source.text, tuple(edits))
            errors_before, errors_after = errors_before + had, errors_after + has
            continue
        source = source_of(folder, path)
        changed[path] = apply_edits(source.text if source is not None else "", edits)
        others.append(path)
    fixed = with_texts(folder, changed, fix.deletes)
    errors_after += _syntax_count(fixed, others)
    if errors_after > errors_before + _syntax_count(folder, others):
        return False
    ctx = _folder_context(fixed, settings, now, migrator, v1_applied)
    after = sum(1 for _ in rule.check(ctx))
    return after < before


# per file: its text, a fix's edits of it, the text they make, and the syntax errors of both
_FIXED: dict[Path, tuple[str, tuple[Edit, ...], str, int, int]] = {}
_FIXED_KEPT = 16384


def _fixed_file(path: Path, text: str, edits: tuple[Edit, ...]) -> tuple[str, int, int]:
    """``text`` with ``edits``, and the syntax errors before and after: a function of the
    file's text and edits alone, kept per file. While a journal is out of order, J001's fix
    guards hundreds of files on each analysis with the same edits (its guards are cached)."""
    last = _FIXED.get(path)
    if last is not None and last[0] is text and last[1] == edits:
        return last[2], last[3], last[4]
    new = apply_edits(text, edits)
    was, now = len(migration_of(text).syntax_errors), len(migration_of(new).syntax_errors)
    if len(_FIXED) >= _FIXED_KEPT:
        _FIXED.clear()
    _FIXED[path] = (text, edits, new, was, now)
    return new, was, now


def _syntax_count(folder: MigrationFolder, paths: Iterable[Path]) -> int:
    """Syntax errors in the files ``paths`` of ``folder`` (the others are those of the folder
    before the fix: comparing the files the fix changed is enough)."""
    count = 0
    for path in paths:
        document = folder.sql.get(path)  # before the journal: see source_of
        if document is not None:
            count += len(document.migration.syntax_errors) if document.migration else 0
        elif path == folder.journal_path:
            count += len(folder.journal.syntax_errors) if folder.journal else 0
    return count


@dataclass(slots=True)
class FixOutcome:
    folder: MigrationFolder  # the folder with every applied fix, in memory
    changed: dict[Path, str]  # new text of each file that changed
    fixed: list[Violation]  # the violations whose fix was applied
    remaining: list[Violation]
    deleted: list[Path] = field(default_factory=list)  # files a fix deleted


def fix_folder(
    folder: MigrationFolder,
    settings: Settings,
    clock: Clock = now_ms,
    unsafe: bool = False,
    at_risk: frozenset[str] = frozenset(),
    wanted: Callable[[Violation], bool] = lambda v: True,
    passes: int = 10,
    new: frozenset[str] | None = None,
) -> FixOutcome:
    """Apply fixes in passes until none applies (overlapping ones wait for the next pass)."""
    original = folder_texts(folder)
    fixed: list[Violation] = []
    deleted: list[Path] = []
    violations = analyze(folder, settings, clock, at_risk, new=new)
    for _ in range(passes):
        candidates = [v for v in fixable(violations, unsafe) if wanted(v)]
        # journal fixes first: J001's guards wrap a migration's text as it was applied, so an
        # SQL fix inside it waits for the next pass (and then finds nothing to do there)
        candidates.sort(key=lambda v: v.code not in FOLDER_CODES)
        chosen = compatible_fixes(v.fix for v in candidates if v.fix is not None)
        if not chosen:
            break
        texts = folder_texts(folder)
        # all edits at once: each fix's offsets are into the text before any of them is applied
        edits = sorted(
            (e for fix in chosen for e in fix.edits),
            key=lambda e: (str(e.path), e.span.start, e.span.end),
        )
        texts.update(apply_fix(texts, Fix("fixes of this pass", tuple(edits))))
        gone = [p for fix in chosen for p in fix.deletes if p not in deleted]
        for path in gone:
            texts.pop(path, None)
        deleted.extend(gone)
        applied = set(chosen)
        fixed.extend(v for v in candidates if v.fix in applied)
        folder = with_texts(folder, texts, gone)
        violations = analyze(folder, settings, clock, at_risk, new=new)
    current = folder_texts(folder)
    changed = {p: t for p, t in current.items() if original.get(p) != t}
    return FixOutcome(folder, changed, fixed, violations, deleted)
