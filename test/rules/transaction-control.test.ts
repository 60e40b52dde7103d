import { describe, expect, it } from 'vitest';
import rule from '../../src/rules/transaction-control.js';
import { lint } from '../../src/runner/lint.js';
import { testRule } from '../helpers/rule-tester.js';
import { corpusIt } from '../helpers/corpus.js';

// drizzle-kit never writes transaction control: every case is a hand-edited migration.
const TABLE = 'CREATE TABLE IF NOT EXISTS "orders" ("id" serial PRIMARY KEY, "created_at" timestamp);';

testRule(rule, {
  valid: [
    { name: 'a drizzle-kit migration (no transaction control)', folder: 'examples/shop/drizzle', migration: '0005_orders_created_at_index' },
    { name: 'hand-edited: SAVEPOINT, ROLLBACK TO SAVEPOINT and RELEASE stay inside the transaction', sql: 'SAVEPOINT s;--> statement-breakpoint\nUPDATE "t" SET "a" = 1;--> statement-breakpoint\nROLLBACK TO SAVEPOINT s;--> statement-breakpoint\nRELEASE SAVEPOINT s;' },
  ],
  invalid: [
    {
      name: 'hand-edited: a bare COMMIT in the middle of a migration',
      setup: [TABLE],
      sql: 'ALTER TABLE "orders" ADD COLUMN "note" text;--> statement-breakpoint\nCOMMIT;--> statement-breakpoint\nUPDATE "orders" SET "note" = \'\';',
      errors: [
        {
          messageId: 'commit',
          line: 2,
          severity: 'warn',
          message: ['COMMIT ends the transaction', 'every earlier migration pending in the same deploy', 'the rest of this file and every later migration of the deploy run outside any transaction', '`ALTER TABLE "orders" ADD COLUMN "note" text` on line 1 fails there (already exists)'],
          help: ['Remove the COMMIT'],
          suggestions: ['ALTER TABLE "orders" ADD COLUMN "note" text;--> statement-breakpoint\nUPDATE "orders" SET "note" = \'\';'],
        },
      ],
    },
    {
      name: 'hand-edited: BEGIN … COMMIT around a migration does not make it a transaction of its own',
      setup: [TABLE],
      sql: 'BEGIN;--> statement-breakpoint\nALTER TABLE "orders" ADD COLUMN IF NOT EXISTS "note" text;--> statement-breakpoint\nCOMMIT;',
      errors: [{ messageId: 'wrapper', line: 3, severity: 'warn', message: ['BEGIN (line 1) … COMMIT', 'every statement of this file can run twice'], help: ['Remove the BEGIN and the COMMIT'] }],
    },
    {
      name: 'hand-edited: the deliberate COMMIT before CREATE INDEX CONCURRENTLY (the simstudio pattern): the trade-off',
      setup: [TABLE],
      sql: 'COMMIT;--> statement-breakpoint\nSET lock_timeout = 0;--> statement-breakpoint\nCREATE INDEX CONCURRENTLY IF NOT EXISTS "orders_created_at_idx" ON "orders" ("created_at");--> statement-breakpoint\nSET lock_timeout = \'5s\';',
      errors: [
        {
          messageId: 'deliberate',
          line: 1,
          severity: 'warn',
          message: ['for CREATE INDEX CONCURRENTLY on "orders" (line 3), which cannot run inside a transaction', 'every later migration of the deploy run outside any transaction', 'every statement of this file can run twice'],
          help: ['Keep it only if the table is too large', 'end the file with `BEGIN;--> statement-breakpoint`', 'build it with psql before deploying'],
        },
      ],
    },
    {
      name: 'hand-edited: COMMIT before CONCURRENTLY after a non-idempotent statement, BEGIN after: the retry fails',
      setup: [TABLE],
      sql: 'ALTER TABLE "orders" ADD COLUMN "note" text;--> statement-breakpoint\nCOMMIT;--> statement-breakpoint\nCREATE INDEX CONCURRENTLY "orders_note_idx" ON "orders" ("note");--> statement-breakpoint\nBEGIN;',
      errors: [
        {
          messageId: 'deliberate',
          line: 2,
          message: ['the statements up to the BEGIN on line 4 run outside any transaction', '`ALTER TABLE "orders" ADD COLUMN "note" text` on line 1 fails there (already exists) (and 1 more statement)'],
          help: ['put the COMMIT first in the file', 'make every statement of the file idempotent'],
        },
      ],
    },
    {
      name: 'hand-edited: COMMIT; BEGIN; before using a new enum value (enum-value-used-in-transaction\'s own help)',
      setup: ['CREATE TYPE "status" AS ENUM(\'draft\');--> statement-breakpoint\nCREATE TABLE "posts" ("status" "status");'],
      sql: 'ALTER TYPE "status" ADD VALUE IF NOT EXISTS \'archived\';--> statement-breakpoint\nCOMMIT;--> statement-breakpoint\nBEGIN;--> statement-breakpoint\nALTER TABLE "posts" ALTER COLUMN "status" SET DEFAULT \'archived\';',
      errors: [
        {
          messageId: 'deliberate',
          line: 2,
          message: ["the use of the enum value 'archived' on line 4"],
          help: ['ship the ADD VALUE in a deploy of its own'],
        },
      ],
    },
    {
      name: 'hand-edited: COMMIT before a CALL of a procedure that commits in batches',
      sql: 'COMMIT;--> statement-breakpoint\nCALL backfill_0222();',
      errors: [{ messageId: 'deliberate', line: 1, message: ['the CALL on line 2'] }],
    },
    {
      name: 'hand-edited: COMMIT before VALIDATE CONSTRAINT, so that the scan does not hold the locks of the NOT VALID constraint (simstudio 0276)',
      setup: [TABLE, 'CREATE TABLE "users" ("id" serial PRIMARY KEY);'],
      sql: 'ALTER TABLE "orders" ADD COLUMN IF NOT EXISTS "user_id" integer;--> statement-breakpoint\nDO $$ BEGIN ALTER TABLE "orders" ADD CONSTRAINT "orders_user_id_fk" FOREIGN KEY ("user_id") REFERENCES "users"("id") NOT VALID; EXCEPTION WHEN duplicate_object THEN null; END $$;--> statement-breakpoint\nCOMMIT;--> statement-breakpoint\nALTER TABLE "orders" VALIDATE CONSTRAINT "orders_user_id_fk";',
      errors: [
        {
          messageId: 'deliberate',
          line: 3,
          message: ['for the VALIDATE CONSTRAINT on line 4', 'every statement of this file can run twice'],
          help: ['end the file with `BEGIN;', 'validate in a later migration'],
        },
      ],
    },
    {
      name: 'hand-edited: ROLLBACK undoes the earlier pending migrations, which are then skipped forever (error)',
      sql: 'DELETE FROM "sessions";--> statement-breakpoint\nROLLBACK;',
      errors: [{ messageId: 'rollback', line: 2, severity: 'error', message: ['never applied, and nothing says so'] }],
    },
    {
      name: 'hand-edited: END and START TRANSACTION are COMMIT and BEGIN',
      sql: 'START TRANSACTION;--> statement-breakpoint\nUPDATE "t" SET "a" = 1;--> statement-breakpoint\nEND;',
      errors: [{ messageId: 'wrapper', line: 3, message: ['BEGIN (line 1) … END'] }],
    },
    {
      name: 'hand-edited: a BEGIN with nothing ending it does nothing',
      sql: 'BEGIN;--> statement-breakpoint\nUPDATE "t" SET "a" = 1;',
      errors: [{ messageId: 'beginNoop', line: 1, severity: 'warn' }],
    },
  ],
});

describe('transaction-control on real histories', () => {
  corpusIt('simstudioai__sim: one finding per COMMIT, each a deliberate one, and concurrently-in-transaction no longer repeats it for each index', async () => {
    const { findings } = await lint({ paths: ['../shared/corpus/simstudioai__sim'], env: {} });
    const own = findings.filter((f) => f.rule === 'transaction-control');
    expect(own.length).toBe(24);
    expect(own.every((f) => f.messageId === 'deliberate')).toBe(true);
    expect(findings.filter((f) => f.rule === 'concurrently-in-transaction' && f.messageId === 'afterCommit')).toEqual([]);
  }, 60_000);
});
