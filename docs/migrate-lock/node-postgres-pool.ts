import { drizzle } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import type { Pool } from 'pg';

/** Any number, the same in every process that migrates this database: it names the lock. */
const MIGRATION_LOCK_ID = 4_242_001;

/**
 * Apply the pending migrations, one deployer at a time, with a connection taken from the app's
 * pool for the whole run: the lock, the migrations and the unlock must all use that one
 * connection (through the pool each query may get another).
 */
export async function migrateWithLock(pool: Pool, migrationsFolder: string): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_ID]);
    try {
      await migrate(drizzle(client), { migrationsFolder });
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_ID]);
    }
  } finally {
    client.release();
  }
}
