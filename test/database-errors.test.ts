import { describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.js';

/**
 * Every option that takes a database URL fails cleanly: one line, exit 2, bounded time, and the
 * password never printed. The refused-port case needs no server; the others use the throwaway
 * server from scripts/ci/postgres.sh (MIGRATION_LINT_PG_URL) and skip without it.
 */
const url = process.env.MIGRATION_LINT_PG_URL;
const SECRET = 's3cr3t-pw';

function withPassword(u: string): string {
  const parsed = new URL(u);
  parsed.password = SECRET;
  return parsed.toString();
}

function expectCleanFailure(args: string[], pattern: RegExp): void {
  const started = Date.now();
  const r = runCli(args, { timeout: 60_000 });
  expect(Date.now() - started, 'bounded time').toBeLessThan(45_000);
  expect(r.code).toBe(2);
  expect(r.stdout + r.stderr).not.toContain(SECRET);
  expect(r.stderr.split('\n')[0]).toMatch(pattern);
  expect(r.stderr).not.toMatch(/\n\s+at /);
}

describe('database URLs that do not work', () => {
  const refused = `postgres://app:${SECRET}@127.0.0.1:1/app`;
  it('lint --database-url: connection refused', () => {
    expectCleanFailure(['examples/shop/drizzle', '--database-url', refused], /--database-url postgres:\/\/app:\*+@127\.0\.0\.1:1\/app: cannot connect/);
  });
  it('verify --database-url: connection refused', () => {
    expectCleanFailure(['verify', 'examples/shop/drizzle', '--database-url', refused], /cannot connect|connection refused|ECONNREFUSED/i);
  });
  it('verify --against: connection refused', () => {
    expectCleanFailure(['verify', 'examples/shop/drizzle', '--against', refused], /cannot connect|connection refused|ECONNREFUSED/i);
  });
  it('a URL that is not a postgres URL', () => {
    expectCleanFailure(['examples/shop/drizzle', '--database-url', 'mysql://x@localhost/db'], /database-url/);
  });

  describe.skipIf(!url)('against a real server', () => {
    it('a database that does not exist', () => {
      expectCleanFailure(['examples/shop/drizzle', '--database-url', withPassword(url!).replace(/\/[^/?]*(\?|$)/, '/no_such_database_ml$1')], /does not exist|cannot connect/);
    });
    it('a role that does not exist', () => {
      const u = new URL(withPassword(url!));
      u.username = 'no_such_role_ml';
      expectCleanFailure(['examples/shop/drizzle', '--database-url', u.toString()], /cannot connect|does not exist|authentication/i);
    });
  });
});
