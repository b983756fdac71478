// Real-editor test of the drizzle-lsp VS Code extension.
//
// Builds the .vsix (or takes DRIZZLE_LSP_VSIX), installs it into a throw-away code-server profile under /tmp, opens a copy of
// tests/editors/fixtures/drizzle in Debian's Chromium (driven by playwright-core), checks the Problems
// panel, applies the "ADD COLUMN IF NOT EXISTS" quick fix through the UI and checks the file.
// Started by run.sh, which installs code-server and checks the environment; exits non-zero on failure.
//
// DRIZZLE_LSP_E2E_SERVER says where the server comes from:
//   local-bin (default)    the universal .vsix, no setting, and `drizzle-lsp` (this checkout's
//                          server/ run by DRIZZLE_LSP_PYTHON) in ~/.local/bin of a HOME whose
//                          .local/bin is not on PATH: what a pipx install looks like to a VS Code
//                          started with a login-shell PATH. This mode also takes the server away
//                          and checks the not-found notification and each of its buttons;
//   bundled                a platform .vsix that brings its own server (DRIZZLE_LSP_VSIX), no
//                          setting, and code-server's PATH holds neither Python nor drizzle-lsp.
//
// Screenshots go to ARTIFACTS_DIR (default <repo>/artifacts, git-ignored), listed at the end.
// DRIZZLE_LSP_E2E_README=1 instead takes the README's screenshot (docs/images/vscode-problems.png):
// examples/drizzle, the Problems panel and the quick-fix menu on a J001 diagnostic.
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
const extDir = path.dirname(here);
const repo = path.resolve(extDir, '..', '..');
const fixture = path.join(repo, 'tests', 'editors', 'fixtures', 'drizzle');
const artifacts = process.env.ARTIFACTS_DIR ?? path.join(repo, 'artifacts');
const codeServer = process.env.CODE_SERVER;
const python = process.env.DRIZZLE_LSP_PYTHON;
const e2eHome = process.env.DRIZZLE_E2E_HOME ?? '/tmp/drizzle-lsp-e2e';
const mode = process.env.DRIZZLE_LSP_E2E_SERVER ?? 'local-bin';
const readmeShot = process.env.DRIZZLE_LSP_E2E_README === '1';
const prebuiltVsix = process.env.DRIZZLE_LSP_VSIX;
/** Prefix of the screenshots and timings in artifacts/. */
const tag = readmeShot ? 'vscode-readme' : mode === 'bundled' ? 'vscode-bundled' : 'vscode';
const README_IMAGE = path.join(repo, 'docs', 'images', 'vscode-problems.png');
/** What code-server and the extension host need on PATH in the bundled mode. */
const BUNDLED_PATH_TOOLS = ['node', 'sh', 'bash', 'env', 'git', 'ps', 'uname', 'cat', 'ls'];
const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

const t0 = Date.now();
const timings = {};
const log = (message) => console.log(`[e2e ${((Date.now() - t0) / 1000).toFixed(1)}s] ${message}`);

function fail(message) {
  throw new Error(message);
}

async function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function until(what, probe, timeoutMs = 60000, intervalMs = 100) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    last = await probe();
    if (last) {
      return last;
    }
    if (Date.now() > deadline) {
      fail(`timed out after ${timeoutMs} ms waiting for ${what}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** PATH without any folder that holds a `drizzle-lsp` executable: the extension must look further. */
function pathWithoutServer() {
  return (process.env.PATH ?? '')
    .split(path.delimiter)
    .filter((dir) => dir && !fs.existsSync(path.join(dir, 'drizzle-lsp')))
    .join(path.delimiter);
}

/**
 * A PATH of one folder linking to BUNDLED_PATH_TOOLS: no Python, no drizzle-lsp (node and python3
 * share /usr/bin here, so dropping folders from PATH cannot separate them).
 */
function pathWithoutPython(root) {
  const bin = path.join(root, 'bin');
  fs.mkdirSync(bin, { recursive: true });
  for (const tool of BUNDLED_PATH_TOOLS) {
    const found = (process.env.PATH ?? '')
      .split(path.delimiter)
      .map((dir) => path.join(dir, tool))
      .find((file) => fs.existsSync(file));
    found || fail(`${tool} is not on PATH`);
    fs.symlinkSync(found, path.join(bin, tool));
  }
  for (const name of ['python', 'python3', 'drizzle-lsp']) {
    fs.existsSync(path.join(bin, name)) && fail(`${name} is on the stripped PATH`);
  }
  return bin;
}

function buildVsix() {
  if (prebuiltVsix) {
    fs.existsSync(prebuiltVsix) || fail(`DRIZZLE_LSP_VSIX: no such file ${prebuiltVsix}`);
    return prebuiltVsix;
  }
  log('npm run package');
  const started = Date.now();
  execFileSync('npm', ['run', 'package'], { cwd: extDir, stdio: ['ignore', 'inherit', 'inherit'] });
  timings.packageMs = Date.now() - started;
  const vsix = path.join(extDir, 'drizzle-lsp.vsix');
  fs.existsSync(vsix) || fail(`npm run package did not produce ${vsix}`);
  return vsix;
}

function makeProfile() {
  fs.mkdirSync(e2eHome, { recursive: true });
  const root = fs.mkdtempSync(path.join(e2eHome, 'run-'));
  const userData = path.join(root, 'user-data');
  const extensions = path.join(root, 'extensions');
  const workspace = path.join(root, 'project');
  const migrations = path.join(workspace, 'drizzle');
  const home = path.join(root, 'home');
  const localBin = path.join(home, '.local', 'bin');
  fs.mkdirSync(path.join(userData, 'User'), { recursive: true });
  fs.mkdirSync(extensions, { recursive: true });
  fs.mkdirSync(localBin, { recursive: true });
  fs.cpSync(readmeShot ? path.join(repo, 'examples', 'drizzle') : fixture, migrations, { recursive: true });
  // what `pipx install` leaves in ~/.local/bin: an executable that runs the server
  const serverSrc = process.env.DRIZZLE_LSP_SERVER_SRC ?? path.join(repo, 'server');
  const localServer = path.join(localBin, 'drizzle-lsp');
  fs.writeFileSync(
    localServer,
    `#!/bin/sh\nPYTHONPATH=${JSON.stringify(serverSrc)} exec ${JSON.stringify(python ?? 'python3')} -m drizzle_lsp "$@"\n`,
    { mode: 0o755 },
  );
  const settings = {
    'security.workspace.trust.enabled': false,
    // the DOM renderer: the terminal's text can be read from the page
    'terminal.integrated.gpuAcceleration': 'off',
    'workbench.startupEditor': 'none',
    'workbench.tips.enabled': false,
    'workbench.enableExperiments': false,
    'workbench.welcomePage.walkthroughs.openOnInstall': false,
    'telemetry.telemetryLevel': 'off',
    'update.mode': 'none',
    'extensions.autoCheckUpdates': false,
    'extensions.autoUpdate': false,
    'extensions.ignoreRecommendations': true,
    'chat.commandCenter.enabled': false,
    'files.autoSave': 'off',
    'editor.minimap.enabled': false,
    'editor.stickyScroll.enabled': false,
    'window.restoreWindows': 'none',
  };
  fs.writeFileSync(path.join(userData, 'User', 'settings.json'), JSON.stringify(settings, null, 2));
  const config = path.join(root, 'code-server.yaml');
  fs.writeFileSync(config, 'auth: none\ncert: false\n');
  return { root, userData, extensions, workspace, migrations, config, home, localBin, localServer };
}

