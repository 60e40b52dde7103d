import { beforeAll, describe, expect, it } from 'vitest';
import type { AppSourceFacts } from '../../src/engine/types.js';
import rule from '../../src/rules/migrate-without-lock.js';
import { MIGRATE_LOCK_WRAPPERS } from '../../src/rules/deploy/migrate-lock-wrappers.js';
import { appFacts, appFindings } from '../helpers/app-source.js';

const APP = 'fixtures/projects/deploy-path/app';

/** Correct patterns, per driver: no finding. */
const valid: [string, string][] = [
  ['right/node-postgres-client.ts', 'node-postgres Client: session lock, migrate() on drizzle(client), client.end() in finally'],
  ['right/node-postgres-pool-connect.ts', 'node-postgres Pool: pool.connect() client, unlock in finally; migrate imported as runMigrations, drizzle({ client })'],
  ['right/node-postgres-transaction-lock.ts', 'pg_advisory_xact_lock in db.transaction(tx) and migrate(tx) (import * as migrator): one transaction'],
  ['right/node-postgres-begin-lock.ts', 'BEGIN + pg_advisory_xact_lock on a `client: Client` parameter, migrate(drizzle(client))'],
  ['right/helper-callback.ts', "withMigrationLock(client, () => migrate(…)) from ../lib/lock, migrate re-exported by ../lib/migrator"],
  ['right/postgres-js-single.ts', 'postgres.js with max: 1, sql.end() in finally'],
  ['right/neon-serverless.ts', 'Neon serverless pool.connect() client; pool.end() in finally closes the locked session'],
  ['right/neon-serverless-client.ts', 'Neon serverless Client: session lock, unlock in finally, client.end()'],
];

/** Broken patterns: the message that names what is wrong, and where. */
const invalid: [string, string, { line: number; column: number; messageId: string; message: string[] }][] = [
  ['wrong/node-postgres-no-lock.ts', 'no lock, drizzle(pool)', { line: 10, column: 9, messageId: 'none', message: ['migrate() (node-postgres) runs without an advisory lock', 'already exists'] }],
  ['wrong/node-postgres-lock-through-pool.ts', 'pool.query(lock)', { line: 11, column: 9, messageId: 'pool', message: ['through the pool `pool` (line 9)'] }],
  ['wrong/node-postgres-xact-autocommit.ts', 'pg_advisory_xact_lock through db.execute, no transaction', { line: 11, column: 7, messageId: 'xactOwnTransaction', message: ['pg_advisory_xact_lock (line 10)'] }],
  ['wrong/node-postgres-xact-own-transaction.ts', 'pg_advisory_xact_lock in a db.transaction() that ends before migrate()', { line: 10, column: 7, messageId: 'xactOwnTransaction', message: ['(line 8)'] }],
  ['wrong/node-postgres-no-unlock-on-failure.ts', 'unlock after migrate(), not in finally', { line: 12, column: 9, messageId: 'noUnlockOnFailure', message: ['`client` (line 13)', 'when a migration fails'] }],
  ['wrong/node-postgres-other-client.ts', 'lock on pool.connect() client, migrate(drizzle(pool))', { line: 12, column: 9, messageId: 'otherClient', message: ['held by `lockClient` (line 11)', 'runs on `db` (over the pool `pool`)'] }],
  ['wrong/postgres-js-pool-lock.ts', "postgres.js without max: 1; migrate through `export *` of '../lib/pg-js-migrator'", { line: 9, column: 9, messageId: 'pool', message: ['`sql` (a postgres.js pool) (line 8)'] }],
  ['wrong/postgres-js-no-lock.ts', 'CommonJS require of the postgres-js migrator, no lock', { line: 7, column: 9, messageId: 'none', message: ['(postgres-js)'] }],
  ['wrong/postgres-js-xact-own-transaction.ts', 'postgres.js: pg_advisory_xact_lock in a sql.begin() that commits before migrate()', { line: 8, column: 7, messageId: 'xactOwnTransaction', message: ['(line 7)', '(postgres-js)'] }],
  ['wrong/neon-serverless-lock-through-pool.ts', 'Neon serverless: pool.query(lock), migrate(drizzle({ client: pool }))', { line: 9, column: 9, messageId: 'pool', message: ['through the pool `pool` (line 7)', '(neon-serverless)'] }],
  ['wrong/neon-serverless-no-lock.ts', 'neon-serverless, no lock', { line: 6, column: 7, messageId: 'none', message: ['(neon-serverless)'] }],
  ['wrong/neon-http.ts', 'neon-http: no session to lock in', { line: 7, column: 7, messageId: 'http', message: ['neon-http', 'no session'] }],
];

