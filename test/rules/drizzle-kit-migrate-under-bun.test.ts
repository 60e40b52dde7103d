import { beforeAll, describe, expect, it } from 'vitest';
import type { AppSourceFacts } from '../../src/engine/types.js';
import rule from '../../src/rules/drizzle-kit-migrate-under-bun.js';
import { MIGRATE_LOCK_WRAPPERS } from '../../src/rules/deploy/migrate-lock-wrappers.js';
import { appFacts, appFindings } from '../helpers/app-source.js';

const DIR = 'fixtures/projects/deploy-bun';

/** Every `drizzle-kit migrate` of the fixture's deploy files: reported (with why Bun runs it) or not. */
const cases: [string, number, string | undefined][] = [
  ['.github/workflows/deploy.yml', 10, '`bunx drizzle-kit migrate --config drizzle.config.ts` runs it with Bun'],
  ['Procfile', 1, undefined],
  ['docker-compose.yml', 4, '`command: bun --bun x drizzle-kit migrate` runs it with Bun'],
  ['package.json', 5, 'the script is run with Bun by `CMD bun run db:migrate` (fixtures/projects/deploy-bun/Dockerfile:5)'],
  ['package.json', 6, '`bunx drizzle-kit migrate` runs it with Bun'],
  ['package.json', 7, undefined],
];

describe('drizzle-kit-migrate-under-bun', () => {
  let facts: AppSourceFacts;
  beforeAll(async () => {
    facts = await appFacts({ config: `${DIR}/drizzle.config.ts` });
  });

  it('finds drizzle-kit migrate in package.json scripts, the Dockerfile, compose, the Procfile and workflows', () => {
    expect(facts.commands.map((c) => [c.file, c.line])).toEqual(cases.map(([file, line]) => [`${DIR}/${file}`, line]));
  });

  it.each(cases)('%s:%i → %s', (file, line, reason) => {
    const findings = appFindings(rule, facts).filter((f) => f.file === `${DIR}/${file}` && f.line === line);
    if (reason === undefined) {
      expect(findings).toEqual([]);
      return;
    }
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ severity: 'warn', messageId: 'bun' });
    expect(findings[0].message).toContain(reason);
    expect(findings[0].message).toContain('bun#23740');
    expect(findings[0].help).toContain('bun run src/db/migrate.ts');
    expect(findings[0].help).toContain(MIGRATE_LOCK_WRAPPERS['postgres-js'].split('\n')[0]);
    expect(findings[0].help).toContain("await migrateWithLock(process.env.DATABASE_URL!, './fixtures/projects/deploy-bun/drizzle');");
  });

  it('reports nothing on examples/shop (no drizzle-kit migrate command there)', async () => {
    expect(appFindings(rule, await appFacts({ config: 'examples/shop/drizzle.config.ts' }))).toEqual([]);
  });
});
