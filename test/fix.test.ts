import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.js';
import { gitInit } from './helpers/history.js';
import { client, PG_URL } from './helpers/pg.js';
import { formatLock, LOCK_FILE } from '../src/runner/lockfile.js';
import { defineRule } from '../src/engine/define-rule.js';
import { fixHistory } from '../src/runner/fix.js';

/**
 * `--fix` and `--fix-dry-run` through the real CLI, in temp git repositories holding the example
 * project: 0000_init is on main (deployed); 0001–0005 are the work of a branch. The fix used here is
 * cast-without-using's (0002: `SET DATA TYPE integer` gets `USING "note"::integer`).
 */
const temp = mkdtempSync(join(tmpdir(), 'ml-fix-'));
afterAll(() => rmSync(temp, { recursive: true, force: true }));

const SKU = 'drizzle/0002_product_sku.sql';
/** The example's fixes: 0001's rename, 0002's USING, 0004's CREATE TYPE (with the enum added to snapshots 0004 and 0005). */
const FIXED_ALL = 'migration-lint: fixed 3 problems in 5 files';
const FIXED_SKU = readFileSync('examples/shop/drizzle/0002_product_sku.sql', 'utf8').replace('SET DATA TYPE integer;', 'SET DATA TYPE integer USING "note"::integer;');

/**
 * The example in a repository whose main has 0000_init only; the rest is in the working tree
 * (`commit`: on branch feature). Without its lock file unless asked (`lock`): git is then the
 * only record.
 */
function shop(name: string, { commit = false, lock = false }: { commit?: boolean; lock?: boolean } = {}): { dir: string; git: (...args: string[]) => string } {
  const dir = join(temp, name);
  cpSync('examples/shop', dir, { recursive: true });
  if (!lock) rmSync(join(dir, 'drizzle', LOCK_FILE));
  const later = readdirSync(join(dir, 'drizzle')).filter((f) => /^000[1-5]_.*\.sql$/.test(f));
  const keep = new Map([...later.map((f) => join('drizzle', f)), ...['0001', '0002', '0003', '0004', '0005'].map((p) => `drizzle/meta/${p}_snapshot.json`), 'drizzle/meta/_journal.json'].map((f) => [f, readFileSync(join(dir, f))]));
  for (const f of keep.keys()) rmSync(join(dir, f));
  const journal = JSON.parse(keep.get('drizzle/meta/_journal.json')!.toString());
  writeFileSync(join(dir, 'drizzle/meta/_journal.json'), JSON.stringify({ ...journal, entries: journal.entries.slice(0, 1) }, null, 2));
  const git = gitInit(dir);
  for (const [f, bytes] of keep) writeFileSync(join(dir, f), bytes);
  if (commit) {
    git('checkout', '-q', '-b', 'feature');
    git('add', '-A');
    git('commit', '-q', '-m', 'feature');
  }
  return { dir, git };
}

/** sha256 of every file under `dir` (not .git): what a dry run must leave as it was. */
function fingerprint(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.name === '.git') continue;
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out[relative(dir, p)] = createHash('sha256').update(readFileSync(p)).digest('hex');
    }
  };
  walk(dir);
  return out;
}

const rulesOf = (stdout: string) => (JSON.parse(stdout) as { findings: { rule: string; migration: string }[] }).findings.map((f) => `${f.rule}@${f.migration}`);

describe('--fix-dry-run', () => {
  it('prints the diff and reports what would be left, and changes nothing', () => {
    const { dir } = shop('dry-run');
    const before = fingerprint(dir);
    const r = runCli(['--fix-dry-run', '--no-color'], { cwd: dir });
    expect(r.code).toBe(1); // other errors remain
    expect(r.stdout).toContain(
      [
        `--- a/${SKU}`,
        `+++ b/${SKU}`,
        '@@ -1,2 +1,2 @@',
        '-ALTER TABLE "orders" ALTER COLUMN "note" SET DATA TYPE integer;--> statement-breakpoint',
        '+ALTER TABLE "orders" ALTER COLUMN "note" SET DATA TYPE integer USING "note"::integer;--> statement-breakpoint',
      ].join('\n'),
    );
    expect(r.stdout).toContain('migration-lint: --fix-dry-run: --fix would fix 3 problems in 5 files; nothing was written');
    // The report is of the history as fixed: the cast is no longer a finding.
    expect(r.stdout).not.toContain('cast-without-using');
    expect(fingerprint(dir)).toEqual(before);
  });

  it('with a machine format, the diffs go to stderr and stdout is the report', () => {
    const { dir } = shop('dry-run-json');
    const r = runCli(['--fix-dry-run', '--format', 'json'], { cwd: dir });
    expect(r.stderr).toContain(`+++ b/${SKU}`);
    expect(rulesOf(r.stdout)).not.toContain('cast-without-using@0002_product_sku');
    expect(rulesOf(r.stdout)).toContain('concurrently-in-transaction@0005_orders_created_at_index');
  });
});

