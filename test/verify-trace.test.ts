import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadHistory } from '../src/verify/load.js';
import { startPglite, startPostgres, isServerError, toPgError, type Engine } from '../src/verify/engine.js';
import { runHistory, type VerifyResult } from '../src/verify/run.js';
import type { StepOptions, StepOutcome } from '../src/verify/step.js';
import type { LockEntry } from '../src/verify/trace.js';

/**
 * The lock trace reads only what changed (see src/verify/trace.ts). Here it is held against the
 * plain way: pg_locks and every relation read before and after each statement.
 */
const temp = mkdtempSync(join(tmpdir(), 'ml-verify-trace-'));
afterAll(() => rmSync(temp, { recursive: true, force: true }));

const USER = `n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%'`;
const READ = `SELECT (SELECT coalesce(json_agg(json_build_array(l.relation::int8, l.mode)), '[]') FROM pg_locks l
                 WHERE l.locktype = 'relation' AND l.pid = pg_backend_pid() AND l.granted AND l.relation >= 16384) AS locks,
              (SELECT coalesce(json_agg(json_build_array(c.oid::int8, n.nspname || '.' || c.relname, c.relkind::text, c.relfilenode::int8,
                        c.relkind IN ('r', 'i', 'm', 'S', 'v', 'p', 'I', 'f') AND ${USER})), '[]')
                 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid >= 16384) AS rels`;
type Read = { locks: [number, string][]; rels: [number, string, string, number, boolean][] };

/** Engine.step the plain way: everything read before the statement and after it. */
function plainStep(engine: Engine): Engine['step'] {
  return async (sql: string, { savepoint, trace }: StepOptions): Promise<StepOutcome> => {
    const before = trace ? (await engine.query<Read>(READ))[0] : undefined;
    await engine.exec(`SAVEPOINT ${savepoint}`);
    try {
      await engine.exec(sql);
    } catch (error) {
      if (!isServerError(error)) throw error;
      await engine.exec(`ROLLBACK TO SAVEPOINT ${savepoint}; RELEASE SAVEPOINT ${savepoint}`);
      return { ms: 0, error: toPgError(error) };
    }
    await engine.exec(`RELEASE SAVEPOINT ${savepoint}`);
    if (!before) return { ms: 0 };
    const after = (await engine.query<Read>(READ))[0];
    const held = new Set(before.locks.map(([oid, mode]) => `${oid} ${mode}`));
    const was = new Map(before.rels.filter((r) => r[4]).map((r) => [r[0], r]));
    const now = new Map(after.rels.map((r) => [r[0], r]));
    const locks: LockEntry[] = [];
    for (const [oid, mode] of after.locks) {
      const prior = was.get(oid);
      if (held.has(`${oid} ${mode}`) || !prior) continue;
      const r = now.get(oid);
      locks.push(r ? { relation: r[1], kind: r[2], mode, oid } : { relation: `${prior[1]} (dropped)`, kind: prior[2], mode, oid });
    }
    const rewrites = [...was.values()].filter(([oid, , , file]) => {
      const r = now.get(oid);
      return r && r[4] && file !== 0 && r[3] !== 0 && r[3] !== file && r[2] !== 'S';
    });
    locks.sort((a, b) => a.relation.localeCompare(b.relation) || a.mode.localeCompare(b.mode));
    return { ms: 0, locks, rewrites: rewrites.map((r) => now.get(r[0])![1]).sort() };
  };
}

/** Per statement: status, locks, rewrites. */
const traced = (r: VerifyResult) => r.migrations.map((m) => ({ tag: m.tag, status: m.status, statements: m.statements.map((s) => ({ line: s.line, status: s.status, locks: s.locks, rewrites: s.rewrites })) }));

const url = process.env.MIGRATION_LINT_PG_URL;

async function run(dir: string, plain: boolean, transaction: 'batch' | 'each', server = false, seed = true): Promise<VerifyResult> {
  const history = await loadHistory({ cwd: dir, paths: [dir] });
  history.reviewFrom = 1;
  const engine = server ? await startPostgres(url!) : (await startPglite([])).engine;
  try {
    return await runHistory(plain ? { ...engine, step: plainStep(engine) } : engine, history, { transaction, seed });
  } finally {
    await engine.close();
  }
}