function installExtension(profile, vsix) {
  log(`installing ${path.basename(vsix)} into ${profile.extensions}`);
  const out = execFileSync(
    codeServer,
    [
      '--config', profile.config,
      '--user-data-dir', profile.userData,
      '--extensions-dir', profile.extensions,
      '--install-extension', vsix,
      '--force',
    ],
    { encoding: 'utf8' },
  );
  console.log(out.trim());
  const installed = execFileSync(
    codeServer,
    ['--config', profile.config, '--user-data-dir', profile.userData, '--extensions-dir', profile.extensions, '--list-extensions', '--show-versions'],
    { encoding: 'utf8' },
  );
  installed.includes('drizzle-lsp.drizzle-lsp@') || fail(`extension not installed; --list-extensions says: ${installed}`);
}

async function startCodeServer(profile, registry) {
  const port = await freePort();
  const logFile = path.join(profile.root, 'code-server.log');
  const out = fs.openSync(logFile, 'a');
  const child = spawn(
    codeServer,
    [
      '--config', profile.config,
      '--auth', 'none',
      '--bind-addr', `127.0.0.1:${port}`,
      '--user-data-dir', profile.userData,
      '--extensions-dir', profile.extensions,
      '--disable-telemetry',
      '--disable-update-check',
      '--disable-workspace-trust',
      '--disable-getting-started-override',
      '--ignore-last-opened',
    ],
    {
      detached: true,
      stdio: ['ignore', out, out],
      env:
        mode === 'bundled'
          ? { ...withoutPythonVariables(process.env), PATH: pathWithoutPython(profile.root) }
          : {
              ...withoutPythonVariables(process.env),
              HOME: profile.home,
              PATH: pathWithoutServer(),
              // the install button asks these for drizzle-lsp's version (registry(), below)
              npm_config_registry: `${registry.url}/npm/`,
              PIP_INDEX_URL: `${registry.url}/simple/`,
            },
    },
  );
  const url = `http://127.0.0.1:${port}`;
  await until(
    'code-server /healthz',
    async () => {
      if (child.exitCode !== null) {
        fail(`code-server exited with ${child.exitCode}: ${fs.readFileSync(logFile, 'utf8')}`);
      }
      try {
        const response = await fetch(`${url}/healthz`);
        return response.ok;
      } catch {
        return false;
      }
    },
    60000,
    200,
  );
  log(`code-server listening on ${url}`);
  return { child, url, logFile };
}

function withoutPythonVariables(env) {
  return Object.fromEntries(Object.entries(env).filter(([name]) => !/^(PYTHON|VIRTUAL_ENV)/.test(name)));
}

async function openFile(page, name) {
  await page.keyboard.press('Control+P');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible' });
  await input.fill(name);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: name }).first().waitFor();
  const started = Date.now();
  await page.keyboard.press('Enter');
  await page.locator(`.tab[data-resource-name="${name}"]`).first().waitFor();
  return started;
}

async function runCommand(page, title) {
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible' });
  await input.fill(`>${title}`);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first().waitFor();
  await page.keyboard.press('Enter');
}

