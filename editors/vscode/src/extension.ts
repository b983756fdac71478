// VS Code client for drizzle-lsp: finds the language server, starts it over stdio and
// forwards the `drizzleLsp.*` settings. All analysis happens in the server.
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import {
  CloseAction,
  CloseHandlerResult,
  DidChangeConfigurationNotification,
  ErrorAction,
  ErrorHandlerResult,
  ExecuteCommandRequest,
  LanguageClient,
  LanguageClientOptions,
  Message,
  NotificationHandler,
  ProgressType,
  RevealOutputChannelOn,
  ServerOptions,
  State,
  TransportKind,
  WorkDoneProgress,
  WorkDoneProgressBegin,
  WorkDoneProgressReport,
  WorkDoneProgressEnd,
} from 'vscode-languageclient/node';
import { installChoices, isSourceFolder, publishedVersions } from './installSources';
import { findServer as lookupServer, Launch, LaunchError } from './serverLookup';

const SECTION = 'drizzleLsp';
const NAME = 'drizzle-lsp';
/** Settings passed to the server; the same keys as `drizzle-lsp.toml`. */
const SERVER_KEYS = [
  'select',
  'ignore',
  'perFileIgnores',
  'migrations',
  's002Scope',
  'databaseUrl',
  'migrationsSchema',
  'migrationsTable',
  'driver',
] as const;
/** Settings that only this extension reads: changing them restarts the server. */
const LAUNCH_KEYS = ['path', 'interpreter'] as const;
const FIX_ALL_KIND = vscode.CodeActionKind.SourceFixAll.append(NAME);
const SERVER_COMMANDS = {
  checkWorkspace: 'drizzle-lsp.checkWorkspace',
  refreshDatabase: 'drizzle-lsp.refreshDatabase',
};
/** drizzleLsp.s002Scope's values, as the status bar menu offers them. */
const S002_SCOPES = [
  { value: 'new', description: 'migrations not yet on the base branch, and the ones at risk (default)' },
  { value: 'at-risk', description: 'only migrations that may run twice: J001/J005, or pending on the database' },
  { value: 'all', description: 'every migration' },
] as const;
const MAX_RESTARTS = 4;
const RESTART_WINDOW_MS = 3 * 60 * 1000;
const MIN_SPIN_MS = 600;

let output: vscode.OutputChannel;
let status: ServerStatus;
let client: DrizzleClient | undefined;
let starting: Promise<void> | undefined;
let failureShown = false;
/** Why the last lookup found no server, for a command that needs one. */
let notFound: LaunchError | undefined;
let extensionPath = '';

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  extensionPath = context.extensionPath;
  output = vscode.window.createOutputChannel(NAME);
  status = new ServerStatus();
  context.subscriptions.push(
    output,
    status,
    vscode.languages.onDidChangeDiagnostics(() => status.diagnosticsChanged(client?.diagnostics)),
    vscode.commands.registerCommand('drizzleLsp.showMenu', () => showMenu()),
    vscode.commands.registerCommand('drizzleLsp.chooseS002Scope', () => chooseS002Scope()),
    vscode.commands.registerCommand('drizzleLsp.installServer', () => installServer()),
    vscode.commands.registerCommand('drizzleLsp.restartServer', () => restart()),
    vscode.commands.registerCommand('drizzleLsp.showOutput', () => output.show(true)),
    vscode.commands.registerCommand('drizzleLsp.fixAll', () => fixAllInActiveEditor()),
    vscode.commands.registerCommand('drizzleLsp.checkWorkspace', () =>
      runServerCommand(SERVER_COMMANDS.checkWorkspace, 'Checking workspace'),
    ),
    vscode.commands.registerCommand('drizzleLsp.refreshDatabase', () =>
      runServerCommand(SERVER_COMMANDS.refreshDatabase, 'Reading applied migrations'),
    ),
    vscode.workspace.onDidChangeConfiguration((event) => onConfigurationChanged(event)),
    { dispose: () => void stopClient() },
  );
  await start();
}

