import rule from '../../src/rules/index-not-concurrent.js';
import { testRule } from '../helpers/rule-tester.js';

const POSTS = 'CREATE TABLE "posts" ("id" serial PRIMARY KEY NOT NULL, "title" text NOT NULL, "created_at" timestamp);';

testRule(rule, {
  valid: [
    { name: 'safe fixture: new tables with their indexes in the same migration', folder: 'fixtures/projects/safe/drizzle', migration: '0000_init' },
    { name: 'safe fixture: a new table with indexes, FKs to old tables', folder: 'fixtures/projects/safe/drizzle', migration: '0003_projects' },
    { name: 'index on a table created earlier in the same migration', sql: POSTS + '\nCREATE INDEX "posts_title_idx" ON "posts" USING btree ("title");' },
    { name: 'CONCURRENTLY (concurrently-in-transaction reports it)', setup: [POSTS], sql: 'CREATE INDEX CONCURRENTLY "posts_title_idx" ON "posts" USING btree ("title");' },
    { name: 'a table the history never created', sql: 'CREATE INDEX "x_idx" ON "external" ("a");' },
  ],
  invalid: [
    {
      name: 'locks fixture: index added to the existing posts table',
      folder: 'fixtures/projects/locks/drizzle',
      migration: '0001_index_unique_fk_check',
      errors: [
        {
          messageId: 'inTransaction',
          line: 2,
          severity: 'warn',
          message: ['"posts_created_at_idx"', 'existing table "posts"', 'SHARE lock', 'cannot run inside the transaction'],
          help: ['CREATE INDEX CONCURRENTLY IF NOT EXISTS "posts_created_at_idx" ON "posts" USING btree ("created_at");', 'CREATE INDEX IF NOT EXISTS "posts_created_at_idx" ON "posts" USING btree ("created_at");'],
        },
      ],
    },
    {
      name: 'unique index on an existing table',
      setup: [POSTS],
      sql: 'CREATE UNIQUE INDEX "posts_title_key" ON "posts" ("title");',
      errors: [{ messageId: 'inTransaction', line: 1, message: ['CREATE UNIQUE INDEX', 'fails if two rows share a key'], help: ['CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS "posts_title_key" ON "posts" ("title");'] }],
    },
    {
      name: 'after a bare COMMIT, CONCURRENTLY is possible',
      setup: [POSTS],
      sql: 'COMMIT;\nCREATE INDEX "posts_title_idx" ON "posts" ("title");',
      errors: [{ messageId: 'afterCommit', line: 2, help: ['CREATE INDEX CONCURRENTLY "posts_title_idx" ON "posts" ("title");'] }],
    },
  ],
});