describe('--fix', () => {
  it('writes the fix, then lints again; a second --fix changes nothing', () => {
    const { dir } = shop('twice');
    const first = runCli(['--fix', '--format', 'json'], { cwd: dir });
    expect(first.stderr).toContain(FIXED_ALL);
    expect(readFileSync(join(dir, SKU), 'utf8')).toBe(FIXED_SKU);
    expect(rulesOf(first.stdout)).not.toContain('cast-without-using@0002_product_sku');
    // What is left: no fixed finding, and the SQL still produces every snapshot (no snapshot-drift).
    expect(rulesOf(first.stdout).filter((r) => /^(column-rename-by-drop|cast-without-using|missing-create-type|snapshot-drift)@/.test(r))).toEqual([]);
    expect(readFileSync(join(dir, 'drizzle/0004_user_role.sql'), 'utf8')).toBe(
      `CREATE TYPE "public"."user_role" AS ENUM('customer', 'staff', 'admin');--> statement-breakpoint\n${readFileSync('examples/shop/drizzle/0004_user_role.sql', 'utf8')}`,
    );
    const after = fingerprint(dir);
    const second = runCli(['--fix', '--format', 'json'], { cwd: dir });
    expect(second.stderr).toContain('migration-lint: nothing to fix');
    expect(second.stderr).not.toContain('+++');
    expect(fingerprint(dir)).toEqual(after);
    expect(second.stdout).toBe(first.stdout);
    // No temporary file is left beside the migrations.
    expect(readdirSync(join(dir, 'drizzle')).filter((f) => f.includes('.tmp'))).toEqual([]);
  });

  it('keeps the file as it is elsewhere: CRLF line endings, its mode', () => {
    const { dir } = shop('crlf');
    const file = join(dir, SKU);
    writeFileSync(file, readFileSync(file, 'utf8').replaceAll('\n', '\r\n'), { mode: 0o640 });
    const mode = statSync(file).mode;
    runCli(['--fix', '-q'], { cwd: dir });
    expect(readFileSync(file, 'utf8')).toBe(FIXED_SKU.replaceAll('\n', '\r\n'));
    expect(statSync(file).mode).toBe(mode);
  });

  it('--fix and --fix-dry-run together is a usage error', () => {
    const r = runCli(['--fix', '--fix-dry-run'], { cwd: shop('both').dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--fix and --fix-dry-run cannot be combined');
  });
});

describe('never edits history: a migration some record says was applied is refused, with the reason', () => {
  it('committed at HEAD, with no other record: refused; with --since the branch it will be merged into, fixed', () => {
    const { dir } = shop('committed', { commit: true });
    const r = runCli(['--fix', '-q', '--no-color'], { cwd: dir });
    expect(r.stderr).toContain(
      'migration-lint: not fixed: drizzle/0002_product_sku.sql:1:56 cast-without-using: 0002_product_sku is committed at HEAD, and may have been deployed from there; if it is new on this branch, pass --since <the branch it will be merged into>',
    );
    expect(readFileSync(join(dir, SKU), 'utf8')).not.toBe(FIXED_SKU);
    const since = runCli(['--fix', '-q', '--since', 'main'], { cwd: dir });
    expect(since.stdout).toContain(FIXED_ALL);
    expect(readFileSync(join(dir, SKU), 'utf8')).toBe(FIXED_SKU);
  });

  it('at the git base (--since): refused, naming the base', () => {
    const { dir, git } = shop('at-base', { commit: true });
    git('checkout', '-q', 'main');
    git('merge', '-q', 'feature');
    git('checkout', '-q', '-b', 'next');
    // An edit on the new branch selects it (hash-drift reports the edit itself).
    writeFileSync(join(dir, SKU), readFileSync(join(dir, SKU), 'utf8') + '\n-- reviewed\n');
    git('commit', '-q', '-am', 'edit');
    const r = runCli(['--fix', '-q', '--since', 'main'], { cwd: dir });
    expect(r.stderr).toContain('cast-without-using: 0002_product_sku is committed at main, and may have been deployed from there');
    expect(r.stderr).not.toContain('pass --since');
    expect(readFileSync(join(dir, SKU), 'utf8')).not.toContain('USING');
  });

  it("the example's lock file records 0000_init as deployed: the lock is the record, and the rest is fixable, committed or not", () => {
    const { dir } = shop('example-lock', { commit: true, lock: true });
    const r = runCli(['--fix', '-q'], { cwd: dir });
    expect(r.stdout).toContain(FIXED_ALL);
    expect(readFileSync(join(dir, SKU), 'utf8')).toBe(FIXED_SKU);
    // It is what `migration-lint lock` writes for 0000_init.
    const text = readFileSync('examples/shop/drizzle/migration-lint.lock.json', 'utf8');
    expect(text).toBe(formatLock({ '0000_init': createHash('sha256').update(readFileSync('examples/shop/drizzle/0000_init.sql')).digest('hex') }));
  });

  it('recorded in migration-lint.lock.json: refused', () => {
    const { dir } = shop('locked');
    expect(runCli(['lock'], { cwd: dir }).code).toBe(0);
    const r = runCli(['--fix', '-q'], { cwd: dir });
    expect(r.stderr).toContain('cast-without-using: drizzle/migration-lint.lock.json records 0002_product_sku as deployed');
    expect(readFileSync(join(dir, SKU), 'utf8')).not.toBe(FIXED_SKU);
  });

  it('outside a git repository, with no lock file or database: nothing says what was applied, nothing is fixed', () => {
    const dir = join(temp, 'no-git');
    cpSync('examples/shop', dir, { recursive: true });
    rmSync(join(dir, 'drizzle', LOCK_FILE));
    const r = runCli(['--fix', '-q'], { cwd: dir });
    expect(r.stderr).toContain('nothing records where migrations were applied: this is not a git repository');
    expect(readFileSync(join(dir, SKU), 'utf8')).not.toBe(FIXED_SKU);
  });

  it('a symbolic link, or a file reached through one, is not written', () => {
    // A link inside the project is read (and linted) but never written through.
    const { dir } = shop('symlink');
    const target = join(dir, 'moved.sql');
    writeFileSync(target, readFileSync(join(dir, SKU)));
    rmSync(join(dir, SKU));
    symlinkSync(target, join(dir, SKU));
    const r = runCli(['--fix', '-q'], { cwd: dir });
    expect(r.stderr).toContain('not fixed: drizzle/0002_product_sku.sql:1:56 cast-without-using: drizzle/0002_product_sku.sql is a symbolic link');
    expect(readFileSync(target, 'utf8')).not.toBe(FIXED_SKU);
  });

  it('a link that leads outside the project is not even read (issue 16), so nothing is fixed through it', () => {
    const { dir } = shop('symlink-outside');
    const outside = join(temp, 'outside.sql');
    writeFileSync(outside, readFileSync(join(dir, SKU)));
    rmSync(join(dir, SKU));
    symlinkSync(outside, join(dir, SKU));
    const r = runCli(['--fix', '-q', '--format', 'json'], { cwd: dir });
    const report = JSON.parse(r.stdout) as { findings: { rule: string; migration?: string }[] };
    expect(report.findings.filter((f) => f.migration === '0002_product_sku').map((f) => f.rule)).toEqual(['journal-files']);
    expect(readFileSync(outside, 'utf8')).not.toBe(FIXED_SKU);
  });

  it.skipIf(!PG_URL)(`recorded in __drizzle_migrations (--database-url): refused${PG_URL ? '' : ' (skipped: set MIGRATION_LINT_PG_URL)'}`, async () => {
    const { dir } = shop('database');
    const name = `ml_fix_${process.pid}_${Date.now()}`;
    const admin = await client(PG_URL!);
    await admin.query(`CREATE DATABASE ${name}`);
    const url = PG_URL!.replace(/\/[^/]*$/, `/${name}`);
    const db = await client(url);
    try {
      const journal = JSON.parse(readFileSync(join(dir, 'drizzle/meta/_journal.json'), 'utf8'));
      const when = journal.entries.find((e: { tag: string }) => e.tag === '0002_product_sku').when;
      await db.query('CREATE SCHEMA drizzle; CREATE TABLE drizzle.__drizzle_migrations (id serial PRIMARY KEY, hash text NOT NULL, created_at bigint)');
      await db.query('INSERT INTO drizzle.__drizzle_migrations (hash, created_at) VALUES ($1, $2)', [createHash('sha256').update(readFileSync(join(dir, SKU))).digest('hex'), when]);
      const r = runCli(['--fix', '-q', '--database-url', url], { cwd: dir });
      expect(r.stderr).toMatch(/cast-without-using: "drizzle"\."__drizzle_migrations" at postgres:\/\/\S+ records 0002_product_sku as applied/);
      expect(readFileSync(join(dir, SKU), 'utf8')).not.toBe(FIXED_SKU);
    } finally {
      await db.end();
      await admin.query(`DROP DATABASE IF EXISTS ${name}`);
      await admin.end();
    }
  });
});

describe('--staged --fix', () => {
  it('fixes the working tree when it is what is staged, and says to stage the fix; the index is left alone', () => {
    const { dir, git } = shop('staged');
    git('add', '-A');
    const r = runCli(['--staged', '--fix', '-q'], { cwd: dir });
    expect(readFileSync(join(dir, SKU), 'utf8')).toBe(FIXED_SKU);
    expect(r.stderr).toContain(`the fixes are in the working tree: stage them (git add drizzle/0001_rename_user_name.sql ${SKU} drizzle/0004_user_role.sql drizzle/meta/0004_snapshot.json drizzle/meta/0005_snapshot.json) and commit again`);
    expect(git('show', `:${SKU}`)).not.toBe(FIXED_SKU);
  });

  it('a working copy that differs from the staged one is not overwritten', () => {
    const { dir, git } = shop('staged-differs');
    git('add', '-A');
    writeFileSync(join(dir, SKU), readFileSync(join(dir, SKU), 'utf8') + '\n-- a local edit, not staged\n');
    const r = runCli(['--staged', '--fix', '-q'], { cwd: dir });
    expect(r.stderr).toContain('drizzle/0002_product_sku.sql on disk is not what was linted');
    expect(readFileSync(join(dir, SKU), 'utf8')).toContain('-- a local edit, not staged');
  });
});

describe('journal-order: --fix re-stamps the merged entry', () => {
  it("main is branch B; the pull request merges branch A with its older `when`: A's entry is re-stamped after B's, once", () => {
    const dir = join(temp, 'journal-order');
    cpSync('fixtures/projects/branch-merge/branch-b', dir, { recursive: true });
    const git = gitInit(dir);
    git('checkout', '-q', '-b', 'feature');
    cpSync('fixtures/projects/branch-merge/merged-skip', dir, { recursive: true });
    git('add', '-A');
    git('commit', '-q', '-m', 'merge branch A');
    const journal = readFileSync(join(dir, 'drizzle/meta/_journal.json'), 'utf8');
    const r = runCli(['--fix', '--since', 'main', '--format', 'json'], { cwd: dir });
    expect(r.stderr).toContain('migration-lint: fixed 1 problem in 1 file');
    expect(r.stderr).toContain('+      "when": 1736326800001,');
    expect(readFileSync(join(dir, 'drizzle/meta/_journal.json'), 'utf8')).toBe(journal.replace('"when": 1736240400000', '"when": 1736326800001'));
    expect(rulesOf(r.stdout).filter((f) => f.startsWith('journal-order'))).toEqual([]);
    expect(runCli(['--fix', '--since', 'main', '-q'], { cwd: dir }).stdout).toContain('migration-lint: nothing to fix');
  });
});

describe('fail closed: a fix whose SQL no longer produces the snapshot is undone and refused', () => {
  it('a rule asking to shorten a column the snapshot has as varchar(64): not applied, said so; the other fixes are', async () => {
    const { dir } = shop('guard', { lock: true });
    const shorten = defineRule({
      id: 'test-shorten',
      meta: { description: 'test', category: 'correctness', defaultSeverity: 'error', messages: { m: 'shorten sku' } },
      checkMigration({ migration, report }) {
        const add = migration.statements.find((s) => s.sql.includes('ADD COLUMN "sku"'));
        if (add) report({ messageId: 'm', statement: add, fix: { description: 'varchar(32)', edits: [{ replace: add, with: [add.sql.replace('varchar(64)', 'varchar(32)')] }] } });
      },
    });
    const outcome = await fixHistory({ cwd: dir, extraRules: [shorten], env: {} });
    expect(outcome.refused.filter((r) => r.finding.rule === 'test-shorten').map((r) => r.reason)).toEqual(['the fixed migration would no longer agree with its snapshot (snapshot-drift) or parse: not applied (please report it)']);
    expect(outcome.changes.find((c) => c.file.endsWith(SKU))?.after).toBe(FIXED_SKU);
    expect(outcome.converged).toBe(true);
  });
});
