import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPglite, type Engine } from '../src/verify/engine.js';
import { runCli } from './helpers/cli.js';
import { addMigration, editSnapshot, gitInit } from './helpers/history.js';

/**
 * The proof of the rename fixes, on real drizzle-kit 0.31 output: fixtures/projects/fix-renames
 * generated the same schema change twice from one parent, its rename prompts answered "create"
 * (answered-create: ADD/DROP COLUMN, CREATE/DROP TABLE) and "rename" (answered-rename). `--fix` on
 * the first, in a git repository where the change is new on a branch, must give:
 * - SQL equivalent to the second: on PostgreSQL (PGlite) both give the same catalog, apart from
 *   what drizzle-kit's own "rename" answer loses (it writes only RENAME COLUMN, not the type,
 *   default and NOT NULL changes made with it: snapshot-drift reports them on answered-rename) and
 *   the primary key's name (the fix renames tags_pkey with its table, as CREATE TABLE named it);
 * - the same snapshots and journal (byte for byte: drizzle-kit writes the snapshot from the schema,
 *   whatever the answer; only the snapshot ids, random in drizzle-kit, differ between the copies);
 * - a migration that keeps the rows, where the original fails on them.
 */
const FIXTURE = 'fixtures/projects/fix-renames';
const TAG = '0002_renames';
const temp = mkdtempSync(join(tmpdir(), 'ml-fix-proof-'));
afterAll(() => rmSync(temp, { recursive: true, force: true }));

/** main: the parent (0000_init, 0001_orders); branch feature: drizzle-kit's "create" answer, committed. */
function repository(name: string): { dir: string; git: (...args: string[]) => string } {
  const dir = join(temp, name);
  for (const f of ['drizzle.config.ts', 'schema.ts', 'drizzle']) cpSync(join(FIXTURE, f), join(dir, f), { recursive: true });
  const git = gitInit(dir);
  git('checkout', '-q', '-b', 'feature');
  for (const f of ['schema.ts', 'drizzle']) cpSync(join(FIXTURE, 'answered-create', f), join(dir, f), { recursive: true });
  git('add', '-A');
  git('commit', '-q', '-m', 'renames, answered "create"');
  return { dir, git };
}

/** Rows of the tables the migration changes, before it runs. */
const SEED = [
  `INSERT INTO "customers" ("name", "email", "score", "phone") VALUES ('Ada', 'ada@example.com', 7, '+44 1'), ('Grace', 'grace@example.com', 9, '+1 2')`,
  `INSERT INTO "tags" ("label") VALUES ('new'), ('sale')`,
];
const read = (dir: string, file: string) => readFileSync(join(dir, file), 'utf8');
const withoutId = (text: string) => ({ ...JSON.parse(text), id: undefined });
const findings = (stdout: string) => (JSON.parse(stdout) as { findings: { rule: string; migration: string; message: string }[] }).findings;

/** The project with main at 0000_init and the rest of the history committed on branch feature. */
function branchOf(project: string, name: string): string {
  const dir = join(temp, name);
  cpSync(project, dir, { recursive: true });
  const journalFile = join(dir, 'drizzle/meta/_journal.json');
  const journal = JSON.parse(read(dir, 'drizzle/meta/_journal.json')) as { entries: { tag: string }[] };
  const later = journal.entries.slice(1).flatMap((e) => [`drizzle/${e.tag}.sql`, `drizzle/meta/${e.tag.split('_')[0]}_snapshot.json`]);
  const kept = new Map([...later, 'drizzle/meta/_journal.json'].map((f) => [f, readFileSync(join(dir, f))]));
  for (const f of later) rmSync(join(dir, f));
  writeFileSync(journalFile, JSON.stringify({ ...journal, entries: journal.entries.slice(0, 1) }, null, 2));
  const git = gitInit(dir);
  git('checkout', '-q', '-b', 'feature');
  for (const [f, bytes] of kept) writeFileSync(join(dir, f), bytes);
  git('add', '-A');
  git('commit', '-q', '-m', 'feature');
  return dir;
}

let fixedDir: string;
let fixOutput: ReturnType<typeof runCli>;
beforeAll(() => {
  fixedDir = repository('fixed').dir;
  fixOutput = runCli(['--fix', '--since', 'main', '--format', 'json'], { cwd: fixedDir });
});

