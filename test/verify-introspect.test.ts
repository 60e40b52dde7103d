import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.js';
import { client, PG_URL, type Client } from './helpers/pg.js';

/**
 * verify --against URL --schema: drizzle-orm's own migrate() builds a database from a fixture, the
 * live schema (pg_catalog) must agree with the newest snapshot; then hand-made changes must be
 * reported exactly. Needs MIGRATION_LINT_PG_URL (eval "$(scripts/ci/postgres.sh)").
 */
const url = PG_URL;
const temp = mkdtempSync(join(tmpdir(), 'ml-introspect-'));
afterAll(() => rmSync(temp, { recursive: true, force: true }));

async function admin<T>(fn: (c: Client) => Promise<T>): Promise<T> {
  const c = await client(url!);
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}
const dbUrl = (name: string) => url!.replace(/\/[^/]*$/, `/${name}`);

/** Create a database and run drizzle-orm's migrate() on the folder. */
async function migrated(name: string, folder: string): Promise<void> {
  await admin(async (c) => {
    await c.query(`DROP DATABASE IF EXISTS ${name}`);
    await c.query(`CREATE DATABASE ${name}`);
  });
  const c = await client(dbUrl(name));
  try {
    const { drizzle } = await import('drizzle-orm/node-postgres');
    const { migrate } = await import('drizzle-orm/node-postgres/migrator');
    await migrate(drizzle(c as never), { migrationsFolder: folder });
  } finally {
    await c.end();
  }
}

interface Difference {
  object: string;
  name: string;
  detail: string;
}
function schemaDrift(folder: string, database: string, format = 'json') {
  return runCli(['verify', folder, '--against', dbUrl(database), '--schema', '--format', format, '--no-color'], { timeout: 60_000 });
}

/**
 * fixtures/projects/features up to 0006 (its 0007 fails on a real server: `ADD GENERATED … AS
 * IDENTITY` on the bigserial column that still has its nextval default; and 0003 changes the type of
 * a column the generated `full_name` uses, which PostgreSQL refuses: the copy drops and re-adds
 * `full_name` around it). `CREATE ROLE` is made
 * idempotent (roles are per cluster). Without pgvector on the server, `vector(3)` becomes `real[]`
 * and the hnsw indexes btree, in the SQL and the snapshots alike.
 */
function featuresCopy(vector: boolean): string {
  const dir = join(temp, 'features');
  cpSync('fixtures/projects/features/drizzle', dir, { recursive: true });
  rmSync(join(dir, '0007_identity_and_cleanup.sql'));
  rmSync(join(dir, 'meta', '0007_snapshot.json'));
  const journalFile = join(dir, 'meta', '_journal.json');
  const journal = JSON.parse(readFileSync(journalFile, 'utf8'));
  journal.entries = journal.entries.filter((e: { tag: string }) => e.tag !== '0007_identity_and_cleanup');
  writeFileSync(journalFile, JSON.stringify(journal, null, 2));
  const edit = (file: string, fn: (text: string) => string) => writeFileSync(file, fn(readFileSync(file, 'utf8')));
  for (const f of readdirSync(dir).filter((f) => f.endsWith('.sql'))) {
    edit(join(dir, f), (t) => {
      t = t.replace('CREATE ROLE "app_reader";', () => `DO $$ BEGIN CREATE ROLE "app_reader"; EXCEPTION WHEN duplicate_object THEN NULL; END $$;`);
      // PostgreSQL refuses to change the type of a column a generated column uses (0A000): drop and re-add full_name around it.
      t = t.replace('ALTER TABLE "members" ALTER COLUMN "first_name" SET DATA TYPE varchar(100);', () =>
        [
          'ALTER TABLE "members" DROP COLUMN "full_name";',
          'ALTER TABLE "members" ALTER COLUMN "first_name" SET DATA TYPE varchar(100);',
          `ALTER TABLE "members" ADD COLUMN "full_name" text GENERATED ALWAYS AS (coalesce(first_name, '') || ' ' || coalesce(last_name, '')) STORED;`,
        ].join('--> statement-breakpoint\n'),
      );
      if (!vector) t = t.replace('CREATE EXTENSION IF NOT EXISTS vector;', '').replaceAll('vector(3)', 'real[]').replaceAll('USING hnsw ("embedding" vector_cosine_ops)', 'USING btree ("embedding")');
      return t;
    });
  }
  if (!vector) {
    for (const f of readdirSync(join(dir, 'meta')).filter((f) => f.endsWith('_snapshot.json'))) {
      edit(join(dir, 'meta', f), (t) => {
        const s = JSON.parse(t);
        for (const table of Object.values<any>(s.tables ?? {})) {
          for (const c of Object.values<any>(table.columns ?? {})) if (c.type === 'vector(3)') c.type = 'real[]';
          for (const i of Object.values<any>(table.indexes ?? {})) {
            if (i.method !== 'hnsw') continue;
            i.method = 'btree';
            for (const c of i.columns) delete c.opclass;
          }
        }
        return JSON.stringify(s, null, 2);
      });
    }
  }
  return dir;
}

