import { beforeAll, describe, expect, it } from 'vitest';
import type { AppSourceFacts } from '../../src/engine/types.js';
import rule from '../../src/rules/migrator-config-mismatch.js';
import { appFacts, appFindings } from '../helpers/app-source.js';

const APP = 'fixtures/projects/deploy-config/src';

// drizzle.config.ts: out './db/migrations', migrations: { table: 'app_migrations', schema: 'ops' }.
const valid: [string, string][] = [
  ['right.ts', "path.join(__dirname, '../db/migrations'); table and schema from imported constants, through an options const"],
  ['right-url.ts', "fileURLToPath(new URL('../db/migrations/', import.meta.url)); a template literal for the table"],
  ['skipped.ts', 'migrationsFolder from process.env, migrationsTable from a call: skipped silently'],
];

const invalid: [string, string, { line: number; messageId: string; message: string[]; help: string[] }][] = [
  [
    'wrong-table.ts',
    'no migrationsTable / migrationsSchema: drizzle\'s default table, not the config\'s',
    {
      line: 10,
      messageId: 'table',
      message: ['records applied migrations in "drizzle"."__drizzle_migrations"', 'names "ops"."app_migrations"', 'fixtures/projects/deploy-config/drizzle.config.ts'],
      help: ["migrationsTable: 'app_migrations', migrationsSchema: 'ops'", "migrations: { table: '__drizzle_migrations', schema: 'drizzle' }"],
    },
  ],
  [
    'wrong-schema.ts',
    "Neon serverless: the config's table but no migrationsSchema: drizzle's default schema",
    {
      line: 12,
      messageId: 'table',
      message: ['records applied migrations in "drizzle"."app_migrations"', 'names "ops"."app_migrations"'],
      help: ["migrationsTable: 'app_migrations', migrationsSchema: 'ops'"],
    },
  ],
  [
    'wrong-folder.ts',
    "join(import.meta.dirname, '..', 'drizzle') where `out` is ./db/migrations",
    {
      line: 11,
      messageId: 'folder',
      message: ['applies the migrations in fixtures/projects/deploy-config/drizzle', "(migrationsFolder join(import.meta.dirname, '..', 'drizzle'))", 'generates them into fixtures/projects/deploy-config/db/migrations'],
      help: ["path.join(import.meta.dirname, '../db/migrations')"],
    },
  ],
];

describe('migrator-config-mismatch', () => {
  let facts: AppSourceFacts;
  beforeAll(async () => {
    facts = await appFacts({ config: 'fixtures/projects/deploy-config/drizzle.config.ts' });
  });
  const findingsIn = (file: string) => appFindings(rule, facts).filter((f) => f.file === `${APP}/${file}`);

  describe('valid', () => {
    it.each(valid)('%s: %s', (file) => {
      expect(facts.migrateCalls.some((c) => c.file === `${APP}/${file}`)).toBe(true);
      expect(findingsIn(file)).toEqual([]);
    });
  });

  describe('invalid', () => {
    it.each(invalid)('%s: %s', (file, _title, expected) => {
      const findings = findingsIn(file);
      expect(findings.map((f) => ({ line: f.line, messageId: f.messageId, severity: f.severity }))).toEqual([{ line: expected.line, messageId: expected.messageId, severity: 'error' }]);
      for (const part of expected.message) expect(findings[0].message).toContain(part);
      for (const part of expected.help) expect(findings[0].help).toContain(part);
    });
  });

  it('a relative folder matches `out` read from the package, the config folder or the working directory', async () => {
    const deployPath = await appFacts({ config: 'fixtures/projects/deploy-path/drizzle.config.ts' });
    expect(deployPath.migrateCalls.length).toBeGreaterThan(10);
    expect(appFindings(rule, deployPath)).toEqual([]);
  });

  it("reports nothing on examples/shop's migrate script, nor without a drizzle config", async () => {
    expect(appFindings(rule, await appFacts({ config: 'examples/shop/drizzle.config.ts' }))).toEqual([]);
    expect(appFindings(rule, await appFacts({ patterns: ['fixtures/projects/deploy-config/src/*.ts'] }))).toEqual([]);
  });
});
