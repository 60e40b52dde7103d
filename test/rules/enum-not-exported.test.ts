import { describe, expect, it } from 'vitest';
import { runEngine } from '../../src/engine/linter.js';
import type { Finding, SchemaSourceFacts } from '../../src/engine/types.js';
import rule from '../../src/rules/enum-not-exported.js';
import { readDrizzleConfig } from '../../src/runner/drizzle-config.js';
import { analyzeSchemaSource } from '../../src/runner/schema-source.js';

const FIXTURES = 'fixtures/schema-source';

function run(schemaSource: SchemaSourceFacts | undefined): Finding[] {
  return runEngine({
    migrations: [],
    rules: [rule],
    settings: { pgVersion: 16, rules: { [rule.id]: 'error' } },
    folder: { layout: 'files', problems: [] },
    schemaSource,
  }).findings;
}

/** Lint the schema source of a drizzle config, the way the runner does. */
async function lintConfig(configFile: string): Promise<Finding[]> {
  const config = await readDrizzleConfig(configFile);
  return run(await analyzeSchemaSource(config, process.cwd()));
}

interface Expected {
  file: string;
  line: number;
  column: number;
  messageId: 'enum' | 'schema' | 'sequence';
  message: string[];
  help: string[];
}

const valid: [string, string][] = [
  ['exported-directly', '`export const roleEnum = pgEnum(…)`'],
  ['export-list', '`export { roleEnum, statusEnum as userStatus }`'],
  ['export-star', "`export * from './enums'` in the matched file"],
  ['reexport-chain', "two levels: `export * from './db'` → db/index.ts `export { roleEnum as userRole } from './enums.js'`"],
  ['default-export', '`export default roleEnum` (drizzle-kit 0.31 keeps every export value, default included)'],
  ['unused-not-exported', 'non-exported enums used by nothing drizzle-kit generates (no table, an unexported table, `.enumValues`)'],
];

const invalid: [string, string, Expected[]][] = [
  [
    'not-exported',
    'a pgEnum without `export`, used by two tables (once with the name argument omitted)',
    [
      {
        file: 'not-exported/schema.ts',
        line: 4,
        column: 1,
        messageId: 'enum',
        message: ['pgEnum roleEnum ("role")', 'users.role, admins.level', 'not exported', 'type "role" does not exist'],
        help: ["  export const roleEnum = pgEnum('role', ['customer', 'admin']);", "`schema: './schema.ts'`", 'drizzle-kit generate', 'CREATE TYPE "role"'],
      },
    ],
  ],
  [
    'imported-not-reexported',
    'declared and exported in a file the glob does not match, imported by the matched file but not re-exported',
    [
      {
        file: 'imported-not-reexported/src/enums.ts',
        line: 3,
        column: 1,
        messageId: 'enum',
        message: ['pgEnum roleEnum ("role")', 'users.role', 'does not load', 'type "role" does not exist'],
        help: ["export { roleEnum } from './enums';", 'imported-not-reexported/src/schema.ts:', "`schema: './src/schema.ts'`"],
      },
    ],
  ],
  [
    'schema-not-exported',
    'a pgSchema without `export`, used through `billing.table(…)`',
    [
      {
        file: 'schema-not-exported/schema.ts',
        line: 3,
        column: 1,
        messageId: 'schema',
        message: ['pgSchema billing ("billing")', 'billing.invoices', 'CREATE SCHEMA "billing"', 'schema "billing" does not exist'],
        help: ["  export const billing = pgSchema('billing');", 'CREATE SCHEMA "billing"'],
      },
    ],
  ],
  [
    'schema-enum-not-exported',
    '`billing.enum(…)`: the schema is exported, the enum variable is not',
    [
      {
        file: 'schema-enum-not-exported/schema.ts',
        line: 5,
        column: 1,
        messageId: 'enum',
        message: ['pgEnum invoiceStatus ("status")', 'billing.invoices.status', 'CREATE TYPE "billing"."status"', 'type "billing.status" does not exist'],
        help: ["  export const invoiceStatus = billing.enum('status', ['open', 'paid']);", 'CREATE TYPE "billing"."status"'],
      },
    ],
  ],
  [
    'aliased-import',
    '`p.pgEnum(…)` through `import * as p`, and `import { pgEnum as makeEnum }`',
    [
      {
        file: 'aliased-import/schema.ts',
        line: 4,
        column: 1,
        messageId: 'enum',
        message: ['roleEnum ("role")', 'users.role'],
        help: ["  export const roleEnum = p.pgEnum('role', ['customer', 'admin']);"],
      },
      {
        file: 'aliased-import/schema.ts',
        line: 5,
        column: 1,
        messageId: 'enum',
        message: ['planEnum ("plan")', 'users.plan'],
        help: ["  export const planEnum = makeEnum('plan', ['free', 'pro']);"],
      },
    ],
  ],
  [
    'sequence-not-exported',
    "a pgSequence without `export`, named by a column default `nextval('invoice_number')`",
    [
      {
        file: 'sequence-not-exported/schema.ts',
        line: 4,
        column: 1,
        messageId: 'sequence',
        message: ['pgSequence invoiceNumber ("invoice_number")', 'invoices.number', 'CREATE SEQUENCE "invoice_number"', 'relation "invoice_number" does not exist'],
        help: ['  export const invoiceNumber = pgSequence('],
      },
    ],
  ],
  [
    'globs',
    '`schema` as an array: a glob and a folder (only the files directly inside it); enums outside both are reported',
    [
      {
        file: 'globs/src/enums/nested/plan.ts',
        line: 4,
        column: 1,
        messageId: 'enum',
        message: ['planEnum ("plan")', 'users.plan'],
        help: ["`schema: ['./src/tables/*.ts', './src/enums']`", "export { planEnum } from '../enums/nested/plan';", 'globs/src/tables/users.ts:'],
      },
      {
        file: 'globs/src/other/status.ts',
        line: 3,
        column: 1,
        messageId: 'enum',
        message: ['statusEnum ("status")', 'users.status'],
        help: ["export { statusEnum } from '../other/status';"],
      },
    ],
  ],
  [
    'syntax-error',
    'a file that does not parse is skipped (a problem, not a crash); the other file is still checked',
    [{ file: 'syntax-error/schema/users.ts', line: 3, column: 1, messageId: 'enum', message: ['planEnum ("plan")'], help: ['  export const planEnum'] }],
  ],
];

