import { drizzle } from 'drizzle-orm/postgres-js';
import { migrate } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';

/** Any number, the same in every process that migrates this database: it names the lock. */
const MIGRATION_LOCK_ID = 4_242_001;

/**
 * Apply the pending migrations, one deployer at a time. `max: 1` makes the client a single
 * connection, so the lock, migrate()'s transaction and the unlock share it (postgres.js gives
 * migrate() no other way: it needs `sql.begin`, which reserved connections lack).
 */
export async function migrateWithLock(url: string, migrationsFolder: string): Promise<void> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    await sql`SELECT pg_advisory_lock(${MIGRATION_LOCK_ID})`;
    try {
      await migrate(drizzle(sql), { migrationsFolder });
    } finally {
      await sql`SELECT pg_advisory_unlock(${MIGRATION_LOCK_ID})`;
    }
  } finally {
    await sql.end();
  }
}
