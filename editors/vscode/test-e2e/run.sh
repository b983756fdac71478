#!/usr/bin/env bash
# Real-editor test of the VS Code extension: installs what it needs (idempotently), then runs
# test-e2e/e2e.mjs (code-server 4.100.3 + Debian's Chromium driven by playwright-core).
#
# Every install step that cannot be done FAILS this script (exit 1): it never skips.
#
# `run.sh --install-only` stops after the installs (scripts/test.sh calls it before pytest).
# `run.sh --readme-screenshot` takes docs/images/vscode-problems.png instead of testing (e2e.mjs).
#
# Environment:
#   DRIZZLE_LSP_PYTHON  Python interpreter that has the server's dependencies (default: the repo's
#                       .venv, else python3). The server is run from this checkout's server/,
#                       through a `drizzle-lsp` in the ~/.local/bin of a throw-away HOME.
#   DRIZZLE_LSP_E2E_SERVER=bundled, DRIZZLE_LSP_VSIX=<platform .vsix>
#                       test the .vsix that brings its own server instead, with no Python on
#                       code-server's PATH (see e2e.mjs)
#   DRIZZLE_E2E_HOME    where code-server and the throw-away profiles go (default /tmp/drizzle-lsp-e2e)
#   ARTIFACTS_DIR       where screenshots and logs go (default <repo>/artifacts)
set -euo pipefail

CODE_SERVER_VERSION=4.100.3
RIPGREP_CACHE_VERSION=1.15.11            # @vscode/ripgrep used by code-server 4.100.3
RIPGREP_ASSET=ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ext_dir="$(dirname "$here")"
repo="$(cd "$ext_dir/../.." && pwd)"
e2e_home="${DRIZZLE_E2E_HOME:-/tmp/drizzle-lsp-e2e}"
export ARTIFACTS_DIR="${ARTIFACTS_DIR:-$repo/artifacts}"

die() {
  echo "run.sh: FAILED: $*" >&2
  exit 1
}
step() { echo "run.sh: $*"; }

[ "$(uname -s)" = Linux ] || die "this test runs on Linux only"
[ "$(uname -m)" = x86_64 ] || die "this test needs x86_64 (the ripgrep asset is x86_64-musl)"

