import rule from '../../src/rules/column-type-rewrite.js';
import { testRule } from '../helpers/rule-tester.js';

const T = 'CREATE TYPE "public"."role" AS ENUM(\'a\', \'b\');\nCREATE TABLE "t" ("id" serial PRIMARY KEY NOT NULL, "v" varchar(50), "s" text, "n" integer, "p" numeric(10, 2), "r" "role", "j" json, "at" timestamp(3), "c" cidr);';
const FIXTURE = 'fixtures/projects/column-changes/drizzle';
const REWRITES = [
  { name: 'shrinking varchar', sql: 'ALTER TABLE "t" ALTER COLUMN "v" SET DATA TYPE varchar(20);', expect: { help: ['does not rewrite'] } },
  { name: 'numeric scale change', sql: 'ALTER TABLE "t" ALTER COLUMN "p" SET DATA TYPE numeric(10, 4);', expect: {} },
  { name: 'json → jsonb', sql: 'ALTER TABLE "t" ALTER COLUMN "j" SET DATA TYPE jsonb;', expect: {} },
  { name: 'timestamp → timestamptz', sql: 'ALTER TABLE "t" ALTER COLUMN "at" SET DATA TYPE timestamp with time zone;', expect: { message: ['TimeZone is UTC'] } },
  { name: 'enum → text', sql: 'ALTER TABLE "t" ALTER COLUMN "r" SET DATA TYPE text;', expect: {} },
  { name: 'text → enum with USING', sql: 'ALTER TABLE "t" ALTER COLUMN "s" SET DATA TYPE "public"."role" USING "s"::"public"."role";', expect: {} },
];

testRule(rule, {
  valid: [
    { name: 'the safe history', folder: 'fixtures/projects/safe/drizzle', migration: '0001_profile_and_plan_columns' },
    { name: 'enum rebuild: reported by enum-recreate', folder: 'examples/shop/drizzle', migration: '0003_drop_refunded_status' },
    { name: 'enum renamed as "create": reported by enum-recreate', folder: 'fixtures/projects/renames/drizzle', migration: '0007_recreate_comment_enum' },
    {
      name: 'binary-coercible: varchar(50) → varchar(100), varchar → text, text → varchar, numeric(10,2) → numeric(12,2), timestamp(3) → timestamp, cidr → inet',
      setup: [T],
      sql: 'ALTER TABLE "t" ALTER COLUMN "v" SET DATA TYPE varchar(100);\nALTER TABLE "t" ALTER COLUMN "v" SET DATA TYPE text;\nALTER TABLE "t" ALTER COLUMN "s" SET DATA TYPE varchar;\nALTER TABLE "t" ALTER COLUMN "p" SET DATA TYPE numeric(12, 2);\nALTER TABLE "t" ALTER COLUMN "at" SET DATA TYPE timestamp;\nALTER TABLE "t" ALTER COLUMN "c" SET DATA TYPE inet;',
    },
    { name: 'serial → integer is no change', setup: [T], sql: 'ALTER TABLE "t" ALTER COLUMN "id" SET DATA TYPE integer;' },
    { name: 'table created in the same migration', sql: 'CREATE TABLE "x" ("a" integer);--> statement-breakpoint\nALTER TABLE "x" ALTER COLUMN "a" SET DATA TYPE bigint;' },
    { name: 'a cast that fails is cast-without-using\'s finding', setup: [T], sql: 'ALTER TABLE "t" ALTER COLUMN "s" SET DATA TYPE integer;' },
    { name: 'young table: t created 10 days before', setup: [T], sql: 'ALTER TABLE "t" ALTER COLUMN "n" SET DATA TYPE bigint;', days: [0, 10] },
  ],
  invalid: [
    { name: 'old table: t created 100 days before', setup: [T], sql: 'ALTER TABLE "t" ALTER COLUMN "n" SET DATA TYPE bigint;', days: [0, 100], errors: [{ messageId: 'rewrite', line: 1 }] },
    {
      name: 'column-changes fixture: integer → bigint (varchar, text and numeric changes are silent)',
      folder: FIXTURE,
      migration: '0001_column_changes',
      errors: [{ messageId: 'rewrite', line: 6, column: 61, severity: 'warn', message: ['"accounts"."counter" from integer to bigint', 'ACCESS EXCLUSIVE'], help: ['ADD COLUMN "counter_new" bigint;'] }],
    },
    {
      name: 'features fixture: text → varchar(320) checks every value',
      folder: 'fixtures/projects/features/drizzle',
      migration: '0003_alter_columns',
      errors: [{ messageId: 'rewrite', line: 5, message: ['from text to varchar(320)'] }],
    },
    {
      name: 'one migration, six rewrites: one finding listing them (related locations)',
      setup: [T],
      sql: REWRITES.map((r) => r.sql).join('\n'),
      errors: [
        {
          messageId: 'rewriteMany',
          line: 1,
          related: [2, 3, 4, 5, 6],
          message: ['changes 6 column types', '"t"."v" varchar(50) → varchar(20)', '"t"."s" text → "public"."role"', 'TimeZone is UTC'],
          help: ['ADD COLUMN "v_new" varchar(20);', 'ADD COLUMN "s_new" "public"."role";', 'WHERE "id" IN (SELECT "id" FROM "t" WHERE "j_new" IS NULL AND "j" IS NOT NULL LIMIT 10000)'],
        },
      ],
    },
    ...REWRITES.map((r) => ({ name: r.name, setup: [T], sql: r.sql, errors: [{ messageId: 'rewrite', line: 1, ...r.expect }] })),
  ],
});
