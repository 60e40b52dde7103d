import { drizzle } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import { Client } from 'pg';

/** Any number, the same in every process that migrates this database: it names the lock. */
const MIGRATION_LOCK_ID = 4_242_001;

/**
 * Apply the pending migrations, one deployer at a time. The others wait on the lock, then find
 * nothing pending. The lock is a session lock on a connection of its own, so the migrations run
 * on the connection that holds it, and the lock is released when they fail too.
 */
export async function migrateWithLock(connectionString: string, migrationsFolder: string): Promise<void> {
  const client = new Client({ connectionString });
  await client.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_ID]);
    try {
      await migrate(drizzle(client), { migrationsFolder });
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_ID]);
    }
  } finally {
    await client.end();
  }
}