export async function deactivate(): Promise<void> {
  await stopClient();
}

// ---------------------------------------------------------------------------------------------
// Server discovery

function expandVariables(value: string): string {
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? '';
  let expanded = value
    .replace(/\$\{workspaceFolder\}/g, folder)
    .replace(/\$\{userHome\}/g, os.homedir())
    .replace(/\$\{env:([^}]+)\}/g, (_match, name: string) => process.env[name] ?? '');
  if (expanded === '~' || expanded.startsWith('~/')) {
    expanded = path.join(os.homedir(), expanded.slice(1));
  }
  if (!path.isAbsolute(expanded) && expanded.includes(path.sep) && folder) {
    expanded = path.resolve(folder, expanded);
  }
  return expanded;
}

/**
 * The server to start (see serverLookup.ts for the order). Throws a LaunchError whose message
 * says what was tried.
 */
function findServer(): Promise<Launch> {
  const config = vscode.workspace.getConfiguration(SECTION);
  const configured = (key: string) => {
    const value = (config.get<string>(key) ?? '').trim();
    return value ? expandVariables(value) : '';
  };
  return lookupServer({
    configuredPath: configured('path'),
    configuredInterpreter: configured('interpreter'),
    extensionPath,
    // an executable inside an untrusted workspace is that workspace's code: not run
    workspaceFolders: vscode.workspace.isTrusted
      ? (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file').map((f) => f.uri.fsPath)
      : [],
  });
}

// ---------------------------------------------------------------------------------------------
// Settings

type Settings = Record<string, unknown>;

/**
 * The `drizzleLsp` settings the user set explicitly (defaults are left out so that the project's
 * drizzle-lsp.toml decides whatever the editor does not).
 */
function serverSettings(scope?: vscode.Uri): Settings {
  const config = vscode.workspace.getConfiguration(SECTION, scope ?? null);
  const settings: Settings = {};
  for (const key of SERVER_KEYS) {
    const inspected = config.inspect(key);
    if (!inspected) {
      continue;
    }
    const value =
      key === 'databaseUrl'
        ? inspected.globalValue // machine-scoped: never from a workspace
        : (inspected.workspaceFolderValue ?? inspected.workspaceValue ?? inspected.globalValue);
    if (value !== undefined && value !== null && value !== '') {
      settings[key] = value;
    }
  }
  return settings;
}

function onConfigurationChanged(event: vscode.ConfigurationChangeEvent): void {
  if (!event.affectsConfiguration(SECTION)) {
    return;
  }
  if (LAUNCH_KEYS.some((key) => event.affectsConfiguration(`${SECTION}.${key}`))) {
    output.appendLine('drizzleLsp.path or drizzleLsp.interpreter changed: restarting the server');
    void restart();
    return;
  }
  if (client?.state === State.Running) {
    void client.sendNotification(DidChangeConfigurationNotification.type, {
      settings: { [SECTION]: serverSettings() },
    });
  }
}

// ---------------------------------------------------------------------------------------------
// Status: one status bar item for as long as the extension runs, with the server's state and the
// number of its errors and warnings; a click opens the extension's menu.

type ProgressValue = WorkDoneProgressBegin | WorkDoneProgressReport | WorkDoneProgressEnd;
type ServerState = 'starting' | 'ready' | 'failed' | 'not found';

class ServerStatus implements vscode.Disposable {
  private readonly item: vscode.StatusBarItem;
  private readonly active = new Map<string, { title: string; message?: string; percentage?: number }>();
  private state: ServerState = 'starting';
  private reason: string | undefined;
  private errors = 0;
  private warnings = 0;
  /** When the spinner appeared: it stays at least MIN_SPIN_MS, a flash of a few ms helps nobody. */
  private spinningSince: number | undefined;
  private pendingRender: NodeJS.Timeout | undefined;
  private pendingCount: NodeJS.Timeout | undefined;

  constructor() {
    this.item = vscode.window.createStatusBarItem('drizzleLsp.status', vscode.StatusBarAlignment.Left, 10);
    this.item.name = 'drizzle-lsp';
    this.item.command = 'drizzleLsp.showMenu';
    this.render();
    this.item.show();
  }

  setState(state: ServerState, reason?: string): void {
    this.state = state;
    this.reason = reason;
    this.render();
  }

  get current(): ServerState {
    return this.state;
  }

  progress(token: string | number, value: ProgressValue): void {
    const key = String(token);
    if (value.kind === 'begin') {
      this.active.set(key, { title: value.title, message: value.message, percentage: value.percentage });
    } else if (value.kind === 'report') {
      const entry = this.active.get(key);
      if (entry) {
        entry.message = value.message ?? entry.message;
        entry.percentage = value.percentage ?? entry.percentage;
      }
    } else {
      this.active.delete(key);
    }
    this.render();
  }

  /** A command of ours running (check workspace): shown like a scan. */
  async around<T>(title: string, work: () => Thenable<T>): Promise<T> {
    const key = `local:${title}:${Date.now()}`;
    this.active.set(key, { title });
    this.render();
    try {
      return await work();
    } finally {
      this.active.delete(key);
      this.render();
    }
  }

  clearProgress(): void {
    this.active.clear();
    this.render();
  }

  /** Re-count the server's diagnostics, at most every 100 ms (a scan publishes file by file). */
  diagnosticsChanged(collection: vscode.DiagnosticCollection | undefined): void {
    if (this.pendingCount) {
      return;
    }
    this.pendingCount = setTimeout(() => {
      this.pendingCount = undefined;
      let errors = 0;
      let warnings = 0;
      collection?.forEach((_uri, diagnostics) => {
        for (const diagnostic of diagnostics) {
          if (diagnostic.severity === vscode.DiagnosticSeverity.Error) {
            errors++;
          } else if (diagnostic.severity === vscode.DiagnosticSeverity.Warning) {
            warnings++;
          }
        }
      });
      if (errors !== this.errors || warnings !== this.warnings) {
        this.errors = errors;
        this.warnings = warnings;
        this.render();
      }
    }, 100);
  }

  private render(): void {
    const current = [...this.active.values()].pop();
    if (this.pendingRender) {
      clearTimeout(this.pendingRender);
      this.pendingRender = undefined;
    }
    if (!current && this.spinningSince !== undefined) {
      const left = this.spinningSince + MIN_SPIN_MS - Date.now();
      if (left > 0) {
        this.pendingRender = setTimeout(() => this.render(), left);
        return;
      }
    }
    this.spinningSince = current ? (this.spinningSince ?? Date.now()) : undefined;
    const counts = `$(error) ${this.errors} $(warning) ${this.warnings}`;
    const countsText = `${plural(this.errors, 'error')}, ${plural(this.warnings, 'warning')}`;
    const click = 'Click for the drizzle-lsp menu.';
    const spoken = this.state === 'ready' ? (current ? 'checking' : 'ready') : this.state;
    this.item.accessibilityInformation = {
      label: `drizzle-lsp: ${spoken}${this.state === 'ready' ? `, ${countsText}` : ''}`,
      role: 'button',
    };
    this.item.backgroundColor = undefined;
    if (this.state === 'not found' || this.state === 'failed') {
      this.item.text = this.state === 'not found' ? '$(warning) drizzle-lsp: not found' : '$(error) drizzle-lsp: failed';
      this.item.tooltip = `${this.reason ?? ''}\n\n${click}`.trim();
      this.item.backgroundColor = new vscode.ThemeColor(
        this.state === 'not found' ? 'statusBarItem.warningBackground' : 'statusBarItem.errorBackground',
      );
    } else if (this.state === 'starting') {
      this.item.text = '$(sync~spin) drizzle-lsp: starting';
      this.item.tooltip = `Starting the drizzle-lsp server.\n\n${click}`;
    } else if (current) {
      const percentage = current.percentage !== undefined ? ` ${Math.round(current.percentage)}%` : '';
      const message = current.message ? `: ${current.message}` : '';
      this.item.text = `$(sync~spin) drizzle-lsp: checking${percentage} ${counts}`;
      this.item.tooltip = `${current.title}${message}\n${countsText}\n\n${click}`;
    } else {
      this.item.text = `$(check) drizzle-lsp ${counts}`;
      this.item.tooltip = `drizzle-lsp is ready: ${countsText} in the migrations folders.\n\n${click}`;
    }
  }

  dispose(): void {
    clearTimeout(this.pendingRender);
    clearTimeout(this.pendingCount);
    this.item.dispose();
  }
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

// ---------------------------------------------------------------------------------------------
// The client

/** LanguageClient that routes every error to one notification and mirrors progress in the status bar. */
class DrizzleClient extends LanguageClient {
  override onProgress<P>(
    type: ProgressType<P>,
    token: string | number,
    handler: NotificationHandler<P>,
  ): vscode.Disposable {
    if ((type as unknown) !== WorkDoneProgress.type) {
      return super.onProgress(type, token, handler);
    }
    return super.onProgress(type, token, (value: P) => {
      status.progress(token, value as unknown as ProgressValue);
      handler(value);
    });
  }

  override error(message: string, data?: unknown, showNotification: boolean | 'force' = true): void {
    super.error(message, data, false);
    if (showNotification) {
      notifyFailure(message);
    }
  }
}

function notifyFailure(message: string): void {
  status.setState('failed', message);
  if (failureShown) {
    return; // one notification per start attempt
  }
  failureShown = true;
  void vscode.window
    .showErrorMessage(`drizzle-lsp: ${message}`, 'Show output', 'Restart server', 'Open settings')
    .then((choice) => onNotificationButton(choice));
}

/** No server anywhere: say where the extension looked, and offer what can fix it. */
function notifyNotFound(error: LaunchError): void {
  status.setState('not found', error.message);
  if (failureShown) {
    return;
  }
  failureShown = true;
  const home = os.homedir();
  const short = (folder: string) => (home && folder.startsWith(home + path.sep) ? `~${folder.slice(home.length)}` : folder);
  const searched = error.searchedPath
    ? `Searched PATH (${error.searchedPath}) and ${error.folders.map(short).join(', ')}.`
    : error.tried.join('; ');
  void vscode.window
    .showWarningMessage(`drizzle-lsp: the language server was not found. ${searched}`, 'Install…', 'Restart server', 'Open settings')
    .then((choice) => onNotificationButton(choice));
}

function onNotificationButton(choice: string | undefined): void {
  if (choice === 'Install…') {
    void installServer();
  } else if (choice === 'Restart server') {
    void restart();
  } else if (choice === 'Open settings') {
    void openPathSetting();
  } else if (choice === 'Show output') {
    output.show(true);
  }
}

/**
 * The Settings editor on drizzleLsp.path, in the tab that shows it: in a remote window (SSH, WSL,
 * a dev container, code-server) a machine-overridable setting is edited under "Remote", and the
 * User tab does not list it.
 */
function openPathSetting(): Thenable<unknown> {
  const command = vscode.env.remoteName ? 'workbench.action.openRemoteSettings' : 'workbench.action.openSettings';
  return vscode.commands.executeCommand(command, { query: `${SECTION}.path` });
}

// ---------------------------------------------------------------------------------------------
// Installing the server: a command typed into a terminal, from a source that has this version

async function installServer(): Promise<void> {
  const version = String(vscode.extensions.getExtension(`${NAME}.${NAME}`)?.packageJSON?.version ?? '');
  const published = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `drizzle-lsp: looking for ${version} on npm and PyPI` },
    () => publishedVersions(version),
  );
  const root = vscode.workspace.workspaceFolders?.[0]?.uri;
  let nodeProject = false;
  if (root) {
    try {
      await vscode.workspace.fs.stat(vscode.Uri.joinPath(root, 'package.json'));
      nodeProject = true;
    } catch {
      nodeProject = false;
    }
  }
  const fromSource = '$(folder) From a drizzle-lsp source folder…';
  const registryChoices = installChoices({ version, published, nodeProject });
  const unpublished = [!published.npm && 'npm', !published.pypi && 'PyPI'].filter(Boolean).join(' or ');
  const picked = await vscode.window.showQuickPick(
    [
      ...registryChoices.map((choice) => ({
        label: `$(package) ${choice.label}`,
        description: choice.detail,
        detail: choice.command,
        command: choice.command,
      })),
      { label: fromSource, description: 'a checkout of the repository or an unpacked release', command: '' },
    ],
    {
      title: `Install drizzle-lsp ${version}` + (unpublished ? ` (${version} is not on ${unpublished})` : ''),
      placeHolder: 'The command is typed into a terminal: press Enter there to run it',
    },
  );
  if (!picked) {
    return;
  }
  let command = picked.command;
  if (!command) {
    const folder = await vscode.window.showOpenDialog({
      canSelectFolders: true,
      canSelectFiles: false,
      canSelectMany: false,
      openLabel: 'Install from this folder',
      title: 'The drizzle-lsp folder (the one holding pyproject.toml)',
    });
    if (!folder?.[0]) {
      return;
    }
    if (!isSourceFolder(folder[0].fsPath)) {
      void vscode.window.showErrorMessage(
        `drizzle-lsp: ${folder[0].fsPath} has no pyproject.toml of drizzle-lsp: choose the folder of a checkout.`,
      );
      return;
    }
    const choices = installChoices({ version, published: { npm: false, pypi: false }, nodeProject, sourceFolder: folder[0].fsPath });
    if (choices.length === 0) {
      void vscode.window.showErrorMessage('drizzle-lsp: installing from source needs pipx, uv or python3 on PATH.');
      return;
    }
    command = choices[0].command;
  }
  const terminal = vscode.window.createTerminal({ name: 'drizzle-lsp install' });
  terminal.show();
  terminal.sendText(command, false);
  output.appendLine(`Install command typed into the terminal "drizzle-lsp install": ${command}`);
  const choice = await vscode.window.showInformationMessage(
    'drizzle-lsp: press Enter in the terminal to install, then restart the server.',
    'Restart server',
  );
  if (choice === 'Restart server') {
    await restart();
  }
}

