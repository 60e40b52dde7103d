import { randomBytes } from 'node:crypto';
import { quoteIdent } from '../schema/model.js';
import { redactUrl } from '../runner/database.js';
import { UsageError } from '../runner/errors.js';
import { importPglite, PGLITE, PgliteMissing } from './pglite-module.js';

/** A PostgreSQL error, as both engines report it (fields of the ErrorResponse message). */
export interface PgError {
  message: string;
  /** SQLSTATE, e.g. 42704. */
  code?: string;
  hint?: string;
  detail?: string;
  /** 1-based character position in the statement sent, when PostgreSQL reports one. */
  position?: number;
}

/** The database verify runs the history in: embedded PGlite, or a throwaway database on a real server. */
export interface Engine {
  kind: 'pglite' | 'postgres';
  /** Human description: `PGlite 0.5.16 (PostgreSQL 18.6)`, `PostgreSQL 16.4 at postgres://…/migration_lint_verify_ab12`. */
  description: string;
  serverVersionNum: number;
  /** Run SQL text (several statements allowed, no parameters), as drizzle's `tx.execute(sql.raw(chunk))` does. */
  exec(sql: string): Promise<void>;
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  /** Release everything (drop the throwaway database). Safe to call twice. */
  close(): Promise<void>;
}

export class EngineError extends Error {
  constructor(message: string, readonly hint?: string) {
    super(message);
    this.name = 'EngineError';
  }
}

export function toPgError(error: unknown): PgError {
  const e = error as { message?: string; code?: string; hint?: string; detail?: string; position?: string | number };
  const out: PgError = { message: String(e?.message ?? error) };
  if (typeof e?.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code)) out.code = e.code;
  if (e?.hint) out.hint = e.hint;
  if (e?.detail) out.detail = e.detail;
  const position = Number(e?.position);
  if (Number.isFinite(position) && position > 0) out.position = position;
  return out;
}

/** True for an error PostgreSQL sent (it has a SQLSTATE), as opposed to a broken connection or engine. */
export function isServerError(error: unknown): boolean {
  return toPgError(error).code !== undefined;
}

/** PGlite extensions bundled as `@electric-sql/pglite/contrib/<name>` (CREATE EXTENSION name → module export). */
const PGLITE_CONTRIB = new Set([
  'amcheck', 'bloom', 'btree_gin', 'btree_gist', 'citext', 'cube', 'dict_int', 'dict_xsyn', 'earthdistance', 'fuzzystrmatch', 'hstore', 'intarray', 'isn', 'lo', 'ltree',
  'moddatetime', 'pg_trgm', 'pgcrypto', 'seg', 'tablefunc', 'tcn', 'tsm_system_rows', 'tsm_system_time', 'unaccent', 'uuid_ossp',
]);

/** Extension names a history creates (`CREATE EXTENSION [IF NOT EXISTS] "x"`), plus config `extensions`. */
export function extensionsUsed(texts: Iterable<string>, extra: readonly string[] = []): string[] {
  const names = new Set(extra.map((n) => n.toLowerCase()));
  for (const text of texts) {
    for (const m of text.matchAll(/create\s+extension\s+(?:if\s+not\s+exists\s+)?"?([\w-]+)"?/gi)) names.add(m[1].toLowerCase());
  }
  return [...names].sort();
}

/** Start an in-memory PGlite with the bundled extensions the history needs. Those it lacks are returned. */
export async function startPglite(extensions: readonly string[]): Promise<{ engine: Engine; missing: string[] }> {
  let mod: { PGlite: new (options?: unknown) => PgliteDb };
  try {
    mod = await importPglite();
  } catch (error) {
    if (error instanceof PgliteMissing) throw new EngineError(error.message);
    throw new EngineError(`cannot load the embedded PostgreSQL (${PGLITE}): ${(error as Error).message}`, `reinstall it (npm i -D ${PGLITE}), or pass --database-url postgres://…`);
  }
  const loaded: Record<string, unknown> = {};
  const missing: string[] = [];
  for (const ext of extensions) {
    const moduleName = ext.replace(/-/g, '_');
    if (ext === 'plpgsql') continue;
    if (!PGLITE_CONTRIB.has(moduleName)) {
      missing.push(ext);
      continue;
    }
    try {
      const m = await importPglite<Record<string, unknown>>(`/contrib/${moduleName}`);
      loaded[moduleName] = m[moduleName];
    } catch {
      missing.push(ext);
    }
  }
  const db = new mod.PGlite({ extensions: loaded });
  await db.waitReady;
  const version = String((await db.query<{ v: string }>("SELECT current_setting('server_version') AS v")).rows[0]?.v ?? '?');
  const num = Number((await db.query<{ n: string }>("SELECT current_setting('server_version_num') AS n")).rows[0]?.n ?? 0);
  let pkgVersion = '';
  try {
    const { createRequire } = await import('node:module');
    pkgVersion = ` ${(createRequire(import.meta.url)('@electric-sql/pglite/package.json') as { version: string }).version}`;
  } catch {
    /* not exported: fine */
  }
  let closed = false;
  const engine: Engine = {
    kind: 'pglite',
    description: `PGlite${pkgVersion} (PostgreSQL ${version}, in-process)`,
    serverVersionNum: num,
    async exec(sql) {
      await db.exec(sql);
    },
    async query(sql, params) {
      return (await db.query(sql, params)).rows as never;
    },
    async close() {
      if (closed) return;
      closed = true;
      await db.close().catch(() => undefined);
    },
  };
  return { engine, missing };
}

