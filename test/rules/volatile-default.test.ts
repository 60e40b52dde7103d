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
      name: 'clock_timestamp(), random() inside an expression, serial and identity columns: one finding listing them',
      setup: [ACCOUNTS],
      sql: 'ALTER TABLE "accounts" ADD COLUMN "seen_at" timestamp DEFAULT clock_timestamp();\nALTER TABLE "accounts" ADD COLUMN "score" integer DEFAULT (random() * 100)::integer;\nALTER TABLE "accounts" ADD COLUMN "n" serial;\nALTER TABLE "accounts" ADD COLUMN "m" bigint GENERATED ALWAYS AS IDENTITY;',
      errors: [
        {
          messageId: 'many',
          line: 1,
          related: [2, 3, 4],
          message: ['adds 4 columns', '"accounts"."seen_at", "accounts"."score", "accounts"."n", "accounts"."m"'],
          help: ['SET DEFAULT clock_timestamp();', 'SET DEFAULT CAST(random() * 100 AS int);', 'ADD COLUMN "n" integer;', 'ADD COLUMN "m" bigint;'],
        },
      ],
    },
    { name: 'clock_timestamp()', setup: [ACCOUNTS], sql: 'ALTER TABLE "accounts" ADD COLUMN "seen_at" timestamp DEFAULT clock_timestamp();', errors: [{ messageId: 'volatileDefault', line: 1, message: ['clock_timestamp()'] }] },
    { name: 'random() inside an expression', setup: [ACCOUNTS], sql: 'ALTER TABLE "accounts" ADD COLUMN "score" integer DEFAULT (random() * 100)::integer;', errors: [{ messageId: 'volatileDefault', line: 1, message: ['random()'] }] },
    { name: 'serial', setup: [ACCOUNTS], sql: 'ALTER TABLE "accounts" ADD COLUMN "n" serial;', errors: [{ messageId: 'sequenceDefault', line: 1, message: ['serial'], help: ['ADD COLUMN "n" integer;', 'UPDATE "accounts" SET "n" = nextval(\'"accounts_n_seq"\') WHERE "id" IN (SELECT "id" FROM "accounts" WHERE "n" IS NULL LIMIT 10000);'] }] },
    { name: 'identity', setup: [ACCOUNTS], sql: 'ALTER TABLE "accounts" ADD COLUMN "m" bigint GENERATED ALWAYS AS IDENTITY;', errors: [{ messageId: 'sequenceDefault', line: 1, message: ['identity'] }] },
    {
      name: 'the help keeps what the column declared (PRIMARY KEY, NOT NULL, UNIQUE, REFERENCES) and batches by ctid on a table without a primary key',
      setup: ['CREATE TABLE "events" ("name" text);', 'CREATE TABLE "teams" ("id" integer PRIMARY KEY);'],
      sql: 'ALTER TABLE "events" ADD COLUMN "id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL;\n--> statement-breakpoint\nSELECT 1;',
      errors: [
        {
          messageId: 'volatileDefault',
          line: 1,
          help: [
            'ALTER TABLE "events" ADD COLUMN "id" uuid;',
            'UPDATE "events" SET "id" = gen_random_uuid() WHERE ctid IN (SELECT ctid FROM "events" WHERE "id" IS NULL LIMIT 10000);',
            'ALTER TABLE "events" ALTER COLUMN "id" SET NOT NULL;',
            'CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS "events_pkey" ON "events" ("id");',
            'ALTER TABLE "events" ADD CONSTRAINT "events_pkey" PRIMARY KEY USING INDEX "events_pkey";',
          ],
        },
      ],
    },
    {
      name: 'the help keeps UNIQUE and REFERENCES',
      setup: [ACCOUNTS, 'CREATE TABLE "teams" ("id" integer PRIMARY KEY);'],
      sql: 'ALTER TABLE "accounts" ADD COLUMN "token" uuid DEFAULT gen_random_uuid() UNIQUE;\nALTER TABLE "accounts" ADD COLUMN "team_id" integer DEFAULT (random() * 10)::integer REFERENCES "teams"("id") ON DELETE cascade;',
      errors: [
        {
          messageId: 'many',
          line: 1,
          related: [2],
          help: ['ADD CONSTRAINT "accounts_token_key" UNIQUE USING INDEX "accounts_token_key";', 'ADD CONSTRAINT "accounts_team_id_fkey" FOREIGN KEY ("team_id") REFERENCES "teams"("id") ON DELETE cascade ON UPDATE no action NOT VALID;', 'VALIDATE CONSTRAINT "accounts_team_id_fkey";'],
        },
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
