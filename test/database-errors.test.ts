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

describe('every form of a password is masked, and every unusable URL is one line naming its option', () => {
  // Each printed `internal error: Invalid URL`, ENOENT, the password, or pg's 11-line warning before.
  const shapes: { name: string; url: string; message: RegExp }[] = [
    { name: 'a port out of range', url: `postgres://app:${SECRET}@127.0.0.1:99999/app`, message: /: port 99999 is out of range \(1-65535\)$/ },
    { name: 'a / in the password', url: `postgres://app:x/${SECRET}@127.0.0.1:1/app`, message: /: the user or password holds a character a URL needs percent-encoded/ },
    { name: 'a / in a numeric password (parses as a port and a path)', url: `postgres://app:12/${SECRET}@127.0.0.1:1/app`, message: /: the user or password holds a character a URL needs percent-encoded/ },
    { name: 'the password as a query parameter', url: `postgres://app@127.0.0.1:1/app?password=${SECRET}`, message: /\?password=\*\*\*: cannot connect/ },
    { name: 'a key=value connection string', url: `host=127.0.0.1 port=1 user=app password=${SECRET}`, message: /host=127\.0\.0\.1 port=1 user=app password=\*\*\*: a key=value connection string; pass a URL/ },
    { name: 'sslmode=require (pg warns about its next version)', url: `postgres://app:${SECRET}@127.0.0.1:1/app?sslmode=require`, message: /:\*\*\*@127\.0\.0\.1:1\/app\?sslmode=require: cannot connect/ },
    { name: 'a missing sslrootcert file', url: `postgres://app:${SECRET}@127.0.0.1:1/app?sslrootcert=/nonexistent/ca.pem`, message: /: cannot read \/nonexistent\/ca\.pem \(ENOENT\)$/ },
  ];
  const commands: { name: string; args: string[]; flag: string; shapes?: string[] }[] = [
    { name: 'lint', args: ['examples/shop/drizzle', '--database-url'], flag: '--database-url' },
    { name: 'verify --against', args: ['verify', 'examples/shop/drizzle', '--against'], flag: '--against' },
    { name: 'verify --database-url', args: ['verify', 'examples/shop/drizzle', '--database-url'], flag: '--database-url', shapes: ['a port out of range', 'a / in the password', 'a key=value connection string', 'a missing sslrootcert file'] },
    { name: 'verify --against --schema', args: ['verify', 'examples/shop/drizzle', '--schema', '--against'], flag: '--against', shapes: ['a port out of range', 'the password as a query parameter'] },
    { name: 'baseline', args: ['baseline', 'examples/shop/drizzle', '--database-url'], flag: '--database-url', shapes: ['a / in the password', 'a key=value connection string'] },
  ];
  for (const command of commands) {
    for (const shape of shapes.filter((s) => !command.shapes || command.shapes.includes(s.name))) {
      it(`${command.name}: ${shape.name}`, () => {
        const r = runCli([...command.args, shape.url], { timeout: 60_000 });
        expect(r.code).toBe(2);
        expect(r.stdout + r.stderr).not.toContain(SECRET);
        const lines = r.stderr.trimEnd().split('\n');
        expect(lines[0].startsWith(`migration-lint: ${command.flag} `), lines[0]).toBe(true);
        expect(lines[0]).toMatch(shape.message);
        expect(lines.slice(1).every((l) => l.startsWith('  hint: ')), r.stderr).toBe(true);
        expect(r.stderr).not.toMatch(/internal error|Warning|\n\s+at /);
      });
    }
  }
});
