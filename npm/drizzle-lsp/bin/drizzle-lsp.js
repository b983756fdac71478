#!/usr/bin/env node
// Runs the drizzle-lsp executable of this machine's platform package, @drizzle-lsp/<platform>-<arch>:
// an optional dependency of this package that npm installs only where its `os`/`cpu` match.
// Arguments, stdio and the exit status pass through unchanged; so do SIGINT, SIGTERM and SIGHUP.
'use strict';

const { spawn } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const target = `${process.platform}-${process.arch}`;
const platformPackage = `@drizzle-lsp/${target}`;
const executable = process.platform === 'win32' ? 'drizzle-lsp.exe' : 'drizzle-lsp';

function fail(message) {
  process.stderr.write(`drizzle-lsp: error: ${message}\n`);
  process.exit(2);
}

function findBinary() {
  let packageJson;
  try {
    packageJson = require.resolve(`${platformPackage}/package.json`);
  } catch {
    fail(
      `the package ${platformPackage}, which holds the drizzle-lsp executable for ${target}, is not ` +
        'installed. npm installs it with drizzle-lsp unless optional dependencies are left out ' +
        '(--omit=optional, --no-optional): reinstall without that. If there is no package for ' +
        `${target}, install the Python package instead: pipx install drizzle-lsp`,
    );
  }
  const binary = path.join(path.dirname(packageJson), 'bin', executable);
  if (!fs.existsSync(binary)) {
    fail(`${binary} is missing: reinstall ${platformPackage}`);
  }
  return binary;
}

const binary = findBinary();
const child = spawn(binary, process.argv.slice(2), { stdio: 'inherit', windowsHide: true });
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => child.kill(signal));
}
child.on('error', (error) => fail(`cannot run ${binary}: ${error.message}`));
child.on('exit', (code, signal) => {
  if (signal) {
    process.removeAllListeners(signal);
    process.kill(process.pid, signal);
  } else {
    process.exit(code ?? 1);
  }
});