/** The Problems panel as [{file, code, line, column, text}], in display order. */
async function readProblems(page) {
  const rows = await page.$$eval('.markers-panel .monaco-list-row', (elements) =>
    elements.map((element) => ({
      index: Number(element.getAttribute('data-index')),
      level: Number(element.getAttribute('aria-level')),
      label: element.getAttribute('aria-label') ?? '',
      name: element.querySelector('.label-name')?.textContent ?? '',
      severity: element.querySelector('.codicon-error')
        ? 'error'
        : element.querySelector('.codicon-warning')
          ? 'warning'
          : element.querySelector('.codicon-info')
            ? 'info'
            : undefined,
      text: element.innerText,
    })),
  );
  rows.sort((a, b) => a.index - b.index);
  const problems = [];
  let file = '';
  for (const row of rows) {
    if (row.level === 1) {
      file = row.name.trim();
      continue;
    }
    const where = /at line (\d+) and character (\d+)/.exec(row.label);
    const code = /\b([JS]\d{3})\b/.exec(row.text);
    problems.push({
      file,
      severity: row.severity,
      code: code ? code[1] : undefined,
      line: where ? Number(where[1]) : undefined,
      column: where ? Number(where[2]) : undefined,
      text: row.text.replace(/\s+/g, ' ').trim(),
    });
  }
  return problems;
}

async function editorText(page) {
  const text = await page.locator('.editor-instance .monaco-editor .view-lines').first().innerText();
  return text.replace(/\u00a0/g, ' ');
}

function findProblem(problems, file, code, line) {
  return problems.find((p) => p.file === file && p.code === code && p.line === line);
}

