"""What the user is shown of a repository's database URL before approving it."""

from __future__ import annotations

import pytest

from drizzle_lsp.core.trust import RepositoryUrl, host_of


@pytest.mark.parametrize(
    ("url", "host"),
    [
        ("postgresql://app:pw@db.example.com:5432/app", "db.example.com:5432"),
        ("postgresql://app@${env:SECRET}.attacker.invalid/app", "${env:SECRET}.attacker.invalid"),
        ("postgres://a@h1:5432,h2:5433/app", "h1:5432,h2:5433"),
        ("postgresql:///app?host=/var/run/postgresql", "/var/run/postgresql"),
        ("postgresql://@/app?hostaddr=10.0.0.1", "10.0.0.1"),
        ("host=evil.example port=5432 dbname=app password=x", "evil.example"),
        ("service=prod", "prod"),
        ("postgresql:///app", "the local socket or $PGHOST"),
    ],
)
def test_the_host_is_shown(url: str, host: str) -> None:
    assert host_of(url) == host


def test_the_password_is_not_shown(tmp_path) -> None:  # type: ignore[no-untyped-def]
    candidate = RepositoryUrl(tmp_path / "drizzle-lsp.toml", "postgresql://app:S3cret@db/app")
    assert "S3cret" not in candidate.shown