interface PgliteDb {
  waitReady: Promise<void>;
  exec(sql: string): Promise<unknown>;
  query<T>(sql: string, params?: unknown[]): Promise<{ rows: T[] }>;
  close(): Promise<void>;
}

interface PgClient {
  connect(): Promise<void>;
  query(text: string, values?: unknown[]): Promise<{ rows: Record<string, unknown>[] }>;
  end(): Promise<void>;
  on(event: 'error', listener: (error: Error) => void): unknown;
}

type PgModule = { default?: { Client: new (config: unknown) => PgClient }; Client?: new (config: unknown) => PgClient };

export async function loadPg(flag: string): Promise<new (config: unknown) => PgClient> {
  try {
    const name = 'pg';
    const pg = (await import(name)) as PgModule;
    return pg.default?.Client ?? pg.Client!;
  } catch {
    throw new UsageError(`${flag} needs the \`pg\` package`, 'npm i -D pg');
  }
}

/** Connect with the same timeouts as hash-drift's read-only connection. Messages never show the password. */
export async function connect(url: string, flag: string, options: { statementTimeoutMs?: number } = {}): Promise<PgClient> {
  const Client = await loadPg(flag);
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 10_000, statement_timeout: options.statementTimeoutMs ?? 10_000, application_name: 'migration-lint' });
  client.on('error', () => undefined); // a terminated backend (DROP … WITH (FORCE)) must not crash the process
  try {
    await client.connect();
  } catch (error) {
    throw new UsageError(`${flag} ${redactUrl(url)}: cannot connect (${maskSecrets((error as Error).message, url)})`, 'check the URL, and that the server accepts connections from here');
  }
  return client;
}

/** Remove the URL's password from any text (driver messages sometimes echo it). */
export function maskSecrets(text: string, url: string): string {
  try {
    const password = decodeURIComponent(new URL(url).password);
    if (password) return text.split(password).join('***');
  } catch {
    /* not a URL */
  }
  return text;
}

/** The URL with another database name (and the password kept, for connecting only). */
function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${encodeURIComponent(database)}`;
  return u.toString();
}

/**
 * A throwaway database on a real server: CREATE DATABASE migration_lint_verify_<random> through a
 * connection to the URL's database (which is never written to), run in it, DROP it in close() —
 * called on success, on failure and on SIGINT/SIGTERM (the CLI installs the handler).
 */
export async function startPostgres(url: string, statementTimeoutMs = 120_000): Promise<Engine> {
  const flag = '--database-url';
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError(`${flag}: not a URL (expected postgres://user:password@host:5432/database)`);
  }
  if (!/^postgres(ql)?:$/.test(parsed.protocol)) throw new UsageError(`${flag} ${redactUrl(url)}: expected a postgres:// or postgresql:// URL`);
  const admin = await connect(url, flag);
  const name = `migration_lint_verify_${randomBytes(6).toString('hex')}`;
  try {
    await admin.query(`CREATE DATABASE ${quoteIdent(name)}`);
  } catch (error) {
    await admin.end().catch(() => undefined);
    throw new UsageError(`${flag} ${redactUrl(url)}: cannot create a throwaway database (${maskSecrets((error as Error).message, url)})`, 'verify needs the CREATEDB privilege; it creates migration_lint_verify_<random>, runs there, and drops it');
  }
  let work: PgClient | undefined;
  let closed = false;
  const drop = async () => {
    if (closed) return;
    closed = true;
    await work?.end().catch(() => undefined);
    try {
      await admin.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`);
    } catch {
      await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()`, [name]).catch(() => undefined);
      await admin.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)}`).catch(() => undefined);
    }
    await admin.end().catch(() => undefined);
  };
  try {
    work = await connect(withDatabase(url, name), flag, { statementTimeoutMs });
    const v = await work.query("SELECT current_setting('server_version') AS v, current_setting('server_version_num')::int AS n");
    const shown = redactUrl(withDatabase(url, name));
    return {
      kind: 'postgres',
      description: `PostgreSQL ${String(v.rows[0]?.v)} at ${shown} (throwaway database, dropped at the end)`,
      serverVersionNum: Number(v.rows[0]?.n ?? 0),
      async exec(sql) {
        await work!.query(sql);
      },
      async query(sql, params) {
        return (await work!.query(sql, params)).rows as never;
      },
      close: drop,
    };
  } catch (error) {
    await drop();
    throw error;
  }
}