describe('--fix on the "create" answer gives the "rename" answer', () => {
  it('the fixed SQL: RENAME TO and RENAME CONSTRAINT for the table, RENAME COLUMN with the changes made with it', () => {
    expect(fixOutput.stderr).toContain(`migration-lint: fixed 5 problems in 1 file`);
    expect(read(fixedDir, `drizzle/${TAG}.sql`)).toBe(
      [
        'ALTER TABLE "tags" RENAME TO "labels";',
        'ALTER TABLE "labels" RENAME CONSTRAINT "tags_pkey" TO "labels_pkey";',
        // In place of the CREATE TABLE, whose marker drizzle-kit writes on a line of its own.
        'ALTER TABLE "labels" RENAME CONSTRAINT "tags_label_unique" TO "labels_label_unique";\n',
        'ALTER TABLE "customers" RENAME COLUMN "name" TO "full_name";',
        'ALTER TABLE "customers" RENAME COLUMN "email" TO "email_address";',
        'ALTER TABLE "customers" ALTER COLUMN "email_address" SET DATA TYPE varchar(128);',
        'ALTER TABLE "customers" ALTER COLUMN "email_address" SET NOT NULL;',
        'ALTER TABLE "customers" RENAME COLUMN "score" TO "credit_score";',
        'ALTER TABLE "customers" ALTER COLUMN "credit_score" SET DATA TYPE bigint;',
        'ALTER TABLE "customers" ALTER COLUMN "credit_score" SET DEFAULT 100;',
        'ALTER TABLE "customers" RENAME COLUMN "phone" TO "phone_number";',
        'ALTER TABLE "customers" ALTER COLUMN "phone_number" DROP NOT NULL;',
      ].join('--> statement-breakpoint\n'),
    );
  });

  it('snapshots and journal are identical to the "rename" answer\'s (ids aside); snapshot-drift finds nothing; a second --fix changes nothing', () => {
    const rename = join(FIXTURE, 'answered-rename');
    for (const f of readdirSync(join(fixedDir, 'drizzle/meta'))) {
      if (f.endsWith('_snapshot.json')) expect(withoutId(read(fixedDir, `drizzle/meta/${f}`)), f).toEqual(withoutId(read(rename, `drizzle/meta/${f}`)));
      else expect(read(fixedDir, `drizzle/meta/${f}`), f).toBe(read(rename, `drizzle/meta/${f}`));
    }
    const left = findings(fixOutput.stdout).filter((f) => f.migration === TAG).map((f) => f.rule);
    expect(left).not.toContain('snapshot-drift');
    expect(left).not.toContain('column-rename-by-drop');
    expect(left).not.toContain('table-rename-by-drop');
    // drizzle-kit's own "rename" answer: its SQL loses the changes made with the renames.
    const renamed = runCli(['--format', 'json'], { cwd: rename });
    expect(findings(renamed.stdout).filter((f) => f.rule === 'snapshot-drift').map((f) => f.message.replace(/^.*disagree on column /, ''))).toEqual([
      'public.customers.email_address: type: varchar(64) [varchar(64)] (sql) ≠ varchar(128) [varchar(128)] (snapshot).',
      'public.customers.email_address: not null: false (sql) ≠ true (snapshot).',
      'public.customers.credit_score: type: integer [integer()] (sql) ≠ bigint [bigint()] (snapshot).',
      'public.customers.credit_score: default: 0 (sql) ≠ 100 (snapshot).',
      'public.customers.phone_number: not null: true (sql) ≠ false (snapshot).',
    ]);
    const before = read(fixedDir, `drizzle/${TAG}.sql`);
    const again = runCli(['--fix', '--since', 'main', '-q'], { cwd: fixedDir });
    expect(again.stdout).toContain('migration-lint: nothing to fix');
    expect(read(fixedDir, `drizzle/${TAG}.sql`)).toBe(before);
  });

  it('verify (PGlite, customers and tags with rows): the original fails on the rows, the fixed migration applies', () => {
    // These rows, not verify's own (its first row holds NULL in every nullable column, on which
    // making email_address NOT NULL fails, as the schema change itself would on such data).
    const seed = join(temp, 'seed.sql');
    writeFileSync(seed, `${SEED.join(';\n')};\n`);
    const original = repository('verify-original').dir;
    const failed = runCli(['verify', '--since', 'main', '--seed', seed, '--no-seed', '--format', 'json'], { cwd: original, timeout: 180_000 });
    expect(failed.code, failed.stderr).toBe(1);
    expect(failed.stdout).toContain('column \\"full_name\\" of relation \\"customers\\" contains null values');
    const fixed = runCli(['verify', '--since', 'main', '--seed', seed, '--no-seed', '--format', 'json'], { cwd: fixedDir, timeout: 180_000 });
    expect(fixed.code, fixed.stdout + fixed.stderr).toBe(0);
  }, 400_000);
});

