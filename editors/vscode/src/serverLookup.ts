// Where the language server comes from, in order: drizzleLsp.path, else the server bundled with
// a platform-specific extension package, else `drizzle-lsp` on PATH, else the folders installers
// put it in (the workspace's virtualenv and node_modules, ~/.local/bin, pipx's and uv's tool
// folders: VS Code's PATH often comes from a login shell that lacks them), else
// `<interpreter> -m drizzle_lsp`. No VS Code API here, so that it is tested on its own
// (test/serverLookup.test.ts).
import * as cp from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

export interface Launch {
  command: string;
  args: string[];
  /** How it was found, for the output channel. */
  origin: string;
}

/** No server found: the message says so in one line; the fields say what was searched. */
export class LaunchError extends Error {
  constructor(
    message: string,
    /** The PATH that was searched ('' when the lookup stopped before PATH). */
    readonly searchedPath: string = '',
    /** The folders looked in besides PATH, in order. */
    readonly folders: string[] = [],
    /** Each step that failed, in order ("python3 -m drizzle_lsp: No module named …"). */
    readonly tried: string[] = [],
  ) {
    super(message);
  }
}

export interface LookupOptions {
  /** drizzleLsp.path, its variables expanded ('' when unset). */
  configuredPath: string;
  /** drizzleLsp.interpreter, its variables expanded ('' when unset). */
  configuredInterpreter: string;
  /** The extension's folder: a platform package holds the server in `server/`. */
  extensionPath: string;
  /**
   * The workspace folders whose `.venv`, `venv` and `node_modules/.bin` may hold the server; empty
   * in an untrusted workspace (an executable in the workspace is the workspace's code).
   */
  workspaceFolders?: string[];
  /** The user's home folder (default: os.homedir()). */
  home?: string;
  platform?: NodeJS.Platform;
  env?: NodeJS.ProcessEnv;
  /** Whether `python` can import drizzle_lsp: undefined if it can, else why not. */
  canImportServer?: (python: string) => Promise<string | undefined>;
}

/** The executable of the server bundled with a platform-specific .vsix. */
export function bundledServer(extensionPath: string, platform: NodeJS.Platform = process.platform): string {
  return path.join(extensionPath, 'server', platform === 'win32' ? 'drizzle-lsp.exe' : 'drizzle-lsp');
}

export function isExecutableFile(file: string, platform: NodeJS.Platform = process.platform): boolean {
  try {
    if (!fs.statSync(file).isFile()) {
      return false;
    }
    if (platform !== 'win32') {
      fs.accessSync(file, fs.constants.X_OK);
    }
    return true;
  } catch {
    return false;
  }
}

/** The first executable called `name` in one of `dirs` (with PATHEXT's extensions on Windows). */
export function findInFolders(
  name: string,
  dirs: string[],
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
): string | undefined {
  const extensions = platform === 'win32' ? (env.PATHEXT ?? '.EXE;.CMD;.BAT').split(';') : [''];
  for (const dir of dirs) {
    if (!dir) {
      continue;
    }
    for (const ext of extensions) {
      const candidate = path.join(dir, name + ext);
      if (isExecutableFile(candidate, platform)) {
        return candidate;
      }
    }
  }
  return undefined;
}

/**
 * The folders where installers put `drizzle-lsp` that a GUI-started editor's PATH often lacks, in
 * the order they are searched, without duplicates: the workspace's virtualenvs and
 * node_modules/.bin (`pip install` in a venv, `npm i -D drizzle-lsp`), then ~/.local/bin (pipx's
 * and uv's default), pipx's PIPX_BIN_DIR and its venv (PIPX_HOME, ~/.local/share/pipx,
 * ~/.local/pipx), uv's UV_TOOL_BIN_DIR / XDG_BIN_HOME and its tool venv (UV_TOOL_DIR,
 * $XDG_DATA_HOME/uv/tools, ~/.local/share/uv/tools).
 */
export function installFolders(
  workspaceFolders: string[],
  home: string,
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
): string[] {
  const windows = platform === 'win32';
  const join = windows ? path.win32.join : path.posix.join;
  const scripts = windows ? 'Scripts' : 'bin';
  const venvBin = (venvs: string) => join(venvs, 'drizzle-lsp', scripts);
  const folders: string[] = [];
  for (const root of workspaceFolders) {
    folders.push(join(root, '.venv', scripts), join(root, 'venv', scripts), join(root, 'node_modules', '.bin'));
  }
  const localBin = join(home, '.local', 'bin');
  const dataHome = env.XDG_DATA_HOME || join(home, '.local', 'share');
  folders.push(localBin);
  // pipx (https://pipx.pypa.io/latest/how-to/configure-paths/)
  if (env.PIPX_BIN_DIR) {
    folders.push(env.PIPX_BIN_DIR);
  }
  if (env.PIPX_HOME) {
    folders.push(venvBin(join(env.PIPX_HOME, 'venvs')));
  }
  if (windows) {
    folders.push(venvBin(join(home, 'pipx', 'venvs')));
    if (env.LOCALAPPDATA) {
      folders.push(venvBin(join(env.LOCALAPPDATA, 'pipx', 'venvs')));
    }
  } else {
    folders.push(venvBin(join(home, '.local', 'share', 'pipx', 'venvs')), venvBin(join(home, '.local', 'pipx', 'venvs')));
  }
  // uv (https://docs.astral.sh/uv/reference/storage/)
  for (const variable of ['UV_TOOL_BIN_DIR', 'XDG_BIN_HOME']) {
    if (env[variable]) {
      folders.push(env[variable] as string);
    }
  }
  if (env.UV_TOOL_DIR) {
    folders.push(venvBin(env.UV_TOOL_DIR));
  }
  if (windows) {
    if (env.APPDATA) {
      folders.push(venvBin(join(env.APPDATA, 'uv', 'data', 'tools')));
    }
  } else {
    folders.push(venvBin(join(dataHome, 'uv', 'tools')));
  }
  return [...new Set(folders)];
}