describe('migrate-without-lock', () => {
  let facts: AppSourceFacts;
  beforeAll(async () => {
    facts = await appFacts({ config: 'fixtures/projects/deploy-path/drizzle.config.ts' });
  });
  const findingsIn = (file: string) => appFindings(rule, facts).filter((f) => f.file === `${APP}/${file}`);

  it('finds every migrate() of the fixture app, each file once', () => {
    expect(facts.migrateCalls.map((c) => c.file).sort()).toEqual([...valid.map((v) => v[0]), ...invalid.map((v) => v[0])].map((f) => `${APP}/${f}`).sort());
  });

  describe('valid', () => {
    it.each(valid)('%s: %s', (file) => {
      expect(findingsIn(file)).toEqual([]);
    });
  });

  describe('invalid', () => {
    it.each(invalid)('%s: %s', (file, _title, expected) => {
      const findings = findingsIn(file);
      expect(findings.map((f) => ({ line: f.line, column: f.column, messageId: f.messageId, severity: f.severity }))).toEqual([{ line: expected.line, column: expected.column, messageId: expected.messageId, severity: 'warn' }]);
      for (const part of expected.message) expect(findings[0].message).toContain(part);
    });
  });

  it('gives the wrapper for the driver and connection in use, called with the folder', () => {
    const help = (file: string) => findingsIn(file)[0].help ?? '';
    expect(help('wrong/node-postgres-no-lock.ts')).toContain(indent(MIGRATE_LOCK_WRAPPERS['node-postgres-pool']));
    expect(help('wrong/node-postgres-no-lock.ts')).toContain("await migrateWithLock(pool, './drizzle');");
    expect(help('wrong/node-postgres-xact-autocommit.ts')).toContain(indent(MIGRATE_LOCK_WRAPPERS['node-postgres-client']));
    expect(help('wrong/node-postgres-xact-autocommit.ts')).toContain("await migrateWithLock(process.env.DATABASE_URL!, './drizzle');");
    expect(help('wrong/postgres-js-pool-lock.ts')).toContain(indent(MIGRATE_LOCK_WRAPPERS['postgres-js']));
    expect(help('wrong/neon-serverless-no-lock.ts')).toContain(indent(MIGRATE_LOCK_WRAPPERS['neon-serverless']));
    expect(help('wrong/neon-serverless-lock-through-pool.ts')).toContain(indent(MIGRATE_LOCK_WRAPPERS['neon-serverless']));
    expect(help('wrong/postgres-js-xact-own-transaction.ts')).toContain(indent(MIGRATE_LOCK_WRAPPERS['postgres-js']));
    expect(help('wrong/neon-http.ts')).toContain('neon-http has no session');
    expect(help('wrong/neon-http.ts')).toContain(indent(MIGRATE_LOCK_WRAPPERS['neon-serverless']));
  });

  it('reports nothing on the wrappers its help prints (docs/migrate-lock/*.ts)', async () => {
    const wrappers = await appFacts({ patterns: ['docs/migrate-lock/*.ts'] });
    expect(wrappers.migrateCalls.map((c) => [c.file, c.lock])).toEqual(Object.keys(MIGRATE_LOCK_WRAPPERS).map((name) => [`docs/migrate-lock/${name}.ts`, { kind: 'session' }]));
    expect(appFindings(rule, wrappers)).toEqual([]);
  });

  it("reports nothing on examples/shop's migrate script", async () => {
    const shop = await appFacts({ config: 'examples/shop/drizzle.config.ts' });
    expect(shop.migrateCalls.map((c) => [c.file, c.lock?.kind])).toEqual([['examples/shop/src/db/migrate.ts', 'session']]);
    expect(appFindings(rule, shop)).toEqual([]);
  });

  it('does nothing without app facts, and can be turned off', () => {
    expect(appFindings(rule, undefined)).toEqual([]);
    expect(appFindings(rule, facts, 'off')).toEqual([]);
  });
});

function indent(text: string): string {
  return text
    .trimEnd()
    .split('\n')
    .map((line) => (line ? `    ${line}` : line))
    .join('\n');
}