function createClient(launch: Launch): DrizzleClient {
  const serverOptions: ServerOptions = {
    command: launch.command,
    args: launch.args,
    transport: TransportKind.stdio,
    options: { cwd: vscode.workspace.workspaceFolders?.[0]?.uri.fsPath, env: { ...process.env } },
  };
  const restarts: number[] = [];
  const clientOptions: LanguageClientOptions = {
    documentSelector: [
      { scheme: 'file', pattern: '**/*.sql' },
      { scheme: 'file', pattern: '**/meta/_journal.json' },
      { scheme: 'file', pattern: '**/meta/*_snapshot.json' },
    ],
    diagnosticCollectionName: NAME,
    outputChannel: output,
    traceOutputChannel: output,
    revealOutputChannelOn: RevealOutputChannelOn.Never,
    initializationOptions: { [SECTION]: serverSettings() },
    initializationFailedHandler: (error: unknown) => {
      const message = error instanceof Error ? error.message : String(error);
      notifyFailure(`the server failed to initialize: ${message}`);
      return false;
    },
    errorHandler: {
      error: (_error: Error, _message: Message | undefined, count: number | undefined): ErrorHandlerResult =>
        count !== undefined && count <= 3
          ? { action: ErrorAction.Continue, handled: true }
          : { action: ErrorAction.Shutdown },
      closed: (): CloseHandlerResult => {
        const now = Date.now();
        restarts.push(now);
        while (restarts.length && restarts[0] < now - RESTART_WINDOW_MS) {
          restarts.shift();
        }
        if (restarts.length <= MAX_RESTARTS) {
          return { action: CloseAction.Restart, message: 'The server stopped; restarting it.', handled: true };
        }
        return {
          action: CloseAction.DoNotRestart,
          message: `the server stopped ${restarts.length} times in 3 minutes and will not be restarted (see the output).`,
        };
      },
    },
    middleware: {
      workspace: {
        configuration: async (params, token, next) => {
          const result = await next(params, token);
          if (!Array.isArray(result)) {
            return result;
          }
          return params.items.map((item, index) => {
            const scope = item.scopeUri ? vscode.Uri.parse(item.scopeUri) : undefined;
            if (item.section === SECTION) {
              return serverSettings(scope);
            }
            if (item.section?.startsWith(`${SECTION}.`)) {
              return serverSettings(scope)[item.section.slice(SECTION.length + 1)] ?? null;
            }
            return result[index];
          });
        },
      },
    },
  };
  return new DrizzleClient(SECTION, NAME, serverOptions, clientOptions);
}