describe('on PostgreSQL (PGlite): the fixed migration keeps the rows, and gives the catalog of the "rename" answer', () => {
  let engine: Engine;
  beforeAll(async () => {
    engine = (await startPglite([])).engine;
  }, 120_000);
  afterAll(async () => engine?.close());

  const migrations = (dir: string) => readdirSync(join(dir, 'drizzle')).filter((f) => f.endsWith('.sql')).sort();
  /** Apply the history of `dir`, seeding before TAG, in a fresh schema; returns what failed, if anything. */
  async function apply(dir: string, seedAt = TAG, seed = SEED): Promise<string | undefined> {
    await engine.exec('DROP SCHEMA public CASCADE; CREATE SCHEMA public;');
    for (const file of migrations(dir)) {
      if (file.startsWith(seedAt)) for (const s of seed) await engine.exec(s);
      for (const chunk of read(dir, `drizzle/${file}`).split('--> statement-breakpoint')) {
        try {
          await engine.exec(chunk);
        } catch (error) {
          return `${file}: ${(error as Error).message}`;
        }
      }
    }
    return undefined;
  }
  const catalog = async () => ({
    columns: await engine.query(`SELECT table_name, column_name, data_type, character_maximum_length, is_nullable, column_default FROM information_schema.columns WHERE table_schema = 'public' ORDER BY 1, 2`),
    constraints: await engine.query(`SELECT conrelid::regclass::text AS t, conname, pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE connamespace = 'public'::regnamespace ORDER BY 1, 2`),
    indexes: await engine.query(`SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' ORDER BY 1, 2`),
  });

  it('the original fails on the rows (ADD COLUMN … NOT NULL); the fixed one keeps every row and value', async () => {
    expect(await apply(join(FIXTURE, 'answered-create'))).toMatch(/contains null values/);
    expect(await apply(fixedDir)).toBeUndefined();
    expect(await engine.query(`SELECT "full_name", "email_address", "credit_score"::int AS credit_score, "phone_number" FROM "customers" ORDER BY "id"`)).toEqual([
      { full_name: 'Ada', email_address: 'ada@example.com', credit_score: 7, phone_number: '+44 1' },
      { full_name: 'Grace', email_address: 'grace@example.com', credit_score: 9, phone_number: '+1 2' },
    ]);
    expect(await engine.query(`SELECT "label" FROM "labels" ORDER BY "id"`)).toEqual([{ label: 'new' }, { label: 'sale' }]);
  });

  it('same catalog as the "rename" answer, once the changes drizzle-kit dropped from it are made', async () => {
    expect(await apply(fixedDir)).toBeUndefined();
    const fixed = await catalog();
    expect(await apply(join(FIXTURE, 'answered-rename'))).toBeUndefined();
    // What snapshot-drift reports on answered-rename, and the primary key's name.
    await engine.exec(
      [
        'ALTER TABLE "customers" ALTER COLUMN "email_address" SET DATA TYPE varchar(128)',
        'ALTER TABLE "customers" ALTER COLUMN "email_address" SET NOT NULL',
        'ALTER TABLE "customers" ALTER COLUMN "credit_score" SET DATA TYPE bigint',
        'ALTER TABLE "customers" ALTER COLUMN "credit_score" SET DEFAULT 100',
        'ALTER TABLE "customers" ALTER COLUMN "phone_number" DROP NOT NULL',
        'ALTER TABLE "labels" RENAME CONSTRAINT "tags_pkey" TO "labels_pkey"',
      ].join(';\n'),
    );
    expect(await catalog()).toEqual(fixed);
  });

  it('the renames fixture: rows seeded after 0000 are all there, values renamed with their enum, after the fixed history; the original fails on them', async () => {
    const seed = [
      `INSERT INTO "authors" ("name", "bio", "twitter_handle", "website") VALUES ('Ada', 'Loves SQL', '@ada', 'ada.dev')`,
      `INSERT INTO "posts" ("author_id", "title", "body", "status") VALUES (1, 'Old', 'text', 'archived'), (1, 'New', 'text', 'published')`,
      `INSERT INTO "comments" ("post_id", "body", "visibility") VALUES (1, 'hm', 'hidden'), (2, 'ok', 'public')`,
      `INSERT INTO "tags" ("label") VALUES ('sql')`,
    ];
    expect(await apply('fixtures/projects/renames', '0001', seed)).toMatch(/0006_rename_archived_value\.sql: invalid input value for enum/);
    const fixed = branchOf('fixtures/projects/renames', 'renames-rows');
    runCli(['--fix', '--since', 'main', '-q'], { cwd: fixed });
    expect(await apply(fixed, '0001', seed)).toBeUndefined();
    expect(await engine.query(`SELECT "name", "biography", "mastodon_handle", "homepage_url" FROM "authors"`)).toEqual([{ name: 'Ada', biography: 'Loves SQL', mastodon_handle: '@ada', homepage_url: 'ada.dev' }]);
    expect(await engine.query(`SELECT "title", "status"::text AS status FROM "posts" ORDER BY "id"`)).toEqual([{ title: 'Old', status: 'hidden' }, { title: 'New', status: 'published' }]);
    expect(await engine.query(`SELECT "body", "visibility"::text AS visibility, pg_typeof("visibility")::text AS type FROM "post_comments" ORDER BY "id"`)).toEqual([
      { body: 'hm', visibility: 'hidden', type: 'comment_moderation' },
      { body: 'ok', visibility: 'public', type: 'comment_moderation' },
    ]);
    expect(await engine.query(`SELECT "label" FROM "labels"`)).toEqual([{ label: 'sql' }]);
  });
});

