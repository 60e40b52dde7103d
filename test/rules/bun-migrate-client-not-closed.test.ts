import { beforeAll, describe, expect, it } from 'vitest';
import type { AppSourceFacts } from '../../src/engine/types.js';
import rule from '../../src/rules/bun-migrate-client-not-closed.js';
import migrateWithoutLock from '../../src/rules/migrate-without-lock.js';
import { MIGRATE_LOCK_WRAPPERS } from '../../src/rules/deploy/migrate-lock-wrappers.js';
import { appFacts, appFindings } from '../helpers/app-source.js';

const SRC = 'fixtures/projects/deploy-bun/src';

const valid: [string, string][] = [
  ['migrate-closed.ts', 'run by `bun src/migrate-closed.ts`, ends `sql` in finally'],
  ['migrate-bun-sql-closed.ts', "Bun's SQL client (bun-sql), closed in finally"],
];

const invalid: [string, string, { line: number; message: string[]; help: string }][] = [
  ['migrate.ts', 'run by `bun run src/migrate.ts` (package.json), never ends `sql`', { line: 9, message: ['it is run with Bun by `bun run src/migrate.ts` (fixtures/projects/deploy-bun/package.json:8)', 'never ends `sql`'], help: 'await sql.end();' }],
  ['migrate-bun-sql.ts', "Bun's SQL client (new SQL from 'bun'), never closed", { line: 7, message: ['it uses the bun-sql driver', 'never ends `client`'], help: 'await client.end();' }],
  ['migrate-shebang.ts', 'a bun shebang; drizzle(url) opens a client nobody ends', { line: 7, message: ['its shebang runs it with bun', 'never ends `db.$client`'], help: 'await db.$client.end();' }],
];

describe('bun-migrate-client-not-closed', () => {
  let facts: AppSourceFacts;
  beforeAll(async () => {
    facts = await appFacts({ config: 'fixtures/projects/deploy-bun/drizzle.config.ts' });
  });
  const findingsIn = (file: string) => appFindings(rule, facts).filter((f) => f.file === `${SRC}/${file}`);

  it.each(valid)('valid %s: %s', (file) => {
    expect(facts.migrateCalls.find((c) => c.file === `${SRC}/${file}`)?.bun).toMatch(/run with Bun|uses the bun-sql driver/);
    expect(findingsIn(file)).toEqual([]);
  });

  it.each(invalid)('invalid %s: %s', (file, _title, expected) => {
    const findings = findingsIn(file);
    expect(findings.map((f) => ({ line: f.line, severity: f.severity }))).toEqual([{ line: expected.line, severity: 'warn' }]);
    for (const part of expected.message) expect(findings[0].message).toContain(part);
    expect(findings[0].help).toContain(expected.help);
  });

  it("migrate-without-lock on Bun's SQL client: a pool without max: 1, and the help is the postgres.js wrapper, saying why", () => {
    const lock = appFindings(migrateWithoutLock, facts).filter((f) => f.file.startsWith(`${SRC}/migrate-bun-sql`));
    expect(lock.map((f) => [f.file, f.messageId])).toEqual([[`${SRC}/migrate-bun-sql.ts`, 'none']]);
    expect(lock[0].help).toContain("no tested wrapper for Bun's own SQL client");
    expect(lock[0].help).toContain(MIGRATE_LOCK_WRAPPERS['postgres-js'].split('\n')[0]);
  });

  it('a script Node runs is not reported, however it ends (Node scripts are the app\'s to judge)', async () => {
    const node = await appFacts({ config: 'fixtures/projects/deploy-path/drizzle.config.ts' });
    expect(appFindings(rule, node)).toEqual([]);
    expect(appFindings(rule, await appFacts({ config: 'examples/shop/drizzle.config.ts' }))).toEqual([]);
  });
});
