import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { transformSync } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MIGRATE_LOCK_WRAPPERS } from '../src/rules/deploy/migrate-lock-wrappers.js';
import { startNeonWsProxy } from './helpers/neon-ws-proxy.js';
import { client, PG_URL, type Client } from './helpers/pg.js';

/**
 * Two processes start drizzle-orm's real migrate() at the same moment on a fresh database, with
 * the migrations of fixtures/projects/deploy-path (a clean drizzle-kit history: examples/shop's
 * planted mistakes make its migrate() fail on every run, lock or not). Without a lock one of
 * them fails (or a migration is recorded twice), over node-postgres and over Neon's driver; with
 * the wrappers that migrate-without-lock prints as its help (docs/migrate-lock/*.ts, the files
 * themselves, compiled as they are; typechecked with test/), both succeed and every migration is
 * recorded once. Neon's driver reaches the server through test/helpers/neon-ws-proxy.ts.
 */
const FOLDER = resolve('fixtures/projects/deploy-path/drizzle');
const MIGRATIONS = JSON.parse(readFileSync(`${FOLDER}/meta/_journal.json`, 'utf8')).entries.length as number;
const WORK = resolve('node_modules/.cache/migration-lint-race');
/** Every wrapper the help prints (Neon's through a WebSocket proxy like Neon's, test/helpers/neon-ws-proxy.ts). */
const WRAPPERS = Object.keys(MIGRATE_LOCK_WRAPPERS) as (keyof typeof MIGRATE_LOCK_WRAPPERS)[];
const RUNS_WITH_LOCK = 3;
const MAX_RUNS_WITHOUT_LOCK = 10;

// One process: waits for the common start time, then migrates, and prints what happened.
const RUNNER = `
const [mode, url, folder, startAt, neonProxy] = process.argv.slice(2);
const pg = (await import('pg')).default;
if (mode.startsWith('neon')) {
  // The local stand-in for Neon's proxy: plain ws:, no TLS, no pipelined start-up.
  const { neonConfig } = await import('@neondatabase/serverless');
  neonConfig.wsProxy = () => neonProxy + '/v1';
  neonConfig.useSecureWebSocket = false;
  neonConfig.pipelineTLS = false;
  neonConfig.pipelineConnect = false;
}
let run;
if (mode.endsWith('no-lock')) {
  // The driver's own Client, as an app without a lock uses it.
  const driver = mode === 'neon-serverless-no-lock' ? 'neon-serverless' : 'node-postgres';
  let Client = pg.Client;
  if (driver === 'neon-serverless') {
    const neon = await import('@neondatabase/serverless');
    neon.neonConfig.webSocketConstructor = (await import('ws')).default;
    Client = neon.Client;
  }
  const { drizzle } = await import('drizzle-orm/' + driver);
  const { migrate } = await import('drizzle-orm/' + driver + '/migrator');
  run = async () => {
    const c = new Client({ connectionString: url });
    await c.connect();
    try { await migrate(drizzle(c), { migrationsFolder: folder }); } finally { await c.end(); }
  };
} else {
  const { migrateWithLock } = await import('./' + mode + '.mjs');
  run = async () => {
    if (mode !== 'node-postgres-pool') return migrateWithLock(url, folder);
    const pool = new pg.Pool({ connectionString: url });
    try { await migrateWithLock(pool, folder); } finally { await pool.end(); }
  };
}
await new Promise((r) => setTimeout(r, Math.max(0, Number(startAt) - Date.now())));
try {
  await run();
  console.log(JSON.stringify({ ok: true }));
} catch (error) {
  console.log(JSON.stringify({ ok: false, error: String(error?.cause?.message ?? error?.message ?? error), code: error?.cause?.code ?? error?.code }));
}
`;

type Outcome = { ok: boolean; error?: string; code?: string };

let neonProxy: Awaited<ReturnType<typeof startNeonWsProxy>> | undefined;

function runProcess(mode: string, url: string, startAt: number): Promise<Outcome> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [`${WORK}/runner.mjs`, mode, url, FOLDER, String(startAt), neonProxy?.address ?? ''], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', fail);
    child.on('close', (code) => {
      const line = out.trim().split('\n').pop() ?? '';
      try {
        done(JSON.parse(line) as Outcome);
      } catch {
        fail(new Error(`runner exited ${code} without a result: ${err || out}`));
      }
    });
  });
}