describe('missing-create-type: --fix writes what drizzle-kit writes once the pgEnum is exported', () => {
  it("the example's 0004 gets the CREATE TYPE, and snapshots 0004 and 0005 the enum, as in fixtures/projects/shop-enum-exported (ids aside)", () => {
    const dir = join(temp, 'shop');
    cpSync('examples/shop', dir, { recursive: true });
    const r = runCli(['--fix', '--format', 'json'], { cwd: dir });
    expect(findings(r.stdout).map((f) => f.rule)).not.toContain('snapshot-drift');
    expect(findings(r.stdout).map((f) => f.rule)).not.toContain('missing-create-type');
    const exported = 'fixtures/projects/shop-enum-exported';
    expect(read(dir, 'drizzle/0004_user_role.sql')).toBe(read(exported, 'drizzle/0004_user_role.sql'));
    for (const f of ['0004_snapshot.json', '0005_snapshot.json']) {
      const [fixed, generated] = [read(dir, `drizzle/meta/${f}`), read(exported, `drizzle/meta/${f}`)];
      const ids = (text: string) => text.replace(/"(id|prevId)": "[^"]*"/g, '"$1": "…"');
      expect(ids(fixed), f).toBe(ids(generated));
    }
  });
});

describe('missing-create-type: no fix when a later migration creates the type', () => {
  it('the pgEnum exported later: drizzle-kit wrote its CREATE TYPE in 0006, so nothing is inserted before 0004', () => {
    const dir = join(temp, 'shop-created-later');
    cpSync('examples/shop', dir, { recursive: true });
    addMigration(join(dir, 'drizzle'), '0006_user_role_type', 'CREATE TYPE "public"."user_role" AS ENUM(\'customer\', \'staff\', \'admin\');');
    editSnapshot(join(dir, 'drizzle'), '0006', (s) => {
      (s.enums as Record<string, unknown>)['public.user_role'] = { name: 'user_role', schema: 'public', values: ['customer', 'staff', 'admin'] };
    });
    const r = runCli(['--fix-dry-run', '--format', 'json'], { cwd: dir });
    expect(r.stderr).not.toContain('0004_user_role.sql');
    expect(findings(r.stdout).filter((f) => f.rule === 'missing-create-type').map((f) => f.migration)).toContain('0004_user_role');
  });
});

describe('the renames fixture (every rename answered both ways): --fix, then verify on PGlite with seeded rows', () => {
  it('fixes the column, table, enum and enum-value renames; the original fails on the seeded rows, the fixed history applies', () => {
    const dir = branchOf('fixtures/projects/renames', 'renames-fixed');
    const fixed = runCli(['--fix', '--since', 'main', '--format', 'json'], { cwd: dir });
    const left = findings(fixed.stdout).map((f) => `${f.rule}@${f.migration}`);
    expect(left.filter((r) => /^(column-rename-by-drop|table-rename-by-drop|enum-recreate|snapshot-drift)@/.test(r))).toEqual([]);
    expect(read(dir, 'drizzle/0006_rename_archived_value.sql')).toBe(`ALTER TYPE "publication_status" RENAME VALUE 'archived' TO 'hidden';`);
    expect(read(dir, 'drizzle/0007_recreate_comment_enum.sql')).toBe('ALTER TYPE "comment_visibility" RENAME TO "comment_moderation";');
    expect(runCli(['--fix', '--since', 'main', '-q'], { cwd: dir }).stdout).toContain('migration-lint: nothing to fix');
    const original = branchOf('fixtures/projects/renames', 'renames-original');
    const failed = runCli(['verify', '--since', 'main', '--format', 'json'], { cwd: original, timeout: 180_000 });
    expect(failed.code, failed.stderr).toBe(1);
    expect(failed.stdout).toContain('invalid input value for enum');
    const passed = runCli(['verify', '--since', 'main', '--format', 'json'], { cwd: dir, timeout: 180_000 });
    expect(passed.code, passed.stdout + passed.stderr).toBe(0);
  }, 400_000);
});
