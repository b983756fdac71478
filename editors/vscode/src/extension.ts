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
import { findServer as lookupServer, Launch } from './serverLookup';

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
const MAX_RESTARTS = 4;
const RESTART_WINDOW_MS = 3 * 60 * 1000;
const MIN_SPIN_MS = 600;

let output: vscode.OutputChannel;
let status: ScanStatus;
let client: DrizzleClient | undefined;
let starting: Promise<void> | undefined;
let failureShown = false;
let extensionPath = '';

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  extensionPath = context.extensionPath;
  output = vscode.window.createOutputChannel(NAME);
  status = new ScanStatus();
  context.subscriptions.push(
    output,
    status,
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
// Scan status: a status bar item while the server reports work-done progress

type ProgressValue = WorkDoneProgressBegin | WorkDoneProgressReport | WorkDoneProgressEnd;

class ScanStatus implements vscode.Disposable {
  private readonly item: vscode.StatusBarItem;
  private readonly active = new Map<string, { title: string; message?: string; percentage?: number }>();
  private failed: string | undefined;
  /** When the spinner appeared: it stays at least MIN_SPIN_MS, a flash of a few ms helps nobody. */
  private spinningSince: number | undefined;
  private pendingRender: NodeJS.Timeout | undefined;

  constructor() {
    this.item = vscode.window.createStatusBarItem('drizzleLsp.status', vscode.StatusBarAlignment.Left, 10);
    this.item.name = 'drizzle-lsp';
    this.item.command = 'drizzleLsp.showOutput';
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

  setFailed(reason: string | undefined): void {
    this.failed = reason;
    this.render();
  }

  clearProgress(): void {
    this.active.clear();
    this.render();
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
    if (current) {
      const percentage = current.percentage !== undefined ? ` ${Math.round(current.percentage)}%` : '';
      const message = current.message ? `: ${current.message}` : '';
      this.item.text = `$(sync~spin) drizzle-lsp${percentage}`;
      this.item.tooltip = `${current.title}${message}`;
      this.item.backgroundColor = undefined;
      this.item.show();
    } else if (this.failed) {
      this.item.text = '$(error) drizzle-lsp';
      this.item.tooltip = `${this.failed}\nClick to show the output.`;
      this.item.backgroundColor = new vscode.ThemeColor('statusBarItem.errorBackground');
      this.item.show();
    } else {
      this.item.hide();
    }
  }

  dispose(): void {
    if (this.pendingRender) {
      clearTimeout(this.pendingRender);
    }
    this.item.dispose();
  }
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
  status.setFailed(message);
  if (failureShown) {
    return; // one notification per start attempt
  }
  failureShown = true;
  void vscode.window
    .showErrorMessage(`drizzle-lsp: ${message}`, 'Open settings', 'Show output')
    .then((choice) => {
      if (choice === 'Open settings') {
        void vscode.commands.executeCommand('workbench.action.openSettings', `@ext:drizzle-lsp.drizzle-lsp`);
      } else if (choice === 'Show output') {
        output.show(true);
      }
    });
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
    status.setFailed(undefined);
    let launch: Launch;
    try {
      launch = await findServer();
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      output.appendLine(message);
      notifyFailure(message);
      return;
    }
    output.appendLine(`Starting ${launch.command} ${launch.args.join(' ')} (found via ${launch.origin})`);
    const started = Date.now();
    const next = createClient(launch);
    client = next;
    try {
      await next.start();
      output.appendLine(`Server running (${Date.now() - started} ms to initialize)`);
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
  notifyFailure('the server is not running.');
  return undefined;
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
