import { beforeAll, describe, expect, it } from 'vitest';
import type { AppSourceFacts } from '../../src/engine/types.js';
import rule from '../../src/rules/bun-migrate-client-not-closed.js';
import { appFacts, appFindings } from '../helpers/app-source.js';

const SRC = 'fixtures/projects/deploy-bun/src';

const valid: [string, string][] = [['migrate-closed.ts', 'run by `bun src/migrate-closed.ts`, ends `sql` in finally']];

const invalid: [string, string, { line: number; message: string[]; help: string }][] = [
  ['migrate.ts', 'run by `bun run src/migrate.ts` (package.json), never ends `sql`', { line: 9, message: ['it is run with Bun by `bun run src/migrate.ts` (fixtures/projects/deploy-bun/package.json:8)', 'never ends `sql`'], help: 'await sql.end();' }],
  ['migrate-shebang.ts', 'a bun shebang; drizzle(url) opens a client nobody ends', { line: 7, message: ['its shebang runs it with bun', 'never ends `db.$client`'], help: 'await db.$client.end();' }],
];

describe('bun-migrate-client-not-closed', () => {
  let facts: AppSourceFacts;
  beforeAll(async () => {
    facts = await appFacts({ config: 'fixtures/projects/deploy-bun/drizzle.config.ts' });
  });
  const findingsIn = (file: string) => appFindings(rule, facts).filter((f) => f.file === `${SRC}/${file}`);

  it.each(valid)('valid %s: %s', (file) => {
    expect(facts.migrateCalls.find((c) => c.file === `${SRC}/${file}`)?.bun).toContain('run with Bun');
    expect(findingsIn(file)).toEqual([]);
  });

  it.each(invalid)('invalid %s: %s', (file, _title, expected) => {
    const findings = findingsIn(file);
    expect(findings.map((f) => ({ line: f.line, severity: f.severity }))).toEqual([{ line: expected.line, severity: 'warn' }]);
    for (const part of expected.message) expect(findings[0].message).toContain(part);
    expect(findings[0].help).toContain(expected.help);
  });

  it('a script Node runs is not reported, however it ends (Node scripts are the app\'s to judge)', async () => {
    const node = await appFacts({ config: 'fixtures/projects/deploy-path/drizzle.config.ts' });
    expect(appFindings(rule, node)).toEqual([]);
    expect(appFindings(rule, await appFacts({ config: 'examples/shop/drizzle.config.ts' }))).toEqual([]);
  });
});
