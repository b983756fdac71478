// Run the real drizzle-orm migrator on a folder and report what it did, as JSON on stdout.
//
//   node migrate.mjs <migrationsFolder> <databaseUrl> [--schema drizzle] [--table __drizzle_migrations]
//                    [--driver node-postgres|postgres-js|pglite] [--orm 0.x|v1]
//   node migrate.mjs --batch < jobs.json      (see batch() below)
//
// Output: {"rows": [{id, hash, created_at}...], "applied": [ids of rows this run inserted]}
// and exit 0; when migrate() throws: {"error": "...", "code": "<SQLSTATE or null>", "rows": [...],
// "applied": [...]} and exit 1
// (rows as they are after the failed run, so a test can see the rollback).
// drizzle-lsp's tests use this as the oracle: whatever drizzle-lsp predicts, this is what happens.
// The driver is node-postgres unless --driver names another: postgres-js (postgres.js, on the
// same URL) or pglite (PostgreSQL in WebAssembly, in-process: the "URL" is its data folder).
// The migrator is drizzle-orm 0.45.4 unless --orm v1 names 1.0.0-rc.5 (tests/oracle/v1); its rows
// also carry name and applied_at.
// each driver: its drizzle() and migrate(), and a query function for reading the rows
const DRIVERS = {
  "node-postgres": async (m, url) => {
    const client = new m.client.Client({ connectionString: url });
    await client.connect();
    return {
      db: m.drizzle({ client }),
      migrate: m.migrate,
      query: async (text, params) => (await client.query(text, params)).rows,
      end: () => client.end(),
    };
  },
  "postgres-js": async (m, url) => {
    const client = m.client(url, { max: 1, onnotice: () => {} });
    return {
      db: m.drizzle({ client }),
      migrate: m.migrate,
      query: async (text, params) => [...(await client.unsafe(text, params))],
      end: () => client.end(),
    };
  },
  pglite: async (m, dataDir) => {
    const client = new m.client(dataDir);
    await client.waitReady;
    return {
      db: m.drizzle({ client }),
      migrate: m.migrate,
      query: async (text, params) => (await client.query(text, params)).rows,
      end: () => client.close(),
    };
  },
};

// --orm 0.x (drizzle-orm 0.45.4, this folder's node_modules) or v1 (v1/node_modules)
const ORMS = { "0.x": "./orm.mjs", v1: "./v1/orm.mjs" };

function escapeIdentifier(name) {
  return `"${name.replaceAll('"', '""')}"`;
}

function parseArgs(argv) {
  const [folder, url, ...rest] = argv;
  if (!folder || !url) {
    throw new Error("usage: migrate.mjs <migrationsFolder> <databaseUrl> [--schema S] [--table T]");
  }
  const options = {
    schema: "drizzle",
    table: "__drizzle_migrations",
    driver: "node-postgres",
    orm: "0.x",
  };
  for (let i = 0; i < rest.length; i += 2) {
    const key = rest[i].replace(/^--/, "");
    if (!(key in options) || rest[i + 1] === undefined) throw new Error(`bad option ${rest[i]}`);
    options[key] = rest[i + 1];
  }
  return { folder, url, ...options };
}

// node-postgres gives a Date, postgres.js and PGlite may give a string
function iso(value) {
  return value instanceof Date ? value.toISOString() : value;
}

async function readRows(connection, schema, table) {
  const qualified = `${escapeIdentifier(schema)}.${escapeIdentifier(table)}`;
  const found = await connection.query("select to_regclass($1)::text as t", [qualified]);
  if (found[0].t === null) return [];
  const rows = await connection.query(`select * from ${qualified} order by id`, []);
  return rows.map((row) => ({
    ...row,
    id: row.id,
    hash: row.hash,
    // bigint arrives as a string; every journal `when` is a safe integer
    created_at: row.created_at === null ? null : Number(row.created_at),
    ...("applied_at" in row ? { applied_at: iso(row.applied_at) } : {}),
  }));
}

// drizzle wraps the driver's error: "Failed query: <sql>" with the PostgreSQL error as its cause
function describe(e) {
  if (!(e instanceof Error)) return String(e);
  return e.cause instanceof Error ? `${e.message}\ncause: ${e.cause.message}` : e.message;
}

// One migrate() run, on a fresh connection, as an application's deploy step does it.
async function run({ folder, url, schema, table, driver = "node-postgres", orm = "0.x" }) {
  if (!(driver in DRIVERS)) throw new Error(`unknown driver ${driver}`);
  if (!(orm in ORMS)) throw new Error(`unknown orm ${orm}`);
  const modules = await (await import(ORMS[orm])).modules[driver]();
  const connection = await DRIVERS[driver](modules, url);
  let error = null;
  let code = null; // PostgreSQL's SQLSTATE, when the error came from the database
  let before = [];
  try {
    before = await readRows(connection, schema, table);
    await connection.migrate(connection.db, {
      migrationsFolder: folder,
      migrationsSchema: schema,
      migrationsTable: table,
    });
  } catch (e) {
    error = describe(e);
    code = e?.cause?.code ?? e?.code ?? null;
  }
  const rows = await readRows(connection, schema, table);
  await connection.end();
  const known = new Set(before.map((row) => row.id));
  const applied = rows.filter((row) => !known.has(row.id)).map((row) => row.id);
  return error === null ? { rows, applied } : { error, code, rows, applied };
}

// --batch: a JSON array of {folder, url, schema?, table?, driver?, orm?} on stdin, run one after the other
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
