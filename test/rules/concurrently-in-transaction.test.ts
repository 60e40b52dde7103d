import rule from '../../src/rules/concurrently-in-transaction.js';
import { testRule } from '../helpers/rule-tester.js';

testRule(rule, {
  valid: [
    {
      name: 'after a COMMIT, transaction-control reports the COMMIT (one finding), not each statement it lets run',
      sql: 'COMMIT;--> statement-breakpoint\nCREATE INDEX CONCURRENTLY IF NOT EXISTS "t_b_idx" ON "t" USING btree ("b");--> statement-breakpoint\nDROP INDEX CONCURRENTLY IF EXISTS "t_a_idx";',
    },
    { name: 'plain index', sql: 'CREATE TABLE "t" ("a" int);\n--> statement-breakpoint\nCREATE INDEX "t_a_idx" ON "t" USING btree ("a");' },
    { name: 'ANALYZE alone is allowed in a transaction', sql: 'ANALYZE "users";' },
    { name: 'DROP INDEX without CONCURRENTLY', sql: 'DROP INDEX "t_a_idx";' },
    { name: 'safe drizzle-kit history', folder: 'fixtures/projects/safe/drizzle', migration: '0003_projects' },
  ],
  invalid: [
    {
      name: 'drizzle-kit .concurrently() index (example project)',
      folder: 'examples/shop/drizzle',
      migration: '0005_orders_created_at_index',
      errors: [
        {
          messageId: 'inTransaction',
          line: 1,
          column: 1,
          severity: 'error',
          message: ['CREATE INDEX CONCURRENTLY on "orders"', 'one transaction'],
          fix: null,
          suggestions: ['CREATE INDEX "orders_created_at_idx" ON "orders" USING btree ("created_at");', 'CREATE INDEX IF NOT EXISTS "orders_created_at_idx" ON "orders" USING btree ("created_at");'],
        },
      ],
    },
    {
      name: 'DROP INDEX CONCURRENTLY, REINDEX CONCURRENTLY and VACUUM',
      sql: 'DROP INDEX CONCURRENTLY "a_idx";--> statement-breakpoint\nREINDEX INDEX CONCURRENTLY "b_idx";--> statement-breakpoint\nVACUUM "users";',
      errors: [
        { messageId: 'inTransaction', line: 1, message: ['DROP INDEX CONCURRENTLY'], suggestions: ['DROP INDEX "a_idx";--> statement-breakpoint\nREINDEX INDEX CONCURRENTLY "b_idx";--> statement-breakpoint\nVACUUM "users";'] },
        { messageId: 'inTransaction', line: 2, message: ['REINDEX CONCURRENTLY'], suggestions: ['DROP INDEX CONCURRENTLY "a_idx";--> statement-breakpoint\nREINDEX INDEX "b_idx";--> statement-breakpoint\nVACUUM "users";'] },
        { messageId: 'inTransaction', line: 3, message: ['VACUUM'], suggestions: [] },
      ],
    },
    {
      name: 'after a bare COMMIT (the simstudio pattern), with transaction-control off, it is a warning about atomicity',
      rules: { 'transaction-control': 'off' },
      sql: 'ALTER TABLE "t" ADD COLUMN "b" int;--> statement-breakpoint\nCOMMIT;--> statement-breakpoint\nCREATE INDEX CONCURRENTLY IF NOT EXISTS "t_b_idx" ON "t" USING btree ("b");',
      errors: [{ messageId: 'afterCommit', line: 3, severity: 'warn', message: ['after a COMMIT'], suggestions: [] }],
    },
    {
      name: 'after a COMMIT in a chunk with other statements it fails in the implicit transaction block: statement-breakpoint reports it, not this rule',
      rules: { 'transaction-control': 'off' },
      sql: 'COMMIT;--> statement-breakpoint\nSET lock_timeout = 0;\nCREATE INDEX CONCURRENTLY "x" ON "t" ("a");--> statement-breakpoint\nCREATE INDEX CONCURRENTLY "y" ON "t" ("a");',
      errors: [{ messageId: 'afterCommit', line: 4, severity: 'warn' }],
    },
    {
      name: 'ROLLBACK TO SAVEPOINT and RELEASE stay inside the transaction; COMMIT AND CHAIN opens the next at once',
      sql: 'SAVEPOINT s;\nROLLBACK TO SAVEPOINT s;\nCREATE INDEX CONCURRENTLY "x" ON "t" ("a");\nRELEASE SAVEPOINT s;\nCREATE INDEX CONCURRENTLY "y" ON "t" ("a");\nCOMMIT AND CHAIN;\nCREATE INDEX CONCURRENTLY "z" ON "t" ("a");',
      errors: [
        { messageId: 'inTransaction', line: 3, severity: 'error' },
        { messageId: 'inTransaction', line: 5, severity: 'error' },
        { messageId: 'inTransaction', line: 7, severity: 'error' },
      ],
    },
    {
      name: 'suggestions edit the keyword, not a quoted name or a comment that spells it',
      sql: '/* CONCURRENTLY */ CREATE UNIQUE INDEX concurrently IF NOT EXISTS "concurrently" ON "t" ("a");',
      errors: [{ messageId: 'inTransaction', line: 1, suggestions: ['/* CONCURRENTLY */ CREATE UNIQUE INDEX IF NOT EXISTS "concurrently" ON "t" ("a");'] }],
    },
    {
      name: 'PREPARE TRANSACTION ends the transaction too',
      rules: { 'transaction-control': 'off' },
      sql: 'PREPARE TRANSACTION \'m\';--> statement-breakpoint\nCREATE INDEX CONCURRENTLY "x" ON "t" ("a");',
      errors: [{ messageId: 'afterCommit', line: 2, severity: 'warn' }],
    },
    {
      name: 'BEGIN after the COMMIT starts a transaction again',
      rules: { 'transaction-control': 'off' },
      sql: 'COMMIT;--> statement-breakpoint\nCREATE INDEX CONCURRENTLY "x" ON "t" ("a");--> statement-breakpoint\nBEGIN;--> statement-breakpoint\nCREATE INDEX CONCURRENTLY "y" ON "t" ("a");',
      errors: [
        { messageId: 'afterCommit', line: 2, severity: 'warn' },
        { messageId: 'inTransaction', line: 4, severity: 'error' },
      ],
    },
  ],
});