/** `which`: the first executable called `name` on PATH (a path is checked as is). */
export function findOnPath(
  name: string,
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
): string | undefined {
  if (path.isAbsolute(name) || name.includes('/') || name.includes(path.sep)) {
    return isExecutableFile(name, platform) ? name : undefined;
  }
  return findInFolders(name, pathFolders(env, platform), env, platform);
}

function pathFolders(env: NodeJS.ProcessEnv, platform: NodeJS.Platform): string[] {
  return (env.PATH ?? env.Path ?? '').split(platform === 'win32' ? ';' : ':').filter(Boolean);
}

export function canImportServer(python: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    cp.execFile(python, ['-c', 'import drizzle_lsp'], { timeout: 20000, windowsHide: true }, (error, _stdout, stderr) => {
      resolve(error ? stderr.trim().split('\n').pop() || error.message : undefined);
    });
  });
}

/**
 * The server to start: `drizzleLsp.path`, else the bundled server, else `drizzle-lsp` on PATH,
 * else `drizzleLsp.interpreter -m drizzle_lsp` when set, else `drizzle-lsp` in installFolders(),
 * else `python3`/`python -m drizzle_lsp`. Throws a LaunchError that says what was tried.
 */
export async function findServer(options: LookupOptions): Promise<Launch> {
  const platform = options.platform ?? process.platform;
  const env = options.env ?? process.env;
  const canImport = options.canImportServer ?? canImportServer;

  if (options.configuredPath) {
    const found = findOnPath(options.configuredPath, env, platform);
    if (!found) {
      throw new LaunchError(
        `drizzleLsp.path is set to "${options.configuredPath}", which is not an executable file.`,
        '',
        [],
        [`drizzleLsp.path: ${options.configuredPath} is not an executable file`],
      );
    }
    return { command: found, args: ['serve'], origin: 'setting drizzleLsp.path' };
  }

  const tried: string[] = [];
  const bundled = bundledServer(options.extensionPath, platform);
  if (isExecutableFile(bundled, platform)) {
    return { command: bundled, args: ['serve'], origin: 'the server bundled with the extension' };
  }
  tried.push('no server bundled with the extension (a platform-specific package has one)');

  const onPath = findOnPath('drizzle-lsp', env, platform);
  if (onPath) {
    return { command: onPath, args: ['serve'], origin: 'PATH' };
  }
  tried.push('"drizzle-lsp" on PATH: not found');

  // An interpreter the user chose comes before the folders the extension guesses.
  const tryInterpreters = async (candidates: string[], configured: boolean): Promise<Launch | undefined> => {
    for (const candidate of candidates) {
      const python = findOnPath(candidate, env, platform);
      if (!python) {
        tried.push(`${candidate}: not found`);
        continue;
      }
      const problem = await canImport(python);
      if (problem === undefined) {
        return {
          command: python,
          args: ['-m', 'drizzle_lsp', 'serve'],
          origin: configured ? 'setting drizzleLsp.interpreter' : `${candidate} on PATH`,
        };
      }
      tried.push(`${python} -m drizzle_lsp: ${problem}`);
    }
    return undefined;
  };
  if (options.configuredInterpreter) {
    const launch = await tryInterpreters([options.configuredInterpreter], true);
    if (launch) {
      return launch;
    }
  }

  const folders = installFolders(options.workspaceFolders ?? [], options.home ?? os.homedir(), env, platform);
  const installed = findInFolders('drizzle-lsp', folders, env, platform);
  if (installed) {
    return { command: installed, args: ['serve'], origin: `${path.dirname(installed)} (not on PATH)` };
  }
  tried.push(`"drizzle-lsp" in ${folders.length} install folders: not found`);

  if (!options.configuredInterpreter) {
    const launch = await tryInterpreters(platform === 'win32' ? ['python', 'py'] : ['python3', 'python'], false);
    if (launch) {
      return launch;
    }
  }
  throw new LaunchError(
    'The drizzle-lsp language server was not found. Tried: ' + tried.join('; '),
    env.PATH ?? env.Path ?? '',
    folders,
    tried,
  );
}
