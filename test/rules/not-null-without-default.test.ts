import rule from '../../src/rules/not-null-without-default.js';
import { testRule } from '../helpers/rule-tester.js';

const ACCOUNTS = 'CREATE TABLE "accounts" ("id" serial PRIMARY KEY NOT NULL, "name" text);';
const FIXTURE = 'fixtures/projects/column-changes/drizzle';

testRule(rule, {
  valid: [
    { name: 'the safe history: constant defaults and now()', folder: 'fixtures/projects/safe/drizzle', migration: '0001_profile_and_plan_columns' },
    { name: 'column-changes fixture: the init migration creates its tables', folder: FIXTURE, migration: '0000_init' },
    { name: 'column-changes fixture: new tables in the same migration', folder: FIXTURE, migration: '0002_long_names' },
    { name: 'NOT NULL with a constant default', setup: [ACCOUNTS], sql: 'ALTER TABLE "accounts" ADD COLUMN "tier" text DEFAULT \'free\' NOT NULL;' },
    { name: 'nullable column', setup: [ACCOUNTS], sql: 'ALTER TABLE "accounts" ADD COLUMN "plan" text;' },
    { name: 'identity column', setup: [ACCOUNTS], sql: 'ALTER TABLE "accounts" ADD COLUMN "n" integer NOT NULL GENERATED ALWAYS AS IDENTITY;' },
    { name: 'generated column', setup: [ACCOUNTS], sql: 'ALTER TABLE "accounts" ADD COLUMN "upper_name" text NOT NULL GENERATED ALWAYS AS (upper("name")) STORED;' },
    { name: 'serial column (nextval default)', setup: [ACCOUNTS], sql: 'ALTER TABLE "accounts" ADD COLUMN "seq" serial NOT NULL;' },
    { name: 'table created earlier in the same migration', sql: 'CREATE TABLE "t" ("id" integer);--> statement-breakpoint\nALTER TABLE "t" ADD COLUMN "x" text NOT NULL;' },
    { name: 'table truncated earlier in the migration', setup: [ACCOUNTS], sql: 'TRUNCATE "accounts";--> statement-breakpoint\nALTER TABLE "accounts" ADD COLUMN "plan" text NOT NULL;' },
    { name: 'ADD COLUMN IF NOT EXISTS on a column that exists', setup: [ACCOUNTS, 'ALTER TABLE "accounts" ADD COLUMN "plan" text;'], sql: 'ALTER TABLE "accounts" ADD COLUMN IF NOT EXISTS "plan" text NOT NULL;' },
  ],
  invalid: [
    {
      name: 'column-changes fixture: ADD COLUMN "plan" text NOT NULL on accounts',
      folder: FIXTURE,
      migration: '0001_column_changes',
      errors: [{ messageId: 'notNullWithoutDefault', line: 10, column: 35, message: ['"plan"', '"accounts"', 'contains null values'], help: ['ALTER TABLE "accounts" ADD COLUMN "plan" text DEFAULT <value> NOT NULL;', 'ALTER TABLE "accounts" ALTER COLUMN "plan" SET NOT NULL;'] }],
    },
    {
      name: 'example project: products.sku varchar(64) NOT NULL',
      folder: 'examples/shop/drizzle',
      migration: '0002_product_sku',
      errors: [
        {
          messageId: 'notNullWithoutDefault',
          line: 2,
          help: ['ADD COLUMN "sku" varchar(64);'],
          // The value existing rows get is the user's: suggestions only.
          fix: null,
          suggestions: [
            'ALTER TABLE "orders" ALTER COLUMN "note" SET DATA TYPE integer;--> statement-breakpoint\nALTER TABLE "products" ADD COLUMN "sku" varchar(64) DEFAULT \'\' NOT NULL;',
            [
              'ALTER TABLE "orders" ALTER COLUMN "note" SET DATA TYPE integer;',
              'ALTER TABLE "products" ADD COLUMN "sku" varchar(64);',
              'UPDATE "products" SET "sku" = \'\' WHERE "sku" IS NULL;',
              'ALTER TABLE "products" ALTER COLUMN "sku" SET NOT NULL;',
            ].join('--> statement-breakpoint\n'),
          ],
        },
      ],
    },
    {
      name: 'DEFAULT NULL fills nothing; schema-qualified table',
      setup: ['CREATE SCHEMA "billing";\nCREATE TABLE "billing"."invoices" ("id" integer);'],
      sql: 'ALTER TABLE "billing"."invoices" ADD COLUMN "total" integer DEFAULT NULL NOT NULL;',
      errors: [{ messageId: 'notNullWithoutDefault', line: 1, message: ['"billing"."invoices"'], help: ['ALTER TABLE "billing"."invoices" ADD COLUMN "total" integer;'] }],
    },
    {
      name: 'primary key added to an existing table',
      setup: ['CREATE TABLE "t" ("a" text);'],
      sql: 'ALTER TABLE "t" ADD COLUMN "id" uuid PRIMARY KEY;',
      errors: [{ messageId: 'notNullWithoutDefault', line: 1 }],
    },
  ],
});
