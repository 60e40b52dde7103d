import { randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir, tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { quoteIdent } from '../schema/model.js';
import { connectionStringProblem, maskSecrets, openConnection, redactUrl, type PgClient } from '../runner/database.js';
import { UsageError } from '../runner/errors.js';
import { builtin } from '../runtime.js';
import { importPglite, PGLITE, PgliteMissing } from './pglite-module.js';
import { baselineWasm } from './wasm-flags.js';
import { dumpFs, memoryFsWith, PGDATA, readTar, tarFile, writeTar, type EmscriptenFsReader, type MemoryFsClass, type TarEntry } from './datadir.js';

export { isServerError, toPgError, type PgError } from './pg-error.js';
import type { StepOptions, StepOutcome } from './step.js';
import { stepper } from './step.js';

/** The database verify runs the history in: embedded PGlite, or a throwaway database on a real server. */
export interface Engine {
  kind: 'pglite' | 'postgres';
  /** Human description: `PGlite 0.5.16 (PostgreSQL 18.6)`, `PostgreSQL 16.4 at postgres://…/migration_lint_verify_ab12`. */
  description: string;
  serverVersionNum: number;
  /**
   * Run SQL text (several statements allowed, no parameters), as drizzle's `tx.execute(sql.raw(chunk))` does.
   * `user`: SQL from the migrations (or rows seeded into their tables, which their triggers see): bounded by
   * --statement-timeout. verify's own calls (savepoints, catalog reads) are not.
   */
  exec(sql: string, options?: { user?: boolean }): Promise<void>;
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  /**
   * Run one statement of the migrations (bounded like `exec(sql, { user: true })`) in a savepoint:
   * released when it succeeds; rolled back to when PostgreSQL rejects it, and the error returned
   * (not thrown). With `trace`, also the locks it took and the relations it rewrote.
   */
  step(sql: string, options: StepOptions): Promise<StepOutcome>;
  /** Release everything (drop the throwaway database). Safe to call twice. */
  close(): Promise<void>;
  /**
   * For an engine whose thread is about to end (verify's engine thread): release only what
   * outlives the thread, without a clean shutdown. PGlite's database lives in the thread's memory
   * and nothing of it is kept: its close() (a shutdown checkpoint) writes pages nobody reads.
   */
  abandon?(): void;
  /** What is being run, for messages (`drizzle/0003_x.sql:4:1 ALTER TABLE …`): set by the runner, read by the CLI on a signal or timeout. */
  activity?: string;
}

export class EngineError extends Error {
  constructor(message: string, readonly hint?: string) {
    super(message);
    this.name = 'EngineError';
  }
}

/** PGlite extensions bundled as `@electric-sql/pglite/contrib/<name>` (CREATE EXTENSION name → module export). */
const PGLITE_CONTRIB = new Set([
  'amcheck', 'bloom', 'btree_gin', 'btree_gist', 'citext', 'cube', 'dict_int', 'dict_xsyn', 'earthdistance', 'fuzzystrmatch', 'hstore', 'intarray', 'isn', 'lo', 'ltree',
  'moddatetime', 'pg_trgm', 'pgcrypto', 'seg', 'tablefunc', 'tcn', 'tsm_system_rows', 'tsm_system_time', 'unaccent', 'uuid_ossp',
]);

/**
 * Extensions PGlite publishes as packages of their own: loaded when installed (pgvector's package
 * declares an exact PGlite version as its peer, so it is not a dependency of migration-lint; it
 * works with the PGlite migration-lint uses, and the tests run it).
 */
const PGLITE_PACKAGES: Record<string, { suffix: string; export: string }> = {
  vector: { suffix: '-pgvector', export: 'vector' },
};

/** Extension names a history creates (`CREATE EXTENSION [IF NOT EXISTS] "x"`), plus config `extensions`. */
export function extensionsUsed(texts: Iterable<string>, extra: readonly string[] = []): string[] {
  const names = new Set(extra.map((n) => n.toLowerCase()));
  for (const text of texts) {
    for (const m of text.matchAll(/create\s+extension\s+(?:if\s+not\s+exists\s+)?"?([\w-]+)"?/gi)) names.add(m[1].toLowerCase());
  }
  return [...names].sort();
}

/**
 * PostgreSQL's settings for verify's PGlite: initdb with 1 MB WAL segments (the data directory a run
 * starts from is ~30 MB instead of ~40), and a small buffer cache (PGlite's default is 128 MB of
 * shared buffers in WASM memory), and WAL kept to a few segments (it lives in memory too: by
 * default it grows to 1 GB between checkpoints). Shared memory is zeroed at every start (PGlite's
 * mmap), ~2.5-4 ms per MB here; a page not in the buffer cache is a copy from PGlite's in-memory file
 * system away, so 4 MB costs nothing measurable: simstudioai__sim (298 migrations) reads 1,913
 * pages into it instead of 509 with 16 MB, in the same time; 1 MB makes the start ~10 ms shorter
 * but simstudioai__sim +430 +/- 310 ms slower (paired, 6 runs). With one connection's processes
 * (below), shared memory is 9 MB instead of 11. A sequential scan of a table
 * larger than a quarter of the cache would start where the last one stopped (synchronize_seqscans,
 * for concurrent scans, of which a single-user engine has none): off, rows come in the same order
 * whatever the cache's size.
 */
const PGLITE_INITDB = ['--wal-segsize=1'];
const PGLITE_SETTINGS = [
  '-c', 'shared_buffers=4MB', '-c', 'synchronize_seqscans=off', '-c', 'maintenance_work_mem=32MB', '-c', 'min_wal_size=2MB', '-c', 'max_wal_size=32MB',
  // One backend: shared memory for 1 connection's processes instead of 100's (plus 16 autovacuum
  // workers' and 10 WAL senders'), and the lock table as large as before: 2,048 locks × 4
  // processes = 64 × 128 = 8,192 (simstudioai__sim's 298 migrations end holding 3,637).
  '-c', 'max_connections=1', '-c', 'superuser_reserved_connections=0', '-c', 'autovacuum_worker_slots=1', '-c', 'max_wal_senders=0', '-c', 'max_locks_per_transaction=2048',
];

/** PGlite's package version (its package.json is not exported, so it is found from its entry point). */
function pgliteVersion(): string {
  try {
    let entry: string;
    try {
      entry = createRequire(import.meta.url).resolve(PGLITE);
    } catch {
      entry = createRequire(join(process.cwd(), 'package.json')).resolve(PGLITE); // the project's (see pglite-module.ts)
    }
    return (JSON.parse(readFileSync(join(dirname(entry), '..', 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

/**
 * Where the initialised data directory is kept between runs: `$MIGRATION_LINT_CACHE_DIR`, or
 * `$XDG_CACHE_HOME/migration-lint`, or `~/.cache/migration-lint` (the OS temporary directory when
 * there is no home). Keyed by the PGlite version and the initdb parameters.
 */
export function pgliteDataDirCache(version = pgliteVersion()): string {
  const base = process.env.MIGRATION_LINT_CACHE_DIR || (process.env.XDG_CACHE_HOME ? join(process.env.XDG_CACHE_HOME, 'migration-lint') : join(homedir() || tmpdir(), '.cache', 'migration-lint'));
  return join(base, `pglite-${version}-datadir-v4${PGLITE_INITDB.join('').replace(/[^\w=-]/g, '')}.tar`);
}

type PgliteModule = { PGlite: (new (options?: unknown) => PgliteDb) & { defaultStartParams: string[] }; MemoryFS: MemoryFsClass };

/** A compiled WebAssembly.Module (this project's TypeScript libraries do not declare WebAssembly). */
type WasmModule = object;
const wasmCompile = (bytes: Uint8Array) => (globalThis as unknown as { WebAssembly: { compile(bytes: Uint8Array): Promise<WasmModule> } }).WebAssembly.compile(bytes);

let prepared: Promise<{ mod: PgliteModule; wasm?: WasmModule }> | undefined;

/**
 * What PGlite's start needs before the history's extensions are known, once per thread: its module,
 * and its WASM compiled (PGlite takes it compiled: `pgliteWasmModule`). verify's engine thread
 * started early (early.ts) does this while the main thread loads the CLI and reads the history.
 */
export function preparePglite(): Promise<{ mod: PgliteModule; wasm?: WasmModule }> {
  prepared ??= (async () => {
    baselineWasm();
    // The WASM first: V8 compiles it on its own threads while this one compiles PGlite's module
    // (paired on examples/shop: the start -9 +/- 6 ms).
    let compiling: Promise<WasmModule> | undefined;
    try {
      compiling = wasmCompile(readFileSync(join(dirname(createRequire(import.meta.url).resolve(PGLITE)), 'pglite.wasm')));
      compiling.catch(() => undefined);
    } catch {
      // PGlite found elsewhere (the project's): it compiles its own
    }
    const mod = await importPglite<PgliteModule>();
    try {
      return { mod, ...(compiling ? { wasm: await compiling } : {}) };
    } catch {
      return { mod };
    }
  })();
  return prepared;
}

/**
 * Start an in-memory PGlite with the bundled extensions the history needs (those it lacks are
 * returned). It starts from the cached data directory when there is one (a load, ~10× cheaper
 * than initdb); otherwise initdb runs and the result is cached for the next run.
 */
export async function startPglite(extensions: readonly string[]): Promise<{ engine: Engine; missing: string[] }> {
  let mod: PgliteModule;
  let wasm: WasmModule | undefined;
  try {
    ({ mod, wasm } = await preparePglite());
  } catch (error) {
    if (error instanceof PgliteMissing) throw new EngineError(error.message);
    throw new EngineError(`cannot load the embedded PostgreSQL (${PGLITE}): ${(error as Error).message}`, `reinstall it (npm i -D ${PGLITE}), or pass --database-url postgres://…`);
  }
  const loaded: Record<string, unknown> = {};
  const missing: string[] = [];
  for (const ext of extensions) {
    const moduleName = ext.replace(/-/g, '_');
    if (ext === 'plpgsql') continue;
    const packaged = PGLITE_PACKAGES[ext];
    if (packaged) {
      try {
        // Found where PGlite is: beside migration-lint, or in the project.
        const m = await importPglite<Record<string, unknown>>(packaged.suffix);
        loaded[ext] = m[packaged.export];
      } catch {
        missing.push(`${ext} (npm i -D ${PGLITE}${packaged.suffix} to check it on PGlite)`);
      }
      continue;
    }
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
  const pkgVersion = pgliteVersion();
  const cacheFile = pgliteDataDirCache(pkgVersion);
  const options = { extensions: loaded, startParams: [...mod.PGlite.defaultStartParams, ...PGLITE_SETTINGS], ...(wasm ? { pgliteWasmModule: wasm } : {}) };
  // The cached data directory: its headers now, each file when PostgreSQL first uses it (datadir.ts),
  // from this descriptor (the file is only ever replaced by a rename, never changed in place).
  let fd: number | undefined;
  let cached: TarEntry[] | undefined;
  const closeCache = () => {
    if (fd !== undefined) closeSync(fd);
    fd = undefined;
  };
  try {
    fd = openSync(cacheFile, 'r');
    cached = readTar(tarFile(fd));
  } catch {
    closeCache(); // first run, or a damaged file (replaced below)
  }
  /** PGlite on a data directory's entries; undefined when it does not start there (a damaged one). */
  const startOn = async (entries: TarEntry[]): Promise<PgliteDb | undefined> => {
    try {
      const started = new mod.PGlite({ ...options, fs: memoryFsWith(mod.MemoryFS, entries) });
      await started.waitReady;
      return started;
    } catch {
      return undefined;
    }
  };
  let db = cached ? await startOn(cached) : undefined;
  if (!db) {
    // No cache, or a damaged one (removed): initdb, and the data directory it made, shut down
    // cleanly, kept for the next run; this run starts from it too, as the next ones will.
    if (cached) {
      closeCache();
      rmSync(cacheFile, { force: true });
    }
    const fresh = await freshDataDir(mod, options, cacheFile).catch(() => undefined);
    db = fresh ? await startOn(fresh) : undefined;
    if (fresh && !db) rmSync(cacheFile, { force: true });
    if (!db) {
      db = new mod.PGlite({ ...options, initDbStartParams: PGLITE_INITDB });
      await db.waitReady;
    }
  }
  const ready = db;
  const [settings] = (await ready.query<{ v: string; n: string }>("SELECT current_setting('server_version') AS v, current_setting('server_version_num') AS n")).rows;
  const version = String(settings?.v ?? '?');
  const num = Number(settings?.n ?? 0);
  let closed = false;
  const sql = {
    async exec(text: string) {
      await ready.exec(text);
    },
    async query<T>(text: string, params?: unknown[]) {
      return (await ready.query<T>(text, params)).rows;
    },
    async execLast<T>(text: string) {
      return ((await ready.exec(text)).at(-1)?.rows ?? []) as T[];
    },
  };
  const engine: Engine = {
    kind: 'pglite',
    description: `PGlite ${pkgVersion} (PostgreSQL ${version}, embedded)`,
    serverVersionNum: num,
    ...sql,
    // PGlite is single-user PostgreSQL: its one backend in its one database holds every lock (the trace reads less).
    step: stepper(sql, { alone: true }),
    async close() {
      if (closed) return;
      closed = true;
      await ready.close().catch(() => undefined);
      closeCache();
    },
    abandon() {
      closed = true;
      closeCache();
    },
  };
  return { engine, missing };
}

/**
 * Leave out of the cached data directory the WAL segments PostgreSQL preallocated after the current
 * one (6 of the 7 MB of WAL initdb leaves): they hold nothing, and every run would load them.
 */
async function trimWal(db: PgliteDb): Promise<void> {
  await db.query('CHECKPOINT');
  const fs = (db as unknown as { mod?: { FS?: { unlink(path: string): void } } }).mod?.FS;
  if (!fs) return;
  const [{ current, dir }] = (await db.query<{ current: string; dir: string }>("SELECT pg_walfile_name(pg_current_wal_lsn()) AS current, current_setting('data_directory') AS dir")).rows;
  for (const { name } of (await db.query<{ name: string }>('SELECT name FROM pg_ls_waldir()')).rows) {
    if (/^[0-9A-F]{24}$/.test(name) && name > current) fs.unlink(`${dir}/pg_wal/${name}`);
  }
}

/**
 * A data directory made by initdb, after PostgreSQL's clean shutdown (its entries, in memory), and
 * kept in `file` for the next runs (best effort: a read-only cache only costs time). Shut down
 * cleanly, it starts without crash recovery: PGlite's own dump of a running database made every
 * start replay the WAL from the last checkpoint and rebuild the relation cache's init files
 * (~70 ms of a 450 ms start). postgresql.conf keeps its settings without initdb's 800 lines of
 * comments, which PostgreSQL read at every start.
 */
async function freshDataDir(mod: PgliteModule, options: Record<string, unknown>, file: string): Promise<TarEntry[]> {
  const init = new mod.PGlite({ ...options, extensions: {}, initDbStartParams: PGLITE_INITDB });
  await init.waitReady;
  await trimWal(init);
  const fs = (init as unknown as { mod: { FS: EmscriptenFsReader } }).mod.FS;
  // PGlite's close() ends its Emscripten runtime, which sets process.exitCode to 0 on the way.
  const exitCode = process.exitCode;
  try {
    await init.close();
  } finally {
    process.exitCode = exitCode;
  }
  const tar = writeTar(dumpFs(fs, PGDATA, (path, data) => (path === 'postmaster.pid' ? undefined : path === 'postgresql.conf' ? withoutComments(data) : data)));
  try {
    mkdirSync(dirname(file), { recursive: true });
    const temp = `${file}.${process.pid}.tmp`;
    writeFileSync(temp, tar);
    renameSync(temp, file);
    // Data directories of other PGlite versions (or layouts) will not be used again.
    for (const name of readdirSync(dirname(file))) if (/^pglite-.+-datadir-.+\.tar$/.test(name) && name !== basename(file)) rmSync(join(dirname(file), name), { force: true });
  } catch {
    /* no cache then */
  }
  return readTar(tar);
}

/** A configuration file's lines without the blank ones and the comments (PostgreSQL reads the rest the same). */
function withoutComments(data: Uint8Array): Uint8Array {
  const lines = new TextDecoder().decode(data).split('\n').filter((line) => line.trim() !== '' && !line.trim().startsWith('#'));
  return new TextEncoder().encode(`${lines.join('\n')}\n`);
}

interface PgliteDb {
  waitReady: Promise<void>;
  exec(sql: string): Promise<{ rows: unknown[] }[]>;
  query<T>(sql: string, params?: unknown[]): Promise<{ rows: T[] }>;
  close(): Promise<void>;
}

/** The URL with another database name (and the password kept, for connecting only), and another user when given. */
function withDatabase(url: string, database: string, login?: { user: string; password: string }): string {
  const u = new URL(url);
  u.pathname = `/${encodeURIComponent(database)}`;
  if (login) {
    u.username = encodeURIComponent(login.user);
    u.password = encodeURIComponent(login.password);
    u.searchParams.delete('user');
    u.searchParams.delete('password');
  }
  return u.toString();
}

/** Prefix of verify's throwaway databases: `migration_lint_verify_<12 hex>`. */
export const THROWAWAY_PREFIX = 'migration_lint_verify_';
/** Start of the COMMENT ON DATABASE verify puts on its throwaway database: its proof of ownership. */
const MARKER = 'migration-lint verify ';
/** A leftover nobody is connected to is dropped once it is this old (a run connects to it within seconds). */
const LEFTOVER_AGE_MS = 60_000;

interface Marker {
  pid: number;
  host: string;
  created: string;
}

/** A throwaway database on a real server, and how to get rid of it. */
export interface ThrowawayDatabase {
  name: string;
  /** URL of the throwaway database (password kept: for connecting only). */
  url: string;
  /** The same, password masked. */
  shownUrl: string;
  /** The throwaway role the migrations run as (owner of the database, no other privilege), when there is one. */
  role?: string;
  /** What was dropped before this run started (leftovers of runs that were killed), and why the migrations run without a throwaway role: one note each. */
  notes: string[];
  /** Drop it (terminating whatever is connected to it). Safe to call twice. */
  drop(): Promise<void>;
}

/**
 * CREATE DATABASE migration_lint_verify_<random> through a connection to the URL's database
 * (which is never written to), marked with a COMMENT (pid, host, time) so that a later run can
 * prove a leftover is verify's own. Leftovers of runs that were killed (SIGKILL leaves no chance to
 * drop) are dropped first: verify's name, verify's marker, and either its process is gone (same
 * host; only that run's own orphaned session may still be connected) or it is older than a minute
 * and nobody is connected.
 */
export async function createThrowawayDatabase(url: string, options: { extensions?: readonly string[] } = {}): Promise<ThrowawayDatabase> {
  const flag = '--database-url';
  // A URL (not a socket folder): the throwaway database is named in its path.
  const problem = connectionStringProblem(url) ?? (url.trim().startsWith('/') ? 'a Unix socket folder; pass a URL: postgres://user:password@host:5432/database' : undefined);
  if (problem) throw new UsageError(`${flag} ${redactUrl(url)}: ${problem}`);
  const admin = await openConnection(url, flag);
  const notes = await dropLeftovers(admin).catch(() => [] as string[]);
  const name = `${THROWAWAY_PREFIX}${randomBytes(6).toString('hex')}`;
  const { hostname } = builtin('node:os');
  const marker: Marker = { pid: process.pid, host: hostname(), created: new Date().toISOString() };
  try {
    await admin.query(`CREATE DATABASE ${quoteIdent(name)}`);
  } catch (error) {
    await admin.end().catch(() => undefined);
    throw new UsageError(`${flag} ${redactUrl(url)}: cannot create a throwaway database (${maskSecrets((error as Error).message, url)})`, 'verify needs the CREATEDB privilege; it creates migration_lint_verify_<random>, runs there, and drops it');
  }
  let dropped = false;
  let role: string | undefined;
  const drop = async () => {
    if (dropped) return;
    dropped = true;
    try {
      await admin.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`);
    } catch {
      await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()`, [name]).catch(() => undefined);
      await admin.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)}`).catch(() => undefined);
    }
    if (role) await admin.query(`DROP ROLE IF EXISTS ${quoteIdent(role)}`).catch(() => undefined); // else the next run's leftover pass
    await admin.end().catch(() => undefined);
  };
  let workUrl: string;
  try {
    await admin.query(`COMMENT ON DATABASE ${quoteIdent(name)} IS ${quoteLiteral(MARKER + JSON.stringify(marker))}`);
    const sandbox = await throwawayRole(admin, url, name, MARKER + JSON.stringify(marker), options.extensions ?? []);
    role = sandbox.role;
    workUrl = sandbox.url;
    if (sandbox.note) notes.push(sandbox.note);
  } catch (error) {
    await drop();
    throw error;
  }
  return { name, url: workUrl, shownUrl: redactUrl(workUrl), ...(role ? { role } : {}), notes, drop };
}

/**
 * The role the migrations run as: `migration_lint_verify_<hex>` (the database's name), LOGIN with a
 * random password, no superuser, CREATEDB, CREATEROLE, replication or BYPASSRLS, owner of the
 * throwaway database and of nothing else. Privileges then bound what a migration can do, also what
 * the parse cannot see (dynamic SQL, the bodies of functions it calls): roles, settings of other
 * databases, `COPY … PROGRAM`, server files, `ALTER SYSTEM` are refused (42501). Without it (the
 * URL's user cannot create roles, the server refuses the role's login, or the history creates an
 * extension only a superuser can create) the migrations run as the URL's user, as they did before;
 * when that user is a superuser, a note says so.
 */
async function throwawayRole(admin: PgClient, url: string, name: string, marker: string, extensions: readonly string[]): Promise<{ url: string; role?: string; note?: string }> {
  const plain = withDatabase(url, name);
  const { rows } = await admin.query(
    `SELECT current_user AS me, rolsuper AS super,
            ARRAY(SELECT DISTINCT name::text FROM pg_available_extension_versions WHERE superuser AND NOT trusted AND name = ANY($1::text[]) ORDER BY 1) AS untrusted
       FROM pg_roles WHERE rolname = current_user`,
    [[...extensions]],
  );
  const me = String(rows[0]?.me ?? '?');
  const superuser = rows[0]?.super === true;
  const without = (why: string) => ({ url: plain, ...(superuser ? { note: `the migrations ran as ${me}, a superuser, not under a throwaway role: ${why}` } : {}) });
  const untrusted = Array.isArray(rows[0]?.untrusted) ? (rows[0].untrusted as string[]) : [];
  if (untrusted.length) return without(`they create the extension${untrusted.length === 1 ? '' : 's'} ${untrusted.join(', ')}, which only a superuser can create`);
  const password = randomBytes(24).toString('hex');
  try {
    await admin.query(`CREATE ROLE ${quoteIdent(name)} LOGIN PASSWORD ${quoteLiteral(password)} NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS`);
  } catch (error) {
    return without(`${me} cannot create one (${maskSecrets((error as Error).message, url)})`);
  }
  const roleUrl = withDatabase(url, name, { user: name, password });
  try {
    await admin.query(`COMMENT ON ROLE ${quoteIdent(name)} IS ${quoteLiteral(marker)}`);
    await admin.query(`ALTER DATABASE ${quoteIdent(name)} OWNER TO ${quoteIdent(name)}`);
    const probe = await openConnection(roleUrl, '--database-url');
    await probe.end().catch(() => undefined);
    return { url: roleUrl, role: name };
  } catch (error) {
    await admin.query(`ALTER DATABASE ${quoteIdent(name)} OWNER TO CURRENT_USER`).catch(() => undefined);
    await admin.query(`DROP ROLE IF EXISTS ${quoteIdent(name)}`).catch(() => undefined);
    return without(`it could not be used (${maskSecrets(maskSecrets((error as Error).message, url), roleUrl)})`);
  }
}

const quoteLiteral = (s: string) => `'${s.replace(/'/g, "''")}'`;

/** Drop the throwaway databases of earlier runs that provably ended without dropping them. */
async function dropLeftovers(admin: PgClient): Promise<string[]> {
  const { rows } = await admin.query(
    `SELECT d.datname, shobj_description(d.oid, 'pg_database') AS marker,
            EXISTS (SELECT 1 FROM pg_stat_activity a WHERE a.datname = d.datname) AS busy,
            EXISTS (SELECT 1 FROM pg_stat_activity a WHERE a.datname = d.datname AND a.application_name IS DISTINCT FROM 'migration-lint') AS busy_elsewhere
       FROM pg_database d WHERE starts_with(d.datname, $1)`,
    [THROWAWAY_PREFIX],
  );
  const { hostname } = builtin('node:os');
  const here = hostname();
  const out: string[] = [];
  for (const row of rows) {
    const datname = String(row.datname);
    const text = typeof row.marker === 'string' ? row.marker : '';
    if (!/^migration_lint_verify_[0-9a-f]{12}$/.test(datname) || !text.startsWith(MARKER) || row.busy_elsewhere) continue;
    let marker: Marker;
    try {
      marker = JSON.parse(text.slice(MARKER.length)) as Marker;
    } catch {
      continue;
    }
    const age = Date.now() - Date.parse(marker.created);
    const gone = marker.host === here && !processAlive(marker.pid);
    // A killed run's own session can outlive it: the server notices a dead client only when it next
    // talks to it, and a statement like pg_sleep(600) runs on. Such a session (ours, its process gone)
    // does not keep the database; any other session does.
    if (!gone && (row.busy || !(age > LEFTOVER_AGE_MS))) continue;
    try {
      await admin.query(`DROP DATABASE IF EXISTS ${quoteIdent(datname)} WITH (FORCE)`);
      out.push(`dropped a throwaway database an earlier verify left behind (killed before it could drop it): ${datname} (created ${marker.created} by pid ${marker.pid} on ${marker.host}, which ${gone ? 'is gone' : 'is not connected to it'})`);
    } catch {
      /* someone else's to drop, or no privilege: leave it */
    }
  }
  // Throwaway roles whose database is gone (dropped above, or by a run that could not drop its role), verify's marker on them, nobody logged in as them.
  const roles = await admin.query(
    `SELECT r.rolname, shobj_description(r.oid, 'pg_authid') AS marker
       FROM pg_roles r
      WHERE starts_with(r.rolname, $1) AND NOT r.rolsuper
        AND NOT EXISTS (SELECT 1 FROM pg_database d WHERE d.datname = r.rolname)
        AND NOT EXISTS (SELECT 1 FROM pg_stat_activity a WHERE a.usename = r.rolname)`,
    [THROWAWAY_PREFIX],
  );
  for (const row of roles.rows) {
    const rolname = String(row.rolname);
    if (!/^migration_lint_verify_[0-9a-f]{12}$/.test(rolname) || typeof row.marker !== 'string' || !row.marker.startsWith(MARKER)) continue;
    try {
      await admin.query(`DROP ROLE ${quoteIdent(rolname)}`);
      out.push(`dropped a throwaway role an earlier verify left behind (its database is gone): ${rolname}`);
    } catch {
      /* no privilege, or it still owns something: leave it */
    }
  }
  return out;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Connect to the throwaway database (verify's engine thread does this). */
export async function openPostgres(url: string, shownUrl: string, statementTimeoutMs: number): Promise<Engine> {
  const work = await openConnection(url, '--database-url', { statementTimeoutMs });
  try {
    const v = await work.query("SELECT current_setting('server_version') AS v, current_setting('server_version_num')::int AS n");
    let closed = false;
    const sql = {
      async exec(text: string) {
        await work.query(text);
      },
      async query<T>(text: string, params?: unknown[]) {
        return (await work.query(text, params)).rows as T[];
      },
      async execLast<T>(text: string) {
        // Several statements: node-postgres answers with one result each.
        const results = (await work.query(text)) as unknown as { rows: T[] } | { rows: T[] }[];
        return (Array.isArray(results) ? results.at(-1)?.rows : results.rows) ?? [];
      },
    };
    return {
      kind: 'postgres',
      description: `PostgreSQL ${String(v.rows[0]?.v)} at ${shownUrl} (throwaway database, dropped at the end)`,
      serverVersionNum: Number(v.rows[0]?.n ?? 0),
      ...sql,
      step: stepper(sql),
      async close() {
        if (closed) return;
        closed = true;
        await work.end().catch(() => undefined);
      },
    };
  } catch (error) {
    await work.end().catch(() => undefined);
    throw error;
  }
}

/**
 * A throwaway database and a connection to it, in this thread (the library API; the CLI runs the
 * connection on verify's engine thread, see host.ts). close() drops the database.
 */
export async function startPostgres(url: string, statementTimeoutMs = 120_000): Promise<Engine> {
  const db = await createThrowawayDatabase(url);
  let engine: Engine;
  try {
    engine = await openPostgres(db.url, db.shownUrl, statementTimeoutMs);
  } catch (error) {
    await db.drop();
    throw error;
  }
  return {
    ...engine,
    async close() {
      await engine.close();
      await db.drop();
    },
  };
}
