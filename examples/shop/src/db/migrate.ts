// Applies the pending migrations at deploy time, one deployer at a time: replicas that start
// together wait on the lock, then find nothing pending (see docs/rules/migrate-without-lock.md).
// Run from examples/shop: `DATABASE_URL=postgres://… node --experimental-strip-types src/db/migrate.ts`.
import { drizzle } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import { Client } from 'pg';

/** The same number in every process that migrates this database: it names the lock. */
const MIGRATION_LOCK_ID = 4_242_001;

const client = new Client({ connectionString: process.env.DATABASE_URL });
await client.connect();
try {
  await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_ID]);
  try {
    await migrate(drizzle(client), { migrationsFolder: './drizzle' });
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_ID]);
  }
} finally {
  await client.end();
}
