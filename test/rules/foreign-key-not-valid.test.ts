import rule from '../../src/rules/foreign-key-not-valid.js';
import { testRule } from '../helpers/rule-tester.js';

const TABLES = 'CREATE TABLE "teams" ("id" serial PRIMARY KEY NOT NULL);\nCREATE TABLE "posts" ("id" serial PRIMARY KEY NOT NULL, "team_id" integer, "title" text NOT NULL);';

testRule(rule, {
  valid: [
    { name: 'safe fixture: FKs of new tables', folder: 'fixtures/projects/safe/drizzle', migration: '0000_init' },
    { name: 'safe fixture: FKs from a new table to old tables', folder: 'fixtures/projects/safe/drizzle', migration: '0003_projects' },
    { name: 'NOT VALID', setup: [TABLES], sql: 'ALTER TABLE "posts" ADD CONSTRAINT "posts_team_id_fk" FOREIGN KEY ("team_id") REFERENCES "public"."teams"("id") NOT VALID;' },
    { name: 'CHECK NOT VALID', setup: [TABLES], sql: 'ALTER TABLE "posts" ADD CONSTRAINT "c" CHECK (length("title") > 0) NOT VALID;' },
    {
      name: 'the same foreign key again in a DO block that swallows duplicate_object: nothing is added, nothing scanned (lmnr-ai__lmnr 0004 has one)',
      setup: [TABLES, 'ALTER TABLE "posts" ADD CONSTRAINT "posts_team_id_fk" FOREIGN KEY ("team_id") REFERENCES "public"."teams"("id");'],
      sql: 'DO $$ BEGIN\n ALTER TABLE "posts" ADD CONSTRAINT "posts_team_id_fk" FOREIGN KEY ("team_id") REFERENCES "public"."teams"("id");\nEXCEPTION\n WHEN duplicate_object THEN null;\nEND $$;',
    },
    { name: 'young table: posts created 2 days before', setup: [TABLES], sql: 'ALTER TABLE "posts" ADD CONSTRAINT "posts_team_id_fk" FOREIGN KEY ("team_id") REFERENCES "public"."teams"("id");', days: [0, 2] },
  ],
  invalid: [
    {
      name: 'old posts (20 days), even when the referenced table is young',
      setup: ['CREATE TABLE "posts" ("id" serial PRIMARY KEY NOT NULL, "team_id" integer);', 'CREATE TABLE "teams" ("id" serial PRIMARY KEY NOT NULL);'],
      sql: 'ALTER TABLE "posts" ADD CONSTRAINT "posts_team_id_fk" FOREIGN KEY ("team_id") REFERENCES "public"."teams"("id");',
      days: [0, 19, 20],
      errors: [{ messageId: 'foreignKey', line: 1 }],
    },
    {
      name: 'locks fixture: FK and CHECK added to the existing posts table',
      folder: 'fixtures/projects/locks/drizzle',
      migration: '0001_index_unique_fk_check',
      errors: [
        {
          messageId: 'foreignKey',
          line: 1,
          severity: 'warn',
          message: ['"posts_team_id_teams_id_fk"', 'SHARE ROW EXCLUSIVE lock on "posts" and on "teams"'],
          help: ['ON DELETE set null ON UPDATE no action NOT VALID;', 'ALTER TABLE "posts" VALIDATE CONSTRAINT "posts_team_id_teams_id_fk";'],
        },
        { messageId: 'check', line: 4, message: ['ACCESS EXCLUSIVE lock on "posts"'], help: ['CHECK (length("posts"."title") > 0) NOT VALID;', 'VALIDATE CONSTRAINT "posts_title_not_empty"'] },
      ],
    },
    {
      name: 'locks fixture: a foreign key on a column added in the same migration cannot fail: a warning, and the inline REFERENCES that skips the scan',
      folder: 'fixtures/projects/locks/drizzle',
      migration: '0006_new_column_constraints',
      errors: [
        {
          messageId: 'newColumn',
          line: 3,
          severity: 'warn',
          message: ['"editor_id" was added earlier in this migration and is NULL in every row, so the check cannot fail'],
          help: ['ALTER TABLE "posts" ADD COLUMN "editor_id" integer CONSTRAINT "posts_editor_id_users_id_fk" REFERENCES "users"("id") ON DELETE set null ON UPDATE no action;'],
        },
      ],
    },
    {
      name: 'a column filled since its ADD COLUMN (a default, an UPDATE) is not NULL in every row',
      setup: [TABLES],
      sql: 'ALTER TABLE "posts" ADD COLUMN "owner_id" integer DEFAULT 1;\nALTER TABLE "posts" ADD COLUMN "editor_id" integer;\nUPDATE "posts" SET "editor_id" = 1;\nALTER TABLE "posts" ADD CONSTRAINT "posts_owner_fk" FOREIGN KEY ("owner_id") REFERENCES "public"."teams"("id");\nALTER TABLE "posts" ADD CONSTRAINT "posts_editor_fk" FOREIGN KEY ("editor_id") REFERENCES "public"."teams"("id");',
      errors: [{ messageId: 'foreignKeyMany', line: 4, related: [5], message: ['adds 2 foreign keys'], help: ['FOREIGN KEY ("owner_id") REFERENCES "public"."teams"("id") NOT VALID;', 'VALIDATE CONSTRAINT "posts_editor_fk";'] }],
    },
    {
      name: 'locks fixture: FK re-created under a new name after a table rename',
      folder: 'fixtures/projects/locks/drizzle',
      migration: '0005_renames',
      errors: [{ messageId: 'recreated', line: 5, message: ['"comments_post_id_posts_id_fk"'], help: ['ALTER TABLE "post_comments" RENAME CONSTRAINT "comments_post_id_posts_id_fk" TO "post_comments_post_id_posts_id_fk";'] }],
    },
  ],
});
