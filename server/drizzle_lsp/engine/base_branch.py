"""Which migrations are new: not yet on the base branch, in git.

S002's default scope (``new``) reports the migrations a branch adds or changes, since those
are the ones still to be made idempotent; history every database applied long ago is not
reported. The base is the merge-base of ``HEAD`` with ``origin/HEAD`` (else ``main``, else
``master``), or with a ref the user names (``check --since REF``).

Git runs once per folder to list the base's files with their blob ids (``git ls-tree``); a file
is new when the text analysed now (buffer or disk) hashes to another blob id, or the base does
not have it. So edits, saves and new untracked files are seen without running git again: the
listing is cached on the stat of ``HEAD``, the branch's ref and the index, which a checkout,
a commit, a fetch or a merge moves.
"""

from __future__ import annotations

import hashlib
import logging
import os
import subprocess
import threading
from dataclasses import dataclass
from pathlib import Path

from drizzle_lsp.core.folder import Layout, MigrationFolder

log = logging.getLogger(__name__)

BASE_CANDIDATES = ("origin/HEAD", "main", "master")
_GIT_TIMEOUT_S = 10


@dataclass(frozen=True, slots=True)
class BaseTree:
    """The migrations folder as the base has it: blob id of each file, by path."""

    ref: str  # what the base was resolved from ("origin/HEAD", "main", or the --since ref)
    blobs: dict[Path, str]


class GitError(Exception):
    """``--since`` names a ref git does not know (the message says which)."""


def base_tree(folder: Path, since: str | None = None) -> BaseTree | None:
    """The base's files under ``folder``; None outside git or when no base branch exists.

    ``since``: the ref to compare with (its merge-base with HEAD); raises :class:`GitError`
    when git does not know it."""
    if git_dir(folder) is None:
        return None
    refs = (since,) if since is not None else BASE_CANDIDATES
    for ref in refs:
        base = _git(folder, "merge-base", "HEAD", ref)
        if base is None:
            continue
        listing = _git(folder, "ls-tree", "-r", "-z", base.strip(), "--", ".")
        if listing is None:
            return None
        return BaseTree(ref, _blobs(folder, listing))
    if since is not None:
        raise GitError(f"--since {since}: not a commit git knows in {folder}")
    return None


def is_commit(folder: Path, ref: str) -> bool:
    """Whether git, run in ``folder``, knows ``ref`` as a commit."""
    return _git(folder, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}") is not None


def _blobs(folder: Path, listing: str) -> dict[Path, str]:
    """``git ls-tree -r -z`` lines (``<mode> blob <id>\\t<path>``), paths relative to folder."""
    blobs = {}
    for line in listing.split("\0"):
        meta, _, name = line.partition("\t")
        parts = meta.split()
        if len(parts) == 3 and parts[1] == "blob":
            blobs[(folder / name).absolute()] = parts[2]
    return blobs


