#!/usr/bin/env bash
# The GitHub Action's step (action.yml): installs drizzle-lsp from npm, which brings the binary of
# the runner's platform (no Python needed), then runs `drizzle-lsp check --format github` so that
# the problems become annotations on the pull request; exit status 1 when any remain.
#
# Inputs come as INPUT_VERSION, INPUT_PATHS, INPUT_SINCE, INPUT_SARIF, INPUT_ARGS (see action.yml).
# DRIZZLE_LSP_NPM_PACKAGES (tarballs or folders, separated by spaces) replaces the npm registry:
# the tests install dist/npm/*.tgz offline with it.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
action="$(dirname "$here")"
prefix="${RUNNER_TEMP:-${TMPDIR:-/tmp}}/drizzle-lsp-action"
note() { echo "drizzle-lsp: $*" >&2; }

# ---- install -------------------------------------------------------------------------------
version="${INPUT_VERSION:-}"
if [ -z "$version" ]; then
  version="$(node -p "require('$action/npm/drizzle-lsp/package.json').version")"
fi
drizzle_lsp="$prefix/node_modules/.bin/drizzle-lsp"
mkdir -p "$prefix"
[ -f "$prefix/package.json" ] || echo '{"private": true}' >"$prefix/package.json"
if [ "$("$drizzle_lsp" --version 2>/dev/null)" = "drizzle-lsp $version" ]; then
  : # installed by an earlier step of this job
elif [ -n "${DRIZZLE_LSP_NPM_PACKAGES:-}" ]; then
  # shellcheck disable=SC2086  # a list of paths
  npm install --prefix "$prefix" --offline --no-audit --no-fund --loglevel=error $DRIZZLE_LSP_NPM_PACKAGES >&2
else
  npm install --prefix "$prefix" --no-audit --no-fund --loglevel=error "drizzle-lsp@$version" >&2
fi
note "$("$drizzle_lsp" --version) for $(node -p 'process.platform + "-" + process.arch')"

# ---- what to check -------------------------------------------------------------------------
read -r -a paths <<<"${INPUT_PATHS:-}"
read -r -a args <<<"${INPUT_ARGS:-}"

# The migrations folder of a changed file: the nearest folder at or above it (two levels at
# most: drizzle-kit's v1 layout keeps each migration in a folder of its own) that holds
# meta/_journal.json, else the file itself.
folder_of() {
  local file="$1" dir
  dir="$(dirname "$file")"
  if [ "$(basename "$file")" = _journal.json ] && [ "$(basename "$dir")" = meta ]; then
    dirname "$dir"
    return
  fi
  for dir in "$dir" "$(dirname "$dir")"; do
    if [ -f "$dir/meta/_journal.json" ]; then
      echo "$dir"
      return
    fi
  done
  [ -e "$file" ] && echo "$file"
}

if [ -n "${INPUT_SINCE:-}" ]; then
  base="$(git merge-base "$INPUT_SINCE" HEAD)" || {
    note "cannot find the merge base of $INPUT_SINCE and HEAD (fetch-depth: 0 in actions/checkout?)"
    exit 2
  }
  changed=()
  while IFS= read -r -d '' file; do
    folder="$(folder_of "$file")"
    [ -n "$folder" ] && changed+=("$folder")
  done < <(git diff -z --name-only --relative "$base" -- '*.sql' '*_journal.json')
  if [ ${#changed[@]} -eq 0 ]; then
    note "no migration changed since $INPUT_SINCE: nothing to check"
    if [ -n "${INPUT_SARIF:-}" ]; then # a SARIF file with no results, for the upload step
      empty="$(mktemp -d)"
      "$drizzle_lsp" check --format sarif --exit-zero "$empty" >"$INPUT_SARIF" 2>/dev/null
      rmdir "$empty"
      [ -n "${GITHUB_OUTPUT:-}" ] && echo "sarif=$INPUT_SARIF" >>"$GITHUB_OUTPUT"
    fi
    exit 0
  fi
  mapfile -t paths < <(printf '%s\n' "${paths[@]}" "${changed[@]}" | sed '/^$/d' | sort -u)
  note "checking what changed since $INPUT_SINCE: ${paths[*]}"
fi

# ---- check ---------------------------------------------------------------------------------
if [ -n "${INPUT_SARIF:-}" ]; then
  "$drizzle_lsp" check --format sarif --exit-zero "${args[@]}" "${paths[@]}" >"$INPUT_SARIF"
  [ -n "${GITHUB_OUTPUT:-}" ] && echo "sarif=$INPUT_SARIF" >>"$GITHUB_OUTPUT"
fi
exec "$drizzle_lsp" check --format github "${args[@]}" "${paths[@]}"