async function main() {
  codeServer || fail('CODE_SERVER is not set (run test-e2e/run.sh)');
  ['local-bin', 'bundled'].includes(mode) || fail(`DRIZZLE_LSP_E2E_SERVER=${mode}: local-bin or bundled`);
  mode === 'bundled' || python || fail('DRIZZLE_LSP_PYTHON is not set (run test-e2e/run.sh)');
  mode === 'local-bin' || prebuiltVsix || fail('DRIZZLE_LSP_E2E_SERVER=bundled needs DRIZZLE_LSP_VSIX');
  fs.mkdirSync(artifacts, { recursive: true });
  for (const stale of fs.readdirSync(artifacts)) {
    if (stale.startsWith(`${tag}-`) && /\.(png|json)$/.test(stale)) {
      fs.rmSync(path.join(artifacts, stale), { force: true });
    }
  }
  const vsix = buildVsix();
  const profile = makeProfile();
  log(`profile ${profile.root}`);
  installExtension(profile, vsix);
  const registry = await startRegistry();
  const server = await startCodeServer(profile, registry);
  let browser;
  let page;
  try {
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_FLAGS });
    const context = await browser.newContext({ viewport: readmeShot ? { width: 1280, height: 720 } : { width: 1440, height: 900 } });
    // Record every state of the extension's status bar item (it shows while the server scans).
    await context.addInitScript(() => {
      window.__drizzleStatus = [];
      new MutationObserver(() => {
        for (const item of document.querySelectorAll('.statusbar-item')) {
          const text = item.textContent ?? '';
          if (text.includes('drizzle-lsp') && item.querySelector('.codicon-modifier-spin, [class*="spin"]')) {
            const label = item.getAttribute('aria-label') || text;
            if (window.__drizzleStatus.at(-1) !== label) {
              window.__drizzleStatus.push(label);
            }
          }
        }
      }).observe(document, { subtree: true, childList: true, characterData: true, attributes: true });
    });
    page = await context.newPage();
    const navigated = Date.now();
    await page.goto(`${server.url}/?folder=${encodeURIComponent(profile.workspace)}`);
    await page.locator('.monaco-workbench').waitFor({ timeout: 60000 });
    await page.locator('.explorer-folders-view, .explorer-viewlet').first().waitFor({ timeout: 60000 });
    timings.workbenchMs = Date.now() - navigated;
    log(`workbench up in ${timings.workbenchMs} ms`);
    if (readmeShot) {
      await takeReadmeScreenshot(page);
      return;
    }

    // Cold: the first file opened while the extension activates and the server starts.
    await openFile(page, '0002_add_email.sql');
    await page.locator('.editor-instance .monaco-editor [class*="squiggly-"]').first().waitFor({ timeout: 90000 });
    timings.coldNavigateToSquigglesMs = Date.now() - navigated;
    log(`first diagnostics in the editor ${timings.coldNavigateToSquigglesMs} ms after navigation`);
    // Informational: when the extension activates while the window is still being restored, the
    // first scan can be over before the status bar is drawn. "Check workspace" below asserts it.
    console.log(`status bar during the first scan: ${JSON.stringify(await page.evaluate(() => window.__drizzleStatus))}`);

    // Warm: open another file, whose diagnostics the server pushed for the whole workspace.
    const opened = await openFile(page, '_journal.json');
    await page.locator('.editor-instance .monaco-editor [class*="squiggly-"]').first().waitFor({ timeout: 30000 });
    timings.warmOpenToSquigglesMs = Date.now() - opened;
    log(`_journal.json: squiggles ${timings.warmOpenToSquigglesMs} ms after opening`);

    // The Problems panel: J001 on the journal's `when`, S002 on lines 2 and 3 of 0002_add_email.sql.
    await page.keyboard.press('Control+Shift+M');
    await page.locator('.markers-panel').waitFor({ timeout: 20000 });
    const problems = await until(
      'J001 and S002 in the Problems panel',
      async () => {
        const current = await readProblems(page);
        const ok =
          findProblem(current, '_journal.json', 'J001', 22) &&
          findProblem(current, '0002_add_email.sql', 'S002', 2) &&
          findProblem(current, '0002_add_email.sql', 'S002', 3);
        return ok ? current : undefined;
      },
      30000,
      250,
    ).catch(async (error) => {
      console.error('Problems panel:', JSON.stringify(await readProblems(page), null, 2));
      throw error;
    });
    console.log('Problems panel:');
    for (const p of problems) {
      console.log(`  ${p.file}:${p.line}:${p.column} ${p.code} ${p.text}`);
    }
    // The status bar: ready, with the errors and warnings of the panel (J001; S002, S003).
    await checkStatusBar(page, profile);

    // Settings reach the server: ignoring S003 in the workspace's settings removes it.
    fs.mkdirSync(path.join(profile.workspace, '.vscode'), { recursive: true });
    fs.writeFileSync(path.join(profile.workspace, '.vscode', 'settings.json'), JSON.stringify({ 'drizzleLsp.ignore': ['S003'] }));
    await until(
      'S003 to go away after "drizzleLsp.ignore": ["S003"]',
      async () => {
        const current = await readProblems(page);
        return !current.some((p) => p.code === 'S003') && findProblem(current, '0002_add_email.sql', 'S002', 3);
      },
      20000,
      250,
    );
    log('drizzleLsp.ignore in .vscode/settings.json reached the server');

    // Quick fix through the UI: go to the S002 on line 2 from the Problems panel, Ctrl+. , pick it.
    const target = findProblem(problems, '0002_add_email.sql', 'S002', 2);
    await page
      .locator('.markers-panel .monaco-list-row', { hasText: 'S002' })
      .filter({ hasText: `[Ln 2, Col ${target.column}]` })
      .first()
      .dblclick();
    await page.locator('.tab.active[data-resource-name="0002_add_email.sql"]').waitFor();
    const fix = await until(
      'the "ADD COLUMN IF NOT EXISTS" quick fix in the Ctrl+. menu',
      async () => {
        await page.locator('.editor-instance .monaco-editor textarea').first().focus();
        await page.keyboard.press('Control+.');
        const item = page.locator('.action-widget .monaco-list-row', { hasText: 'ADD COLUMN IF NOT EXISTS' }).first();
        try {
          await item.waitFor({ timeout: 3000 });
          return item;
        } catch {
          await page.keyboard.press('Escape');
          return undefined;
        }
      },
      30000,
      500,
    );
    const menu = await page.locator('.action-widget').first().innerText();
    console.log(`Quick fix menu:\n  ${menu.split('\n').filter(Boolean).join('\n  ')}`);
    // S002's own actions: its scope (the default is "new") and every S002 fix of the folder;
    // every title fits the menu (under 60 characters)
    for (const title of ['Report S002 on every migration', 'Fix all S002 in this folder']) {
      menu.includes(title) || fail(`no "${title}" in the quick fix menu:\n${menu}`);
    }
    const long = menu.split('\n').filter((line) => line.trim().length >= 60);
    long.length === 0 || fail(`quick fix titles of 60 characters or more: ${JSON.stringify(long)}`);
    await page.screenshot({ path: path.join(artifacts, `${tag}-quick-fix.png`) });
    // The action widget puts a pointer block over the page: choose with the keyboard, like a user.
    for (let i = 0; i < 20; i++) {
      const focused = await page.locator('.action-widget .monaco-list-row.focused').first().innerText().catch(() => '');
      if (focused.includes('ADD COLUMN IF NOT EXISTS')) {
        break;
      }
      await page.keyboard.press('ArrowDown');
    }
    (await fix.getAttribute('class'))?.includes('focused') || fail('could not focus the quick fix in the menu');
    await page.keyboard.press('Enter');

    await until('the quick fix in the editor', async () =>
      (await editorText(page)).includes('ALTER TABLE "users" ADD COLUMN IF NOT EXISTS "email" text;'),
    10000);
    await page.keyboard.press('Control+S');
    const file = path.join(profile.migrations, '0002_add_email.sql');
    await until('the saved file on disk', () =>
      fs.readFileSync(file, 'utf8').includes('ALTER TABLE "users" ADD COLUMN IF NOT EXISTS "email" text;'),
    10000);
    const onDisk = fs.readFileSync(file, 'utf8');
    const original = fs.readFileSync(path.join(fixture, '0002_add_email.sql'), 'utf8');
    onDisk === original.replace('ADD COLUMN "email"', 'ADD COLUMN IF NOT EXISTS "email"') ||
      fail(`unexpected text on disk:\n${onDisk}`);
    log('quick fix applied and saved');

    // The server re-checks the edited file: S002 on line 2 goes away, the one on line 3 stays.
    await until(
      'S002 on line 2 to disappear',
      async () => {
        const current = await readProblems(page);
        return (
          !findProblem(current, '0002_add_email.sql', 'S002', 2) &&
          findProblem(current, '0002_add_email.sql', 'S002', 3)
        );
      },
      20000,
      250,
    );
    await page.screenshot({ path: path.join(artifacts, `${tag}-e2e.png`) });

    // "drizzle-lsp: Fix all in file" (source.fixAll.drizzle-lsp) fixes the second ADD COLUMN too.
    await page.locator('.editor-instance .monaco-editor textarea').first().focus();
    await runCommand(page, 'drizzle-lsp: Fix all in file');
    await until('fix all in the editor', async () =>
      (await editorText(page)).includes('ADD COLUMN IF NOT EXISTS "nickname"'),
    10000);
    await page.keyboard.press('Control+S');
    log('fix all in file applied');

    // "drizzle-lsp: Check workspace" runs the server's command without an error notification,
    // with the status bar item spinning meanwhile.
    await page.evaluate(() => {
      window.__drizzleStatus = [];
    });
    await runCommand(page, 'drizzle-lsp: Check workspace');
    await page.waitForTimeout(1500);
    const scanning = await page.evaluate(() => window.__drizzleStatus);
    console.log(`status bar during Check workspace: ${JSON.stringify(scanning)}`);
    scanning.length > 0 || fail('the drizzle-lsp status bar item did not show the workspace check');
    const errors = await page.locator('.notifications-toasts .notification-toast', { hasText: 'drizzle-lsp' }).count();
    errors === 0 || fail(`Check workspace: ${await page.locator('.notifications-toasts').innerText()}`);
    log('check workspace ran');

    await checkMenu(page, profile);

    if (mode === 'bundled') {
      // No setting, no Python and no drizzle-lsp on PATH: the server inside the .vsix ran.
      const started = /Starting (\S+) serve \(found via the server bundled with the extension\)/.exec(outputChannelLog(profile));
      (started && started[1].startsWith(profile.extensions) && started[1].endsWith('/server/drizzle-lsp')) ||
        fail(`the bundled server was not started:\n${outputChannelLog(profile)}`);
      log(`the bundled server ran: ${started[1]}`);
      await checkWrongPathSetting(page);
    } else {
      // PATH has no drizzle-lsp and no ~/.local/bin: the extension looked there on its own.
      const expected = `Starting ${profile.localServer} serve (found via ${profile.localBin} (not on PATH))`;
      outputChannelLog(profile).includes(expected) ||
        fail(`the server in ~/.local/bin was not started (${expected}):\n${outputChannelLog(profile)}`);
      log(`the server in ~/.local/bin ran (${profile.localBin} is not on PATH)`);
      await checkNotFound(page, profile);
    }
    timings.serverInitializeMs = serverInitializeMs(profile);
    timings.totalMs = Date.now() - t0;
    console.log(`timings: ${JSON.stringify(timings)}`);
    const shots = fs.readdirSync(artifacts).filter((name) => name.startsWith(`${tag}-`) && name.endsWith('.png'));
    console.log(`screenshots (${artifacts}):\n  ${shots.sort().join('\n  ')}`);
    fs.writeFileSync(path.join(artifacts, `${tag}-e2e-timings.json`), JSON.stringify(timings, null, 2));
    log('PASS');
  } catch (error) {
    if (page) {
      await page.screenshot({ path: path.join(artifacts, `${tag}-e2e-failure.png`) }).catch(() => {});
    }
    dumpLogs(profile, server);
    throw error;
  } finally {
    await browser?.close().catch(() => {});
    registry.server.close();
    try {
      process.kill(-server.child.pid, 'SIGTERM');
    } catch {
      // already gone
    }
  }
}

