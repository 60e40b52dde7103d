import rule from '../../src/rules/foreign-key-not-valid.js';
import { testRule } from '../helpers/rule-tester.js';

const TABLES = 'CREATE TABLE "teams" ("id" serial PRIMARY KEY NOT NULL);\nCREATE TABLE "posts" ("id" serial PRIMARY KEY NOT NULL, "team_id" integer, "title" text NOT NULL);';

testRule(rule, {
  valid: [
    { name: 'safe fixture: FKs of new tables', folder: 'fixtures/projects/safe/drizzle', migration: '0000_init' },
    { name: 'safe fixture: FKs from a new table to old tables', folder: 'fixtures/projects/safe/drizzle', migration: '0003_projects' },
    { name: 'NOT VALID', setup: [TABLES], sql: 'ALTER TABLE "posts" ADD CONSTRAINT "posts_team_id_fk" FOREIGN KEY ("team_id") REFERENCES "public"."teams"("id") NOT VALID;' },
    { name: 'CHECK NOT VALID', setup: [TABLES], sql: 'ALTER TABLE "posts" ADD CONSTRAINT "c" CHECK (length("title") > 0) NOT VALID;' },
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
      name: 'locks fixture: FK re-created under a new name after a table rename',
      folder: 'fixtures/projects/locks/drizzle',
      migration: '0005_renames',
      errors: [{ messageId: 'recreated', line: 5, message: ['"comments_post_id_posts_id_fk"'], help: ['ALTER TABLE "post_comments" RENAME CONSTRAINT "comments_post_id_posts_id_fk" TO "post_comments_post_id_posts_id_fk";'] }],
    },
  ],
});
