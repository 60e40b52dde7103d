import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadParser, parseMigration } from '../src/engine/parse.js';
import type { MigrationInput } from '../src/engine/types.js';
import { contextPlan } from '../src/runner/context-plan.js';
import { lint } from '../src/index.js';
import type { MigrationFile } from '../src/runner/project.js';

/**
 * --staged takes the schema before the staged migrations from the previous snapshot instead of
 * replaying the history. On drizzle-kit's own output (snapshots that agree with the SQL) that
 * must change nothing: every fixture, every split point, same findings as a full replay.
 */
/** The fixture histories drizzle-kit generated (a scenario.json; deploy-bun and deploy-config are app files only). */
const HISTORIES = ['examples/shop', ...readdirSync('fixtures/projects', { withFileTypes: true }).filter((d) => d.isDirectory() && d.name !== 'v1-folders' && existsSync(join('fixtures/projects', d.name, 'scenario.json'))).map((d) => join('fixtures/projects', d.name))];

beforeAll(() => loadParser());

describe('context from the previous snapshot = full replay, on drizzle-kit output', () => {
  for (const project of HISTORIES) {
    it(project, async () => {
      const full = await lint({ cwd: project });
      const tags = full.project.migrations.map((m) => m.tag);
      expect(tags.length).toBeGreaterThan(1);
      for (let k = 1; k < tags.length; k++) {
        const config = { startAfter: tags[k - 1] };
        const replayed = await lint({ cwd: project, lintConfig: config, context: 'replay' });
        const fromSnapshot = await lint({ cwd: project, lintConfig: config, context: 'snapshot' });
        expect({ from: tags[k], findings: fromSnapshot.findings }).toEqual({ from: tags[k], findings: replayed.findings });
      }
    });
  }
});

