// Where the server can be installed from, for the "Install…" button of the not-found notification.
// Only sources that hold this version are offered: the npm registry and the Python package index
// are asked (the user's own npm_config_registry / PIP_INDEX_URL), and a drizzle-lsp source folder
// (a checkout or an unpacked sdist) always works with pipx, uv or pip. No VS Code API here, so that
// it is tested on its own (test/installSources.test.ts).
import * as fs from 'fs';
import * as path from 'path';
import { findOnPath } from './serverLookup';

export const NPM_REGISTRY = 'https://registry.npmjs.org/';
export const PYTHON_INDEX = 'https://pypi.org/simple/';
const TIMEOUT_MS = 4000;

export interface Published {
  npm: boolean;
  pypi: boolean;
}

export interface InstallChoice {
  /** What the quick pick shows. */
  label: string;
  /** The shell command, typed into a terminal. */
  command: string;
  /** Where the installed executable ends up, so that the extension finds it. */
  detail: string;
}

async function fetchText(url: string, accept: string): Promise<string | undefined> {
  try {
    const response = await fetch(url, { headers: { accept }, signal: AbortSignal.timeout(TIMEOUT_MS) });
    return response.ok ? await response.text() : undefined;
  } catch {
    return undefined; // offline, a proxy, a timeout: not a source we can promise
  }
}

function withSlash(url: string): string {
  return url.endsWith('/') ? url : `${url}/`;
}

/** Whether drizzle-lsp `version` is on the npm registry and the Python package index. */
export async function publishedVersions(version: string, env: NodeJS.ProcessEnv = process.env): Promise<Published> {
  const npmRegistry = withSlash(env.npm_config_registry || env.NPM_CONFIG_REGISTRY || NPM_REGISTRY);
  const pythonIndex = withSlash(env.PIP_INDEX_URL || PYTHON_INDEX);
  const [npmDocument, indexPage] = await Promise.all([
    fetchText(`${npmRegistry}drizzle-lsp`, 'application/json'),
    fetchText(`${pythonIndex}drizzle-lsp/`, 'text/html'),
  ]);
  let npm = false;
  try {
    npm = npmDocument !== undefined && version in (JSON.parse(npmDocument).versions ?? {});
  } catch {
    npm = false;
  }
  // PEP 503: the project page links every file, named drizzle_lsp-<version>-py3-none-any.whl etc.
  const escaped = version.replace(/\./g, '\\.');
  const pypi = indexPage !== undefined && new RegExp(`drizzle[_-]lsp-${escaped}(-|\\.tar\\.gz|\\.zip)`, 'i').test(indexPage);
  return { npm, pypi };
}

/** A word for a POSIX shell (PowerShell takes single quotes too). */
export function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** Whether `folder` holds drizzle-lsp's sources (its pyproject.toml names the project). */
export function isSourceFolder(folder: string): boolean {
  try {
    return /^name\s*=\s*"drizzle-lsp"/m.test(fs.readFileSync(path.join(folder, 'pyproject.toml'), 'utf8'));
  } catch {
    return false;
  }
}

/**
 * The Python installers on PATH, best first: pipx, uv; else a virtualenv of python3 linked into
 * ~/.local/bin, what pipx does (`pip install --user` fails on a Python the system manages, PEP 668).
 */
function pythonInstallers(requirement: string, env: NodeJS.ProcessEnv, platform: NodeJS.Platform): InstallChoice[] {
  const choices: InstallChoice[] = [];
  if (findOnPath('pipx', env, platform)) {
    choices.push({ label: 'pipx', command: `pipx install ${requirement}`, detail: 'into ~/.local/bin' });
  }
  if (findOnPath('uv', env, platform)) {
    choices.push({ label: 'uv', command: `uv tool install ${requirement}`, detail: 'into ~/.local/bin' });
  }
  if (choices.length > 0) {
    return choices;
  }
  if (platform === 'win32') {
    const python = ['py', 'python'].find((name) => findOnPath(name, env, platform));
    if (python) {
      choices.push({ label: 'pip', command: `${python} -m pip install --user ${requirement}`, detail: 'pip --user' });
    }
  } else {
    const python = ['python3', 'python'].find((name) => findOnPath(name, env, platform));
    if (python) {
      const venv = '~/.local/share/drizzle-lsp/venv';
      choices.push({
        label: `${python} -m venv`,
        command:
          `${python} -m venv ${venv} && ${venv}/bin/pip install ${requirement} && ` +
          `mkdir -p ~/.local/bin && ln -sf ${venv}/bin/drizzle-lsp ~/.local/bin/drizzle-lsp`,
        detail: 'a virtualenv, linked into ~/.local/bin',
      });
    }
  }
  return choices;
}

/**
 * The install commands that work for `version`: npm if it has the version (into the workspace
 * when it is a Node project, whose node_modules/.bin the extension searches), the Python package
 * index if it has it, and the source folder if one is given.
 */
export function installChoices(options: {
  version: string;
  published: Published;
  nodeProject: boolean;
  sourceFolder?: string;
  env?: NodeJS.ProcessEnv;
  platform?: NodeJS.Platform;
}): InstallChoice[] {
  const env = options.env ?? process.env;
  const platform = options.platform ?? process.platform;
  const choices: InstallChoice[] = [];
  if (options.published.npm && findOnPath('npm', env, platform)) {
    choices.push(
      options.nodeProject
        ? {
            label: 'npm, into this project',
            command: `npm i -D drizzle-lsp@${options.version}`,
            detail: 'node_modules/.bin of the workspace',
          }
        : { label: 'npm, globally', command: `npm i -g drizzle-lsp@${options.version}`, detail: "npm's global bin folder" },
    );
  }
  if (options.published.pypi) {
    for (const choice of pythonInstallers(`drizzle-lsp==${options.version}`, env, platform)) {
      choices.push({ ...choice, label: `PyPI, with ${choice.label}` });
    }
  }
  if (options.sourceFolder) {
    for (const choice of pythonInstallers(shellQuote(options.sourceFolder), env, platform)) {
      choices.push({ ...choice, label: `${options.sourceFolder}, with ${choice.label}` });
    }
  }
  return choices;
}
