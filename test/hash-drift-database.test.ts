import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { lint } from '../src/runner/lint.js';
import { rules } from '../src/rules/index.js';
import hashDrift from '../src/rules/hash-drift.js';
import { client, PG_URL } from './helpers/pg.js';

/**
 * hash-drift against a real PostgreSQL: drizzle-orm's own migrate() applies the example's
 * migrations, then a file is edited. Needs MIGRATION_LINT_PG_URL (eval "$(scripts/ci/postgres.sh)").
 */
const url = PG_URL;
const temp = mkdtempSync(join(tmpdir(), 'ml-hash-db-'));
afterAll(() => rmSync(temp, { recursive: true, force: true }));

describe.skipIf(!url)(`hash-drift with --database-url${url ? '' : ' (skipped: set MIGRATION_LINT_PG_URL, e.g. eval "$(scripts/ci/postgres.sh)")'}`, () => {
  it('reports a migration edited after drizzle applied it, read-only', async () => {
    const { drizzle } = await import('drizzle-orm/node-postgres');
    const { migrate } = await import('drizzle-orm/node-postgres/migrator');
    const dbName = `ml_${process.pid}_${Date.now()}`;
    const admin = await client(url!);
    await admin.query(`CREATE DATABASE ${dbName}`);
    const dbUrl = url!.replace(/\/[^/]*$/, `/${dbName}`);
    const dir = join(temp, 'drizzle');
    // The example's first two migrations (later ones fail on purpose: that is what the example demonstrates).
    cpSync('examples/shop/drizzle', dir, { recursive: true });
    const journalFile = join(dir, 'meta', '_journal.json');
    const journal = JSON.parse(readFileSync(journalFile, 'utf8'));
    journal.entries = journal.entries.slice(0, 2);
    writeFileSync(journalFile, JSON.stringify(journal, null, 2));
    for (const f of ['0002_product_sku.sql', '0003_drop_refunded_status.sql', '0004_user_role.sql', '0005_orders_created_at_index.sql']) rmSync(join(dir, f));
    const db = await client(dbUrl);
    try {
      await migrate(drizzle(db as never), { migrationsFolder: dir });
      const extraRules = rules['hash-drift'] ? [] : [hashDrift];
      const clean = await lint({ paths: [dir], extraRules, databaseUrl: dbUrl, env: {} } as never);
      expect(clean.findings.filter((f) => f.rule === 'hash-drift')).toEqual([]);
      const file = join(dir, '0001_rename_user_name.sql');
      writeFileSync(file, readFileSync(file, 'utf8') + '--> statement-breakpoint\nCREATE INDEX "users_email_idx" ON "users" ("email");');
      const edited = await lint({ paths: [dir], extraRules, databaseUrl: dbUrl, env: {} } as never);
      const found = edited.findings.filter((f) => f.rule === 'hash-drift');
      expect(found.map((f) => [f.messageId, f.migration])).toEqual([['changed', '0001_rename_user_name']]);
      expect(found[0].message).toContain('"drizzle"."__drizzle_migrations" row');
      expect(found[0].message).not.toContain(':***@'.repeat(2));
    } finally {
      await db.end();
      await admin.query(`DROP DATABASE IF EXISTS ${dbName}`);
      await admin.end();
    }
  });
});
