import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.js';
import { naturalCompare } from '../src/runner/project.js';

/**
 * Files named on the command line (by hand, by lint-staged, by an editor) are linted with the
 * history of the migrations folder they are in, and only they are reported on.
 */
const temp = mkdtempSync(join(tmpdir(), 'ml-named-'));
afterAll(() => rmSync(temp, { recursive: true, force: true }));

type Doc = { findings: { rule: string; migration: string; file: string; severity: string }[]; summary: { migrations: number; errors: number } };
const json = (stdout: string) => JSON.parse(stdout) as Doc;
const rules = (doc: Doc) => doc.findings.map((f) => `${f.rule}@${f.migration}`);

function project(name: string, from = 'examples/shop'): string {
  const dir = join(temp, name);
  cpSync(from, dir, { recursive: true });
  return dir;
}

describe('a .sql file in a drizzle migrations folder is linted with its history', () => {
  it('the rename answered "create" (ADD NOT NULL + DROP) is caught in the named file; other files are not reported', () => {
    const dir = project('journal');
    const r = runCli(['drizzle/0001_rename_user_name.sql', '--format', 'json'], { cwd: dir });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(1);
    const doc = json(r.stdout);
    expect(rules(doc)).toEqual(['not-null-without-default@0001_rename_user_name', 'column-rename-by-drop@0001_rename_user_name']);
    expect(doc.summary.migrations).toBe(1);
    // Two files of the folder: both reported, nothing else (0005's CONCURRENTLY, the snapshot's missing type).
    const two = json(runCli(['drizzle/0003_drop_refunded_status.sql', 'drizzle/0001_rename_user_name.sql', '--format', 'json'], { cwd: dir }).stdout);
    expect([...new Set(two.findings.map((f) => f.migration))]).toEqual(['0001_rename_user_name', '0003_drop_refunded_status']);
    expect(two.summary.migrations).toBe(2);
  });

  it('a migration that is fine in its history passes (exit 0), and findings on the journal entry of the file are kept', () => {
    const dir = project('entry');
    expect(runCli(['drizzle/0000_init.sql'], { cwd: dir }).code).toBe(0);
    // The file's journal entry goes back in time: reported, as it concerns the named migration.
    const journal = join(dir, 'drizzle/meta/_journal.json');
    const j = JSON.parse(readFileSync(journal, 'utf8'));
    j.entries[2].when = j.entries[0].when - 1;
    writeFileSync(journal, JSON.stringify(j, null, 2));
    const named = json(runCli(['drizzle/0002_product_sku.sql', '--format', 'json'], { cwd: dir }).stdout);
    expect(rules(named)).toContain('journal-order@0002_product_sku');
    const other = json(runCli(['drizzle/0000_init.sql', '--format', 'json'], { cwd: dir }).stdout);
    expect(rules(other)).toEqual([]);
  });

  it('drizzle-kit 1.0 layout: <timestamp>_<name>/migration.sql', () => {
    const dir = project('v1', 'fixtures/projects/v1-folders');
    mkdirSync(join(dir, 'drizzle/20250106120000_title'));
    writeFileSync(join(dir, 'drizzle/20250106120000_title/migration.sql'), 'ALTER TABLE "books" ADD COLUMN "subtitle" text NOT NULL;');
    const r = runCli(['drizzle/20250106120000_title/migration.sql', '--format', 'json'], { cwd: dir });
    expect(rules(json(r.stdout))).toEqual(['not-null-without-default@20250106120000_title']);
  });

  it('files of two folders (a monorepo): each with its own history, one report', () => {
    const a = project('mono/a');
    const b = project('mono/b', 'fixtures/projects/v1-folders');
    const r = runCli([join(a, 'drizzle/0001_rename_user_name.sql'), join(b, 'drizzle/20250106100000_isbn/migration.sql'), '--format', 'json'], { cwd: temp });
    expect(rules(json(r.stdout))).toEqual(['not-null-without-default@0001_rename_user_name', 'column-rename-by-drop@0001_rename_user_name', 'concurrently-in-transaction@20250106100000_isbn']);
  });

  it('the journal named too (lint-staged passes it): its findings are reported, with the migration\'s', () => {
    const dir = project('journal-named');
    const journal = join(dir, 'drizzle/meta/_journal.json');
    const j = JSON.parse(readFileSync(journal, 'utf8'));
    j.entries[2].when = j.entries[0].when - 1;
    writeFileSync(journal, JSON.stringify(j, null, 2));
    const r = runCli(['drizzle/meta/_journal.json', 'drizzle/0001_rename_user_name.sql', '--format', 'json'], { cwd: dir });
    expect(r.stderr).toBe('');
    const doc = json(r.stdout);
    expect(rules(doc)).toEqual(['journal-order@0002_product_sku', 'not-null-without-default@0001_rename_user_name', 'column-rename-by-drop@0001_rename_user_name']);
    expect(doc.findings.every((f) => f.rule !== 'parse-error')).toBe(true);
  });

  it('verify: the named migrations are reviewed, the ones before them are context, the ones after them are not run', () => {
    const dir = project('verify');
    const r = runCli(['verify', 'drizzle/0002_product_sku.sql', '--format', 'json'], { cwd: dir, timeout: 120_000 });
    expect(r.stderr).toBe('');
    const doc = JSON.parse(r.stdout) as { reviewReason: string; migrations: { tag: string; phase: string; status: string }[]; summary: { review: number } };
    expect(doc.migrations.map((m) => `${m.tag} ${m.phase}`)).toEqual(['0000_init context', '0001_rename_user_name context', '0002_product_sku review']);
    expect([doc.reviewReason, doc.summary.review]).toEqual(['the files named (0002_product_sku)', 1]);
    // 0002 fails on its own (ADD NOT NULL over seeded rows): exit 1, whatever 0003–0005 do.
    expect(r.code).toBe(1);
  }, 120_000);

  it('a named file that does not exist is a usage error', () => {
    const r = runCli(['drizzle/0009_nope.sql'], { cwd: project('missing') });
    expect([r.code, r.stderr]).toEqual([2, 'migration-lint: drizzle/0009_nope.sql: file not found\n']);
  });
});

