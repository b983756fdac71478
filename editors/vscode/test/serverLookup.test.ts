// The order in which the extension looks for the server (src/serverLookup.ts), on real files:
// executables in temporary folders stand for the bundled server, PATH and Python.
// Run with `npm run test:unit` (tests/editors/test_vscode_server_lookup.py runs it).
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { bundledServer, findServer, LaunchError, LookupOptions } from '../src/serverLookup';

function tree() {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'drizzle-lookup-'));
  const dir = (name: string) => {
    const made = path.join(root, name);
    fs.mkdirSync(made, { recursive: true });
    return made;
  };
  const executable = (file: string, body = '#!/bin/sh\nexit 0\n') => {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, body, { mode: 0o755 });
    return file;
  };
  return { root, dir, executable };
}

function options(extensionPath: string, pathDirs: string[], extra: Partial<LookupOptions> = {}): LookupOptions {
  return {
    configuredPath: '',
    configuredInterpreter: '',
    extensionPath,
    platform: 'linux',
    env: { PATH: pathDirs.join(':') },
    canImportServer: async () => undefined,
    ...extra,
  };
}

test('drizzleLsp.path comes first, even with a bundled server and one on PATH', async () => {
  const t = tree();
  const configured = t.executable(path.join(t.root, 'custom', 'drizzle-lsp'));
  const extension = t.dir('extension');
  t.executable(bundledServer(extension, 'linux'));
  const bin = t.dir('bin');
  t.executable(path.join(bin, 'drizzle-lsp'));
  const launch = await findServer(options(extension, [bin], { configuredPath: configured }));
  assert.deepEqual(launch, { command: configured, args: ['serve'], origin: 'setting drizzleLsp.path' });
});

test('a drizzleLsp.path that is not executable is an error, not a fall-back', async () => {
  const t = tree();
  const extension = t.dir('extension');
  t.executable(bundledServer(extension, 'linux'));
  const notExecutable = path.join(t.root, 'drizzle-lsp');
  fs.writeFileSync(notExecutable, '', { mode: 0o644 });
  await assert.rejects(findServer(options(extension, [], { configuredPath: notExecutable })), (error) => {
    assert.ok(error instanceof LaunchError);
    assert.match(error.message, /drizzleLsp\.path is set to ".*drizzle-lsp", which is not an executable file/);
    return true;
  });
});

test('the bundled server comes before PATH', async () => {
  const t = tree();
  const extension = t.dir('extension');
  const bundled = t.executable(path.join(extension, 'server', 'drizzle-lsp'));
  const bin = t.dir('bin');
  t.executable(path.join(bin, 'drizzle-lsp'));
  t.executable(path.join(bin, 'python3'));
  const launch = await findServer(options(extension, [bin]));
  assert.deepEqual(launch, { command: bundled, args: ['serve'], origin: 'the server bundled with the extension' });
});

test('on Windows the bundled server is server\\drizzle-lsp.exe', () => {
  assert.equal(bundledServer('ext', 'win32'), path.join('ext', 'server', 'drizzle-lsp.exe'));
});

test('without a bundled server, drizzle-lsp on PATH comes before Python', async () => {
  const t = tree();
  const extension = t.dir('extension'); // the universal package: no server/
  const first = t.dir('first');
  const second = t.dir('second');
  t.executable(path.join(first, 'python3'));
  const onPath = t.executable(path.join(second, 'drizzle-lsp'));
  const launch = await findServer(options(extension, [first, second]));
  assert.deepEqual(launch, { command: onPath, args: ['serve'], origin: 'PATH' });
});

test('then the interpreter: drizzleLsp.interpreter if set', async () => {
  const t = tree();
  const extension = t.dir('extension');
  const python = t.executable(path.join(t.root, 'venv', 'bin', 'python'));
  const launch = await findServer(options(extension, [], { configuredInterpreter: python }));
  assert.deepEqual(launch, { command: python, args: ['-m', 'drizzle_lsp', 'serve'], origin: 'setting drizzleLsp.interpreter' });
});

test('else python3, then python, whichever can import drizzle_lsp', async () => {
  const t = tree();
  const extension = t.dir('extension');
  const bin = t.dir('bin');
  const python3 = t.executable(path.join(bin, 'python3'));
  const python = t.executable(path.join(bin, 'python'));
  const asked: string[] = [];
  const canImportServer = async (candidate: string) => {
    asked.push(candidate);
    return candidate === python3 ? "ModuleNotFoundError: No module named 'drizzle_lsp'" : undefined;
  };
  const launch = await findServer(options(extension, [bin], { canImportServer }));
  assert.deepEqual(asked, [python3, python]);
  assert.deepEqual(launch, { command: python, args: ['-m', 'drizzle_lsp', 'serve'], origin: 'python on PATH' });
});

test('nothing found: the error says what was tried, in order', async () => {
  const t = tree();
  const extension = t.dir('extension');
  const bin = t.dir('bin');
  const python3 = t.executable(path.join(bin, 'python3'));
  const canImportServer = async () => "ModuleNotFoundError: No module named 'drizzle_lsp'";
  await assert.rejects(findServer(options(extension, [bin], { canImportServer })), (error) => {
    assert.ok(error instanceof LaunchError);
    const tried = error.message.slice(error.message.indexOf('Tried: ') + 'Tried: '.length).split('; ');
    assert.deepEqual(tried, [
      'no server bundled with the extension (a platform-specific package has one)',
      '"drizzle-lsp" on PATH: not found',
      `${python3} -m drizzle_lsp: ModuleNotFoundError: No module named 'drizzle_lsp'`,
      'python: not found',
    ]);
    return true;
  });
});

test('a real interpreter check: a Python that exits non-zero cannot import the server', async () => {
  const t = tree();
  const extension = t.dir('extension');
  const bin = t.dir('bin');
  t.executable(path.join(bin, 'python3'), "#!/bin/sh\necho \"ModuleNotFoundError: No module named 'drizzle_lsp'\" >&2\nexit 1\n");
  const python = t.executable(path.join(bin, 'python'));
  const { canImportServer: _default, ...withoutCheck } = options(extension, [bin]);
  const launch = await findServer(withoutCheck);
  assert.deepEqual(launch, { command: python, args: ['-m', 'drizzle_lsp', 'serve'], origin: 'python on PATH' });
});