/**
 * A local HTTP server standing for the npm registry and the Python package index, so that what the
 * install button offers does not depend on the network: npm has no drizzle-lsp (as npmjs.com
 * today), the index has this version (as PyPI will after a release).
 */
async function startRegistry() {
  const version = JSON.parse(fs.readFileSync(path.join(extDir, 'package.json'), 'utf8')).version;
  const server = http.createServer((request, response) => {
    if (request.url === '/simple/drizzle-lsp/') {
      const wheel = `drizzle_lsp-${version}-py3-none-any.whl`;
      response.writeHead(200, { 'content-type': 'text/html' });
      response.end(`<html><body><a href="../../files/${wheel}">${wheel}</a></body></html>`);
    } else {
      response.writeHead(404, { 'content-type': 'application/json' });
      response.end('{"error":"Not found"}');
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, version, url: `http://127.0.0.1:${server.address().port}` };
}

async function shot(page, name) {
  await page.screenshot({ path: path.join(artifacts, `${tag}-${name}.png`) });
}

/** The extension's status bar item: its accessible label ("drizzle-lsp: ready, 1 error, 3 warnings"). */
async function statusBarLabel(page) {
  return (await page.locator('.statusbar [aria-label^="drizzle-lsp:"]').first().getAttribute('aria-label', { timeout: 10000 })) ?? '';
}

/** The rows of the open quick pick, as text. */
async function quickPickRows(page) {
  await page.locator('.quick-input-widget .quick-input-list .monaco-list-row').first().waitFor({ timeout: 10000 });
  return page.$$eval('.quick-input-widget .quick-input-list .monaco-list-row', (rows) =>
    rows.map((row) => row.innerText.replace(/\s+/g, ' ').trim()),
  );
}

/** Type `filter` into the open quick pick and take the row that contains `text`. */
async function pick(page, filter, text) {
  const input = page.locator('.quick-input-widget input');
  await input.fill(filter);
  const row = page.locator('.quick-input-widget .quick-input-list .monaco-list-row', { hasText: text }).first();
  await row.waitFor({ timeout: 10000 });
  await row.click();
}

async function openMenu(page) {
  await page.locator('.statusbar [aria-label^="drizzle-lsp:"]').first().click();
  await page.locator('.quick-input-widget', { hasText: 'drizzle-lsp' }).first().waitFor({ timeout: 10000 });
  return quickPickRows(page);
}

/** The status bar shows the server ready, with the errors and warnings the Problems panel lists. */
async function checkStatusBar(page, profile) {
  const { label, problems } = await until(
    'the status bar counts to match the Problems panel',
    async () => {
      const current = await readProblems(page);
      const errors = current.filter((p) => p.severity === 'error').length;
      const warnings = current.filter((p) => p.severity === 'warning').length;
      const expected = `drizzle-lsp: ready, ${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}`;
      const label = await statusBarLabel(page);
      return label === expected && current.length > 0 ? { label, problems: current } : undefined;
    },
    20000,
    250,
  ).catch(async (error) => {
    console.error(`status bar: ${await statusBarLabel(page)}; problems: ${JSON.stringify(await readProblems(page))}`);
    throw error;
  });
  const item = page.locator('.statusbar [aria-label^="drizzle-lsp:"]').first();
  const text = (await item.innerText()).replace(/\s+/g, ' ').trim();
  console.log(`status bar item: "${text}" (${label}; ${problems.length} problems in the panel)`);
  // what a sighted user reads: ✓ drizzle-lsp ⊗ <errors> ⚠ <warnings>
  const [, errors, warnings] = /(\d+) errors?, (\d+) warnings?$/.exec(label);
  text === `drizzle-lsp ${errors} ${warnings}` || fail(`status bar text "${text}" for ${label}`);
  const icons = await item.locator('.codicon').evaluateAll((nodes) => nodes.map((node) => node.className));
  ['codicon-check', 'codicon-error', 'codicon-warning'].every((icon, index) => icons[index]?.includes(icon)) ||
    fail(`status bar icons ${JSON.stringify(icons)}`);
  // The server's own log lines (window/logMessage) are in the output channel.
  const logged = outputChannelLog(profile).split('\n').filter((line) => /\] checked /.test(line));
  logged.length > 0 || fail(`no "checked …" line of the server in the output channel:\n${outputChannelLog(profile)}`);
  console.log(`output channel, the server's lines:\n  ${logged.slice(-4).join('\n  ')}`);
  // One line per folder (the server's contract): its counts are the status bar's.
  const perFolder = logged.map((line) => /checked (\S+): (\d+) problems? \((\d+) errors?, (\d+) warnings?\) in \d+ ms/.exec(line)).filter(Boolean);
  if (perFolder.length > 0) {
    const last = perFolder.at(-1);
    label.endsWith(`${last[3]} error${last[3] === '1' ? '' : 's'}, ${last[4]} warning${last[4] === '1' ? '' : 's'}`) ||
      fail(`the output says ${last[0]}, the status bar ${label}`);
    console.log(`the server's last per-folder line agrees with the status bar: ${last[0]}`);
  }
}

/** The status bar item's menu: its items, "Show output" and "S002 scope" (written to the settings). */
async function checkMenu(page, profile) {
  const rows = await openMenu(page);
  console.log(`status bar menu: ${JSON.stringify(rows)}`);
  const expected = ['Restart server', 'Show output', 'Check workspace', 'S002 scope: new'];
  expected.every((item, index) => rows[index]?.startsWith(item)) || fail(`menu items ${JSON.stringify(rows)}, expected ${expected}`);
  rows.some((row) => row.includes('Refresh database')) && fail('"Refresh database" without drizzleLsp.databaseUrl');
  await shot(page, 'status-menu');

  await pick(page, 'Show output', 'Show output');
  await until(
    'the output channel with the server\'s lines',
    async () => {
      const texts = await page.$$eval('.view-lines', (views) => views.map((view) => view.innerText.replace(/\u00a0/g, ' ')));
      // the channel scrolls to its end: the server's latest lines are the ones drawn
      return texts.some((text) => /\] checked /.test(text));
    },
    10000,
    250,
  );
  await shot(page, 'output');
  log('menu: Show output shows the channel with the server\'s lines');

  await page.evaluate(() => {
    window.__drizzleStatus = [];
  });
  await openMenu(page);
  await pick(page, 'Check', 'Check workspace');
  await page.waitForTimeout(1500);
  const checking = await page.evaluate(() => window.__drizzleStatus);
  checking.some((label) => label.startsWith('drizzle-lsp: checking')) ||
    fail(`menu: Check workspace did not show in the status bar: ${JSON.stringify(checking)}`);
  log(`menu: Check workspace ran (${JSON.stringify(checking)})`);

  await openMenu(page);
  await pick(page, 'S002', 'S002 scope');
  const scopes = await quickPickRows(page);
  console.log(`S002 scope menu: ${JSON.stringify(scopes)}`);
  ['new', 'at-risk', 'all'].every((scope, index) => scopes[index]?.startsWith(scope)) ||
    fail(`S002 scopes ${JSON.stringify(scopes)}`);
  await shot(page, 's002-scope');
  await pick(page, 'all', 'every migration');
  const settingsFile = path.join(profile.workspace, '.vscode', 'settings.json');
  await until('drizzleLsp.s002Scope "all" in .vscode/settings.json', () => {
    let settings;
    try {
      settings = JSON.parse(fs.readFileSync(settingsFile, 'utf8'));
    } catch {
      return false; // being written
    }
    return settings['drizzleLsp.s002Scope'] === 'all' && settings['drizzleLsp.ignore']?.[0] === 'S003';
  }, 10000);
  await until('the menu to show "S002 scope: all"', async () => {
    const rows = await openMenu(page);
    await page.keyboard.press('Escape');
    return rows.some((row) => row.startsWith('S002 scope: all'));
  }, 10000, 500);
  log('menu: S002 scope "all" written to the workspace settings');
}

