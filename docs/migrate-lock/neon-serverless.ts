import { neonConfig, Pool } from '@neondatabase/serverless';
import { drizzle } from 'drizzle-orm/neon-serverless';
import { migrate } from 'drizzle-orm/neon-serverless/migrator';
import ws from 'ws';

/** The driver talks over a WebSocket, and Node before 22 has none of its own: `ws` is one. */
neonConfig.webSocketConstructor = ws;

/** Any number, the same in every process that migrates this database: it names the lock. */
const MIGRATION_LOCK_ID = 4_242_001;

/**
 * Apply the pending migrations, one deployer at a time, over Neon's WebSocket driver (the HTTP
 * driver, neon-http, has no session to hold a lock in). One connection of the pool holds the
 * lock and runs the migrations.
 */
export async function migrateWithLock(connectionString: string, migrationsFolder: string): Promise<void> {
  const pool = new Pool({ connectionString });
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
    await pool.end();
  }
}