describe.skipIf(!PG_URL)('two concurrent migrate() on PostgreSQL', () => {
  let admin: Client;
  beforeAll(async () => {
    admin = await client(PG_URL!);
    const server = new URL(PG_URL!);
    neonProxy = await startNeonWsProxy({ host: server.hostname, port: Number(server.port || 5432) });
    mkdirSync(WORK, { recursive: true });
    writeFileSync(`${WORK}/runner.mjs`, RUNNER);
    for (const name of WRAPPERS) {
      const source = readFileSync(`docs/migrate-lock/${name}.ts`, 'utf8');
      writeFileSync(`${WORK}/${name}.mjs`, transformSync(source, { loader: 'ts', format: 'esm', sourcefile: `docs/migrate-lock/${name}.ts` }).code);
    }
  });
  afterAll(async () => {
    await neonProxy?.close();
    await admin?.end();
  });

  /** Both processes on a fresh database (dropped afterwards); the outcomes and the bookkeeping rows. */
  async function race(mode: string): Promise<{ outcomes: Outcome[]; recorded: number; distinct: number; tables: number }> {
    const name = `migration_lint_race_${randomBytes(6).toString('hex')}`;
    await admin.query(`CREATE DATABASE ${name}`);
    try {
      const url = new URL(PG_URL!);
      url.pathname = `/${name}`;
      // Each process needs ~0.5-1 s to load drizzle and connect on a busy machine: start them together after that.
      const startAt = Date.now() + 2500;
      const outcomes = await Promise.all([runProcess(mode, url.href, startAt), runProcess(mode, url.href, startAt)]);
      const db = await client(url.href);
      try {
        const rows = (await db.query('SELECT count(*)::int AS n, count(DISTINCT created_at)::int AS d FROM drizzle.__drizzle_migrations')).rows[0];
        const tables = (await db.query("SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = 'public' AND tablename IN ('customers', 'invoices', 'payments')")).rows[0];
        return { outcomes, recorded: rows.n as number, distinct: rows.d as number, tables: tables.n as number };
      } finally {
        await db.end();
      }
    } finally {
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    }
  }

  for (const mode of ['no-lock', 'neon-serverless-no-lock']) {
    const driver = mode === 'no-lock' ? 'node-postgres' : 'neon-serverless';
    it(`without a lock (${driver}), one of them fails or a migration is recorded twice (repeated until it happens, at most ${MAX_RUNS_WITHOUT_LOCK} times)`, async () => {
      const seen: string[] = [];
      let broken = false;
      for (let i = 0; i < MAX_RUNS_WITHOUT_LOCK && !broken; i++) {
        const result = await race(mode);
        const failures = result.outcomes.filter((o) => !o.ok);
        broken = failures.length > 0 || result.recorded > MIGRATIONS;
        seen.push(failures.length ? failures.map((f) => f.error).join('; ') : `recorded ${result.recorded} of ${MIGRATIONS}`);
      }
      console.log(`without a lock (${driver}): ${seen.length} run(s): ${seen.join(' | ')}`);
      expect(broken).toBe(true);
    }, 120_000);
  }

  for (const name of WRAPPERS) {
    it(`with docs/migrate-lock/${name}.ts both succeed and every migration is recorded once (${RUNS_WITH_LOCK} runs)`, async () => {
      for (let i = 0; i < RUNS_WITH_LOCK; i++) {
        const result = await race(name);
        expect(result.outcomes).toEqual([{ ok: true }, { ok: true }]);
        expect({ recorded: result.recorded, distinct: result.distinct, tables: result.tables }).toEqual({ recorded: MIGRATIONS, distinct: MIGRATIONS, tables: 3 });
      }
      // Neon's driver went through the WebSocket proxy (a connection per process and run at least).
      if (name.startsWith('neon')) expect(neonProxy!.connections()).toBeGreaterThanOrEqual(2 * RUNS_WITH_LOCK);
    }, 120_000);
  }
});

if (!PG_URL) console.log('test/migrate-race.test.ts: skipped (no MIGRATION_LINT_PG_URL; scripts/ci/postgres.sh starts a PostgreSQL)');