def _git(folder: Path, *args: str) -> str | None:
    try:
        done = subprocess.run(
            ["git", "-C", str(folder), *args],
            capture_output=True,
            text=True,
            timeout=_GIT_TIMEOUT_S,
            env={**os.environ, "GIT_OPTIONAL_LOCKS": "0", "LC_ALL": "C"},
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        log.debug("git %s in %s: %s", args[0], folder, error)
        return None
    return done.stdout if done.returncode == 0 else None


def git_dir(folder: Path) -> Path | None:
    """The git directory of the repository ``folder`` is in (a worktree's own), if any."""
    for parent in (folder, *folder.parents):
        dot = parent / ".git"
        if dot.is_dir():
            return dot
        if dot.is_file():
            try:
                text = dot.read_text("utf-8").strip()
            except OSError:
                return None
            if text.startswith("gitdir:"):
                found = Path(text.removeprefix("gitdir:").strip())
                return found if found.is_absolute() else (parent / found).resolve()
            return None
    return None


def _stamp(gitdir: Path) -> tuple[int, ...]:
    """What moves when HEAD, the branch or the index does (mtime and size of each)."""
    files = [gitdir / "HEAD", gitdir / "index"]
    try:
        head = (gitdir / "HEAD").read_text("utf-8").strip()
    except OSError:
        head = ""
    if head.startswith("ref:"):
        common = gitdir
        if (gitdir / "commondir").is_file():  # a worktree: its refs live in the main git dir
            common = (gitdir / (gitdir / "commondir").read_text("utf-8").strip()).resolve()
        files += [common / head.removeprefix("ref:").strip(), common / "packed-refs"]
        files += [common / "refs" / "remotes" / "origin" / "HEAD"]
    stamp: list[int] = []
    for path in files:
        try:
            stat = path.stat()
            stamp += [stat.st_mtime_ns, stat.st_size]
        except OSError:
            stamp += [0, 0]
    return tuple(stamp)


class BaseTrees:
    """Each folder's :class:`BaseTree`, kept until git's HEAD, branch or index moves: the
    server asks on every analysis, and git runs only when one of them did."""

    def __init__(self) -> None:
        self._kept: dict[Path, tuple[tuple[int, ...], BaseTree | None]] = {}
        self._lock = threading.Lock()
        self.git_runs = 0  # how many listings were made (for the log and the tests)

    def of(self, folder: Path) -> BaseTree | None:
        gitdir = git_dir(folder)
        if gitdir is None:
            return None
        stamp = _stamp(gitdir)
        with self._lock:
            kept = self._kept.get(folder)
        if kept is not None and kept[0] == stamp:
            return kept[1]
        tree = base_tree(folder)
        log.debug(
            "git: base of %s: %s",
            folder,
            f"{tree.ref}, {len(tree.blobs)} files" if tree else "none (the newest entry is new)",
        )
        with self._lock:
            self.git_runs += 1
            self._kept[folder] = (stamp, tree)
        return tree

    def clear(self) -> None:
        with self._lock:
            self._kept.clear()


def new_tags(folder: MigrationFolder, base: BaseTree | None) -> frozenset[str] | None:
    """Tags of the migrations whose SQL the base does not have as it is now (added or changed,
    in the index, on disk or in an open buffer); None without a base (outside git, or no base
    branch): then the newest entry counts as new (see the analyzer)."""
    if base is None:
        return None
    found = set()
    for path, document in folder.sql.items():
        if document.source is None:
            continue
        blob = base.blobs.get(path.absolute())
        if blob is None or blob not in _blob_ids(path, document.source.text, document.source.bom):
            found.add(document.tag)
    return frozenset(found)


# the blob ids of each file's text last hashed: an edit re-hashes the edited file only
_hashed: dict[Path, tuple[str, bool, tuple[str, ...]]] = {}


def _blob_ids(path: Path, text: str, bom: bool) -> tuple[str, ...]:
    """The blob ids ``text`` may be stored as: as it is, and with LF line ends (a checkout
    with ``core.autocrlf`` writes CRLF, git stores LF)."""
    kept = _hashed.get(path)
    if kept is not None and kept[0] is text and kept[1] == bom:
        return kept[2]
    data = (("\ufeff" if bom else "") + text).encode("utf-8")
    ids: tuple[str, ...] = (_blob_id(data),)
    if b"\r\n" in data:
        ids += (_blob_id(data.replace(b"\r\n", b"\n")),)
    if len(_hashed) > 50_000:
        _hashed.clear()
    _hashed[path] = (text, bom, ids)
    return ids


def _blob_id(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data, usedforsecurity=False).hexdigest()


def newest_tag(folder: MigrationFolder) -> str | None:
    """The newest migration: the journal's last entry, or the last v1 folder by name."""
    if folder.layout is Layout.JOURNAL:
        journal = folder.journal
        entries = journal.entries if journal is not None else ()
        tags = [e.tag for e in entries if e.tag]
        return tags[-1] if tags else None
    tags = sorted(d.tag for d in folder.sql.values())
    return tags[-1] if tags else None