/** Restart from the menu (the server is gone): the not-found notification. */
async function restartToNotFound(page) {
  await openMenu(page);
  await pick(page, 'Restart', 'Restart server');
  const toast = page.locator('.notifications-toasts .notification-toast', { hasText: 'was not found' }).first();
  await toast.waitFor({ timeout: 20000 });
  return toast;
}

/** No server anywhere: the notification says where it looked; each of its buttons works. */
async function checkNotFound(page, profile) {
  const readyLabel = await statusBarLabel(page);
  const away = `${profile.localServer}.away`;
  fs.renameSync(profile.localServer, away);
  let toast = await restartToNotFound(page);
  const text = (await toast.innerText()).replace(/\s+/g, ' ');
  console.log(`not-found notification: ${text}`);
  for (const part of [
    'the language server was not found',
    'Searched PATH (',
    '/usr/bin',
    `${profile.workspace}/.venv/bin`,
    '~/.local/bin',
    '~/.local/share/pipx/venvs/drizzle-lsp/bin',
    '~/.local/share/uv/tools/drizzle-lsp/bin',
    'Install…',
    'Restart server',
    'Open settings',
  ]) {
    text.includes(part) || fail(`the notification lacks ${JSON.stringify(part)}: ${text}`);
  }
  (await statusBarLabel(page)) === 'drizzle-lsp: not found' || fail(`status bar: ${await statusBarLabel(page)}`);
  await shot(page, 'not-found');

  // "Open settings": drizzleLsp.path, in the Remote tab (code-server is a remote window).
  await toast.locator('.monaco-button', { hasText: 'Open settings' }).click();
  const editor = page.locator('.settings-editor').first();
  await editor.waitFor({ timeout: 10000 });
  await editor.locator('input[aria-label="drizzleLsp.path"]').first().waitFor({ timeout: 10000 });
  const query = await editor.locator('.suggest-input-container .view-lines').first().innerText();
  query.replace(/\u00a0/g, ' ').trim() === 'drizzleLsp.path' || fail(`settings opened with the query ${JSON.stringify(query)}`);
  const tab = await editor.locator('.settings-tabs-widget .action-label.checked').first().innerText();
  tab.includes('Remote') || fail(`settings opened in the ${JSON.stringify(tab)} tab, not Remote`);
  await shot(page, 'open-settings');
  await runCommand(page, 'View: Close Editor');
  log('not found: "Open settings" shows drizzleLsp.path in the Remote tab');

  // "Install…": what the registries have, and a source folder; the command typed into a terminal.
  toast = await restartToNotFound(page);
  await toast.locator('.monaco-button', { hasText: 'Install' }).click();
  const title = page.locator('.quick-input-widget .quick-input-title').first();
  await until('the install quick pick', async () => (await title.innerText().catch(() => '')).includes('Install drizzle-lsp'), 20000);
  const titleText = await title.innerText();
  const offered = await quickPickRows(page);
  console.log(`install menu "${titleText}": ${JSON.stringify(offered)}`);
  titleText.includes('is not on npm') || fail(`the install title does not say npm lacks it: ${titleText}`);
  offered.some((row) => row.includes(`pip install drizzle-lsp==`) && row.includes('PyPI')) ||
    fail(`no PyPI command offered: ${JSON.stringify(offered)}`);
  offered.some((row) => row.startsWith('npm')) && fail(`npm offered though the registry has no drizzle-lsp: ${offered}`);
  await shot(page, 'install');
  await pick(page, 'source folder', 'From a drizzle-lsp source folder');
  // code-server's folder dialog is a quick input that takes a typed path
  await page.locator('.quick-input-widget .quick-input-title', { hasText: 'The drizzle-lsp folder' }).first().waitFor({ timeout: 10000 });
  const dialogInput = page.locator('.quick-input-widget input');
  // the dialog fills in its own starting folder shortly after it opens: type until ours stays
  await until('the source folder typed in the dialog', async () => {
    await dialogInput.fill(`${repo}/`);
    await page.waitForTimeout(300);
    return (await dialogInput.inputValue()) === `${repo}/` ? true : undefined;
  }, 10000, 200);
  await page.keyboard.press('Enter');
  const terminal = page.locator('.terminal-wrapper .xterm-rows, .xterm .xterm-rows').first();
  const typed = await until(
    'the install command in the terminal',
    async () => {
      const rows = (await terminal.innerText().catch(() => '')).replace(/\u00a0/g, ' ').replace(/\n/g, '');
      return rows.includes('pip install') && rows.includes(repo.slice(-20)) ? rows : undefined;
    },
    20000,
    250,
  ).catch(async (error) => {
    await shot(page, 'install-failure');
    throw error;
  });
  console.log(`terminal: ${typed.trim().slice(-300)}`);
  typed.includes(`python3 -m venv ~/.local/share/drizzle-lsp/venv && ~/.local/share/drizzle-lsp/venv/bin/pip install ${repo}`) ||
    fail(`unexpected install command: ${typed}`);
  await page.locator('.notifications-toasts .notification-toast', { hasText: 'press Enter in the terminal' }).first().waitFor({ timeout: 10000 });
  await shot(page, 'install-terminal');
  log('not found: "Install…" typed the install command from the source folder into a terminal');

  // "Restart server", once the server is back: found again, ready, with its counts.
  toast = await restartToNotFound(page);
  fs.renameSync(away, profile.localServer);
  await toast.locator('.monaco-button', { hasText: 'Restart server' }).click();
  // ready, and the counts of before: the new server's diagnostics reached the status bar
  await until(`the status bar to read "${readyLabel}" again`, async () => (await statusBarLabel(page)) === readyLabel, 30000, 250);
  const starts = outputChannelLog(profile).split(`Starting ${profile.localServer} serve`).length - 1;
  starts >= 2 || fail(`the server was not started again from ~/.local/bin (${starts} starts)`);
  log(`not found: "Restart server" found the server again: ${await statusBarLabel(page)}`);
}

