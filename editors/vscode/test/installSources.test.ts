// The install commands the not-found notification offers (src/installSources.ts): a registry is
// offered only when it holds this version (asked over HTTP, here of a local server standing for
// the npm registry and a PEP 503 index), and the installer is one that is on PATH.
// Run with `npm run test:unit` (tests/editors/test_vscode_server_lookup.py runs it).
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { installChoices, isSourceFolder, publishedVersions, shellQuote } from '../src/installSources';

/** A folder of executables named `names`, as a PATH. */
function pathWith(...names: string[]): string {
  const bin = fs.mkdtempSync(path.join(os.tmpdir(), 'drizzle-install-'));
  for (const name of names) {
    fs.writeFileSync(path.join(bin, name), '#!/bin/sh\nexit 0\n', { mode: 0o755 });
  }
  return bin;
}

async function withRegistry(
  pages: Record<string, string>,
  body: (url: string) => Promise<void>,
): Promise<void> {
  const server = http.createServer((request, response) => {
    const page = pages[request.url ?? ''];
    response.writeHead(page === undefined ? 404 : 200, { 'content-type': 'text/plain' });
    response.end(page ?? 'not found');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    await body(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  } finally {
    server.close();
  }
}

test('a registry counts only when it has this version', async () => {
  await withRegistry(
    {
      '/npm/drizzle-lsp': JSON.stringify({ versions: { '0.1.0': {}, '0.2.0': {} } }),
      '/simple/drizzle-lsp/': '<a href="x/drizzle_lsp-0.2.0-py3-none-any.whl">drizzle_lsp-0.2.0-py3-none-any.whl</a>',
    },
    async (url) => {
      const env = { npm_config_registry: `${url}/npm`, PIP_INDEX_URL: `${url}/simple` };
      assert.deepEqual(await publishedVersions('0.1.0', env), { npm: true, pypi: false });
      assert.deepEqual(await publishedVersions('0.2.0', env), { npm: true, pypi: true });
      assert.deepEqual(await publishedVersions('0.3.0', env), { npm: false, pypi: false });
      // 0.1.0 must not match 0.1.01 or 0.1.0.dev1
      assert.deepEqual(await publishedVersions('0.2', env), { npm: false, pypi: false });
    },
  );
});

test('a registry that does not answer is not a source', async () => {
  await withRegistry({}, async (url) => {
    const env = { npm_config_registry: `${url}/npm/`, PIP_INDEX_URL: `${url}/simple/` };
    assert.deepEqual(await publishedVersions('0.1.0', env), { npm: false, pypi: false });
  });
  const closed = { npm_config_registry: 'http://127.0.0.1:9/', PIP_INDEX_URL: 'http://127.0.0.1:9/' };
  assert.deepEqual(await publishedVersions('0.1.0', closed), { npm: false, pypi: false });
});

test('nothing published: no command at all without a source folder', () => {
  const env = { PATH: pathWith('npm', 'pipx', 'python3') };
  const none = { npm: false, pypi: false };
  assert.deepEqual(installChoices({ version: '0.1.0', published: none, nodeProject: true, env, platform: 'linux' }), []);
});

test('published: npm into the project (a Node project) or globally, and pipx before uv', () => {
  const env = { PATH: pathWith('npm', 'pipx', 'uv', 'python3') };
  const both = { npm: true, pypi: true };
  const commands = (nodeProject: boolean) =>
    installChoices({ version: '0.1.0', published: both, nodeProject, env, platform: 'linux' }).map((c) => c.command);
  assert.deepEqual(commands(true), [
    'npm i -D drizzle-lsp@0.1.0',
    'pipx install drizzle-lsp==0.1.0',
    'uv tool install drizzle-lsp==0.1.0',
  ]);
  assert.equal(commands(false)[0], 'npm i -g drizzle-lsp@0.1.0');
});

test('from a source folder: pipx, else uv, else a virtualenv linked into ~/.local/bin', () => {
  const none = { npm: false, pypi: false };
  const choices = (...tools: string[]) =>
    installChoices({
      version: '0.1.0',
      published: none,
      nodeProject: false,
      sourceFolder: '/src/drizzle lsp',
      env: { PATH: pathWith(...tools) },
      platform: 'linux',
    }).map((c) => c.command);
  assert.deepEqual(choices('uv', 'python3'), ["uv tool install '/src/drizzle lsp'"]);
  assert.deepEqual(choices('python3'), [
    "python3 -m venv ~/.local/share/drizzle-lsp/venv && ~/.local/share/drizzle-lsp/venv/bin/pip install '/src/drizzle lsp' && " +
      'mkdir -p ~/.local/bin && ln -sf ~/.local/share/drizzle-lsp/venv/bin/drizzle-lsp ~/.local/bin/drizzle-lsp',
  ]);
  assert.deepEqual(choices(), []);
});

test("a source folder is one whose pyproject.toml names drizzle-lsp", () => {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'drizzle-src-'));
  assert.equal(isSourceFolder(folder), false);
  fs.writeFileSync(path.join(folder, 'pyproject.toml'), '[project]\nname = "other"\n');
  assert.equal(isSourceFolder(folder), false);
  fs.writeFileSync(path.join(folder, 'pyproject.toml'), '[project]\nname = "drizzle-lsp"\n');
  assert.equal(isSourceFolder(folder), true);
  assert.equal(isSourceFolder(path.resolve(__dirname, '..', '..', '..', '..')), true, 'this checkout');
});

test('shell quoting', () => {
  assert.equal(shellQuote('/a/b-c_d.e'), '/a/b-c_d.e');
  assert.equal(shellQuote("/it's here"), `'/it'\\''s here'`);
});
