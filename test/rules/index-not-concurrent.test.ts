import rule from '../../src/rules/index-not-concurrent.js';
import { testRule } from '../helpers/rule-tester.js';

const POSTS = 'CREATE TABLE "posts" ("id" serial PRIMARY KEY NOT NULL, "title" text NOT NULL, "created_at" timestamp);';
const INDEX = 'CREATE INDEX "posts_title_idx" ON "posts" ("title");';

testRule(rule, {
  valid: [
    { name: 'safe fixture: new tables with their indexes in the same migration', folder: 'fixtures/projects/safe/drizzle', migration: '0000_init' },
    { name: 'safe fixture: a new table with indexes, FKs to old tables', folder: 'fixtures/projects/safe/drizzle', migration: '0003_projects' },
    { name: 'index on a table created earlier in the same migration', sql: POSTS + '\nCREATE INDEX "posts_title_idx" ON "posts" USING btree ("title");' },
    { name: 'CONCURRENTLY (concurrently-in-transaction reports it)', setup: [POSTS], sql: 'CREATE INDEX CONCURRENTLY "posts_title_idx" ON "posts" USING btree ("title");' },
    { name: 'a table the history never created', sql: 'CREATE INDEX "x_idx" ON "external" ("a");' },
    // Statements that do nothing (src/analysis/no-op.ts); a different definition is ignored-definition's.
    { name: 'IF NOT EXISTS on an index in place: no lock, no build (old drizzle-kit wrote IF NOT EXISTS)', setup: [POSTS, INDEX], sql: 'CREATE INDEX IF NOT EXISTS "posts_title_idx" ON "posts" ("title");' },
    { name: 'IF NOT EXISTS on an index in place with another definition (ignored-definition reports it)', setup: [POSTS, INDEX], sql: 'CREATE INDEX IF NOT EXISTS "posts_title_idx" ON "posts" ("created_at");' },
    // Young tables (src/engine/table-age.ts): created a few days before, they hold few rows.
    { name: 'young table: created 3 days before (recentTableDays 14)', setup: [POSTS], sql: INDEX, days: [0, 3] },
    { name: 'young table: created 13.9 days before', setup: [POSTS], sql: INDEX, days: [0, 13.9] },
    { name: 'young table followed through a rename', setup: [POSTS, 'ALTER TABLE "posts" RENAME TO "articles";'], sql: 'CREATE INDEX "articles_title_idx" ON "articles" ("title");', days: [0, 1, 3] },
    { name: 'young table: created in an earlier migration of the change under review', sql: POSTS, after: [INDEX], underReview: true },
    { name: 'young table: filled by INSERT … SELECT from another young table', setup: [POSTS, 'CREATE TABLE "drafts" ("title" text);\nINSERT INTO "drafts" ("title") SELECT "title" FROM "posts";'], sql: 'CREATE INDEX "drafts_title_idx" ON "drafts" ("title");', days: [0, 1, 2] },
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
    {
      name: 'one finding for the indexes of a migration, listing them (related locations), with every statement in the help',
      setup: [POSTS, 'CREATE TABLE "users" ("id" serial PRIMARY KEY NOT NULL, "email" text);'],
      sql: 'CREATE INDEX "posts_title_idx" ON "posts" ("title");\nCREATE UNIQUE INDEX "users_email_key" ON "users" ("email");\nCREATE INDEX "posts_created_at_idx" ON "posts" ("created_at");',
      errors: [
        {
          messageId: 'inTransactionMany',
          line: 1,
          related: [2, 3],
          message: ['builds 3 indexes on existing tables without CONCURRENTLY ("posts_title_idx" on "posts", "users_email_key" on "users", "posts_created_at_idx" on "posts")', 'A UNIQUE index fails if two rows share a key.'],
          help: [
            'CREATE INDEX CONCURRENTLY IF NOT EXISTS "posts_title_idx" ON "posts" ("title");\nCREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS "users_email_key" ON "users" ("email");\nCREATE INDEX CONCURRENTLY IF NOT EXISTS "posts_created_at_idx" ON "posts" ("created_at");',
            'CREATE INDEX IF NOT EXISTS "posts_created_at_idx" ON "posts" ("created_at");',
          ],
        },
      ],
    },
    {
      name: 'a suppression comment covers one statement of a group: the others are still one finding',
      setup: [POSTS],
      sql: '-- migration-lint-ignore index-not-concurrent: posts is small\nCREATE INDEX "posts_title_idx" ON "posts" ("title");\nCREATE INDEX "posts_created_at_idx" ON "posts" ("created_at");\nCREATE INDEX "posts_id_title_idx" ON "posts" ("id", "title");',
      errors: [{ messageId: 'inTransactionMany', line: 3, related: [4], message: ['builds 2 indexes'] }],
    },
    {
      name: 'features fixture: an index dropped and re-created under its new name after a table rename: ALTER INDEX … RENAME',
      folder: 'fixtures/projects/features/drizzle',
      migration: '0005_renames',
      errors: [{ messageId: 'recreated', line: 9, message: ['"document_sections_embedding_idx"', 'the index "document_chunks_embedding_idx" dropped just before'], help: ['ALTER INDEX "document_chunks_embedding_idx" RENAME TO "document_sections_embedding_idx";'] }],
    },
    { name: 'old table: created 14 days before', setup: [POSTS], sql: INDEX, days: [0, 14], errors: [{ messageId: 'inTransaction', line: 1 }] },
    {
      name: 'old table: the age is measured from the newest journal `when` so far, not from an entry older than it',
      setup: [POSTS, 'SELECT 1;'],
      sql: INDEX,
      days: [0, 30, 5],
      errors: [{ messageId: 'inTransaction', line: 1 }],
    },
    {
      name: 'old table: a young table filled by INSERT … SELECT from an old one holds its rows',
      setup: ['CREATE TABLE "old_posts" ("title" text);', POSTS + '\nINSERT INTO "posts" ("title") SELECT "title" FROM "old_posts";'],
      sql: INDEX,
      days: [0, 30, 31],
      errors: [{ messageId: 'inTransaction', line: 1 }],
    },
    { name: 'old table: recentTableDays 0 turns the window off', setup: [POSTS], sql: INDEX, days: [0, 3], recentTableDays: 0, errors: [{ messageId: 'inTransaction', line: 1 }] },
    { name: 'old table: created earlier in the history, not in the change under review', sql: POSTS, after: [INDEX], errors: [{ messageId: 'inTransaction', line: 1 }] },
    {
      name: 'old table: an old table renamed stays old (a new table takes its former name)',
      setup: [POSTS, 'ALTER TABLE "posts" RENAME TO "articles";\nCREATE TABLE "posts" ("id" serial PRIMARY KEY NOT NULL, "title" text NOT NULL);'],
      sql: 'CREATE INDEX "articles_title_idx" ON "articles" ("title");',
      days: [0, 40, 41],
      errors: [{ messageId: 'inTransaction', line: 1 }],
    },
  ],
});