async function start(): Promise<void> {
  if (starting) {
    return starting;
  }
  starting = (async () => {
    failureShown = false;
    notFound = undefined;
    status.setState('starting');
    let launch: Launch;
    try {
      launch = await findServer();
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      output.appendLine(message);
      if (error instanceof LaunchError && error.searchedPath) {
        notFound = error;
        output.appendLine(`  PATH: ${error.searchedPath}`);
        for (const folder of error.folders) {
          output.appendLine(`  also searched: ${folder}`);
        }
        notifyNotFound(error);
      } else {
        notifyFailure(message);
      }
      return;
    }
    output.appendLine(`Starting ${launch.command} ${launch.args.join(' ')} (found via ${launch.origin})`);
    const started = Date.now();
    const next = createClient(launch);
    client = next;
    next.onDidChangeState((event) => {
      if (client !== next) {
        return;
      }
      if (event.newState === State.Running) {
        status.setState('ready');
        status.diagnosticsChanged(next.diagnostics);
      } else if (event.newState === State.Starting) {
        status.setState('starting');
      }
    });
    try {
      await next.start();
      output.appendLine(`Server running (${Date.now() - started} ms to initialize)`);
      if (status.current === 'starting') {
        status.setState('ready');
      }
    } catch (error) {
      // DrizzleClient.error / initializationFailedHandler have already told the user.
      output.appendLine(`Start failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  })();
  try {
    await starting;
  } finally {
    starting = undefined;
  }
}

async function stopClient(): Promise<void> {
  const current = client;
  client = undefined;
  status.clearProgress();
  if (!current) {
    return;
  }
  try {
    if (current.state !== State.Stopped) {
      await current.stop(5000);
    }
  } catch (error) {
    output.appendLine(`Stopping the server failed: ${error instanceof Error ? error.message : String(error)}`);
  }
  try {
    await current.dispose();
  } catch {
    // already stopped
  }
}

async function restart(): Promise<void> {
  if (starting) {
    await starting;
  }
  output.appendLine('Restarting the server');
  await stopClient();
  await start();
}

// ---------------------------------------------------------------------------------------------
// Commands

async function runningClient(): Promise<DrizzleClient | undefined> {
  if (starting) {
    await starting;
  }
  if (client?.state === State.Running) {
    return client;
  }
  failureShown = false;
  if (notFound) {
    notifyNotFound(notFound);
  } else {
    notifyFailure('the server is not running.');
  }
  return undefined;
}

/** The status bar item's menu: what a user does with the server, in one place. */
async function showMenu(): Promise<void> {
  const scope = vscode.workspace.getConfiguration(SECTION).get<string>('s002Scope') ?? 'new';
  const databaseConfigured = Boolean(vscode.workspace.getConfiguration(SECTION).inspect('databaseUrl')?.globalValue);
  const items: (vscode.QuickPickItem & { run: () => unknown })[] = [];
  if (notFound) {
    items.push({ label: '$(cloud-download) Install the server…', run: () => installServer() });
  }
  items.push(
    { label: '$(debug-restart) Restart server', run: () => restart() },
    { label: '$(output) Show output', run: () => output.show(true) },
    {
      label: '$(refresh) Check workspace',
      description: 'check every migrations folder again',
      run: () => runServerCommand(SERVER_COMMANDS.checkWorkspace, 'Checking workspace'),
    },
    {
      label: `$(filter) S002 scope: ${scope}`,
      description: S002_SCOPES.find((s) => s.value === scope)?.description,
      run: () => chooseS002Scope(),
    },
  );
  if (databaseConfigured) {
    items.push({
      label: '$(database) Refresh database',
      description: 'read the applied migrations again',
      run: () => runServerCommand(SERVER_COMMANDS.refreshDatabase, 'Reading applied migrations'),
    });
  }
  const picked = await vscode.window.showQuickPick(items, { title: 'drizzle-lsp', placeHolder: statusSummary() });
  await picked?.run();
}

function statusSummary(): string {
  return notFound ? 'The server was not found' : `The server is ${status.current}`;
}

/**
 * S002 (non-idempotent DDL) on which migrations: written to drizzleLsp.s002Scope, in the
 * workspace's settings when a folder is open (it is a decision about the project), which reaches
 * the server as a configuration change.
 */
async function chooseS002Scope(): Promise<void> {
  const config = vscode.workspace.getConfiguration(SECTION);
  const current = config.get<string>('s002Scope') ?? 'new';
  const picked = await vscode.window.showQuickPick(
    S002_SCOPES.map((scope) => ({
      label: scope.value,
      description: scope.value === current ? `${scope.description} · current` : scope.description,
    })),
    { title: 'Report S002 (non-idempotent DDL) on', placeHolder: `now: ${current}` },
  );
  if (!picked || picked.label === current) {
    return;
  }
  const target = vscode.workspace.workspaceFolders?.length
    ? vscode.ConfigurationTarget.Workspace
    : vscode.ConfigurationTarget.Global;
  await config.update('s002Scope', picked.label, target);
  output.appendLine(`drizzleLsp.s002Scope set to "${picked.label}"`);
}

async function runServerCommand(command: string, title: string): Promise<void> {
  const current = await runningClient();
  if (!current) {
    return;
  }
  try {
    const result = await status.around(title, () =>
      current.sendRequest(ExecuteCommandRequest.type, { command, arguments: [] }),
    );
    if (typeof result === 'string' && result) {
      void vscode.window.showInformationMessage(`drizzle-lsp: ${result}`);
    }
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    output.appendLine(`${command} failed: ${message}`);
    void vscode.window.showErrorMessage(`drizzle-lsp: ${title.toLowerCase()} failed: ${message}`, 'Show output').then(
      (choice) => choice && output.show(true),
    );
  }
}

async function fixAllInActiveEditor(): Promise<void> {
  const editor = vscode.window.activeTextEditor;
  if (!editor) {
    void vscode.window.showInformationMessage('drizzle-lsp: open a migration file first.');
    return;
  }
  if (!(await runningClient())) {
    return;
  }
  const document = editor.document;
  const range = new vscode.Range(0, 0, document.lineCount, 0);
  const actions =
    (await vscode.commands.executeCommand<vscode.CodeAction[]>(
      'vscode.executeCodeActionProvider',
      document.uri,
      range,
      FIX_ALL_KIND.value,
      10,
    )) ?? [];
  const fixAll = actions.filter((action) => action.kind && FIX_ALL_KIND.contains(action.kind));
  if (fixAll.length === 0) {
    void vscode.window.showInformationMessage('drizzle-lsp: nothing to fix in this file.');
    return;
  }
  for (const action of fixAll) {
    if (action.edit) {
      await vscode.workspace.applyEdit(action.edit);
    }
    if (action.command) {
      await vscode.commands.executeCommand(action.command.command, ...(action.command.arguments ?? []));
    }
  }
}
