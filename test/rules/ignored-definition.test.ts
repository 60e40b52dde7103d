import rule from '../../src/rules/ignored-definition.js';
import { testRule } from '../helpers/rule-tester.js';

// Hand-edited scenarios: drizzle-kit writes neither an IF NOT EXISTS nor a DO block for a name already in use.
const POSTS = 'CREATE TABLE "posts" ("id" serial PRIMARY KEY NOT NULL, "title" text NOT NULL, "author_id" integer, "team_id" integer);\nCREATE TABLE "users" ("id" serial PRIMARY KEY NOT NULL);\nCREATE TABLE "teams" ("id" serial PRIMARY KEY NOT NULL);';
const INDEXED = [POSTS, 'CREATE INDEX "posts_title_idx" ON "posts" USING btree ("title");'];
const WITH_FK = [POSTS, 'ALTER TABLE "posts" ADD CONSTRAINT "posts_author_fk" FOREIGN KEY ("author_id") REFERENCES "public"."users"("id") ON DELETE cascade;'];
const doBlock = (sql: string, condition = 'duplicate_object') => `DO $$ BEGIN\n ${sql}\nEXCEPTION\n WHEN ${condition} THEN null;\nEND $$;`;

testRule(rule, {
  valid: [
    { name: 'the legacy drizzle-kit history (DO blocks, IF NOT EXISTS)', folder: 'fixtures/projects/legacy-do-blocks/drizzle', migration: '0001_status_and_comments' },
    { name: 'hand-edited: IF NOT EXISTS on the same index', setup: INDEXED, sql: 'CREATE INDEX IF NOT EXISTS "posts_title_idx" ON "posts" USING btree ("title");' },
    { name: 'IF NOT EXISTS on a new name', setup: INDEXED, sql: 'CREATE INDEX IF NOT EXISTS "posts_author_idx" ON "posts" USING btree ("author_id");' },
    { name: 'hand-edited: the same foreign key again in a DO block that swallows duplicate_object', setup: WITH_FK, sql: doBlock('ALTER TABLE "posts" ADD CONSTRAINT "posts_author_fk" FOREIGN KEY ("author_id") REFERENCES "public"."users"("id") ON DELETE cascade;') },
    {
      name: 'hand-edited: a DO block that does not swallow the error: the migration fails, nothing is ignored',
      setup: WITH_FK,
      sql: doBlock('ALTER TABLE "posts" ADD CONSTRAINT "posts_author_fk" FOREIGN KEY ("team_id") REFERENCES "public"."teams"("id");', 'duplicate_table'),
    },
    {
      name: 'hand-edited: UNIQUE on a name in use raises duplicate_table (42P07), which a duplicate_object handler does not swallow',
      setup: [POSTS, 'ALTER TABLE "posts" ADD CONSTRAINT "posts_title_key" UNIQUE ("title");'],
      sql: doBlock('ALTER TABLE "posts" ADD CONSTRAINT "posts_title_key" UNIQUE ("author_id");'),
    },
  ],
  invalid: [
    {
      name: 'hand-edited: IF NOT EXISTS on an index of other columns',
      setup: INDEXED,
      sql: 'CREATE INDEX IF NOT EXISTS "posts_title_idx" ON "posts" USING btree ("author_id", "title");',
      errors: [{ messageId: 'index', line: 1, severity: 'error', message: ['"posts_title_idx" does nothing', 'columns: title (existing) ≠ author_id, title (this statement)'], help: ['DROP INDEX IF EXISTS "posts_title_idx";'] }],
    },
    {
      name: 'hand-edited: IF NOT EXISTS making an index UNIQUE',
      setup: INDEXED,
      sql: 'CREATE UNIQUE INDEX IF NOT EXISTS "posts_title_idx" ON "posts" USING btree ("title");',
      errors: [{ messageId: 'index', line: 1, message: ['unique: false (existing) ≠ true (this statement)'] }],
    },
    {
      name: 'hand-edited: IF NOT EXISTS on the name of a UNIQUE constraint\'s index, other columns',
      setup: [POSTS, 'ALTER TABLE "posts" ADD CONSTRAINT "posts_title_key" UNIQUE ("title");'],
      sql: 'CREATE UNIQUE INDEX IF NOT EXISTS "posts_title_key" ON "posts" USING btree ("title", "team_id");',
      errors: [{ messageId: 'index', line: 1, message: ['columns: title (existing) ≠ title, team_id (this statement)'] }],
    },
    {
      name: 'hand-edited: a foreign key re-pointed in a DO block that swallows duplicate_object',
      setup: WITH_FK,
      sql: doBlock('ALTER TABLE "posts" ADD CONSTRAINT "posts_author_fk" FOREIGN KEY ("team_id") REFERENCES "public"."teams"("id");'),
      errors: [{ messageId: 'constraint', line: 2, message: ['ADD CONSTRAINT "posts_author_fk" on "posts" does nothing', 'columns: author_id (existing) ≠ team_id (this statement)', 'references: public.users(id) on delete cascade'], help: ['ALTER TABLE "posts" DROP CONSTRAINT IF EXISTS "posts_author_fk";'] }],
    },
    {
      name: 'hand-edited: WHEN others swallows it too',
      setup: WITH_FK,
      sql: doBlock('ALTER TABLE "posts" ADD CONSTRAINT "posts_author_fk" FOREIGN KEY ("author_id") REFERENCES "public"."users"("id") ON DELETE set null;', 'others'),
      errors: [{ messageId: 'constraint', line: 2, message: ['on delete cascade'] }],
    },
  ],
});
