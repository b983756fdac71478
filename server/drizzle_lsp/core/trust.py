"""Database URLs that come with a repository are used only once the user approved them.

``database-url`` in ``drizzle-lsp.toml`` or ``pyproject.toml`` is written by whoever wrote the
repository. Connecting to it hands that host the user's credentials (``PGPASSWORD``,
``~/.pgpass``, a client certificate), and expanding its ``${env:NAME}`` hands it any variable,
if only through the DNS lookup of ``${env:SECRET}.example.com``. So such a URL is neither
expanded nor connected to until the user approved it, as direnv's ``allow`` or VS Code's
workspace trust do. What the user wrote themselves (the command line, the environment, the
editor's settings) needs no approval.

Approvals are kept in the user's configuration directory,
``$XDG_CONFIG_HOME/drizzle-lsp/trusted.json`` (``~/.config`` by default), one per config file
(its absolute path) and URL (the sha256 of the text as written, before expansion): changing the
URL needs a new approval.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path

from drizzle_lsp.core.database import redact_url
from drizzle_lsp.core.settings import Settings

TRUST_FILE = Path("drizzle-lsp") / "trusted.json"


class TrustError(Exception):
    """The approvals cannot be read or written; the message is one line for the user."""


@dataclass(frozen=True, slots=True)
class RepositoryUrl:
    """A ``database-url`` read from a config file, as written there."""

    config: Path
    url: str

    @property
    def shown(self) -> str:
        """The URL without its secrets, ``${env:...}`` left as written."""
        return redact_url(self.url)

    @property
    def host(self) -> str:
        return host_of(self.url)


def trust_file() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / TRUST_FILE


def url_digest(url: str) -> str:
    return hashlib.sha256(url.encode("utf-8", "surrogatepass")).hexdigest()


def repository_url(settings: Settings) -> RepositoryUrl | None:
    """The database URL of ``settings`` when a config file supplied it (None: the user's own,
    or none)."""
    if not settings.database_url or settings.database_url_from is None:
        return None
    return RepositoryUrl(settings.database_url_from, settings.database_url)


def is_approved(candidate: RepositoryUrl, store: Path | None = None) -> bool:
    approvals = _read(store or trust_file())
    return approvals.get(_key(candidate.config)) == url_digest(candidate.url)


def approve(candidate: RepositoryUrl, store: Path | None = None) -> Path:
    """Record the approval (replacing the config file's previous one); the file it is in."""
    store = store or trust_file()
    approvals = _read(store)
    approvals[_key(candidate.config)] = url_digest(candidate.url)
    _write(store, approvals)
    return store


def revoke(config: Path, store: Path | None = None) -> bool:
    """Forget the approval for ``config``; whether there was one."""
    store = store or trust_file()
    approvals = _read(store)
    if approvals.pop(_key(config), None) is None:
        return False
    _write(store, approvals)
    return True


def usable(settings: Settings, store: Path | None = None) -> tuple[Settings, RepositoryUrl | None]:
    """``settings`` without a database URL that a config file supplied and the user has not
    approved, and that URL (None: nothing was held back)."""
    candidate = repository_url(settings)
    if candidate is None:
        return settings, None
    try:
        approved = is_approved(candidate, store)
    except TrustError:
        approved = False
    if approved:
        return settings, None
    return replace(settings, database_url=None, database_url_from=None), candidate


def _key(config: Path) -> str:
    return str(config.absolute())


def _read(store: Path) -> dict[str, str]:
    try:
        data = json.loads(store.read_text("utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as error:
        raise TrustError(f"cannot read the approved database URLs in {store}: {error}") from None
    approvals = data.get("database-urls") if isinstance(data, dict) else None
    if not isinstance(approvals, dict):
        return {}
    return {str(k): str(v) for k, v in approvals.items()}


def _write(store: Path, approvals: dict[str, str]) -> None:
    text = json.dumps({"version": 1, "database-urls": approvals}, indent=2, sort_keys=True)
    try:
        store.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, tmp = tempfile.mkstemp(prefix=".trusted.", suffix=".tmp", dir=store.parent)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text + "\n")
        os.replace(tmp, store)
    except OSError as error:
        raise TrustError(f"cannot write {store}: {error.strerror or error}") from None


# the host part of a URL's authority (after the user info), and host/hostaddr parameters
_AUTHORITY = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://(?:[^@/?#]*@)?(?P<hosts>[^/?#]*)")
_HOST_PARAMETER = re.compile(r"\b(?:host|hostaddr|service)\s*=\s*('(?:[^'\\]|\\.)*'|[^\s&#]+)")


def host_of(url: str) -> str:
    """Where ``url`` points, as the user should see it before approving it."""
    hosts = []
    authority = _AUTHORITY.match(url)
    if authority is not None and authority["hosts"]:
        hosts.append(authority["hosts"])
    hosts += [m.group(1).strip("'") for m in _HOST_PARAMETER.finditer(url)]
    return ", ".join(dict.fromkeys(hosts)) or "the local socket or $PGHOST"
