// The order in which the extension looks for the server (src/serverLookup.ts), on real files:
// executables in temporary folders stand for the bundled server, PATH and Python.
// Run with `npm run test:unit` (tests/editors/test_vscode_server_lookup.py runs it).
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { bundledServer, findServer, installFolders, LaunchError, LookupOptions } from '../src/serverLookup';

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
  // an empty home beside the extension: the real ~/.local/bin of the machine must not count
  const home = path.join(path.dirname(extensionPath), 'home');
  fs.mkdirSync(home, { recursive: true });
  return {
    configuredPath: '',
    configuredInterpreter: '',
    extensionPath,
    home,
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
      '"drizzle-lsp" in 4 install folders: not found',
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

test('~/.local/bin when PATH lacks it (a login shell PATH after pipx install)', async () => {
  const t = tree();
  const extension = t.dir('extension');
  const bin = t.dir('bin');
  t.executable(path.join(bin, 'python3'));
  const installed = t.executable(path.join(t.root, 'home', '.local', 'bin', 'drizzle-lsp'));
  const launch = await findServer(options(extension, [bin]));
  assert.deepEqual(launch, {
    command: installed,
    args: ['serve'],
    origin: `${path.join(t.root, 'home', '.local', 'bin')} (not on PATH)`,
  });
});

test('PATH comes before ~/.local/bin, and drizzleLsp.interpreter before both folders', async () => {
  const t = tree();
  const extension = t.dir('extension');
  const bin = t.dir('bin');
  t.executable(path.join(t.root, 'home', '.local', 'bin', 'drizzle-lsp'));
  const onPath = t.executable(path.join(bin, 'drizzle-lsp'));
  assert.equal((await findServer(options(extension, [bin]))).command, onPath);
  fs.rmSync(onPath);
  const python = t.executable(path.join(t.root, 'venv', 'bin', 'python'));
  const launch = await findServer(options(extension, [bin], { configuredInterpreter: python }));
  assert.equal(launch.origin, 'setting drizzleLsp.interpreter');
  // an interpreter that cannot import the server: the folders still find it
  const cannot = await findServer(
    options(extension, [bin], { configuredInterpreter: python, canImportServer: async () => 'No module named drizzle_lsp' }),
  );
  assert.equal(cannot.command, path.join(t.root, 'home', '.local', 'bin', 'drizzle-lsp'));
});

test("the workspace's .venv, venv and node_modules/.bin come before ~/.local/bin, in that order", async () => {
  const t = tree();
  const extension = t.dir('extension');
  const workspace = t.dir('project');
  t.executable(path.join(t.root, 'home', '.local', 'bin', 'drizzle-lsp'));
  const npmBin = t.executable(path.join(workspace, 'node_modules', '.bin', 'drizzle-lsp'));
  const venv = t.executable(path.join(workspace, 'venv', 'bin', 'drizzle-lsp'));
  const dotVenv = t.executable(path.join(workspace, '.venv', 'bin', 'drizzle-lsp'));
  const find = async () => (await findServer(options(extension, [], { workspaceFolders: [workspace] }))).command;
  assert.equal(await find(), dotVenv);
  fs.rmSync(dotVenv);
  assert.equal(await find(), venv);
  fs.rmSync(venv);
  assert.equal(await find(), npmBin);
  fs.rmSync(npmBin);
  assert.equal(await find(), path.join(t.root, 'home', '.local', 'bin', 'drizzle-lsp'));
});

test("an untrusted workspace (no workspace folders given): its .venv is not run", async () => {
  const t = tree();
  const extension = t.dir('extension');
  const workspace = t.dir('project');
  t.executable(path.join(workspace, '.venv', 'bin', 'drizzle-lsp'));
  await assert.rejects(findServer(options(extension, [], { workspaceFolders: [] })), LaunchError);
});

test("pipx's and uv's folders, from their variables and their defaults", async () => {
  const t = tree();
  const extension = t.dir('extension');
  const home = path.join(t.root, 'home');
  const cases: [string, NodeJS.ProcessEnv][] = [
    [path.join(t.root, 'pipx-bin', 'drizzle-lsp'), { PIPX_BIN_DIR: path.join(t.root, 'pipx-bin') }],
    [path.join(t.root, 'pipx-home', 'venvs', 'drizzle-lsp', 'bin', 'drizzle-lsp'), { PIPX_HOME: path.join(t.root, 'pipx-home') }],
    [path.join(home, '.local', 'share', 'pipx', 'venvs', 'drizzle-lsp', 'bin', 'drizzle-lsp'), {}],
    [path.join(home, '.local', 'pipx', 'venvs', 'drizzle-lsp', 'bin', 'drizzle-lsp'), {}],
    [path.join(t.root, 'uv-bin', 'drizzle-lsp'), { UV_TOOL_BIN_DIR: path.join(t.root, 'uv-bin') }],
    [path.join(t.root, 'xdg-bin', 'drizzle-lsp'), { XDG_BIN_HOME: path.join(t.root, 'xdg-bin') }],
    [path.join(t.root, 'uv-tools', 'drizzle-lsp', 'bin', 'drizzle-lsp'), { UV_TOOL_DIR: path.join(t.root, 'uv-tools') }],
    [path.join(home, '.local', 'share', 'uv', 'tools', 'drizzle-lsp', 'bin', 'drizzle-lsp'), {}],
    [path.join(t.root, 'data', 'uv', 'tools', 'drizzle-lsp', 'bin', 'drizzle-lsp'), { XDG_DATA_HOME: path.join(t.root, 'data') }],
  ];
  for (const [file, env] of cases) {
    t.executable(file);
    const launch = await findServer(options(extension, [], { env: { PATH: '', ...env } }));
    assert.equal(launch.command, file, JSON.stringify(env));
    fs.rmSync(file);
  }
});

test('on Windows the folders are Scripts\\ and %USERPROFILE%\\.local\\bin', () => {
  const folders = installFolders(['C:\\p'], 'C:\\Users\\me', { APPDATA: 'C:\\Users\\me\\AppData\\Roaming' }, 'win32');
  assert.deepEqual(folders, [
    'C:\\p\\.venv\\Scripts',
    'C:\\p\\venv\\Scripts',
    'C:\\p\\node_modules\\.bin',
    'C:\\Users\\me\\.local\\bin',
    'C:\\Users\\me\\pipx\\venvs\\drizzle-lsp\\Scripts',
    'C:\\Users\\me\\AppData\\Roaming\\uv\\data\\tools\\drizzle-lsp\\Scripts',
  ]);
});

test('not found: the error carries the PATH searched and every folder tried', async () => {
  const t = tree();
  const extension = t.dir('extension');
  const workspace = t.dir('project');
  const bin = t.dir('bin');
  const home = path.join(t.root, 'home');
  await assert.rejects(
    findServer(options(extension, [bin], { workspaceFolders: [workspace], canImportServer: async () => 'no' })),
    (error) => {
      assert.ok(error instanceof LaunchError);
      assert.equal(error.searchedPath, bin);
      assert.deepEqual(error.folders, [
        path.join(workspace, '.venv', 'bin'),
        path.join(workspace, 'venv', 'bin'),
        path.join(workspace, 'node_modules', '.bin'),
        path.join(home, '.local', 'bin'),
        path.join(home, '.local', 'share', 'pipx', 'venvs', 'drizzle-lsp', 'bin'),
        path.join(home, '.local', 'pipx', 'venvs', 'drizzle-lsp', 'bin'),
        path.join(home, '.local', 'share', 'uv', 'tools', 'drizzle-lsp', 'bin'),
      ]);
      return true;
    },
  );
});
