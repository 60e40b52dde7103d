import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.js';
import { lint } from '../src/runner/lint.js';
import { loadHistory } from '../src/verify/load.js';
import { startPglite } from '../src/verify/engine.js';
import { runHistory, type VerifyResult } from '../src/verify/run.js';
import { lockSummary } from '../src/verify/format.js';
import { dropEarlyEngineThread, startEarlyEngineThread, takeEarlyEngineThread } from '../src/verify/early.js';
import { EngineHost } from '../src/verify/host.js';

/** `migration-lint verify` on embedded PGlite (no server needed). */
const temp = mkdtempSync(join(tmpdir(), 'ml-verify-'));
afterAll(() => rmSync(temp, { recursive: true, force: true }));

/** A folder of migrations for one test, under the suite's temporary folder. */
function folder(name: string): string {
  const dir = join(temp, name);
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** A migration file holding these statements, drizzle-kit's breakpoint between them; its path. */
function migration(dir: string, name: string, statements: readonly string[]): string {
  const file = join(dir, name);
  writeFileSync(file, statements.join('\n--> statement-breakpoint\n'));
  return file;
}

function failures(result: VerifyResult) {
  return result.migrations.flatMap((m) => m.statements.filter((s) => s.failure).map((s) => ({ tag: m.tag, status: s.status, line: s.failure!.line, code: s.failure!.code, message: s.failure!.message, hint: s.failure!.hint })));
}

describe('verify on PGlite', { timeout: 180_000 }, () => {
  it('examples/shop: every bad migration fails with PostgreSQL\'s message, SQLSTATE and file:line (JSON, exit 1)', () => {
    const run = runCli(['verify', '--format', 'json'], { cwd: 'examples/shop', timeout: 120_000 });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(1);
    const result = JSON.parse(run.stdout) as VerifyResult;
    expect(result.migrations.map((m) => [m.tag, m.status])).toEqual([
      ['0000_init', 'applied'],
      ['0001_rename_user_name', 'failed'],
      ['0002_product_sku', 'failed'],
      ['0003_drop_refunded_status', 'failed'],
      ['0004_user_role', 'failed'],
      ['0005_orders_created_at_index', 'failed'],
    ]);
    const f = failures(result);
    expect(f).toEqual([
      { tag: '0001_rename_user_name', status: 'failed', line: 1, code: '23502', message: 'column "full_name" of relation "users" contains null values', hint: undefined },
      { tag: '0002_product_sku', status: 'failed', line: 1, code: '42804', message: 'column "note" cannot be cast automatically to type integer', hint: 'You might need to specify "USING note::integer".' },
      { tag: '0002_product_sku', status: 'failed', line: 2, code: '23502', message: 'column "sku" of relation "products" contains null values', hint: undefined },
      { tag: '0003_drop_refunded_status', status: 'failed', line: 6, code: '22P02', message: 'invalid input value for enum order_status: "refunded"', hint: undefined },
      { tag: '0004_user_role', status: 'failed', line: 1, code: '42704', message: 'type "user_role" does not exist', hint: undefined },
      { tag: '0005_orders_created_at_index', status: 'failed', line: 1, code: '25001', message: 'CREATE INDEX CONCURRENTLY cannot run inside a transaction block', hint: undefined },
    ]);
    // PostgreSQL's error position, mapped into the file: the unknown type name.
    const role = result.migrations[4].statements[0].failure!;
    expect(role.at).toEqual({ line: 1, column: 39 });
    expect(role.file).toBe('drizzle/0004_user_role.sql');
    // Seeding: every table got rows, every enum value included (so the removal of 'refunded' bites).
    expect(result.seed.tables.map((t) => [t.table, t.rows > 0])).toEqual(expect.arrayContaining([['"public"."orders"', true], ['"public"."users"', true], ['"public"."products"', true], ['"public"."order_items"', true]]));
    expect(result.phases.map((p) => p.name)).toEqual(expect.arrayContaining(['load + parse', 'start PGlite (beside load + parse)', 'wait for PGlite', 'seed', 'review (6 migrations)']));
  });

  it('fixtures/projects/safe: the whole history applies on seeded tables (pretty, exit 0)', () => {
    const run = runCli(['verify', '--no-color'], { cwd: 'fixtures/projects/safe', timeout: 120_000 });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/✔ 0 of 4 migrations failed, 4 applied/);
    expect(run.stdout).toMatch(/seeded 3 of 3 tables/);
    expect(run.stdout).toMatch(/time: load \+ parse \d+ ms · start PGlite/);
  });

  it('fixtures/projects/locks: unsafe use of a new enum value (55P04), duplicates under a new UNIQUE, and the lock trace agrees with the static rules', async () => {
    const history = await loadHistory({ cwd: 'fixtures/projects/locks', paths: [] });
    const { engine } = await startPglite([]);
    let result: VerifyResult;
    try {
      result = await runHistory(engine, history, { transaction: 'each' });
    } finally {
      await engine.close();
    }
    const f = failures(result);
    expect(f).toContainEqual(expect.objectContaining({ tag: '0004_enum_value_as_default', code: '55P04', message: 'unsafe use of new value "archived" of enum type post_status', hint: 'New enum values must be committed before they can be used.' }));
    expect(f).toContainEqual(expect.objectContaining({ tag: '0001_index_unique_fk_check', code: '23505', line: 3 }));
    expect(f).toContainEqual(expect.objectContaining({ tag: '0002_drop_column_and_table', code: '42704' }));
    // Cross-check: what the static rules claim about locks, against pg_locks.
    const lintResult = await lint({ paths: ['fixtures/projects/locks/drizzle'], env: {} });
    const claim = lintResult.findings.find((x) => x.rule === 'index-not-concurrent' && x.migration === '0001_index_unique_fk_check')!;
    expect(claim.message).toMatch(/SHARE lock/);
    const statement = result.migrations[1].statements.find((s) => s.line === claim.line)!;
    expect(statement.locks).toContainEqual(expect.objectContaining({ relation: 'public.posts', mode: 'ShareLock' }));
    expect(lockSummary(statement)).toContain('public.posts SHARE');
    const fk = lintResult.findings.find((x) => x.rule === 'foreign-key-not-valid' && x.migration === '0001_index_unique_fk_check' && x.line === 1)!;
    const fkStatement = result.migrations[1].statements.find((s) => s.line === fk.line)!;
    expect(fkStatement.locks).toContainEqual(expect.objectContaining({ relation: 'public.posts', mode: 'ShareRowExclusiveLock' }));
  }, 120_000);

  it('trace: a column type change that rewrites the table shows a new relfilenode, as column-type-rewrite claims', async () => {
    rmSync(join(temp, 'rewrite'), { recursive: true, force: true });
    const dir = folder('rewrite');
    writeFileSync(join(dir, '0000_init.sql'), 'CREATE TABLE "events" (\n\t"id" serial PRIMARY KEY NOT NULL,\n\t"n" integer NOT NULL\n);\n');
    writeFileSync(join(dir, '0001_widen.sql'), 'ALTER TABLE "events" ALTER COLUMN "n" SET DATA TYPE bigint;--> statement-breakpoint\nALTER TABLE "events" ADD COLUMN "note" text;');
    const files = [join(dir, '0000_init.sql'), join(dir, '0001_widen.sql')];
    const lintResult = await lint({ paths: files, env: {} });
    expect(lintResult.findings.map((x) => x.rule)).toContain('column-type-rewrite');
    const history = await loadHistory({ cwd: process.cwd(), paths: files });
    history.reviewFrom = 1;
    const { engine } = await startPglite([]);
    let result: VerifyResult;
    try {
      result = await runHistory(engine, history, { transaction: 'each' });
    } finally {
      await engine.close();
    }
    const [alter, add] = result.migrations[1].statements;
    expect(alter.status).toBe('applied');
    expect(alter.rewrites).toEqual(expect.arrayContaining(['public.events', 'public.events_pkey']));
    expect(alter.locks).toContainEqual(expect.objectContaining({ relation: 'public.events', mode: 'AccessExclusiveLock' }));
    expect(add.rewrites).toEqual([]); // a nullable ADD COLUMN is catalog-only
  }, 120_000);

  it('trace in one transaction: rewrites under locks already held (TRUNCATE after ALTER), renames and drops (the same as reading every relation after each statement)', async () => {
    // The trace reads again only the relations the transaction holds a lock on: a rewrite takes
    // no new lock when an earlier statement already holds ACCESS EXCLUSIVE, and must still show.
    const dir = folder('rewrite-batch');
    writeFileSync(join(dir, '0000_init.sql'), 'CREATE TABLE "events" ("id" serial PRIMARY KEY NOT NULL, "n" integer NOT NULL);--> statement-breakpoint\nCREATE TABLE "old" ("id" integer);--> statement-breakpoint\nCREATE TABLE "logs" ("id" integer);');
    writeFileSync(
      join(dir, '0001_change.sql'),
      [
        'ALTER TABLE "events" ADD COLUMN "note" text;',
        'ALTER TABLE "events" ALTER COLUMN "n" SET DATA TYPE bigint;',
        'CREATE INDEX "events_n_idx" ON "events" ("n");',
        'TRUNCATE "events";',
        'ALTER TABLE "logs" RENAME TO "log_entries";',
        'DROP TABLE "old";',
        'ALTER TABLE "log_entries" ADD COLUMN "at" timestamp;',
      ].join('--> statement-breakpoint\n'),
    );
    const files = [join(dir, '0000_init.sql'), join(dir, '0001_change.sql')];
    const history = await loadHistory({ cwd: process.cwd(), paths: files });
    history.reviewFrom = 1;
    const { engine } = await startPglite([]);
    let result: VerifyResult;
    try {
      result = await runHistory(engine, history, { seed: false });
    } finally {
      await engine.close();
    }
    const [add, widen, index, truncate, rename, drop, after] = result.migrations[1].statements;
    expect(result.migrations[1].statements.map((s) => s.status)).toEqual(Array(7).fill('applied'));
    expect(add.locks).toContainEqual(expect.objectContaining({ relation: 'public.events', mode: 'AccessExclusiveLock' }));
    expect(add.rewrites).toEqual([]);
    // The rebuilt primary key and the table's SHARE lock are new; its ACCESS EXCLUSIVE is held since the ADD COLUMN.
    expect(widen.locks).toEqual([expect.objectContaining({ relation: 'public.events', mode: 'ShareLock' }), expect.objectContaining({ relation: 'public.events_pkey', mode: 'AccessExclusiveLock' })]);
    expect(widen.rewrites).toEqual(['public.events', 'public.events_pkey']);
    expect(index.locks).toEqual([]); // the new index's own lock is left out
    expect(index.rewrites).toEqual([]);
    expect(truncate.locks).toEqual([]); // nothing new: every lock it needs is held
    expect(truncate.rewrites).toEqual(['public.events', 'public.events_n_idx', 'public.events_pkey']);
    expect(rename.locks).toEqual([expect.objectContaining({ relation: 'public.log_entries', mode: 'AccessExclusiveLock' })]);
    expect(drop.locks).toEqual([expect.objectContaining({ relation: 'public.old (dropped)', mode: 'AccessExclusiveLock' })]);
    expect(after.locks).toEqual([]);
    expect(after.rewrites).toEqual([]);
  }, 120_000);

  it('seeds the tables each migration meets, not partitions, tables of an extension or drizzle\'s own; a detached partition once detached', async () => {
    const dir = folder('seed-tables');
    const write = (name: string, statements: string[]) => writeFileSync(join(dir, name), statements.join('--> statement-breakpoint\n'));
    write('0000_init.sql', [
      'CREATE SCHEMA "app";',
      'CREATE TABLE "app"."a" ("id" integer);',
      'CREATE TABLE "p" ("id" integer) PARTITION BY RANGE ("id");',
      'CREATE TABLE "p1" PARTITION OF "p" FOR VALUES FROM (0) TO (100);',
      'CREATE EXTENSION "pg_trgm";',
      'CREATE TABLE "owned" ("id" integer);',
      'ALTER EXTENSION "pg_trgm" ADD TABLE "owned";',
    ]);
    write('0001_detach.sql', ['ALTER TABLE "p" DETACH PARTITION "p1";']);
    write('0002_after.sql', ['SELECT 1;']);
    const files = ['0000_init.sql', '0001_detach.sql', '0002_after.sql'].map((f) => join(dir, f));
    const history = await loadHistory({ cwd: process.cwd(), paths: files });
    const { engine } = await startPglite(['pg_trgm']);
    let result: VerifyResult;
    try {
      result = await runHistory(engine, history, { trace: false });
    } finally {
      await engine.close();
    }
    expect(result.migrations.map((m) => m.status)).toEqual(['applied', 'applied', 'applied']);
    expect(result.migrations.map((m) => (m.seeded ?? []).map((t) => t.table))).toEqual([[], ['"app"."a"', '"public"."p"'], ['"public"."p1"']]);
    expect(result.seed.tables.map((t) => t.table)).toEqual(['"app"."a"', '"public"."p"', '"public"."p1"']);
  }, 120_000);

  it('the engine thread the CLI starts before it loads (verify on PGlite only) is the one the host takes; one not taken is stopped', async () => {
    for (const argv of [['lock'], ['verify', '--database-url', 'postgres://localhost/x'], ['verify', '--against=postgres://localhost/x'], ['verify', '-h']]) {
      startEarlyEngineThread(argv);
      expect(takeEarlyEngineThread()).toBeUndefined();
    }
    startEarlyEngineThread(['verify', '--format', 'json']);
    const host = new EngineHost({ kind: 'pglite', extensions: [] }, { statementTimeoutMs: 60_000, memoryLimitMb: 4096 });
    try {
      expect(takeEarlyEngineThread()).toBeUndefined(); // the host has it
      await host.ready;
      expect(host.description).toMatch(/^PGlite /);
      expect(await host.query('SELECT 1 AS one')).toEqual([{ one: 1 }]);
    } finally {
      await host.close();
    }
    startEarlyEngineThread(['verify']);
    // Where runtime.ts parkThread keeps it until it is taken.
    const parked = (globalThis as Record<symbol, Map<string, { threadId: number; once(event: 'exit', f: () => void): void }> | undefined>)[Symbol.for('migration-lint.parked-threads')]!;
    const early = parked.get('verify-engine')!;
    const exited = new Promise<void>((resolve) => early.once('exit', resolve));
    dropEarlyEngineThread();
    await exited;
    expect(takeEarlyEngineThread()).toBeUndefined();
  }, 120_000);

  it('continues past a failure and says which later migrations could not be checked', async () => {
    const dir = folder('chain');
    writeFileSync(join(dir, '0000_a.sql'), 'CREATE TABLE "teams" ("id" serial PRIMARY KEY);');
    writeFileSync(join(dir, '0001_b.sql'), 'CREATE TABLE "members" ("id" serial PRIMARY KEY, "role" "member_role" NOT NULL);');
    writeFileSync(join(dir, '0002_c.sql'), 'CREATE INDEX "members_role_idx" ON "members" ("role");');
    writeFileSync(join(dir, '0003_d.sql'), 'ALTER TABLE "teams" ADD COLUMN "slug" text NOT NULL;');
    const run = runCli(['verify', '--no-color', join(dir, '0000_a.sql'), join(dir, '0001_b.sql'), join(dir, '0002_c.sql'), join(dir, '0003_d.sql')], { timeout: 120_000 });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/0001_b\.sql {2}failed\n(.*\n)? {2}1:\d+ {2}error {2}type "member_role" does not exist {2}\[42704\]/);
    expect(run.stdout).toMatch(/\? .*0002_c\.sql {2}not checked/);
    expect(run.stdout).toMatch(/not checked: 0002_c/);
    expect(run.stdout).toMatch(/0003_d\.sql {2}failed\n(.*\n)? {2}1:1 {2}error {2}column "slug" of relation "teams" contains null values/);
  });

  it('a failed migration counts what ran: the statements before the failure, and those after it verify checked (migrate() never reaches them)', async () => {
    const dir = folder('nine');
    const tables = ['b', 'c', 'd', 'e', 'f', 'g', 'h'].map((t) => `CREATE TABLE "${t}" ("id" integer);`);
    const file = migration(dir, '0000_nine.sql', ['CREATE TABLE "a" ("id" integer);', 'ALTER TABLE "nope" ADD COLUMN "x" integer;', ...tables]);
    const history = await loadHistory({ cwd: process.cwd(), paths: [file] });
    const { engine } = await startPglite([]);
    let result: VerifyResult;
    try {
      result = await runHistory(engine, history, { trace: false });
    } finally {
      await engine.close();
    }
    const statements = result.migrations[0].statements;
    expect(statements.map((s) => [s.index + 1, s.status, s.afterFailure ?? false])).toEqual([
      [1, 'rolled-back', false],
      [2, 'failed', false],
      ...[3, 4, 5, 6, 7, 8, 9].map((n) => [n, 'rolled-back', true]),
    ]);
    const { formatVerifyPretty } = await import('../src/verify/format.js');
    const pretty = formatVerifyPretty(result, { color: false });
    expect(pretty).toContain('rolled back: 1 statement ran before the failure; 7 after it were checked (migrate() stops at the first failure and never runs them); the next migrations run against the state before this one');
    expect(pretty).not.toMatch(/not-run|8 statement/);
  }, 120_000);

  it('without the trace, the release sent after a statement changes nothing: a trailing -- comment, a statement cut short, a syntax error', async () => {
    const dir = folder('untraced');
    const file = migration(dir, '0000_x.sql', [
      'CREATE TABLE "a" ("id" integer) -- no semicolon, a comment to the end of the line',
      'CREATE TABLE "b" ("id" integer',
      'CREATE TABLE "c" ("id" integer);\nCREATE TABLE "d" ("id" intege r);',
      'CREATE TABLE "e" ("id" integer); /* a comment left open',
    ]);
    const history = await loadHistory({ cwd: process.cwd(), paths: [file, migration(dir, '0001_y.sql', ['CREATE TABLE "f" ("id" integer);'])] });
    history.reviewFrom = 0;
    const results: VerifyResult[] = [];
    for (const trace of [false, true]) {
      const { engine } = await startPglite([]);
      try {
        results.push(await runHistory(engine, history, { trace, transaction: 'each' }));
      } finally {
        await engine.close();
      }
    }
    const [untraced, traced] = results.map((r) => r.migrations.map((m) => ({ status: m.status, statements: m.statements.map((st) => ({ status: st.status, message: st.failure?.message, code: st.failure?.code, at: st.failure?.at })) })));
    // The same answers as a statement sent alone (the trace sends each alone).
    expect(untraced).toEqual(traced);
    expect(untraced[0].statements.map((st) => [st.status, st.message])).toEqual([
      ['rolled-back', undefined],
      ['failed', 'syntax error at end of input'],
      ['rolled-back', undefined],
      ['failed', 'syntax error at or near "r"'],
      ['failed', expect.stringMatching(/^unterminated \/\* comment/)],
    ]);
    expect(untraced[0].statements.map((st) => st.at)).toEqual([undefined, { line: 3, column: 31 }, undefined, { line: 6, column: 31 }, { line: 8, column: 34 }]);
    expect(untraced[1].status).toBe('applied');
  }, 120_000);

  it('CREATE EXTENSION vector loads PGlite\'s pgvector package: vector columns and an HNSW index apply', async () => {
    const dir = folder('vector');
    const file = migration(dir, '0000_vector.sql', ['CREATE EXTENSION IF NOT EXISTS vector;', 'CREATE TABLE "docs" ("id" serial PRIMARY KEY, "embedding" vector(3));', 'CREATE INDEX "docs_embedding_idx" ON "docs" USING hnsw ("embedding" vector_cosine_ops);', 'ALTER TABLE "docs" ALTER COLUMN "embedding" SET NOT NULL;']);
    const run = runCli(['verify', file, '--format', 'json'], { timeout: 120_000 });
    expect(run.stderr).toBe('');
    const result = JSON.parse(run.stdout) as VerifyResult & { notes?: string[] };
    expect(result.notes).toBeUndefined();
    expect(result.migrations[0].statements.map((s) => s.status)).toEqual(['applied', 'applied', 'applied', 'applied']);
  });

  it('usage errors exit 2 with one line', () => {
    const run = runCli(['verify', '--format', 'sarif'], { cwd: 'examples/shop' });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^migration-lint: --format sarif: verify prints pretty or json\n/);
    expect(runCli(['verify', '--bogus']).code).toBe(2);
  });
});