describe('contextPlan: what is parsed and where replay starts', () => {
  const SNAPSHOT = JSON.stringify({ version: '7', dialect: 'postgresql', id: 'x', prevId: 'y', tables: {}, enums: { 'public.mood': { name: 'mood', schema: 'public', values: ['sad', 'ok'] } }, schemas: {}, sequences: {}, views: {} });
  const DAY = 86_400_000;
  /** Migrations 30 days apart (none young for another), unless `days` says when each was written. */
  const history = (texts: string[], days = texts.map((_, i) => 30 * i)) => {
    const migrations: MigrationFile[] = texts.map((_, i) => ({ tag: `000${i}_m`, path: `/m/000${i}_m.sql`, file: `000${i}_m.sql`, snapshot: `/m/meta/000${i}_snapshot.json` }));
    const inputs: MigrationInput[] = texts.map((text, i) => ({ tag: `000${i}_m`, file: `000${i}_m.sql`, text, idx: i, when: days[i] * DAY }));
    const parsedAt: number[] = [];
    const plan = contextPlan({
      migrations,
      inputs,
      firstSelected: texts.length - 1,
      recentTableDays: 14,
      parseSql: (sql) => {
        parsedAt.push(inputs.findIndex((m) => m.text.includes(sql)));
        return parseMigration({ tag: '', file: '', text: sql }).statements;
      },
      readSnapshot: () => JSON.parse(SNAPSHOT),
    });
    return { plan, parsedAt };
  };

  it('no ADD VALUE, no view: nothing before the staged migration is parsed', () => {
    const { plan, parsedAt } = history(['CREATE TABLE "a" ("x" int);', 'ALTER TABLE "a" ADD COLUMN "y" int;', 'DROP TABLE "a";']);
    expect(plan?.replayFrom).toBe(2);
    expect(parsedAt).toEqual([]);
    expect(plan?.initialState.enums.get('public.mood')?.values).toEqual(['sad', 'ok']);
  });

  it('an ADD VALUE with no COMMIT after it: replay starts there (the value is pending in the same transaction)', () => {
    const { plan } = history(["CREATE TYPE \"mood\" AS ENUM('sad');", "ALTER TYPE \"mood\" ADD VALUE 'ok';", 'CREATE TABLE "b" ("x" int);', "SELECT 'ok'::mood;"]);
    expect(plan?.replayFrom).toBe(1);
  });

  it('a COMMIT after the ADD VALUE ends the transaction: replay starts at the staged migration', () => {
    const { plan, parsedAt } = history(["ALTER TYPE \"mood\" ADD VALUE 'ok';", 'COMMIT;', 'CREATE TABLE "b" ("x" int);', "SELECT 'ok'::mood;"]);
    expect(plan?.replayFrom).toBe(3);
    expect(parsedAt[0]).toBe(1); // the COMMIT is confirmed by parsing (then 0 is read for custom types: it says TYPE)
  });

  it('COMMIT only in a comment or a string does not count', () => {
    const { plan, parsedAt } = history(["ALTER TYPE \"mood\" ADD VALUE 'ok';", "-- COMMIT; later\nINSERT INTO \"t\" VALUES ('COMMIT');", "SELECT 'ok'::mood;"]);
    expect(parsedAt).toEqual([1]);
    expect(plan).toBeUndefined(); // the ADD VALUE of the first migration is still pending: replay it all
  });

  it('what custom SQL made (views with their query, extensions, functions) is replayed onto the snapshot', () => {
    const { plan, parsedAt } = history(['CREATE TABLE "a" ("x" int);', 'CREATE VIEW "v" AS SELECT "x" FROM "a";', 'CREATE EXTENSION "vector";\nCREATE FUNCTION f() RETURNS int AS $$ SELECT 1 $$ LANGUAGE sql;', 'DROP EXTENSION "vector";', 'ALTER TABLE "a" DROP COLUMN "x";']);
    expect(plan?.replayFrom).toBe(4);
    expect(parsedAt).toEqual([1, 2, 3]);
    expect(plan?.initialState.views.get('public.v')?.query).toMatchObject({ SelectStmt: {} });
    expect([...(plan?.initialState.extensions ?? [])]).toEqual([]);
    expect([...(plan?.initialState.functions ?? [])]).toEqual(['public.f']);
    expect(plan?.initialState.tables.size).toBe(0); // tables come from the snapshot only
  });

  it('the young-table window: the tables created less than 14 days before the staged migration are found by scanning, not replaying, those migrations', () => {
    const texts = ['CREATE TABLE "a" ("x" int);', 'CREATE TABLE "b" ("x" int);', 'ALTER TABLE "b" RENAME TO "c";', 'CREATE INDEX "c_x" ON "c" ("x");'];
    const births = (days: number[]) => {
      const { plan } = history(texts, days);
      return { replayFrom: plan?.replayFrom, births: plan?.tableBirths?.map((b) => `${b.table} born in ${b.tag} as ${b.createdAs}`) };
    };
    expect(births([0, 20, 30, 33])).toEqual({ replayFrom: 3, births: ['public.c born in 0001_m as public.b'] }); // 33 - 20 < 14
    expect(births([0, 10, 30, 33])).toEqual({ replayFrom: 3, births: [] }); // b was created before the window: renamed, still old
    expect(births([0, 10, 15, 33])).toEqual({ replayFrom: 3, births: undefined }); // no window
    // The newest `when` so far is the reference, also when the staged entry's is older.
    expect(births([0, 10, 40, 33])).toEqual({ replayFrom: 3, births: [] });
    expect(births([0, 1, 2, 3])).toEqual({ replayFrom: 3, births: ['public.a born in 0000_m as public.a', 'public.c born in 0001_m as public.b'] });
  });

  it('the window scan parses only what may create, rename, drop or fill a table; CREATE TABLE IF NOT EXISTS makes it replay the window', () => {
    const texts = ['CREATE TABLE "a" ("x" int);', 'ALTER TABLE "a" ADD COLUMN "y" int;\n--> statement-breakpoint\nCREATE TABLE "b" ("x" int);', 'CREATE INDEX "a_x" ON "a" ("x");', 'SELECT 1;'];
    const scanned = history(texts, [0, 1, 2, 3]);
    expect(scanned.parsedAt).toEqual([0, 1]);
    expect(scanned.plan?.tableBirths?.map((b) => b.table)).toEqual(['public.a', 'public.b']);
    const ifNotExists = history(['CREATE TABLE "a" ("x" int);', 'CREATE TABLE IF NOT EXISTS "a" ("x" int);', 'SELECT 1;'], [0, 30, 31]);
    expect({ replayFrom: ifNotExists.plan?.replayFrom, births: ifNotExists.plan?.tableBirths }).toEqual({ replayFrom: 1, births: undefined });
  });

  it('no snapshot, or an unreadable one: no plan (replay everything)', () => {
    const inputs: MigrationInput[] = ['SELECT 1;', 'SELECT 2;'].map((text, i) => ({ tag: `t${i}`, file: `t${i}.sql`, text }));
    const base = { inputs, firstSelected: 1, recentTableDays: 14, parseSql: (sql: string) => parseMigration({ tag: '', file: '', text: sql }).statements };
    expect(contextPlan({ ...base, migrations: [{ tag: 't0', path: '/t0.sql', file: 't0.sql' }, { tag: 't1', path: '/t1.sql', file: 't1.sql' }], readSnapshot: () => JSON.parse(SNAPSHOT) })).toBeUndefined();
    const withSnapshot: MigrationFile[] = [{ tag: 't0', path: '/t0.sql', file: 't0.sql', snapshot: '/s.json' }, { tag: 't1', path: '/t1.sql', file: 't1.sql' }];
    expect(contextPlan({ ...base, migrations: withSnapshot, readSnapshot: () => undefined })).toBeUndefined(); // unreadable or not JSON
    expect(contextPlan({ ...base, migrations: withSnapshot, readSnapshot: () => ({ version: '8', ddl: [] }) })).toBeUndefined();
  });
});