/** A wrong drizzleLsp.path (set in the Settings editor, as a user would): one notification. */
async function checkWrongPathSetting(page) {
  await runCommand(page, 'Preferences: Open User Settings');
  const search = page.locator('.settings-editor .suggest-input-container textarea, .settings-editor .suggest-input-container input').first();
  await search.waitFor({ timeout: 10000 });
  await search.fill('drizzleLsp.path');
  // drizzleLsp.path is machine-overridable: in code-server (a remote window) it is under "Remote".
  await page.locator('.settings-editor .settings-tabs-widget .action-label', { hasText: 'Remote' }).first().click();
  const pathInput = page.locator('.settings-editor input[aria-label="drizzleLsp.path"]').first();
  await pathInput.waitFor({ timeout: 10000 });
  await pathInput.fill('/nonexistent/drizzle-lsp');
  await pathInput.press('Tab');
  const toast = page.locator('.notifications-toasts .notification-toast', { hasText: 'drizzleLsp.path' });
  await toast.first().waitFor({ timeout: 30000 });
  await page.waitForTimeout(1000); // would a second notification follow?
  const toasts = await page.locator('.notifications-toasts .notification-toast', { hasText: 'drizzle-lsp' }).count();
  toasts === 1 || fail(`expected one drizzle-lsp notification, saw ${toasts}`);
  console.log(`Notification: ${(await toast.first().innerText()).replace(/\s+/g, ' ')}`);
  (await statusBarLabel(page)) === 'drizzle-lsp: failed' || fail(`status bar: ${await statusBarLabel(page)}`);
  await shot(page, 'no-server');
  log('wrong drizzleLsp.path: one notification, the status bar says failed');
}

