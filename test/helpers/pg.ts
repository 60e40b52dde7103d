/** The PostgreSQL the database tests use (scripts/ci/postgres.sh), and a connected client for it. */
export const PG_URL = process.env.MIGRATION_LINT_PG_URL;

export type Client = { connect(): Promise<void>; query(q: string, v?: unknown[]): Promise<{ rows: Record<string, unknown>[] }>; end(): Promise<void> };

export async function client(connectionString: string): Promise<Client> {
  const pg = (await import('pg' as string)) as { default: { Client: new (c: unknown) => Client } };
  const c = new pg.default.Client({ connectionString });
  await c.connect();
  return c;
}
