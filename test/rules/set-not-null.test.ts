import rule from '../../src/rules/set-not-null.js';
import { testRule } from '../helpers/rule-tester.js';

const ACCOUNTS = 'CREATE TABLE "accounts" ("id" serial PRIMARY KEY NOT NULL, "nickname" text, "email" text NOT NULL);';
const FIXTURE = 'fixtures/projects/column-changes/drizzle';

testRule(rule, {
  valid: [
    { name: 'the safe history', folder: 'fixtures/projects/safe/drizzle', migration: '0001_profile_and_plan_columns' },
    { name: 'column already NOT NULL (a no-op)', setup: [ACCOUNTS], sql: 'ALTER TABLE "accounts" ALTER COLUMN "email" SET NOT NULL;' },
    { name: 'table created in the same migration', sql: 'CREATE TABLE "t" ("a" text);--> statement-breakpoint\nALTER TABLE "t" ALTER COLUMN "a" SET NOT NULL;' },
    {
      name: 'a validated CHECK (c IS NOT NULL) spares the scan (PG 12+)',
      setup: [ACCOUNTS, 'ALTER TABLE "accounts" ADD CONSTRAINT "accounts_nickname_not_null" CHECK ("nickname" IS NOT NULL) NOT VALID;', 'ALTER TABLE "accounts" VALIDATE CONSTRAINT "accounts_nickname_not_null";'],
      sql: 'ALTER TABLE "accounts" ALTER COLUMN "nickname" SET NOT NULL;',
    },
    { name: 'DROP NOT NULL', setup: [ACCOUNTS], sql: 'ALTER TABLE "accounts" ALTER COLUMN "email" DROP NOT NULL;' },
    // Hand-edited (`generate --custom`): drizzle-kit writes no UPDATE.
    {
      name: 'hand-edited: a column added, backfilled and set NOT NULL in one transaction: locked since the ADD COLUMN, no row can slip in',
      setup: [ACCOUNTS],
      sql: 'ALTER TABLE "accounts" ADD COLUMN "slug" text;\nUPDATE "accounts" SET "slug" = lower("email");\nALTER TABLE "accounts" ALTER COLUMN "slug" SET NOT NULL;',
    },
    {
      name: 'real (simstudioai__sim 0194): a column added, rows with it inserted and the old rows deleted, then SET NOT NULL: the survivors can all hold a value, so "fails" would be a guess',
      setup: [ACCOUNTS],
      sql: 'ALTER TABLE "accounts" ADD COLUMN "workspace_id" text;\nINSERT INTO "accounts" ("email", "workspace_id") SELECT "email", \'w1\' FROM "accounts" WHERE "nickname" IS NOT NULL;\nDELETE FROM "accounts" WHERE "nickname" IS NULL;\nALTER TABLE "accounts" ALTER COLUMN "workspace_id" SET NOT NULL;',
    },
    { name: 'a column added with a default, then set NOT NULL in the same transaction', setup: [ACCOUNTS], sql: 'ALTER TABLE "accounts" ADD COLUMN "plan" text DEFAULT \'free\';\nALTER TABLE "accounts" ALTER COLUMN "plan" SET NOT NULL;' },
    { name: 'young table: accounts created a day before', setup: [ACCOUNTS], sql: 'ALTER TABLE "accounts" ALTER COLUMN "nickname" SET NOT NULL;', days: [0, 1] },
  ],
  invalid: [
    {
      name: 'a column added without a default and never filled, then set NOT NULL: fails on the first row',
      setup: [ACCOUNTS],
      sql: 'ALTER TABLE "accounts" ADD COLUMN "slug" text;\nALTER TABLE "accounts" ALTER COLUMN "slug" SET NOT NULL;',
      errors: [{ messageId: 'nullColumn', line: 2, message: ['fails as soon as "accounts" has a row', 'every row holds NULL'], help: ['UPDATE "accounts" SET "slug" = <value>;'] }],
    },
    {
      name: 'hand-edited: a COMMIT between ADD COLUMN and backfill: rows written since can be NULL, and the lock lasts the statement only',
      setup: [ACCOUNTS],
      sql: 'ALTER TABLE "accounts" ADD COLUMN "slug" text;\nCOMMIT;\nUPDATE "accounts" SET "slug" = lower("email");\nALTER TABLE "accounts" ALTER COLUMN "slug" SET NOT NULL;',
      errors: [{ messageId: 'afterBackfill', line: 4, message: ['waits until the statement ends (it runs after a COMMIT', 'rows written by the running app since the backfill'] }],
    },
    {
      name: 'five columns in one ALTER TABLE: one scan, one finding',
      setup: ['CREATE TABLE "t" ("id" serial PRIMARY KEY, "a" text, "b" text, "c" text, "d" text, "e" text);'],
      sql: 'ALTER TABLE "t" ALTER COLUMN "a" SET NOT NULL, ALTER COLUMN "b" SET NOT NULL, ALTER COLUMN "c" SET NOT NULL,\n  ALTER COLUMN "d" SET NOT NULL, ALTER COLUMN "e" SET NOT NULL;',
      errors: [
        {
          messageId: 'setNotNullMany',
          line: 1,
          related: [1, 1, 2, 2],
          message: ['sets 5 columns of existing tables NOT NULL ("t"."a", "t"."b", "t"."c", "t"."d", "t"."e")', 'several in one ALTER TABLE share one scan'],
          help: ['ADD CONSTRAINT "t_a_not_null" CHECK ("a" IS NOT NULL) NOT VALID;\nALTER TABLE "t" ADD CONSTRAINT "t_b_not_null"', 'ALTER TABLE "t" DROP CONSTRAINT "t_e_not_null";'],
        },
      ],
    },
    {
      name: 'old table: accounts created 15 days before; the NULLs filled first is a suggestion (the value is the user\'s)',
      setup: [ACCOUNTS],
      sql: 'ALTER TABLE "accounts" ALTER COLUMN "nickname" SET NOT NULL;',
      days: [0, 15],
      errors: [{ messageId: 'setNotNull', line: 1, fix: null, suggestions: ['UPDATE "accounts" SET "nickname" = \'\' WHERE "nickname" IS NULL;--> statement-breakpoint\nALTER TABLE "accounts" ALTER COLUMN "nickname" SET NOT NULL;'] }],
    },
    {
      name: 'column-changes fixture: nickname becomes .notNull()',
      folder: FIXTURE,
      migration: '0001_column_changes',
      errors: [{ messageId: 'setNotNull', line: 1, column: 37, severity: 'warn', message: ['"accounts"."nickname"', 'ACCESS EXCLUSIVE', 'contains null values'], help: ['ADD CONSTRAINT "accounts_nickname_not_null" CHECK ("nickname" IS NOT NULL) NOT VALID;', 'VALIDATE CONSTRAINT "accounts_nickname_not_null"', 'DROP CONSTRAINT "accounts_nickname_not_null";'] }],
    },
    {
      name: 'features fixture: documents.body SET NOT NULL',
      folder: 'fixtures/projects/features/drizzle',
      migration: '0003_alter_columns',
      errors: [{ messageId: 'setNotNull', line: 3 }],
    },
    {
      name: 'after a backfill in the same migration: the scan remains',
      setup: [ACCOUNTS],
      sql: 'UPDATE "accounts" SET "nickname" = "email" WHERE "nickname" IS NULL;--> statement-breakpoint\nALTER TABLE "accounts" ALTER COLUMN "nickname" SET NOT NULL;',
      errors: [{ messageId: 'afterBackfill', line: 2, message: ['to check the backfill above'] }],
    },
    {
      name: 'a NOT VALID check does not spare the scan',
      setup: [ACCOUNTS, 'ALTER TABLE "accounts" ADD CONSTRAINT "c" CHECK ("nickname" IS NOT NULL) NOT VALID;'],
      sql: 'ALTER TABLE "accounts" ALTER COLUMN "nickname" SET NOT NULL;',
      errors: [{ messageId: 'setNotNull', line: 1 }],
    },
    {
      name: 'before PostgreSQL 12 the help does not offer the CHECK trick',
      setup: [ACCOUNTS],
      sql: 'ALTER TABLE "accounts" ALTER COLUMN "nickname" SET NOT NULL;',
      pgVersion: 11,
      errors: [{ messageId: 'setNotNull', line: 1, help: ['before PostgreSQL 12'] }],
    },
  ],
});
