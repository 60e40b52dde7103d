import { UsageError } from './errors.js';
import { quoteIdent } from '../schema/model.js';

/** One row of drizzle's bookkeeping table (`drizzle.__drizzle_migrations` by default). */
export interface MigrationRow {
  id: number;
  hash: string;
  /** The journal `when` of the migration the row records (drizzle stores folderMillis, not the apply time). */
  createdAt: number;
}

export interface DatabaseFacts {
  /** The URL without its password, for messages. */
  url: string;
  /** `"schema"."table"` as queried. */
  table: string;
  /** False when the table does not exist (no migration was ever applied there). */
  tableExists: boolean;
  rows: MigrationRow[];
}

/** `postgres://user:secret@host/db` → `postgres://user:***@host/db`. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return url.replace(/:[^:@/]*@/, ':***@');
  }
}

/**
 * Read drizzle's bookkeeping rows, read-only: a READ ONLY transaction that is rolled back, and
 * nothing but a SELECT. `pg` is loaded only when a database URL is given.
 */
export async function readMigrationRows(url: string, schema = 'drizzle', table = '__drizzle_migrations'): Promise<DatabaseFacts> {
  const shown = redactUrl(url);
  let pg: { default?: { Client: new (config: unknown) => PgClient }; Client?: new (config: unknown) => PgClient };
  try {
    const name = 'pg'; // untyped optional dependency, loaded only with --database-url
    pg = (await import(name)) as never;
  } catch {
    throw new UsageError('--database-url needs the `pg` package', 'npm i -D pg');
  }
  const Client = pg.default?.Client ?? pg.Client!;
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 10_000, statement_timeout: 10_000, application_name: 'migration-lint' });
  const qualified = `${quoteIdent(schema)}.${quoteIdent(table)}`;
  try {
    await client.connect();
  } catch (error) {
    throw new UsageError(`--database-url ${shown}: cannot connect (${(error as Error).message})`, 'check the URL, and that the server accepts connections from here');
  }
  try {
    await client.query('BEGIN TRANSACTION READ ONLY');
    const exists = await client.query('SELECT to_regclass($1) IS NOT NULL AS present', [qualified]);
    if (!exists.rows[0]?.present) return { url: shown, table: qualified, tableExists: false, rows: [] };
    const result = await client.query(`SELECT id, hash, created_at FROM ${qualified} ORDER BY id`);
    const rows = result.rows.map((r) => ({ id: Number(r.id), hash: String(r.hash), createdAt: Number(r.created_at) }));
    return { url: shown, table: qualified, tableExists: true, rows };
  } catch (error) {
    throw new UsageError(`--database-url ${shown}: cannot read ${qualified} (${(error as Error).message})`, 'the user needs SELECT on drizzle\'s migrations table (see `migrations.table`/`schema` in drizzle.config)');
  } finally {
    await client.query('ROLLBACK').catch(() => undefined);
    await client.end().catch(() => undefined);
  }
}

interface PgClient {
  connect(): Promise<void>;
  query(text: string, values?: unknown[]): Promise<{ rows: Record<string, unknown>[] }>;
  end(): Promise<void>;
}