# --- 1. Debian packages ----------------------------------------------------------------------
need_apt=()
command -v chromium >/dev/null || need_apt+=(chromium)
command -v rg >/dev/null || need_apt+=(ripgrep)
dpkg -s libkrb5-dev >/dev/null 2>&1 || need_apt+=(libkrb5-dev)
# emoji glyphs for the screenshots (the fixture has non-ASCII text)
dpkg -s fonts-noto-color-emoji >/dev/null 2>&1 || need_apt+=(fonts-noto-color-emoji)
if [ ${#need_apt[@]} -gt 0 ]; then
  step "installing ${need_apt[*]} with apt-get"
  [ "$(id -u)" = 0 ] || die "need root to apt-get install ${need_apt[*]}"
  command -v apt-get >/dev/null || die "no apt-get to install ${need_apt[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q || die "apt-get update"
  apt-get install -y -q "${need_apt[@]}" || die "apt-get install ${need_apt[*]}"
fi
command -v chromium >/dev/null || die "chromium is not on PATH after install"

# --- 2. node and npm -------------------------------------------------------------------------
command -v node >/dev/null || die "node is not installed (need node 20)"
command -v npm >/dev/null || die "npm is not installed"
node_major="$(node -p 'process.versions.node.split(".")[0]')"
[ "$node_major" = 20 ] || die "code-server $CODE_SERVER_VERSION needs node 20, found $(node --version)"

# --- 3. the extension's npm packages (typescript, esbuild, vsce, playwright-core) -------------
lock_sum="$(sha256sum "$ext_dir/package-lock.json" | cut -d' ' -f1)"
stamp="$ext_dir/node_modules/.drizzle-e2e-lock"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$lock_sum" ]; then
  step "npm ci in editors/vscode"
  (cd "$ext_dir" && npm ci --no-audit --no-fund) || die "npm ci in $ext_dir"
  echo "$lock_sum" >"$stamp"
fi

# --- 4. code-server, its ripgrep download served from /usr/bin/rg ----------------------------
cs_prefix="$e2e_home/code-server-$CODE_SERVER_VERSION"
code_server="$cs_prefix/node_modules/.bin/code-server"
if ! "$code_server" --version 2>/dev/null | grep -q "^$CODE_SERVER_VERSION "; then
  step "installing code-server $CODE_SERVER_VERSION into $cs_prefix"
  tmp="${TMPDIR:-/tmp}"
  cache="$tmp/vscode-ripgrep-cache-$RIPGREP_CACHE_VERSION"
  if ! tar tzf "$cache/$RIPGREP_ASSET" 2>/dev/null | grep -qx rg; then
    mkdir -p "$cache" "$e2e_home/rg-pack"
    cp "$(command -v rg)" "$e2e_home/rg-pack/rg"
    tar czf "$cache/$RIPGREP_ASSET" -C "$e2e_home/rg-pack" rg || die "building $cache/$RIPGREP_ASSET"
  fi
  rm -rf "$cs_prefix"
  mkdir -p "$cs_prefix"
  echo '{"name": "drizzle-lsp-e2e-code-server", "private": true}' >"$cs_prefix/package.json"
  # npm >= 11.? blocks dependency install scripts by default; code-server's postinstall runs
  # nested `npm install`s that build/fetch its native modules, so allow them in this prefix only.
  (cd "$cs_prefix" &&
    npm_config_unsafe_perm=true npm_config_yes=true npm_config_dangerously_allow_all_scripts=true \
      npm install --no-audit --no-fund "code-server@$CODE_SERVER_VERSION") ||
    die "npm install code-server@$CODE_SERVER_VERSION"
  [ -x "$cs_prefix/node_modules/code-server/lib/vscode/node_modules/@vscode/ripgrep/bin/rg" ] ||
    die "code-server's postinstall did not run (no lib/vscode/node_modules/@vscode/ripgrep/bin/rg)"
  "$code_server" --version | grep -q "^$CODE_SERVER_VERSION " || die "code-server --version"
fi
export CODE_SERVER="$code_server"

if [ "${1:-}" = --install-only ]; then
  step "installs done"
  exit 0
fi
if [ "${1:-}" = --readme-screenshot ]; then
  export DRIZZLE_LSP_E2E_README=1 DRIZZLE_LSP_E2E_SERVER=local-bin
fi

# --- 5. the Python server --------------------------------------------------------------------
if [ "${DRIZZLE_LSP_E2E_SERVER:-}" = bundled ]; then
  [ -f "${DRIZZLE_LSP_VSIX:-}" ] || die "DRIZZLE_LSP_E2E_SERVER=bundled needs DRIZZLE_LSP_VSIX (a platform .vsix)"
  step "running e2e.mjs with the server bundled in $DRIZZLE_LSP_VSIX"
  exec node "$here/e2e.mjs"
fi
python="${DRIZZLE_LSP_PYTHON:-}"
if [ -z "$python" ]; then
  if [ -x "$repo/.venv/bin/python" ]; then python="$repo/.venv/bin/python"; else python="$(command -v python3)"; fi
fi
export DRIZZLE_LSP_PYTHON="$python"
PYTHONPATH="$repo/server${PYTHONPATH:+:$PYTHONPATH}" "$python" -c 'import drizzle_lsp.cli' ||
  die "$python cannot import drizzle_lsp from $repo/server (install the project: pip install -e '.[dev]')"

# --- 6. run ----------------------------------------------------------------------------------
step "running e2e.mjs"
exec node "$here/e2e.mjs"
