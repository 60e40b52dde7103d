import rule from '../../src/rules/enum-value-used-in-transaction.js';
import { testRule } from '../helpers/rule-tester.js';

const POSTS = 'CREATE TYPE "public"."status" AS ENUM(\'draft\', \'published\');\nCREATE TABLE "posts" ("id" serial PRIMARY KEY NOT NULL, "status" "status" DEFAULT \'draft\' NOT NULL, "note" text);';
const ADD = 'ALTER TYPE "public"."status" ADD VALUE \'archived\';';

testRule(rule, {
  valid: [
    { name: 'safe fixture: a value added and never used', folder: 'fixtures/projects/safe/drizzle', migration: '0002_viewer_role' },
    { name: 'the same string on a text column', setup: [POSTS], sql: ADD + '\nUPDATE "posts" SET "note" = \'archived\';' },
    { name: 'committed first (COMMIT; BEGIN;)', setup: [POSTS], sql: ADD + '\nCOMMIT;\nBEGIN;\nALTER TABLE "posts" ALTER COLUMN "status" SET DEFAULT \'archived\';' },
    { name: 'committed first (COMMIT AND CHAIN)', setup: [POSTS], sql: ADD + '\nCOMMIT AND CHAIN;\nALTER TABLE "posts" ALTER COLUMN "status" SET DEFAULT \'archived\';' },
    { name: 'a value of an enum created in the same migration (values of CREATE TYPE are usable)', sql: POSTS + '\nALTER TABLE "posts" ALTER COLUMN "status" SET DEFAULT \'published\';' },
    { name: 'type rebuilt after the ADD VALUE', setup: [POSTS], sql: ADD + '\nALTER TABLE "posts" ALTER COLUMN "status" SET DATA TYPE text;\nDROP TYPE "public"."status";\nCREATE TYPE "public"."status" AS ENUM(\'draft\', \'archived\');\nALTER TABLE "posts" ALTER COLUMN "status" SET DATA TYPE "public"."status" USING "status"::"public"."status";\nALTER TABLE "posts" ALTER COLUMN "status" SET DEFAULT \'archived\';' },
    { name: 'PostgreSQL 17: enum created in the same migration as the ADD VALUE', pgVersion: 17, sql: POSTS + '\n' + ADD + '\nALTER TABLE "posts" ALTER COLUMN "status" SET DEFAULT \'archived\';' },
  ],
  invalid: [
    {
      name: 'locks fixture: ADD VALUE then SET DEFAULT in the same migration',
      folder: 'fixtures/projects/locks/drizzle',
      migration: '0004_enum_value_as_default',
      errors: [
        {
          messageId: 'sameMigration',
          line: 2,
          column: 55,
          severity: 'error',
          message: ["'archived'", 'SET DEFAULT', 'unsafe use of new value "archived" of enum type post_status'],
          help: ['ADD VALUE IF NOT EXISTS \'archived\';--> statement-breakpoint', 'COMMIT;--> statement-breakpoint', 'BEGIN;--> statement-breakpoint'],
        },
      ],
    },
    {
      name: 'used by a later migration of the batch: backfill UPDATE and a partial index',
      setup: [POSTS],
      sql: ADD,
      after: ['UPDATE "posts" SET "status" = \'archived\' WHERE "id" < 10;\nCREATE INDEX "posts_archived_idx" ON "posts" ("id") WHERE "status" = \'archived\';'],
      errors: [
        { messageId: 'laterMigration', line: 1, message: ['0001_case', 'UPDATE … SET'], help: ['COMMIT;--> statement-breakpoint'] },
        { messageId: 'laterMigration', line: 2, message: ['an index predicate'] },
      ],
    },
    {
      name: 'cast, INSERT and CHECK',
      setup: [POSTS],
      sql: ADD + '\nINSERT INTO "posts" ("id", "status") VALUES (1, \'archived\');\nSELECT \'archived\'::"public"."status";\nALTER TABLE "posts" ADD CONSTRAINT "c" CHECK ("status" <> \'archived\');',
      errors: [
        { messageId: 'sameMigration', line: 2, message: ['INSERT … VALUES'] },
        { messageId: 'sameMigration', line: 3, message: ['a cast'] },
        { messageId: 'sameMigration', line: 4, message: ['a comparison'] },
      ],
    },
    {
      name: 'ROLLBACK TO SAVEPOINT does not commit the value (the transaction goes on)',
      setup: [POSTS],
      sql: ADD + '\nSAVEPOINT s;\nROLLBACK TO SAVEPOINT s;\nALTER TABLE "posts" ALTER COLUMN "status" SET DEFAULT \'archived\';',
      errors: [{ messageId: 'sameMigration', line: 4 }],
    },
    {
      name: 'before PostgreSQL 17, even an enum created in the same migration',
      sql: POSTS + '\n' + ADD + '\nALTER TABLE "posts" ALTER COLUMN "status" SET DEFAULT \'archived\';',
      errors: [{ messageId: 'sameMigration', line: 4 }],
    },
  ],
});
