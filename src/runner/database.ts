import { UsageError } from './errors.js';
import { quoteIdent } from '../schema/model.js';
import { importExternal } from '../runtime.js';

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

/** Connection parameters whose values are secrets, in a URL's query or a `key=value` string. */
const SECRET_PARAMETER = /^(ssl)?password$/i;
/** `password=…` in a `key=value` connection string (a value is a word or a single-quoted string with `\` escapes). */
const CONNINFO_SECRET = /\b((?:ssl)?password\s*=\s*)('(?:[^'\\]|\\.)*'?|\S*)/gi;

/** `scheme://user:` and the password after it, which runs to the last `@` (unencoded `/ ? # @` in it included). */
const USER_PASSWORD = /^([a-z][a-z0-9+.-]*:\/\/[^:/@?#]*:)(.*)@/i;
/** `?password=…` / `&sslpassword=…` in a URL's query. */
const QUERY_SECRET = /([?&](?:ssl)?password=)([^&#]*)/gi;

/**
 * A connection string as messages show it: every password masked, in every form a user may pass
 * one: `postgres://user:secret@host/db`, `?password=secret` (and `sslpassword`), and the
 * `host=… password=secret` key/value form. Read as text, not parsed as a URL: a password with an
 * unencoded `/`, `#` or `@` makes a URL parser read part of it as the host or port. When in doubt
 * it masks more (everything up to the last `@`).
 */
export function redactUrl(url: string): string {
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(url.trim())) return url.replace(CONNINFO_SECRET, '$1***');
  return url.replace(USER_PASSWORD, '$1***@').replace(QUERY_SECRET, '$1***');
}

/** The secrets of a connection string, as they may appear in a driver's message. */
function secretsOf(url: string): string[] {
  const out = new Set<string>();
  const add = (s: string | undefined) => {
    if (s && s.length >= 2) out.add(s);
  };
  for (const m of url.matchAll(CONNINFO_SECRET)) {
    add(m[2]);
    add(m[2].replace(/^'|'$/g, '').replace(/\\(.)/g, '$1'));
  }
  add(USER_PASSWORD.exec(url)?.[2]);
  for (const m of url.matchAll(QUERY_SECRET)) add(m[2]);
  for (const s of [...out]) {
    try {
      add(decodeURIComponent(s));
    } catch {
      /* not percent-encoded */
    }
  }
  return [...out].sort((a, b) => b.length - a.length);
}

/** `text` (a driver's message) with the connection string's secrets masked, and any echo of the string itself. */
export function maskSecrets(text: string, url: string): string {
  let out = text.split(url).join(redactUrl(url));
  for (const secret of secretsOf(url)) out = out.split(secret).join('***');
  return out;
}

/**
 * Why `url` cannot be used, before `pg` sees it (pg throws a bare `Invalid URL`, or reads a
 * missing certificate file, when the client is made): undefined when it looks usable.
 */
export function connectionStringProblem(url: string): string | undefined {
  const trimmed = url.trim();
  if (trimmed.startsWith('/')) return undefined; // a Unix socket folder (pg: "/var/run/postgresql dbname")
  if (!/^postgres(ql)?:\/\//i.test(trimmed)) {
    if (/^[a-z_]+\s*=/i.test(trimmed)) return 'a key=value connection string; pass a URL: postgres://user:password@host:5432/database';
    return 'not a postgres:// URL (expected postgres://user:password@host:5432/database)';
  }
  const percentEncode = 'the user or password holds a character a URL needs percent-encoded (/ ? # @ : [ ]): write it as %2F, %3F, %23, %40, %3A, %5B, %5D';
  try {
    // `postgres://app:12/x@host/db` parses, as host "app", port 12 and path "/x@host/db".
    return new URL(trimmed).pathname.includes('@') ? percentEncode : undefined;
  } catch {
    const authority = trimmed.replace(/^[a-z]+:\/\//i, '').split(/[?#]/)[0];
    const at = authority.lastIndexOf('@');
    const userInfo = at >= 0 ? authority.slice(0, at) : '';
    const port = /:(\d+)(?:\/|$)/.exec(authority.slice(at + 1))?.[1];
    if (port !== undefined && Number(port) > 65535) return `port ${port} is out of range (1-65535)`;
    if (/[/?#@[\]]|:.*:/.test(userInfo)) return percentEncode;
    return 'not a valid URL (expected postgres://user:password@host:5432/database)';
  }
}

export interface PgClient {
  connect(): Promise<void>;
  query(text: string, values?: unknown[]): Promise<{ rows: Record<string, unknown>[] }>;
  end(): Promise<void>;
  on(event: 'error', listener: (error: Error) => void): unknown;
}

type PgModule = { default?: { Client: new (config: unknown) => PgClient }; Client?: new (config: unknown) => PgClient };

/** `pg`, loaded only when a database is asked for. */
export async function loadPg(flag: string): Promise<new (config: unknown) => PgClient> {
  try {
    const name = 'pg'; // untyped optional dependency
    const pg = (await importExternal(name)) as PgModule;
    return pg.default?.Client ?? pg.Client!;
  } catch {
    throw new UsageError(`${flag} needs the \`pg\` package`, 'npm i -D pg');
  }
}

/**
 * Connect to `url` for `flag` (`--database-url`, `--against`): every problem is a one-line
 * error naming the flag, with the password masked. Timeouts are bounded. pg's warning about
 * `sslmode=require` (printed by Node as a multi-line process warning) is not shown: it is about
 * pg's next major version, not this connection.
 */
export async function openConnection(url: string, flag: string, options: { statementTimeoutMs?: number } = {}): Promise<PgClient> {
  const shown = redactUrl(url);
  const problem = connectionStringProblem(url);
  if (problem) throw new UsageError(`${flag} ${shown}: ${problem}`);
  const Client = await loadPg(flag);
  let client: PgClient;
  try {
    client = withoutSslModeWarning(() => new Client({ connectionString: url, connectionTimeoutMillis: 10_000, statement_timeout: options.statementTimeoutMs ?? 10_000, application_name: 'migration-lint' }));
  } catch (error) {
    // Certificate files named in the URL are read here (sslrootcert, sslcert, sslkey).
    const e = error as NodeJS.ErrnoException & { path?: string };
    const reason = e.code === 'ENOENT' || e.code === 'EACCES' ? `cannot read ${e.path ?? 'a file it names'} (${e.code})` : maskSecrets(e.message ?? String(error), url);
    throw new UsageError(`${flag} ${shown}: ${reason}`, 'check the URL');
  }
  client.on('error', () => undefined); // a terminated backend (DROP … WITH (FORCE)) must not crash the process
  try {
    await client.connect();
  } catch (error) {
    throw new UsageError(`${flag} ${shown}: cannot connect (${maskSecrets((error as Error).message, url)})`, 'check the URL, and that the server accepts connections from here');
  }
  return client;
}

function withoutSslModeWarning<T>(make: () => T): T {
  const emit = process.emitWarning;
  process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
    if (String(typeof warning === 'string' ? warning : warning?.message).startsWith('SECURITY WARNING: The SSL modes')) return;
    (emit as (...args: unknown[]) => void).call(process, warning, ...rest);
  }) as typeof process.emitWarning;
  try {
    return make();
  } finally {
    process.emitWarning = emit;
  }
}

/**
 * Read drizzle's bookkeeping rows, read-only: a READ ONLY transaction that is rolled back, and
 * nothing but a SELECT. `flag` names the option the URL came from, in messages.
 */
export async function readMigrationRows(url: string, schema = 'drizzle', table = '__drizzle_migrations', flag = '--database-url'): Promise<DatabaseFacts> {
  const shown = redactUrl(url);
  const client = await openConnection(url, flag);
  const qualified = `${quoteIdent(schema)}.${quoteIdent(table)}`;
  try {
    await client.query('BEGIN TRANSACTION READ ONLY');
    const exists = await client.query('SELECT to_regclass($1) IS NOT NULL AS present', [qualified]);
    if (!exists.rows[0]?.present) return { url: shown, table: qualified, tableExists: false, rows: [] };
    const result = await client.query(`SELECT id, hash, created_at FROM ${qualified} ORDER BY id`);
    const rows = result.rows.map((r) => ({ id: Number(r.id), hash: String(r.hash), createdAt: Number(r.created_at) }));
    return { url: shown, table: qualified, tableExists: true, rows };
  } catch (error) {
    throw new UsageError(`${flag} ${shown}: cannot read ${qualified} (${maskSecrets((error as Error).message, url)})`, 'the user needs SELECT on drizzle\'s migrations table (see `migrations.table`/`schema` in drizzle.config)');
  } finally {
    await client.query('ROLLBACK').catch(() => undefined);
    await client.end().catch(() => undefined);
  }
}
