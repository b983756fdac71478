#!/usr/bin/env bash
# Builds every distribution of drizzle-lsp into dist/ (see docs/install.md):
#   dist/drizzle-lsp-<target>/              the standalone server (PyInstaller onedir), and its
#   dist/drizzle-lsp-<version>-<target>.tar.gz
#   dist/npm/*.tgz                          npm: drizzle-lsp (launcher) and @drizzle-lsp/<target>
#   dist/vscode/*.vsix                      the universal .vsix and the one for <target>
#   dist/*.whl, dist/*.tar.gz               the Python wheel and sdist
# <target> is this machine's `${process.platform}-${process.arch}` (linux-x64 here), the name npm
# and VS Code use. The release workflow (.github/workflows/release.yml) runs this script on each
# platform.
#
#   bash scripts/dist.sh                    everything
#   bash scripts/dist.sh --platform-only    the binary, its npm package and its .vsix
#   bash scripts/dist.sh --stamp            print the hash of the sources (dist/.stamp after a build)
#
# Uses the project's .venv (created by scripts/test.sh or `pip install -e '.[dev]'`) and the
# extension's node_modules (`npm ci` in editors/vscode). DIST_DIR overrides dist/.
# DRIZZLE_LSP_REPOSITORY=https://github.com/<owner>/<repo> (the release workflow sets it) adds the
# repository to the npm packages and the extension, and points the relative links and images of
# the extension's README at that repository's files at tag v<version> (DRIZZLE_LSP_REF), as the
# Marketplace shows them.
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$(pwd)"

# the files the artifacts are built from: a change to any of them makes dist/ stale
SOURCES=(server packaging npm editors/vscode/src editors/vscode/package.json
  editors/vscode/package-lock.json editors/vscode/esbuild.mjs editors/vscode/tsconfig.json
  editors/vscode/.vscodeignore editors/vscode/README.md editors/vscode/CHANGELOG.md
  editors/vscode/LICENSE editors/vscode/images pyproject.toml README.md scripts/dist.sh)
stamp() { # git's object hash of each file, and of the list: portable (macOS has no sha256sum)
  local files
  files="$(git ls-files -co --exclude-standard -- "${SOURCES[@]}" | LC_ALL=C sort)"
  { echo "$files"; echo "$files" | git hash-object --stdin-paths; } | git hash-object --stdin
}
if [ "${1:-}" = --stamp ]; then
  stamp
  exit 0
fi
platform_only=false
[ "${1:-}" = --platform-only ] && platform_only=true

die() {
  echo "dist.sh: FAILED: $*" >&2
  exit 1
}
step() { echo "dist.sh: $*"; }

python="$repo/.venv/bin/python"
[ -x "$python" ] || python="$repo/.venv/Scripts/python.exe" # Windows
[ -x "$python" ] || die "no .venv: run scripts/test.sh or pip install -e '.[dev]' first"
"$python" -c 'import PyInstaller, build' 2>/dev/null || die "the dev extra is not installed in .venv (pip install -e '.[dev]')"
command -v node >/dev/null || die "node is not on PATH"
vsce="$repo/editors/vscode/node_modules/.bin/vsce"
[ -x "$vsce" ] || die "no editors/vscode/node_modules: run npm ci in editors/vscode"

repository="${DRIZZLE_LSP_REPOSITORY:-}"
version="$("$python" -c 'import tomllib; print(tomllib.load(open("pyproject.toml", "rb"))["project"]["version"])')"
target="$(node -p 'process.platform + "-" + process.arch')"
node -e "process.exit(require('./npm/platforms.json')['$target'] ? 0 : 1)" ||
  die "no platform $target in npm/platforms.json"
exe=drizzle-lsp
[ "${target%%-*}" = win32 ] && exe=drizzle-lsp.exe
out="${DIST_DIR:-$repo/dist}"
work="$out/.work"
step "drizzle-lsp $version for $target into $out"
rm -rf "$work" "$out/.stamp"
mkdir -p "$out/npm" "$out/vscode" "$work"

with_repository() { # package.json: the repository field, when DRIZZLE_LSP_REPOSITORY is set
  [ -n "$repository" ] || return 0
  node -e 'const fs = require("fs"); const [file, url] = process.argv.slice(1);
    const data = JSON.parse(fs.readFileSync(file, "utf8"));
    data.repository = { type: "git", url: `git+${url}.git` };
    fs.writeFileSync(file, JSON.stringify(data, null, 2) + "\n");' "$1" "$repository"
}

# ---- 1. the standalone server: PyInstaller, one folder ---------------------------------------
bindir="$out/drizzle-lsp-$target"
step "PyInstaller onedir -> $bindir"
rm -rf "$bindir"
(cd packaging/pyinstaller && "$python" -m PyInstaller --noconfirm --log-level WARN \
  --distpath "$work/pyinstaller" --workpath "$work/pyinstaller-build" drizzle-lsp.spec) ||
  die "PyInstaller"
