// Run the real drizzle-orm migrator on a folder and report what it did, as JSON on stdout.
//
//   node migrate.mjs <migrationsFolder> <databaseUrl> [--schema drizzle] [--table __drizzle_migrations]
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

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const client = new pg.Client({ connectionString: args.url });
  await client.connect();
  let error = null;
  let before = [];
  try {
    before = await readRows(client, args.schema, args.table);
    await migrate(drizzle(client), {
      migrationsFolder: args.folder,
      migrationsSchema: args.schema,
      migrationsTable: args.table,
    });
  } catch (e) {
    error = describe(e);
  }
  const rows = await readRows(client, args.schema, args.table);
  await client.end();
  const known = new Set(before.map((row) => row.id));
  const applied = rows.filter((row) => !known.has(row.id)).map((row) => row.id);
  const report = error === null ? { rows, applied } : { error, rows, applied };
  process.stdout.write(`${JSON.stringify(report)}\n`);
  return error === null ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    process.stdout.write(`${JSON.stringify({ error: describe(e) })}\n`);
    process.exit(1);
  },
);
