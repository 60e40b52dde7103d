import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN, runCli } from './helpers/cli.js';
import { client, PG_URL } from './helpers/pg.js';

/**
 * verify --database-url (throwaway database on a real server), verify --against (read-only drift)
 * and baseline, against the server from scripts/ci/postgres.sh (MIGRATION_LINT_PG_URL).
 */
const url = PG_URL;
const temp = mkdtempSync(join(tmpdir(), 'ml-verify-db-'));
afterAll(() => rmSync(temp, { recursive: true, force: true }));

async function databases(): Promise<string[]> {
  const c = await client(url!);
  try {
    // Only verify's throwaway databases: other test files create their own databases in parallel.
    return (await c.query("SELECT datname FROM pg_database WHERE datname LIKE 'migration_lint_verify_%' ORDER BY 1")).rows.map((r) => String(r.datname));
  } finally {
    await c.end();
  }
}
/** verify's throwaway roles on the server. */
async function throwawayRoles(): Promise<string[]> {
  const c = await client(url!);
  try {
    return (await c.query("SELECT rolname FROM pg_roles WHERE rolname LIKE 'migration_lint_verify_%' ORDER BY 1")).rows.map((r) => String(r.rolname));
  } finally {
    await c.end();
  }
}
/** A fresh database for a test, and its URL. */
async function freshDatabase(name: string): Promise<string> {
  const c = await client(url!);
  await c.query(`DROP DATABASE IF EXISTS ${name}`);
  await c.query(`CREATE DATABASE ${name}`);
  await c.end();
  return url!.replace(/\/[^/]*$/, `/${name}`);
}

