// Real-editor test of the drizzle-lsp VS Code extension.
//
// Builds the .vsix (or takes DRIZZLE_LSP_VSIX), installs it into a throw-away code-server profile under /tmp, opens a copy of
// tests/editors/fixtures/drizzle in Debian's Chromium (driven by playwright-core), checks the Problems
// panel, applies the "ADD COLUMN IF NOT EXISTS" quick fix through the UI and checks the file.
// Started by run.sh, which installs code-server and checks the environment; exits non-zero on failure.
//
// DRIZZLE_LSP_E2E_SERVER says where the server comes from:
//   interpreter (default)  the universal .vsix, drizzleLsp.interpreter = DRIZZLE_LSP_PYTHON, the
//                          server from this checkout's server/ (PYTHONPATH);
//   bundled                a platform .vsix that brings its own server (DRIZZLE_LSP_VSIX), no
//                          setting, and code-server's PATH holds neither Python nor drizzle-lsp.
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
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
const mode = process.env.DRIZZLE_LSP_E2E_SERVER ?? 'interpreter';
const prebuiltVsix = process.env.DRIZZLE_LSP_VSIX;
/** Prefix of the screenshots and timings in artifacts/. */
const tag = mode === 'bundled' ? 'vscode-bundled' : 'vscode';
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

/** PATH without any folder that holds a `drizzle-lsp` executable: the test exercises drizzleLsp.interpreter. */
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
  fs.mkdirSync(path.join(userData, 'User'), { recursive: true });
  fs.mkdirSync(extensions, { recursive: true });
  fs.cpSync(fixture, migrations, { recursive: true });
  const settings = {
    ...(mode === 'interpreter' ? { 'drizzleLsp.interpreter': python } : {}),
    'security.workspace.trust.enabled': false,
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
    'window.restoreWindows': 'none',
  };
  fs.writeFileSync(path.join(userData, 'User', 'settings.json'), JSON.stringify(settings, null, 2));
  const config = path.join(root, 'code-server.yaml');
  fs.writeFileSync(config, 'auth: none\ncert: false\n');
  return { root, userData, extensions, workspace, migrations, config };
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

async function startCodeServer(profile) {
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
              ...process.env,
              PATH: pathWithoutServer(),
              // the server from this checkout (DRIZZLE_LSP_SERVER_SRC overrides it, for debugging)
              PYTHONPATH: [process.env.DRIZZLE_LSP_SERVER_SRC ?? path.join(repo, 'server'), process.env.PYTHONPATH]
                .filter(Boolean)
                .join(path.delimiter),
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
  ['interpreter', 'bundled'].includes(mode) || fail(`DRIZZLE_LSP_E2E_SERVER=${mode}: interpreter or bundled`);
  mode === 'bundled' || python || fail('DRIZZLE_LSP_PYTHON is not set (run test-e2e/run.sh)');
  mode === 'interpreter' || prebuiltVsix || fail('DRIZZLE_LSP_E2E_SERVER=bundled needs DRIZZLE_LSP_VSIX');
  fs.mkdirSync(artifacts, { recursive: true });
  for (const stale of [`${tag}-quick-fix.png`, `${tag}-e2e.png`, `${tag}-e2e-failure.png`, `${tag}-e2e-timings.json`]) {
    fs.rmSync(path.join(artifacts, stale), { force: true });
  }
  const vsix = buildVsix();
  const profile = makeProfile();
  log(`profile ${profile.root}`);
  installExtension(profile, vsix);
  const server = await startCodeServer(profile);
  let browser;
  let page;
  try {
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_FLAGS });
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
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

    // No server at drizzleLsp.path: the client restarts and says so once, with "Open settings".
    // Set it in the Settings editor, as a user would.
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
    await page.screenshot({ path: path.join(artifacts, `${tag}-no-server.png`) });
    await toast.first().locator('.monaco-button', { hasText: 'Open settings' }).click();
    await page.locator('.settings-editor').first().waitFor({ timeout: 10000 });
    const query = await page.locator('.settings-editor .suggest-input-container .view-lines').first().innerText();
    query.includes('drizzle') || fail(`settings editor opened with query ${JSON.stringify(query)}`);
    log('missing server: one notification, "Open settings" opens the extension\'s settings');

    if (mode === 'bundled') {
      // No setting, no Python and no drizzle-lsp on PATH: the server inside the .vsix ran.
      const started = /Starting (\S+) serve \(found via the server bundled with the extension\)/.exec(outputChannelLog(profile));
      (started && started[1].startsWith(profile.extensions) && started[1].endsWith('/server/drizzle-lsp')) ||
        fail(`the bundled server was not started:\n${outputChannelLog(profile)}`);
      log(`the bundled server ran: ${started[1]}`);
    } else {
      // PATH has no drizzle-lsp here: the extension fell back to `<interpreter> -m drizzle_lsp`.
      outputChannelLog(profile).includes(`Starting ${python} -m drizzle_lsp serve (found via setting drizzleLsp.interpreter)`) ||
        fail(`the server was not started through drizzleLsp.interpreter:\n${outputChannelLog(profile)}`);
    }
    timings.serverInitializeMs = serverInitializeMs(profile);
    timings.totalMs = Date.now() - t0;
    console.log(`timings: ${JSON.stringify(timings)}`);
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
    try {
      process.kill(-server.child.pid, 'SIGTERM');
    } catch {
      // already gone
    }
  }
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