mv "$work/pyinstaller/drizzle-lsp" "$bindir"
[ "$("$bindir/$exe" --version | tr -d '\r')" = "drizzle-lsp $version" ] || die "$bindir/$exe --version"
tar czf "$out/drizzle-lsp-$version-$target.tar.gz" -C "$out" "drizzle-lsp-$target"

# ---- 2. npm: the platform package (and the launcher) -----------------------------------------
step "npm packages -> $out/npm"
stage="$work/npm-$target"
mkdir -p "$stage"
cp -R "$bindir" "$stage/bin"
cp editors/vscode/LICENSE "$stage/LICENSE"
node - "$target" "$version" "$stage/package.json" <<'JS'
const [target, version, file] = process.argv.slice(2);
const spec = require('./npm/platforms.json')[target];
const manifest = {
  name: `@drizzle-lsp/${target}`,
  version,
  description: `The drizzle-lsp executable for ${spec.label} (installed by the drizzle-lsp package).`,
  license: 'MIT',
  os: [spec.os],
  cpu: [spec.cpu],
  ...(spec.libc ? { libc: [spec.libc] } : {}),
  files: ['bin'],
  preferUnplugged: true,
  ...(process.env.DRIZZLE_LSP_REPOSITORY ? { repository: { type: 'git', url: `git+${process.env.DRIZZLE_LSP_REPOSITORY}.git` } } : {}),
};
require('fs').writeFileSync(file, JSON.stringify(manifest, null, 2) + '\n');
JS
echo "# @drizzle-lsp/$target"$'\n\n'"The drizzle-lsp executable for $target. Install \`drizzle-lsp\`, not this package." >"$stage/README.md"
rm -f "$out/npm/drizzle-lsp-$target-"*.tgz
(cd "$stage" && npm pack --silent --pack-destination "$out/npm" >/dev/null) || die "npm pack $target"
if ! $platform_only; then
  stage="$work/npm-launcher"
  cp -R npm/drizzle-lsp "$stage"
  cp editors/vscode/LICENSE "$stage/LICENSE"
  with_repository "$stage/package.json"
  rm -f "$out/npm/drizzle-lsp-$version.tgz"
  (cd "$stage" && npm pack --silent --pack-destination "$out/npm" >/dev/null) || die "npm pack drizzle-lsp"
fi

# ---- 3. VS Code: the .vsix for this target (with the binary) and the universal one -----------
step "VS Code extension -> $out/vscode"
(cd editors/vscode && npm run --silent compile -- --production) || die "compiling the extension"
vsix_stage() { # a copy of the extension's files, so that the binary never lands in the source tree
  local dir="$work/vscode-$1"
  mkdir -p "$dir"
  (cd editors/vscode && cp -R package.json .vscodeignore README.md CHANGELOG.md LICENSE images out "$dir/")
  with_repository "$dir/package.json"
  echo "$dir"
}
# the README's relative links: to the repository's files, else left as they are
if [ -n "$repository" ]; then
  ref="${DRIZZLE_LSP_REF:-v$version}"
  links=(--baseContentUrl "$repository/blob/$ref/editors/vscode" --baseImagesUrl "$repository/raw/$ref/editors/vscode")
else
  links=(--allow-missing-repository --no-rewrite-relative-links)
fi
dir="$(vsix_stage "$target")"
cp -R "$bindir" "$dir/server"
(cd "$dir" && "$vsce" package --no-dependencies "${links[@]}" \
  --target "$target" --out "$out/vscode/drizzle-lsp-$target-$version.vsix") || die "vsce package --target $target"
if ! $platform_only; then
  dir="$(vsix_stage universal)"
  (cd "$dir" && "$vsce" package --no-dependencies "${links[@]}" \
    --out "$out/vscode/drizzle-lsp-$version.vsix") || die "vsce package (universal)"
fi

# ---- 4. PyPI: wheel and sdist ------------------------------------------------------------------
if ! $platform_only; then
  step "wheel and sdist -> $out"
  rm -f "$out"/drizzle_lsp-*.whl "$out"/drizzle_lsp-*.tar.gz
  "$python" -m build --no-isolation --outdir "$out" >"$work/build.log" 2>&1 ||
    die "python -m build (see $work/build.log)"
  "$python" -m twine check --strict "$out"/drizzle_lsp-*.whl "$out"/drizzle_lsp-*.tar.gz || die "twine check"
fi

rm -rf "$work"
stamp >"$out/.stamp"
step "done: $(cd "$out" && find . -maxdepth 2 \( -name '*.tgz' -o -name '*.vsix' -o -name '*.whl' -o -name '*.tar.gz' \) | sort | tr '\n' ' ')"
