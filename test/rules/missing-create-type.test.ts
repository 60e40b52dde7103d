import { describe, expect, it } from 'vitest';
import { lint } from '../../src/runner/lint.js';
import rule from '../../src/rules/missing-create-type.js';
import { testRule } from '../helpers/rule-tester.js';

const USERS = 'CREATE TABLE "users" ("id" serial PRIMARY KEY NOT NULL);';

testRule(rule, {
  valid: [
    { name: 'exported enum: CREATE TYPE earlier in the same migration', folder: 'fixtures/projects/safe/drizzle', migration: '0000_init' },
    { name: 'enum created in an earlier migration, used unqualified', setup: ['CREATE TYPE "role" AS ENUM(\'a\');', USERS], sql: 'ALTER TABLE "users" ADD COLUMN "role" "role" DEFAULT \'a\';' },
    { name: 'enum in a non-public schema, qualified', folder: 'fixtures/projects/schemas/drizzle', migration: '0001_payments' },
    { name: 'type created by CREATE EXTENSION (pgvector)', folder: 'fixtures/projects/features/drizzle', migration: '0001_init' },
    { name: 'built-in types quoted by drizzle-kit ("inet", "point")', setup: [USERS], sql: 'ALTER TABLE "users" ADD COLUMN "ip" "inet";\nALTER TABLE "users" ADD COLUMN "at" "point";\nALTER TABLE "users" ADD COLUMN "n" numeric(10, 2) DEFAULT 0::numeric;' },
    { name: 'legacy DO-block CREATE TYPE counts as created', folder: 'fixtures/projects/legacy-do-blocks/drizzle', migration: '0001_status_and_comments' },
    { name: 'an unknown extension may bring the type: stay silent', setup: ['CREATE EXTENSION "some_ext";', USERS], sql: 'ALTER TABLE "users" ADD COLUMN "x" "some_type";' },
    { name: 'Supabase auth schema is managed elsewhere', setup: [USERS], sql: 'CREATE TABLE "auth"."users" ("id" uuid);' },
    { name: 'enum dropped and the column converted away first', setup: ['CREATE TYPE "role" AS ENUM(\'a\');', USERS], sql: 'DROP TYPE "role";' },
  ],
  invalid: [
    {
      name: 'example project: pgEnum not exported',
      folder: 'examples/shop/drizzle',
      migration: '0004_user_role',
      errors: [{ messageId: 'missingType', line: 1, column: 39, message: ['Type "user_role"', 'type "user_role" does not exist'], help: ['Export the pgEnum'] }],
    },
    {
      name: 'schemas fixture: enum in a non-exported schema enum (qualified)',
      folder: 'fixtures/projects/schemas/drizzle',
      migration: '0003_payment_method',
      errors: [
        { messageId: 'snapshotMissingEnum', line: 157, message: ['"billing"."payments"', 'enum type "billing"."payment_method"'] },
        { messageId: 'missingType', line: 1, column: 54, message: ['"billing"."payment_method"'] },
      ],
    },
    {
      name: 'schemas fixture: pgSchema not exported',
      folder: 'fixtures/projects/schemas/drizzle',
      migration: '0002_audit_events',
      errors: [{ messageId: 'missingSchema', line: 1, column: 14, message: ['Schema "audit"', 'schema "audit" does not exist'] }],
    },
    {
      name: 'type in a cast and in SET DATA TYPE, reported once per statement',
      setup: [USERS],
      sql: 'ALTER TABLE "users" ADD COLUMN "s" text;\nALTER TABLE "users" ALTER COLUMN "s" SET DATA TYPE "public"."status" USING "s"::"public"."status";',
      errors: [{ messageId: 'missingType', line: 2, column: 52 }],
    },
    {
      name: 'type created later in the same migration is still missing at this statement',
      setup: [USERS],
      sql: 'ALTER TABLE "users" ADD COLUMN "r" "role";\nCREATE TYPE "role" AS ENUM(\'a\');',
      errors: [{ messageId: 'missingType', line: 1 }],
    },
    {
      name: 'pgvector column with no CREATE EXTENSION anywhere',
      setup: [USERS],
      sql: 'ALTER TABLE "users" ADD COLUMN "embedding" vector(1536);',
      errors: [{ messageId: 'missingExtension', line: 1, column: 44, message: ['vector extension'], help: ['CREATE EXTENSION IF NOT EXISTS vector;'] }],
    },
  ],
});

describe('missing-create-type: the snapshot symptom', () => {
  it('reports a column whose typeSchema names an enum missing from the latest snapshot', async () => {
    const result = await lint({ paths: ['examples/shop/drizzle'] });
    const found = result.findings.filter((f) => f.rule === 'missing-create-type' && f.file.endsWith('_snapshot.json'));
    expect(found.map((f) => [f.messageId, f.file, f.line, f.migration])).toEqual([['snapshotMissingEnum', 'examples/shop/drizzle/meta/0005_snapshot.json', 313, '0005_orders_created_at_index']]);
    expect(found[0].message).toContain('"users"."role" has enum type "public"."user_role"');
  });

  it('is silent on intact snapshots', async () => {
    for (const folder of ['fixtures/projects/safe/drizzle', 'fixtures/projects/features/drizzle', 'fixtures/projects/renames/drizzle']) {
      const result = await lint({ paths: [folder] });
      expect(result.findings.filter((f) => f.rule === 'missing-create-type')).toEqual([]);
    }
  });
});
