import rule from '../../src/rules/volatile-default.js';
import { testRule } from '../helpers/rule-tester.js';

const ACCOUNTS = 'CREATE TABLE "accounts" ("id" integer PRIMARY KEY NOT NULL, "name" text);';
const FIXTURE = 'fixtures/projects/column-changes/drizzle';

testRule(rule, {
  valid: [
    { name: 'the safe history: constants and now()', folder: 'fixtures/projects/safe/drizzle', migration: '0001_profile_and_plan_columns' },
    { name: 'the safe history: uuid defaultRandom() in a new table', folder: 'fixtures/projects/safe/drizzle', migration: '0000_init' },
    { name: 'constant, now(), CURRENT_TIMESTAMP and a cast constant', setup: [ACCOUNTS], sql: 'ALTER TABLE "accounts" ADD COLUMN "a" text DEFAULT \'x\' NOT NULL;\nALTER TABLE "accounts" ADD COLUMN "b" timestamp DEFAULT now();\nALTER TABLE "accounts" ADD COLUMN "c" timestamp with time zone DEFAULT CURRENT_TIMESTAMP;\nALTER TABLE "accounts" ADD COLUMN "d" jsonb DEFAULT \'{}\'::jsonb;' },
    { name: 'volatile default on a table created in the same migration', sql: 'CREATE TABLE "t" ("a" integer);--> statement-breakpoint\nALTER TABLE "t" ADD COLUMN "id" uuid DEFAULT gen_random_uuid();' },
    { name: 'SET DEFAULT gen_random_uuid() on an existing column (new rows only)', setup: [ACCOUNTS, 'ALTER TABLE "accounts" ADD COLUMN "u" uuid;'], sql: 'ALTER TABLE "accounts" ALTER COLUMN "u" SET DEFAULT gen_random_uuid();' },
    { name: 'a constant default on PostgreSQL 11', setup: [ACCOUNTS], sql: 'ALTER TABLE "accounts" ADD COLUMN "a" text DEFAULT \'x\';', pgVersion: 11 },
    { name: 'young table: accounts created 4 days before', setup: [ACCOUNTS], sql: 'ALTER TABLE "accounts" ADD COLUMN "id2" uuid DEFAULT gen_random_uuid();', days: [0, 4] },
  ],
  invalid: [
    { name: 'old table: accounts created 30 days before', setup: [ACCOUNTS], sql: 'ALTER TABLE "accounts" ADD COLUMN "id2" uuid DEFAULT gen_random_uuid();', days: [0, 30], errors: [{ messageId: 'volatileDefault', line: 1 }] },
    {
      name: 'column-changes fixture: uuid defaultRandom() added to accounts (now() is silent)',
      folder: FIXTURE,
      migration: '0001_column_changes',
      errors: [{ messageId: 'volatileDefault', line: 12, column: 35, severity: 'warn', message: ['"accounts"."public_id"', 'gen_random_uuid()', 'ACCESS EXCLUSIVE'], help: ['ALTER TABLE "accounts" ADD COLUMN "public_id" uuid;', 'ALTER TABLE "accounts" ALTER COLUMN "public_id" SET DEFAULT gen_random_uuid();'] }],
    },
    {
      name: 'clock_timestamp(), random() inside an expression, serial and identity columns',
      setup: [ACCOUNTS],
      sql: 'ALTER TABLE "accounts" ADD COLUMN "seen_at" timestamp DEFAULT clock_timestamp();\nALTER TABLE "accounts" ADD COLUMN "score" integer DEFAULT (random() * 100)::integer;\nALTER TABLE "accounts" ADD COLUMN "n" serial;\nALTER TABLE "accounts" ADD COLUMN "m" bigint GENERATED ALWAYS AS IDENTITY;',
      errors: [
        { messageId: 'volatileDefault', line: 1, message: ['clock_timestamp()'] },
        { messageId: 'volatileDefault', line: 2, message: ['random()'] },
        { messageId: 'sequenceDefault', line: 3, message: ['serial'], help: ['ADD COLUMN "n" integer;'] },
        { messageId: 'sequenceDefault', line: 4, message: ['identity'] },
      ],
    },
    {
      name: 'before PostgreSQL 11 a constant default rewrites too',
      setup: [ACCOUNTS],
      sql: 'ALTER TABLE "accounts" ADD COLUMN "a" text DEFAULT \'x\' NOT NULL;',
      pgVersion: 10,
      errors: [{ messageId: 'anyDefault', line: 1, message: ['before PostgreSQL 11', 'PostgreSQL 10'] }],
    },
  ],
});