describe.skipIf(!url)(`verify / baseline on a real PostgreSQL${url ? '' : ' (skipped: set MIGRATION_LINT_PG_URL, e.g. eval "$(scripts/ci/postgres.sh)")'}`, { timeout: 300_000 }, () => {
  it('verify --database-url: same failures as PGlite, in a throwaway database that is dropped', async () => {
    const before = await databases();
    const run = runCli(['verify', '--format', 'json', '--database-url', url!], { cwd: 'examples/shop', timeout: 120_000 });
    expect(run.code).toBe(1);
    const result = JSON.parse(run.stdout);
    expect(result.engine).toMatch(/^PostgreSQL .* at postgres:\/\/.*\/migration_lint_verify_[0-9a-f]{12} \(throwaway database/);
    const codes = result.migrations.flatMap((m: { tag: string; statements: { failure?: { code: string } }[] }) => m.statements.filter((s) => s.failure).map((s) => `${m.tag} ${s.failure!.code}`));
    expect(codes).toEqual(['0001_rename_user_name 23502', '0002_product_sku 42804', '0002_product_sku 23502', '0003_drop_refunded_status 22P02', '0004_user_role 42704', '0005_orders_created_at_index 25001']);
    expect((await databases()).filter((d) => !before.includes(d))).toEqual([]);
  });

  it('verify --database-url drops the throwaway database on SIGINT', async () => {
    const before = await databases();
    const { spawn } = await import('node:child_process');
    const child = spawn(process.execPath, ['../../bin/migration-lint.js', 'verify', '--database-url', url!], { cwd: 'examples/shop' });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    // Wait until the throwaway database exists (a loaded machine may take seconds), then interrupt.
    for (let i = 0; i < 600 && (await databases()).length === before.length; i++) await new Promise((r) => setTimeout(r, 50));
    child.kill('SIGINT');
    const code = await new Promise((r) => child.on('exit', (c, s) => r(c ?? s)));
    // 130 once verify handles the signal; killed by it when it came before verify started (nothing made yet).
    expect([130, 0, 1, 'SIGINT']).toContain(code);
    expect((await databases()).filter((d) => !before.includes(d))).toEqual([]);
  });

  it('verify --database-url runs nothing outside its throwaway database: roles and database/role settings are reported "not run", none is left behind (batch and each)', async () => {
    const role = `ml_sandbox_${process.pid}`;
    const target = `ml_sandbox_db_${process.pid}`;
    const dbUrl = await freshDatabase(target);
    void dbUrl;
    const dir = join(temp, 'sandbox');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(dir, { recursive: true });
    const files = [join(dir, '0000_init.sql'), join(dir, '0001_server.sql')];
    writeFileSync(files[0], 'CREATE TABLE "t" ("id" integer);\n');
    writeFileSync(
      files[1],
      [
        `CREATE ROLE "${role}" LOGIN;`,
        `ALTER DATABASE "${target}" SET work_mem = '77MB';`,
        `ALTER ROLE "${role}" SET search_path = 'x';`,
        `DO $$ BEGIN ALTER ROLE "postgres" SET statement_timeout = '1s'; END $$;`,
        `GRANT SELECT ON "t" TO "${role}";`,
        "SELECT pg_read_file('/etc/hostname');",
        'ALTER TABLE "t" ADD COLUMN "x" integer;',
      ].join('\n--> statement-breakpoint\n'),
    );
    const settings = async () => {
      const c = await client(url!);
      try {
        const roles = (await c.query('SELECT rolname FROM pg_roles WHERE rolname = $1', [role])).rows;
        const set = (await c.query('SELECT setdatabase, setrole, setconfig FROM pg_db_role_setting')).rows;
        return { roles, set: set.map((r) => JSON.stringify(r.setconfig)).filter((c) => /77MB|search_path=x|statement_timeout=1s/.test(c)) };
      } finally {
        await c.end();
      }
    };
    try {
      for (const mode of ['batch', 'each']) {
        const run = runCli(['verify', ...files, '--format', 'json', '--database-url', url!, '--transaction', mode], { timeout: 120_000 });
        expect(run.stderr).toBe('');
        const result = JSON.parse(run.stdout);
        const statements = result.migrations[1].statements.map((s: { line: number; status: string; because?: string }) => [s.line, s.status, s.because?.replace(/:.*/, '')]);
        expect(statements).toEqual([
          [1, 'not-run', 'CREATE ROLE'],
          [3, 'not-run', 'ALTER DATABASE … SET'],
          [5, 'not-run', 'ALTER ROLE … SET'],
          [7, 'not-run', 'ALTER ROLE … SET'],
          [9, 'unchecked', '0001_server statement 1 was not run'], // GRANT … TO the role that was not created
          [11, 'not-run', 'pg_read_file()'],
          [13, 'rolled-back', undefined],
        ]);
        expect(result.migrations[1].statements[0].because).toBe('CREATE ROLE: affects the whole server; verify runs nothing outside its throwaway database');
        expect(result.summary.notRun).toBe(5);
        expect(await settings()).toEqual({ roles: [], set: [] });
      }
    } finally {
      const admin = await client(url!);
      await admin.query(`DROP DATABASE IF EXISTS ${target}`);
      await admin.query(`DROP ROLE IF EXISTS ${role}`);
      await admin.end();
    }
  });

  it('verify --database-url runs the migrations as a throwaway role that owns the throwaway database and nothing else: what the parse cannot see (dynamic SQL) is refused, and the role is dropped', async () => {
    const before = await throwawayRoles();
    const dynamic = `ml_dynamic_${process.pid}`;
    const dir = join(temp, 'sandbox-role');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(dir, { recursive: true });
    const files = [join(dir, '0000_init.sql'), join(dir, '0001_dynamic.sql')];
    writeFileSync(files[0], 'CREATE TABLE "t" ("id" integer);\n');
    writeFileSync(
      files[1],
      [
        // EXECUTE of a string built at run time: the sandbox's parse cannot see what it runs.
        `DO $$ BEGIN EXECUTE 'CREATE ROLE ' || '${dynamic}'; END $$;`,
        `DO $$ BEGIN EXECUTE 'ALTER DATABASE ' || 'postgres' || ' SET work_mem = ''77MB'''; END $$;`,
        `DO $$ BEGIN EXECUTE 'COPY (SELECT 1) TO PROGRAM ' || quote_literal('true'); END $$;`,
        `DO $$ BEGIN IF (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN RAISE EXCEPTION 'running as a superuser'; END IF; END $$;`,
        'ALTER TABLE "t" ADD COLUMN "x" integer;',
      ].join('\n--> statement-breakpoint\n'),
    );
    const run = runCli(['verify', ...files, '--format', 'json', '--database-url', url!], { timeout: 120_000 });
    expect(run.stderr).toBe('');
    const result = JSON.parse(run.stdout);
    expect(result.engine).toMatch(/^PostgreSQL .* at postgres:\/\/migration_lint_verify_([0-9a-f]{12}):\*+@.*\/migration_lint_verify_\1 \(throwaway database/);
    const statements = result.migrations[1].statements.map((s: { status: string; failure?: { code: string; message: string } }) => [s.status, s.failure?.code, s.failure?.message]);
    expect(statements).toEqual([
      ['failed', '42501', 'permission denied to create role'],
      ['failed', '42501', 'must be owner of database postgres'],
      ['failed', '42501', expect.stringMatching(/^(must be superuser|permission denied)/)],
      ['rolled-back', undefined, undefined],
      ['rolled-back', undefined, undefined],
    ]);
    expect(result.notes ?? []).toEqual([]);
    const c = await client(url!);
    try {
      expect((await c.query('SELECT rolname FROM pg_roles WHERE rolname = $1', [dynamic])).rows).toEqual([]);
      expect((await c.query("SELECT setconfig FROM pg_db_role_setting WHERE array_to_string(setconfig, ',') LIKE '%77MB%'")).rows).toEqual([]);
    } finally {
      await c.end();
    }
    expect((await throwawayRoles()).filter((r) => !before.includes(r))).toEqual([]);
  });

  it('verify --database-url --statement-timeout: the server cancels the statement, which fails at file:line, and verify goes on', async () => {
    const dir = join(temp, 'server-timeout');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(dir, { recursive: true });
    const files = [join(dir, '0000_init.sql'), join(dir, '0001_sleep.sql'), join(dir, '0002_after.sql')];
    writeFileSync(files[0], 'CREATE TABLE "t" ("id" integer);\n');
    writeFileSync(files[1], 'INSERT INTO "t" VALUES (1);\n--> statement-breakpoint\nSELECT pg_sleep(600);\n');
    writeFileSync(files[2], 'ALTER TABLE "t" ADD COLUMN "y" integer;\n');
    const run = runCli(['verify', ...files, '--format', 'json', '--database-url', url!, '--statement-timeout', '2s'], { timeout: 120_000 });
    expect(run.stderr).toBe('');
    const result = JSON.parse(run.stdout);
    expect(result.migrations.map((m: { status: string }) => m.status)).toEqual(['applied', 'failed', 'applied']);
    expect(result.migrations[1].statements[1].failure).toMatchObject({ line: 3, code: '57014', message: 'timed out after 2 s (--statement-timeout)' });
  });

  it('a run killed with SIGKILL leaves its database and role; the next run drops them, and says so', async () => {
    const before = await databases();
    const rolesBefore = await throwawayRoles();
    const dir = join(temp, 'killed');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, '0000_sleep.sql'), 'SELECT pg_sleep(600);\n');
    const { spawn } = await import('node:child_process');
    const child = spawn(process.execPath, [BIN, 'verify', join(dir, '0000_sleep.sql'), '--database-url', url!, '--progress'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    await new Promise<void>((resolve, reject) => {
      child.stderr.on('data', (d) => {
        stderr += d;
        if (stderr.includes('pg_sleep(600)')) resolve();
      });
      child.on('exit', () => reject(new Error(stderr)));
    });
    const exited = new Promise((r) => child.on('exit', r));
    child.kill('SIGKILL');
    await exited;
    const left = (await databases()).filter((d) => !before.includes(d));
    expect(left).toHaveLength(1);
    expect((await throwawayRoles()).filter((r) => !rolesBefore.includes(r))).toEqual(left); // the role is named as its database
    const next = runCli(['verify', '--database-url', url!, '--no-color'], { cwd: 'fixtures/projects/safe', timeout: 120_000 });
    expect(next.code).toBe(0);
    expect(next.stdout).toMatch(new RegExp(`note: dropped a throwaway database an earlier verify left behind \\(killed before it could drop it\\): ${left[0]} \\(created \\S+ by pid ${child.pid} on \\S+, which is gone\\)`));
    expect(next.stdout).toContain(`note: dropped a throwaway role an earlier verify left behind (its database is gone): ${left[0]}`);
    expect((await databases()).filter((d) => !before.includes(d))).toEqual([]);
    expect((await throwawayRoles()).filter((r) => !rolesBefore.includes(r))).toEqual([]);
  });

  it('verify --database-url never shows the password', () => {
    const withPassword = url!.replace('postgres://postgres@', 'postgres://postgres:s3cr3t-pw@').replace(/:\d+\//, ':1/');
    const run = runCli(['verify', '--database-url', withPassword], { cwd: 'examples/shop' });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/cannot connect/);
    expect(run.stderr + run.stdout).not.toContain('s3cr3t-pw');
  });

  it('baseline: the rows make drizzle-orm\'s migrate() skip exactly the baselined migrations; verify --against agrees', async () => {
    const dir = join(temp, 'shop');
    cpSync('fixtures/projects/safe/drizzle', dir, { recursive: true });
    const dbUrl = await freshDatabase(`ml_baseline_${process.pid}`);
    // The database already has the schema of 0000 and 0001 (made by `push`, say), and no bookkeeping.
    const c = await client(dbUrl);
    try {
      for (const tag of ['0000_init', '0001_profile_and_plan_columns']) {
        for (const chunk of readFileSync(join(dir, `${tag}.sql`), 'utf8').split('--> statement-breakpoint')) await c.query(chunk);
      }
      const printed = runCli(['baseline', dir, '--database-url', dbUrl, '--to', '0001_profile_and_plan_columns']);
      expect(printed.code).toBe(0);
      const journal = JSON.parse(readFileSync(join(dir, 'meta/_journal.json'), 'utf8'));
      const { createHash } = await import('node:crypto');
      const hash0 = createHash('sha256').update(readFileSync(join(dir, '0000_init.sql')).toString()).digest('hex');
      expect(printed.stdout).toContain(`INSERT INTO "drizzle"."__drizzle_migrations" ("hash", "created_at") VALUES ('${hash0}', ${journal.entries[0].when}); -- 0000_init`);
      expect(printed.stdout).not.toContain('now()');
      expect(printed.stdout).not.toContain('0002_viewer_role');
      // Printing wrote nothing.
      expect((await c.query(`SELECT to_regclass('drizzle.__drizzle_migrations') AS t`)).rows[0].t).toBeNull();
      const applied = runCli(['baseline', dir, '--database-url', dbUrl, '--to', '0001_profile_and_plan_columns', '--apply']);
      expect(applied.stderr).toBe('');
      expect(applied.code).toBe(0);
      // Drift: 0002 and 0003 pending, nothing skipped.
      const drift = runCli(['verify', dir, '--against', dbUrl, '--format', 'json']);
      expect(drift.code).toBe(0);
      expect(JSON.parse(drift.stdout).entries.map((e: { status: string }) => e.status)).toEqual(['applied', 'applied', 'pending', 'pending']);
      // drizzle-orm's own migrator now runs only 0002 and 0003 (0000 would fail: its tables exist).
      const { drizzle } = await import('drizzle-orm/node-postgres');
      const { migrate } = await import('drizzle-orm/node-postgres/migrator');
      await migrate(drizzle(c as never), { migrationsFolder: dir });
      const rows = (await c.query('SELECT created_at FROM drizzle.__drizzle_migrations ORDER BY id')).rows.map((r) => Number(r.created_at));
      expect(rows).toEqual(journal.entries.map((e: { when: number }) => e.when));
      expect((await c.query(`SELECT to_regclass('public.projects') AS t`)).rows[0].t).toBe('projects');
      // A second --apply changes nothing.
      expect(runCli(['baseline', dir, '--database-url', dbUrl, '--apply']).stdout).toMatch(/marked 0 migration/);
      // Drift: edit an applied file, and add a row with now() as created_at.
      writeFileSync(join(dir, '0001_profile_and_plan_columns.sql'), readFileSync(join(dir, '0001_profile_and_plan_columns.sql'), 'utf8') + '\n-- edited\n');
      await c.query(`INSERT INTO drizzle.__drizzle_migrations (hash, created_at) VALUES ($1, $2)`, [hash0, Date.now() + 86_400_000]);
      const drifted = runCli(['verify', dir, '--against', dbUrl, '--no-color']);
      expect(drifted.code).toBe(1);
      expect(drifted.stdout).toMatch(/0001_profile_and_plan_columns\.sql: changed after it was applied/);
      expect(drifted.stdout).toMatch(/matches no journal entry; its hash is the file of 0000_init/);
    } finally {
      await c.end();
      const admin = await client(url!);
      await admin.query(`DROP DATABASE IF EXISTS ml_baseline_${process.pid}`);
      await admin.end();
    }
  });
});
