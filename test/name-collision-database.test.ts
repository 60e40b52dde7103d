import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { client, PG_URL, type Client } from './helpers/pg.js';

/**
 * The name-collision fixtures (real drizzle-kit 0.31 and 0.24 output) through drizzle-orm's own
 * migrate() on a real PostgreSQL: what identifier-too-long reports is what happens. Needs
 * MIGRATION_LINT_PG_URL (eval "$(scripts/ci/postgres.sh)").
 */
const url = PG_URL;
const TABLE = 'workspace_notification_delivery_subscriptions';
const SHARED = 'workspace_notification_delivery_subscriptions_subscription_id_w';

async function withDatabase<T>(name: string, fn: (db: Client) => Promise<T>): Promise<T> {
  const admin = await client(url!);
  await admin.query(`DROP DATABASE IF EXISTS ${name}`);
  await admin.query(`CREATE DATABASE ${name}`);
  const db = await client(url!.replace(/\/[^/]*$/, `/${name}`));
  try {
    return await fn(db);
  } finally {
    await db.end();
    await admin.query(`DROP DATABASE IF EXISTS ${name}`);
    await admin.end();
  }
}

async function migrate(db: Client, folder: string): Promise<unknown> {
  const { drizzle } = await import('drizzle-orm/node-postgres');
  const { migrate } = await import('drizzle-orm/node-postgres/migrator');
  try {
    await migrate(drizzle(db as never), { migrationsFolder: folder });
    return undefined;
  } catch (error) {
    return error;
  }
}

const constraints = async (db: Client) =>
  (await db.query(`SELECT conname, contype FROM pg_constraint WHERE conrelid = '${TABLE}'::regclass ORDER BY conname`)).rows.map((r) => `${r.conname} ${r.contype}`);

describe.skipIf(!url)(`name-collision fixtures on a real PostgreSQL${url ? '' : ' (skipped: set MIGRATION_LINT_PG_URL, e.g. eval "$(scripts/ci/postgres.sh)")'}`, () => {
  it('drizzle-kit 0.31: the foreign key\'s ADD CONSTRAINT fails on the primary key\'s truncated name, and nothing is recorded', async () => {
    await withDatabase('migration_lint_name_collision', async (db) => {
      const error = (await migrate(db, 'fixtures/projects/name-collision/drizzle')) as { cause?: { code?: string; message?: string } } | undefined;
      expect(error?.cause?.code).toBe('42710');
      expect(error?.cause?.message).toBe(`constraint "${SHARED}" for relation "${TABLE}" already exists`);
      const recorded = await db.query(`SELECT count(*)::int AS n FROM drizzle.__drizzle_migrations`);
      expect(recorded.rows[0].n).toBe(0);
    });
  }, 60_000);

  it('drizzle-kit 0.24: the DO block swallows the failure (no foreign key), then the DROP of the long name drops the primary key', async () => {
    await withDatabase('migration_lint_name_collision_legacy', async (db) => {
      // 0000 alone: the table has its primary key and no foreign key.
      const first = mkdtempSync(join(tmpdir(), 'ml-collision-'));
      try {
        cpSync('fixtures/projects/name-collision-legacy/drizzle', first, { recursive: true });
        const journalFile = join(first, 'meta/_journal.json');
        const journal = JSON.parse(readFileSync(journalFile, 'utf8'));
        journal.entries = journal.entries.slice(0, 1);
        writeFileSync(journalFile, JSON.stringify(journal));
        expect(await migrate(db, first)).toBeUndefined();
      } finally {
        rmSync(first, { recursive: true, force: true });
      }
      expect(await constraints(db)).toEqual([`${SHARED} p`]);
      expect(await migrate(db, 'fixtures/projects/name-collision-legacy/drizzle')).toBeUndefined();
      expect(await constraints(db)).toEqual(['wn_delivery_subscriptions_subscription_fk f']);
      const recorded = await db.query(`SELECT count(*)::int AS n FROM drizzle.__drizzle_migrations`);
      expect(recorded.rows[0].n).toBe(2);
    });
  }, 60_000);
});