describe('enum-not-exported', () => {
  describe('valid', () => {
    it.each(valid)('%s: %s', async (name) => {
      expect(await lintConfig(`${FIXTURES}/${name}/drizzle.config.ts`)).toEqual([]);
    });
  });

  describe('invalid', () => {
    it.each(invalid)('%s: %s', async (name, _title, expected) => {
      const findings = await lintConfig(`${FIXTURES}/${name}/drizzle.config.ts`);
      expect(findings.map((f) => ({ file: f.file, line: f.line, column: f.column, messageId: f.messageId, severity: f.severity }))).toEqual(
        expected.map((e) => ({ file: `${FIXTURES}/${e.file}`, line: e.line, column: e.column, messageId: e.messageId, severity: 'error' })),
      );
      findings.forEach((f, i) => {
        for (const part of expected[i].message) expect(f.message).toContain(part);
        for (const part of expected[i].help) expect(f.help).toContain(part);
      });
    });
  });

  it('end to end on examples/shop: exactly the non-exported user_role enum of step 05', async () => {
    const findings = await lintConfig('examples/shop/drizzle.config.ts');
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ rule: 'enum-not-exported', severity: 'error', file: 'examples/shop/src/db/schema.ts', line: 4, column: 1 });
    expect(findings[0].message).toContain('pgEnum userRole ("user_role") is used by users.role');
    expect(findings[0].message).toContain('type "user_role" does not exist');
    expect(findings[0].help).toContain("  export const userRole = pgEnum('user_role', ['customer', 'staff', 'admin']);");
    expect(findings[0].help).toContain("`schema: './src/db/schema.ts'` in examples/shop/drizzle.config.ts");
  });

  it('does nothing without schema-source facts (no drizzle config with `schema`)', () => {
    expect(run(undefined)).toEqual([]);
  });

  it('can be turned off', async () => {
    const config = await readDrizzleConfig('examples/shop/drizzle.config.ts');
    const schemaSource = await analyzeSchemaSource(config, process.cwd());
    const { findings } = runEngine({ migrations: [], rules: [rule], settings: { pgVersion: 16, rules: { [rule.id]: 'off' } }, schemaSource });
    expect(findings).toEqual([]);
  });
});
