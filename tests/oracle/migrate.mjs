// Run the real drizzle-orm migrator on a folder and report what it did, as JSON on stdout.
//
//   node migrate.mjs <migrationsFolder> <databaseUrl> [--schema drizzle] [--table __drizzle_migrations]
//   node migrate.mjs --batch < jobs.json      (see batch() below)
//
// Output: {"rows": [{id, hash, created_at}...], "applied": [ids of rows this run inserted]}
// and exit 0; when migrate() throws: {"error": "...", "rows": [...], "applied": [...]} and exit 1
// (rows as they are after the failed run, so a test can see the rollback).
// drizzle-lsp's tests use this as the oracle: whatever drizzle-lsp predicts, this is what happens.
import { drizzle } from "drizzle-orm/node-postgres";
import { migrate } from "drizzle-orm/node-postgres/migrator";
import pg from "pg";

function parseArgs(argv) {
  const [folder, url, ...rest] = argv;
  if (!folder || !url) {
    throw new Error("usage: migrate.mjs <migrationsFolder> <databaseUrl> [--schema S] [--table T]");
  }
  const options = { schema: "drizzle", table: "__drizzle_migrations" };
  for (let i = 0; i < rest.length; i += 2) {
    const key = rest[i].replace(/^--/, "");
    if (!(key in options) || rest[i + 1] === undefined) throw new Error(`bad option ${rest[i]}`);
    options[key] = rest[i + 1];
  }
  return { folder, url, ...options };
}

async function readRows(client, schema, table) {
  const found = await client.query("select to_regclass($1) as t", [
    `${client.escapeIdentifier(schema)}.${client.escapeIdentifier(table)}`,
  ]);
  if (found.rows[0].t === null) return [];
  const result = await client.query(
    `select id, hash, created_at from ${client.escapeIdentifier(schema)}.` +
      `${client.escapeIdentifier(table)} order by id`,
  );
  return result.rows.map((row) => ({
    id: row.id,
    hash: row.hash,
    // bigint arrives as a string; every journal `when` is a safe integer
    created_at: row.created_at === null ? null : Number(row.created_at),
  }));
}

// drizzle wraps the driver's error: "Failed query: <sql>" with the PostgreSQL error as its cause
function describe(e) {
  if (!(e instanceof Error)) return String(e);
  return e.cause instanceof Error ? `${e.message}\ncause: ${e.cause.message}` : e.message;
}

// One migrate() run, on a fresh connection, as an application's deploy step does it.
async function run({ folder, url, schema, table }) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  let error = null;
  let before = [];
  try {
    before = await readRows(client, schema, table);
    await migrate(drizzle(client), {
      migrationsFolder: folder,
      migrationsSchema: schema,
      migrationsTable: table,
    });
  } catch (e) {
    error = describe(e);
  }
  const rows = await readRows(client, schema, table);
  await client.end();
  const known = new Set(before.map((row) => row.id));
  const applied = rows.filter((row) => !known.has(row.id)).map((row) => row.id);
  return error === null ? { rows, applied } : { error, rows, applied };
}

// --batch: a JSON array of {folder, url, schema?, table?} on stdin, run one after the other
// (saves a node start per run); prints a JSON array of reports and exits 0.
async function batch() {
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  const reports = [];
  for (const job of JSON.parse(Buffer.concat(chunks).toString())) {
    try {
      reports.push(await run({ schema: "drizzle", table: "__drizzle_migrations", ...job }));
    } catch (e) {
      reports.push({ error: describe(e) });
    }
  }
  process.stdout.write(`${JSON.stringify(reports)}\n`);
  return 0;
}

async function main() {
  if (process.argv[2] === "--batch") return batch();
  const report = await run(parseArgs(process.argv.slice(2)));
  process.stdout.write(`${JSON.stringify(report)}\n`);
  return "error" in report ? 1 : 0;
}

// process.exit() does not wait for a pipe to drain: exit once the report is written, or a
// report of more than the pipe's 64 KiB is cut short
function exitAfterWrite(code) {
  process.stdout.write("", () => process.exit(code));
}

main().then(exitAfterWrite, (e) => {
  process.stdout.write(`${JSON.stringify({ error: describe(e) })}\n`);
  exitAfterWrite(1);
});
