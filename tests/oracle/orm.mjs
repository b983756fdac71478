// The packages one oracle tree resolves. migrate.mjs loads this file for drizzle-orm 0.x and
// v1/orm.mjs (the same text, beside its own node_modules) for drizzle-orm v1: a bare import
// resolves from the importing file's folder, and the two versions' peers cannot share one tree.
import { readFileSync } from "node:fs";

export const version = () =>
  JSON.parse(readFileSync(new URL("./node_modules/drizzle-orm/package.json", import.meta.url))).version;
export const modules = {
  "node-postgres": async () => ({
    ...(await import("drizzle-orm/node-postgres")),
    ...(await import("drizzle-orm/node-postgres/migrator")),
    client: (await import("pg")).default,
  }),
  "postgres-js": async () => ({
    ...(await import("drizzle-orm/postgres-js")),
    ...(await import("drizzle-orm/postgres-js/migrator")),
    client: (await import("postgres")).default,
  }),
  pglite: async () => ({
    ...(await import("drizzle-orm/pglite")),
    ...(await import("drizzle-orm/pglite/migrator")),
    client: (await import("@electric-sql/pglite")).PGlite,
  }),
};
