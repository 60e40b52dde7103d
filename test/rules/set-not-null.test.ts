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
    { name: 'young table: accounts created a day before', setup: [ACCOUNTS], sql: 'ALTER TABLE "accounts" ALTER COLUMN "nickname" SET NOT NULL;', days: [0, 1] },
  ],
  invalid: [
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