describe.skipIf(!url)(`verify --against --schema on a real PostgreSQL${url ? '' : ' (skipped: set MIGRATION_LINT_PG_URL, e.g. eval "$(scripts/ci/postgres.sh)")'}`, () => {
  const safeDb = `ml_introspect_safe_${process.pid}`;
  const featuresDb = `ml_introspect_features_${process.pid}`;
  afterAll(async () => {
    if (!url) return;
    await admin(async (c) => {
      for (const db of [safeDb, featuresDb]) await c.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
    });
  });

  it('safe: no difference after migrate(); an added column, a dropped index and a changed default are reported exactly', async () => {
    const dir = join(temp, 'safe');
    cpSync('fixtures/projects/safe/drizzle', dir, { recursive: true });
    await migrated(safeDb, dir);
    const clean = schemaDrift(dir, safeDb);
    expect(clean.stderr).toBe('');
    const report = JSON.parse(clean.stdout);
    expect(report.differences).toEqual([]);
    expect(report.snapshot.tag).toBe('0003_projects');
    expect(clean.code).toBe(0);

    const c = await client(dbUrl(safeDb));
    try {
      await c.query('ALTER TABLE teams ADD COLUMN nickname text');
      await c.query('DROP INDEX projects_team_id_idx');
      await c.query('ALTER TABLE teams ALTER COLUMN seats SET DEFAULT 10');
    } finally {
      await c.end();
    }
    const drifted = schemaDrift(dir, safeDb);
    expect(drifted.code).toBe(1);
    const differences: Difference[] = JSON.parse(drifted.stdout).differences;
    expect(differences).toEqual([
      { object: 'column', name: 'public.teams.nickname', detail: 'only in database' },
      { object: 'column', name: 'public.teams.seats', detail: 'default: 5 (snapshot) ≠ 10 (database)' },
      { object: 'index', name: 'public.projects_team_id_idx', detail: 'only in snapshot' },
    ]);
    const pretty = schemaDrift(dir, safeDb, 'pretty');
    expect(pretty.code).toBe(1);
    expect(pretty.stdout).toContain('✖ column public.teams.nickname: only in database');
    expect(pretty.stdout).toContain('✖ index public.projects_team_id_idx: only in snapshot');
    expect(pretty.stdout).toContain('not compared: ');
    expect(pretty.stdout).toMatch(/✖ 3 differences between the database and the snapshot/);
  });

  it('features: enums, serial, identity, generated, arrays, checks, FKs, partial and expression indexes, views, RLS, policies agree', async () => {
    const vector = await admin(async (c) => (await c.query(`SELECT 1 FROM pg_available_extensions WHERE name = 'vector'`)).rows.length > 0);
    const dir = featuresCopy(vector);
    await migrated(featuresDb, dir);
    const run = schemaDrift(dir, featuresDb);
    expect(run.stderr).toBe('');
    const report = JSON.parse(run.stdout);
    expect(report.snapshot.tag).toBe('0006_constraints');
    expect(report.differences).toEqual([]);
    expect(run.code).toBe(0);
    // Not vacuous: the live model holds what the comparison covered.
    await import('../src/engine/parse.js').then((m) => m.loadParser());
    const { introspectUrl } = await import('../src/verify/introspect.js');
    const { state } = await introspectUrl(dbUrl(featuresDb));
    expect(state.tables.get('public.accounts')!.columns.get('id')!.type.name).toBe('bigserial');
    expect(state.tables.get('public.accounts')!.columns.get('id')!.default).toBeUndefined();
    expect(state.tables.get('public.members')!.columns.get('id')!.identity).toBe('always');
    expect(state.tables.get('public.members')!.columns.get('full_name')!.generated).toBeDefined();
    expect(state.tables.get('public.document_sections')!.columns.get('grid')!.type.arrayDims).toBe(2);
    expect([...state.tables.get('public.documents')!.policies.values()].map((p) => [p.name, p.command, p.roles])).toEqual([['documents_tenant_read', 'select', ['app_reader']]]);
    expect(state.tables.get('public.documents')!.rlsEnabled).toBe(true);
    expect(state.enums.get('public.account_tier')!.values).toEqual(['free', 'team', 'pro', 'enterprise']);
    expect(state.indexes.get('public.accounts_slug_lower_idx')).toMatchObject({ unique: true, columns: [{ isExpression: true }] });
    expect(state.indexes.get('public.documents_live_idx')!.where).toBeDefined();
    expect(state.views.get('public.live_documents')).toEqual({ schema: 'public', name: 'live_documents', materialized: false });
    expect(state.sequences.get('public.invoice_number_seq')!.ownedBy).toBeUndefined();
    expect(state.tables.get('public.members')!.constraints.get('members_account_name_key')).toMatchObject({ kind: 'unique', nullsNotDistinct: true });
    expect(state.schemas.has('drizzle')).toBe(false);
    // A changed policy and check are reported.
    const c = await client(dbUrl(featuresDb));
    try {
      await c.query('ALTER POLICY documents_tenant_read ON documents TO public');
      await c.query('ALTER TABLE documents DROP CONSTRAINT documents_word_count_nonnegative, ADD CONSTRAINT documents_word_count_nonnegative CHECK (word_count > 0)');
    } finally {
      await c.end();
    }
    const changed: Difference[] = JSON.parse(schemaDrift(dir, featuresDb).stdout).differences;
    expect(changed).toEqual([
      { object: 'constraint', name: 'public.documents.documents_word_count_nonnegative', detail: 'check: word_count >= 0 (snapshot) ≠ word_count > 0 (database)' },
      { object: 'policy', name: 'public.documents.documents_tenant_read', detail: 'roles: app_reader (snapshot) ≠ public (database)' },
    ]);
  });

  it('--schema needs --against; a wrong password is masked', () => {
    const usage = runCli(['verify', 'fixtures/projects/safe/drizzle', '--schema']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/--schema .* --against/);
    const withPassword = url!.replace('postgres://postgres@', 'postgres://postgres:s3cr3t-pw@').replace(/:\d+\//, ':1/');
    const bad = runCli(['verify', 'fixtures/projects/safe/drizzle', '--against', withPassword, '--schema']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/cannot connect/);
    expect(bad.stderr + bad.stdout).not.toContain('s3cr3t-pw');
  });
});
