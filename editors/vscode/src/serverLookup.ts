// Where the language server comes from, in order: drizzleLsp.path, else the server bundled with
// a platform-specific extension package, else `drizzle-lsp` on PATH, else
// `<interpreter> -m drizzle_lsp`. No VS Code API here, so that it is tested on its own
// (test/serverLookup.test.ts).
import * as cp from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

export interface Launch {
  command: string;
  args: string[];
  /** How it was found, for the output channel. */
  origin: string;
}

export class LaunchError extends Error {}

export interface LookupOptions {
  /** drizzleLsp.path, its variables expanded ('' when unset). */
  configuredPath: string;
  /** drizzleLsp.interpreter, its variables expanded ('' when unset). */
  configuredInterpreter: string;
  /** The extension's folder: a platform package holds the server in `server/`. */
  extensionPath: string;
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

/** `which`: the first executable called `name` on PATH (a path is checked as is). */
export function findOnPath(
  name: string,
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
): string | undefined {
  if (path.isAbsolute(name) || name.includes('/') || name.includes(path.sep)) {
    return isExecutableFile(name, platform) ? name : undefined;
  }
  const extensions = platform === 'win32' ? (env.PATHEXT ?? '.EXE;.CMD;.BAT').split(';') : [''];
  const delimiter = platform === 'win32' ? ';' : ':';
  for (const dir of (env.PATH ?? '').split(delimiter)) {
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

export function canImportServer(python: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    cp.execFile(python, ['-c', 'import drizzle_lsp'], { timeout: 20000, windowsHide: true }, (error, _stdout, stderr) => {
      resolve(error ? stderr.trim().split('\n').pop() || error.message : undefined);
    });
  });
}

/**
 * The server to start: `drizzleLsp.path`, else the bundled server, else `drizzle-lsp` on PATH,
 * else `<interpreter> -m drizzle_lsp`. Throws a LaunchError whose message says what was tried.
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

  const candidates = options.configuredInterpreter
    ? [options.configuredInterpreter]
    : platform === 'win32'
      ? ['python', 'py']
      : ['python3', 'python'];
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
        origin: options.configuredInterpreter ? 'setting drizzleLsp.interpreter' : `${candidate} on PATH`,
      };
    }
    tried.push(`${python} -m drizzle_lsp: ${problem}`);
  }
  throw new LaunchError(
    'Could not find the drizzle-lsp language server. Install the extension for your platform ' +
      '(it brings the server), or install the server (`npm i -g drizzle-lsp`, `pipx install ' +
      'drizzle-lsp` or `uv tool install drizzle-lsp`), or set drizzleLsp.path or ' +
      'drizzleLsp.interpreter. Tried: ' +
      tried.join('; '),
  );
}
