"""Database URLs and their secrets: ``${env:NAME}`` references expanded, and passwords kept out
of every message, log line and diagnostic that names a database.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from urllib.parse import unquote

# `password=` and `sslpassword=` (the client key's passphrase), in a DSN or a URL's query
_KV_PASSWORD = re.compile(r"(\b(?:ssl)?password\s*=\s*)('(?:[^'\\]|\\.)*'|[^\s&#]+)", re.IGNORECASE)
# a URL's user info, found without parsing the rest (libpq echoes URLs urlsplit refuses)
_USERINFO = re.compile(
    r"^[A-Za-z][A-Za-z0-9+.-]*://(?P<user>[^@/?#]*?)(?::(?P<password>[^/?#]*))?@"
)


_ENV_REFERENCE = re.compile(r"\$\{env:([A-Za-z_][A-Za-z0-9_]*)\}")


def expand_env(url: str, environ: Mapping[str, str] | None = None) -> tuple[str, list[str]]:
    """``url`` with each ``${env:NAME}`` replaced by that environment variable, and the names
    that were not set (replaced by nothing).

    Lets a settings file name a database without holding its password:
    ``"databaseUrl": "${env:DATABASE_URL}"`` or ``postgresql://app:${env:PGPASSWORD}@db/app``.
    """
    env = os.environ if environ is None else environ
    missing: list[str] = []

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in env:
            missing.append(name)
        return env.get(name, "")

    return _ENV_REFERENCE.sub(value, url), missing


def redact_url(url: str) -> str:
    """``url`` with every secret in it replaced by ``***``: the password of its user info, and
    ``password``/``sslpassword`` in its query or in ``key=value`` form.

    Every message, log line and diagnostic that names a database uses this. A URL too broken to
    parse keeps its shape, its secrets replaced all the same.
    """
    redacted = _KV_PASSWORD.sub(r"\1***", url)
    userinfo = _USERINFO.match(redacted) if "://" in redacted else None
    if userinfo is not None and userinfo["password"] is not None:
        start, end = userinfo.span("password")
        redacted = f"{redacted[:start]}***{redacted[end:]}"
    return redacted


def scrub(text: str, url: str) -> str:
    """Remove any trace of ``url``'s password from ``text`` (libpq may echo parts of a URL)."""
    for secret in _passwords(url):
        if secret:
            text = text.replace(secret, "***")
    return text


def _passwords(url: str) -> list[str]:
    """Every secret ``url`` holds, as written and percent-decoded, longest first."""
    found = [m.group(2).strip("'") for m in _KV_PASSWORD.finditer(url)]
    userinfo = _USERINFO.match(url) if "://" in url else None
    if userinfo is not None and userinfo["password"]:
        found.append(userinfo["password"])
    found += [unquote(secret) for secret in found]
    return sorted({secret for secret in found if secret}, key=len, reverse=True)