describe('.sql files in no migrations folder', () => {
  it('are linted alone, and one line on stderr says which rules could not run', () => {
    const dir = join(temp, 'loose');
    mkdirSync(dir);
    writeFileSync(join(dir, 'rename.sql'), 'ALTER TABLE "users" ADD COLUMN "full_name" text NOT NULL;\nALTER TABLE "users" DROP COLUMN "name";');
    const r = runCli(['rename.sql', '--format', 'json'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(json(r.stdout).summary.migrations).toBe(1);
    expect(r.stderr).toBe(
      'migration-lint: note: rename.sql: in no drizzle migrations folder (no meta/_journal.json beside it), so linted without the migrations before it: rules about existing tables knew only the tables this file creates, and journal-files, journal-order, snapshot-fork and snapshot-drift could not run (no journal or snapshots). Pass the migrations folder, or files inside it, to lint them with their history\n',
    );
    // Rules turned off are not named.
    const off = runCli(['rename.sql', '--rule', 'journal-order=off', '--rule', 'snapshot-fork=off'], { cwd: dir });
    expect(off.stderr).toContain('and journal-files and snapshot-drift could not run');
  });

  it('are ordered with numbers by value (V2__ before V10__), named or in a folder', () => {
    const dir = join(temp, 'flyway');
    mkdirSync(dir);
    writeFileSync(join(dir, 'V1__users.sql'), 'CREATE TABLE "users" ("id" int);');
    writeFileSync(join(dir, 'V2__orders.sql'), 'CREATE TABLE "orders" ("id" int);');
    // Only right after V2: an index on an existing table (a warning); before V2 the table would not exist yet.
    writeFileSync(join(dir, 'V10__orders_index.sql'), 'CREATE INDEX "orders_id_idx" ON "orders" ("id");');
    const folder = json(runCli([dir, '--format', 'json'], { cwd: temp }).stdout);
    expect(rules(folder)).toEqual(['index-not-concurrent@V10__orders_index']);
    const named = json(runCli(['V10__orders_index.sql', 'V1__users.sql', 'V2__orders.sql', '--format', 'json'], { cwd: dir }).stdout);
    expect(rules(named)).toEqual(['index-not-concurrent@V10__orders_index']);
  });

  it('naturalCompare: digit runs by value, the rest by code unit', () => {
    const names = ['V10__c.sql', 'V2__b.sql', 'V1__a.sql', '0002_x.sql', '0010_y.sql', '10_z.sql', '9_w.sql', 'V1_1__p.sql', 'V1_10__q.sql', 'V1_2__r.sql'];
    expect([...names].sort(naturalCompare)).toEqual(['0002_x.sql', '9_w.sql', '10_z.sql', '0010_y.sql', 'V1_1__p.sql', 'V1_2__r.sql', 'V1_10__q.sql', 'V1__a.sql', 'V2__b.sql', 'V10__c.sql']);
  });
});