/**
 * docs/images/vscode-problems.png: examples/drizzle, the Problems panel, and the quick-fix menu
 * open on the first J001 of the journal. Cropped to the editor and the panel, under 200 KB.
 */
async function takeReadmeScreenshot(page) {
  await openFile(page, '_journal.json');
  await page.locator('.editor-instance .monaco-editor [class*="squiggly-"]').first().waitFor({ timeout: 90000 });
  await runCommand(page, 'View: Close Primary Side Bar');
  await page.keyboard.press('Control+Shift+M');
  await page.locator('.markers-panel').waitFor({ timeout: 20000 });
  await until('J001 in the Problems panel', async () => (await readProblems(page)).some((p) => p.code === 'J001'), 30000, 250);
  await page.locator('.markers-panel .monaco-list-row', { hasText: 'J001' }).first().dblclick();
  await page.locator('.tab.active[data-resource-name="_journal.json"]').waitFor();
  await until(
    'the quick-fix menu on J001',
    async () => {
      await page.locator('.editor-instance .monaco-editor textarea').first().focus();
      await page.keyboard.press('Control+.');
      try {
        await page.locator('.action-widget .monaco-list-row').first().waitFor({ timeout: 3000 });
        return true;
      } catch {
        await page.keyboard.press('Escape');
        return false;
      }
    },
    30000,
    500,
  );
  await page.waitForTimeout(500);
  const menu = await page.locator('.action-widget').first().innerText();
  console.log(`Quick fix menu on J001:\n  ${menu.split('\n').filter(Boolean).join('\n  ')}`);
  const box = await page.locator('.monaco-workbench').boundingBox();
  const activityBar = await page.locator('.part.activitybar').boundingBox().catch(() => null);
  const left = activityBar ? activityBar.x + activityBar.width : 0;
  fs.mkdirSync(path.dirname(README_IMAGE), { recursive: true });
  await page.screenshot({
    path: README_IMAGE,
    clip: { x: left, y: box.y, width: box.width - left, height: box.height },
  });
  const size = fs.statSync(README_IMAGE).size;
  size < 200_000 || fail(`${README_IMAGE} is ${size} bytes, over 200 KB`);
  log(`README screenshot: ${README_IMAGE} (${Math.round(size / 1024)} KB)`);
}

/** The extension's output channel, from the profile's logs. */
function outputChannelLog(profile) {
  const logs = path.join(profile.userData, 'logs');
  return fs
    .readdirSync(logs, { recursive: true })
    .filter((name) => String(name).endsWith('drizzle-lsp.log'))
    .map((name) => fs.readFileSync(path.join(logs, String(name)), 'utf8'))
    .join('\n');
}

/** "Server running (N ms to initialize)" from the output channel. */
function serverInitializeMs(profile) {
  const match = /Server running \((\d+) ms to initialize\)/.exec(outputChannelLog(profile));
  return match ? Number(match[1]) : undefined;
}

function dumpLogs(profile, server) {
  console.error(`--- code-server log (${server.logFile}) ---`);
  console.error(fs.readFileSync(server.logFile, 'utf8').slice(-4000));
  const logs = path.join(profile.userData, 'logs');
  const files = fs.existsSync(logs) ? fs.readdirSync(logs, { recursive: true }) : [];
  for (const name of files) {
    if (/drizzle|exthost\.log|remoteagent\.log/i.test(String(name))) {
      const file = path.join(logs, String(name));
      if (fs.statSync(file).isFile()) {
        console.error(`--- ${file} ---`);
        console.error(fs.readFileSync(file, 'utf8').slice(-4000));
      }
    }
  }
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(`e2e FAILED: ${error.stack ?? error}`);
    process.exit(1);
  },
);
