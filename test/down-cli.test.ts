import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.js';
import { addMigration, gitInit } from './helpers/history.js';

/** `migration-lint down`, the real binary, on copies of the example's real drizzle-kit folder. */
const temp = mkdtempSync(join(tmpdir(), 'ml-down-cli-'));
afterAll(() => rmSync(temp, { recursive: true, force: true }));

function shop(name: string): string {
  const dir = join(temp, name);
  cpSync('examples/shop', dir, { recursive: true });
  return dir;
}

describe('migration-lint down', () => {
  it('no argument: the newest migration, with its header and the bookkeeping row (exit 0)', () => {
    const r = runCli(['down'], { cwd: 'examples/shop' });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('-- Rollback of 0005_orders_created_at_index (drizzle/0005_orders_created_at_index.sql)');
    expect(r.stdout).toContain('-- fully reversible');
    expect(r.stdout).toContain('DROP INDEX "public"."orders_created_at_idx";\n--> statement-breakpoint\n');
    expect(r.stdout).toMatch(/DELETE FROM "drizzle"\."__drizzle_migrations" WHERE "created_at" = \d+;\n$/);
  });

  it('TAG, by number or whole tag, newest first; the verdict says what cannot come back', () => {
    const r = runCli(['down', '0001', '0003_drop_refunded_status', '--no-bookkeeping'], { cwd: 'examples/shop' });
    expect(r.code).toBe(0);
    const first = r.stdout.indexOf('Rollback of 0003_drop_refunded_status');
    const second = r.stdout.indexOf('Rollback of 0001_rename_user_name');
    expect(first).toBeGreaterThanOrEqual(0);
    expect(second).toBeGreaterThan(first);
    expect(r.stdout).toContain('reversible in structure only');
    expect(r.stdout).toContain('DROP COLUMN deleted the values of "users"."name"');
    expect(r.stdout).not.toContain('__drizzle_migrations');
  });

  it('--format json: verdicts, statements and the SQL in the order to run', () => {
    const r = runCli(['down', '0001', '--format', 'json'], { cwd: 'examples/shop' });
    expect(r.code).toBe(0);
    const json = JSON.parse(r.stdout);
    expect(json.version).toBe(1);
    expect(json.migrations[0]).toMatchObject({ tag: '0001_rename_user_name', verdict: 'structure-only', sql: ['ALTER TABLE "users" ADD COLUMN "name" text;', 'ALTER TABLE "users" DROP COLUMN "full_name";'] });
    expect(json.migrations[0].statements[1]).toMatchObject({ line: 2, verdict: 'structure-only' });
  });

  it('--write DIR: one <tag>.down.sql per migration and a line each; refused inside the migrations folder (exit 2, one line)', () => {
    const dir = shop('write');
    const r = runCli(['down', '0004', '0005', '--write', 'rollbacks'], { cwd: dir });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('0005_orders_created_at_index: fully reversible → rollbacks/0005_orders_created_at_index.down.sql\n0004_user_role: fully reversible → rollbacks/0004_user_role.down.sql\n');
    expect(readFileSync(join(dir, 'rollbacks', '0004_user_role.down.sql'), 'utf8')).toContain('ALTER TABLE "users" DROP COLUMN "role";');

    for (const inside of ['drizzle', 'drizzle/rollbacks', './drizzle/../drizzle/x']) {
      const refused = runCli(['down', '--write', inside], { cwd: dir });
      expect(refused.code).toBe(2);
      expect(refused.stderr.split('\n')[0]).toMatch(/^migration-lint: --write .*: inside the migrations folder/);
      expect(refused.stdout).toBe('');
    }
    expect(existsSync(join(dir, 'drizzle', 'rollbacks'))).toBe(false);
    // Kept beside the migrations anyway, they are not findings.
    cpSync(join(dir, 'rollbacks', '0005_orders_created_at_index.down.sql'), join(dir, 'drizzle', '0005_orders_created_at_index.down.sql'));
    const lint = runCli(['drizzle', '--format', 'json', '--rule', 'journal-files=error'], { cwd: dir });
    expect(JSON.parse(lint.stdout).findings.filter((f: { rule: string }) => f.rule === 'journal-files')).toEqual([]);
  });

  it('--since REF: every migration of the change, newest first (a --custom one included)', () => {
    const dir = shop('since');
    const git = gitInit(dir);
    addMigration(join(dir, 'drizzle'), '0006_hand-edited-backfill', 'ALTER TABLE "users" ADD COLUMN "nickname" text;\n--> statement-breakpoint\nUPDATE "users" SET "nickname" = "full_name";');
    git('add', '-A');
    git('commit', '-q', '-m', 'change');
    const r = runCli(['down', '--since', 'HEAD~1', '--format', 'json'], { cwd: dir });
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout).migrations.map((m: { tag: string; verdict: string }) => [m.tag, m.verdict])).toEqual([['0006_hand-edited-backfill', 'reversible']]);
    const none = runCli(['down', '--since', 'HEAD'], { cwd: dir });
    expect(none.code).toBe(0);
    expect(none.stdout).toBe('-- no migration was added or changed since HEAD: nothing to roll back\n');
  });

  it('bad input: an unknown tag or format is one line and exit 2', () => {
    const r = runCli(['down', '0042'], { cwd: 'examples/shop' });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^migration-lint: no migration "0042" in the history\n {2}hint: the newest are 0003_drop_refunded_status, 0004_user_role, 0005_orders_created_at_index/);
    expect(r.stdout).toBe('');
    expect(runCli(['down', '--format', 'sarif'], { cwd: 'examples/shop' }).code).toBe(2);
  });
});