function write(dir: string, files: Record<string, string[]>) {
  mkdirSync(dir, { recursive: true });
  for (const [name, statements] of Object.entries(files)) writeFileSync(join(dir, name), statements.join('--> statement-breakpoint\n'));
}

describe('verify lock trace', { timeout: 180_000 }, () => {
  // Migrations that build on each other, rewrites, renames, drops, relations made and dropped in
  // one statement, statements that write no catalog, locks only a seeded table takes, a failed
  // migration (rolled back: what it did is undone, and the next one starts from the state before
  // it), in one transaction and in one each.
  write(join(temp, 'history'), {
    '0000_init.sql': [
      'CREATE TABLE "accounts" ("id" serial PRIMARY KEY NOT NULL, "n" integer NOT NULL, "note" text);',
      'CREATE TABLE "posts" ("id" serial PRIMARY KEY NOT NULL, "account_id" integer);',
      'CREATE TABLE "old" ("id" integer);',
      'CREATE TABLE "spare" ("id" integer);',
      'CREATE TABLE "spare2" ("id" integer);',
    ],
    '0001_change.sql': [
      'ALTER TABLE "posts" ADD CONSTRAINT "posts_account_fk" FOREIGN KEY ("account_id") REFERENCES "accounts"("id");',
      'CREATE INDEX "accounts_n_idx" ON "accounts" ("n");',
      'ALTER TABLE "accounts" ALTER COLUMN "n" SET DATA TYPE bigint;',
      'UPDATE "accounts" SET "note" = \'x\';',
      'CREATE TABLE "tags" ("id" serial PRIMARY KEY NOT NULL, "post_id" integer REFERENCES "posts"("id"));',
      'CREATE INDEX "tags_post_idx" ON "tags" ("post_id");',
    ],
    '0002_fails.sql': [
      'ALTER TABLE "old" RENAME TO "renamed";',
      'ALTER TABLE "accounts" ADD COLUMN "z" integer;',
      'CREATE TABLE "gone" ("id" integer);',
      'DROP TABLE "spare2";',
      'ALTER TABLE "accounts" ADD COLUMN "n" integer;',
    ],
    '0003_after.sql': [
      'LOCK TABLE "old" IN ACCESS EXCLUSIVE MODE;',
      'LOCK TABLE "spare2" IN SHARE MODE;',
      'ALTER TABLE "old" ADD COLUMN "q" integer;',
      'ALTER TABLE "tags" ADD COLUMN "label" text;',
      'DROP TABLE "old";',
      'CREATE TABLE "drafts" ("id" serial PRIMARY KEY NOT NULL, "account_id" integer REFERENCES "accounts"("id"));',
      'DO $$ BEGIN CREATE TABLE "scratch" ("id" integer); DROP TABLE "scratch"; END $$;',
      'TRUNCATE "tags";',
      'LOCK TABLE "drafts" IN SHARE MODE;',
      'ALTER TABLE "posts" RENAME TO "articles";',
      'CREATE TABLE "clone" AS SELECT * FROM "articles";',
    ],
    '0004_after.sql': [
      'ALTER TABLE "articles" ADD COLUMN "title" text;',
      'ALTER TABLE "drafts" ALTER COLUMN "account_id" SET DATA TYPE bigint;',
      'ALTER TABLE "clone" ADD COLUMN "x" int;',
      'INSERT INTO "tags" ("post_id") SELECT "id" FROM "articles";',
      'DROP INDEX "tags_post_idx";',
      'DROP TABLE "spare";',
      // The trace's prepared statements are dropped, and prepared again.
      'DEALLOCATE ALL;',
      // Without the statistics counters the trace reads pg_class after every statement.
      'SET track_counts = off;',
      'ALTER TABLE "clone" RENAME TO "copy";',
      'ALTER TABLE "copy" ALTER COLUMN "x" SET DATA TYPE bigint;',
    ],
  });

  for (const transaction of ['batch', 'each'] as const) {
    it(`reads what the plain reads read, statement by statement (${transaction === 'batch' ? 'one transaction' : 'a transaction per migration'})`, async () => {
      const dir = join(temp, 'history');
      const fast = traced(await run(dir, false, transaction));
      const plain = traced(await run(dir, true, transaction));
      expect(fast).toEqual(plain);
      // The history does what it is meant to: a failed migration between applied ones, and
      // locks, rewrites, a rename and a drop in the trace.
      expect(fast.map((m) => m.status)).toEqual(['applied', 'applied', 'failed', 'applied', 'applied']);
      const locks = fast.flatMap((m) => m.statements.map((s) => s.locks?.map((l) => `${l.relation} ${l.mode}`)));
      expect(locks).toContainEqual(['public.spare (dropped) AccessExclusiveLock']);
      expect(locks).toContainEqual(['public.articles AccessExclusiveLock']);
      // After the failed migration, its rename and its drop are undone, and so are its locks.
      expect(fast[3].statements[0].locks).toEqual([expect.objectContaining({ relation: 'public.old', mode: 'AccessExclusiveLock' })]);
      expect(fast[3].statements[1].locks).toEqual([expect.objectContaining({ relation: 'public.spare2', mode: 'ShareLock' })]);
      expect(fast.flatMap((m) => m.statements).filter((s) => s.rewrites?.length).length).toBeGreaterThanOrEqual(3);
      expect(fast[4].statements.at(-1)!.rewrites).toEqual(['public.copy']);
    });
  }

  // Migrations that meet no new table to seed (or no seeding at all): the trace goes on from the
  // state after the migration before without reading it again, except after the transaction's
  // first bookkeeping row (its locks on drizzle's table are not the next statement's).
  write(join(temp, 'quiet'), {
    '0000_init.sql': ['CREATE TABLE "a" ("id" serial PRIMARY KEY NOT NULL, "n" integer);', 'CREATE TABLE "b" ("id" integer);'],
    '0001_first.sql': ['ALTER TABLE "a" ADD COLUMN "x" integer;'],
    '0002_second.sql': ['LOCK TABLE "b" IN SHARE MODE;', 'ALTER TABLE "a" ADD COLUMN "y" integer;'],
    '0003_fails.sql': ['LOCK TABLE "b" IN ACCESS EXCLUSIVE MODE;', 'ALTER TABLE "a" ADD COLUMN "x" integer;'],
    '0004_after.sql': ['LOCK TABLE "b" IN SHARE ROW EXCLUSIVE MODE;', 'CREATE INDEX "a_n_idx" ON "a" ("n");'],
    '0005_last.sql': ['ALTER TABLE "b" ADD COLUMN "z" integer;'],
  });
  for (const seed of [true, false]) {
    it(`reads what the plain reads read when no table is new to seed (${seed ? 'seeding on' : '--no-seed'})`, async () => {
      const dir = join(temp, 'quiet');
      const fast = traced(await run(dir, false, 'batch', false, seed));
      expect(fast).toEqual(traced(await run(dir, true, 'batch', false, seed)));
      expect(fast.map((m) => m.status)).toEqual(['applied', 'applied', 'applied', 'failed', 'applied', 'applied']);
      const first = (i: number) => fast[i].statements[0].locks?.map((l) => `${l.relation} ${l.mode}`);
      expect(first(2)).toEqual(['public.b ShareLock']); // not drizzle's table: its first row's locks came before
      expect(first(4)).toEqual(['public.b ShareRowExclusiveLock']); // after the failed migration: its ACCESS EXCLUSIVE was let go
      expect(first(5)).toEqual(['public.b AccessExclusiveLock']);
    });
  }

  it.skipIf(!url)(`on a real PostgreSQL too (one transaction)${url ? '' : ' (skipped: set MIGRATION_LINT_PG_URL)'}`, async () => {
    const dir = join(temp, 'history');
    // Two throwaway databases: the oids differ.
    const withoutOids = (r: VerifyResult) => traced(r).map((m) => ({ ...m, statements: m.statements.map((s) => ({ ...s, locks: s.locks?.map(({ oid: _, ...l }) => l) })) }));
    const fast = withoutOids(await run(dir, false, 'batch', true));
    expect(fast).toEqual(withoutOids(await run(dir, true, 'batch', true)));
    expect(fast[3].statements[0].locks).toEqual([{ relation: 'public.old', kind: 'r', mode: 'AccessExclusiveLock' }]);
  });
});
