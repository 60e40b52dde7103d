import rule from '../../src/rules/table-rename-by-drop.js';
import { testRule } from '../helpers/rule-tester.js';

const POSTS = 'CREATE TABLE "posts" ("id" serial PRIMARY KEY NOT NULL, "title" text NOT NULL, "body" text);\nCREATE INDEX "posts_title_idx" ON "posts" USING btree ("title");';

testRule(rule, {
  valid: [
    { name: 'table rename answered "rename" (ALTER TABLE … RENAME TO)', folder: 'fixtures/projects/renames/drizzle', migration: '0003_rename_tags_table' },
    { name: 'drop of a table with different columns', setup: [POSTS], sql: 'CREATE TABLE "articles" ("id" serial PRIMARY KEY NOT NULL, "headline" text NOT NULL);\nDROP TABLE "posts" CASCADE;' },
    { name: 'same column names, different types', setup: [POSTS], sql: 'CREATE TABLE "articles" ("id" uuid PRIMARY KEY NOT NULL, "title" text NOT NULL, "body" text);\nDROP TABLE "posts";' },
    { name: 'a drop with no create', setup: [POSTS], sql: 'DROP TABLE "posts" CASCADE;' },
    {
      name: 'hand-edited: the rows copied with INSERT … SELECT before the DROP (drop-column knows the same case)',
      setup: [POSTS],
      sql: 'CREATE TABLE "articles" ("id" serial PRIMARY KEY NOT NULL, "title" text NOT NULL, "body" text);\nINSERT INTO "articles" ("id", "title", "body") SELECT "id", "title", "body" FROM "posts";\nDROP TABLE "posts" CASCADE;',
    },
  ],
  invalid: [
    {
      name: 'hand-edited: a copy after the DROP copies nothing',
      setup: [POSTS, 'CREATE TABLE "old_posts" ("title" text);'],
      sql: 'CREATE TABLE "articles" ("id" serial PRIMARY KEY NOT NULL, "title" text NOT NULL, "body" text);\nDROP TABLE "posts" CASCADE;\nINSERT INTO "articles" ("title") SELECT "title" FROM "old_posts";',
      errors: [{ messageId: 'renameByDrop', line: 2 }],
    },
    {
      name: 'renames fixture: comments → post_comments answered "create"',
      folder: 'fixtures/projects/renames/drizzle',
      migration: '0004_rename_comments_table',
      errors: [
        {
          messageId: 'renameByDrop',
          line: 9,
          message: ['Table "comments" is dropped and "post_comments" is created', 'every row of "comments" is deleted', 'CASCADE'],
          help: [
            'ALTER TABLE "comments" RENAME TO "post_comments";',
            'RENAME CONSTRAINT "comments_post_id_posts_id_fk" TO "post_comments_post_id_posts_id_fk";',
            'ALTER INDEX "comments_post_id_idx" RENAME TO "post_comments_post_id_idx";',
            '~ comments › post_comments rename table',
          ],
          // The renames replace the CREATE TABLE; the DROP, and the foreign key and index the renamed table already has, go.
          fix: [
            'ALTER TABLE "comments" RENAME TO "post_comments";',
            'ALTER TABLE "post_comments" RENAME CONSTRAINT "comments_pkey" TO "post_comments_pkey";',
            'ALTER TABLE "post_comments" RENAME CONSTRAINT "comments_post_id_posts_id_fk" TO "post_comments_post_id_posts_id_fk";',
            'ALTER INDEX "comments_post_id_idx" RENAME TO "post_comments_post_id_idx";\n',
          ].join('--> statement-breakpoint\n'),
        },
      ],
    },
    {
      name: 'drop before create, other schema, index renamed',
      setup: ['CREATE SCHEMA "blog";\n' + POSTS.replaceAll('"posts"', '"blog"."posts"').replace('ON "blog"."posts"', 'ON "blog"."posts"')],
      sql: 'DROP TABLE "blog"."posts";\nCREATE TABLE "blog"."articles" ("id" serial PRIMARY KEY NOT NULL, "title" text NOT NULL, "body" text);\nCREATE INDEX "articles_title_idx" ON "blog"."articles" USING btree ("title");',
      errors: [{ messageId: 'renameByDrop', line: 1, message: ['"blog"."posts"', '"blog"."articles"'], help: ['ALTER TABLE "blog"."posts" RENAME TO "articles";', 'ALTER INDEX "blog"."posts_title_idx" RENAME TO "articles_title_idx";'] }],
    },
    {
      name: 'no fix when the new table differs beyond its name (a column default) or the migration moves rows itself',
      setup: [POSTS],
      sql: 'CREATE TABLE "articles" ("id" serial PRIMARY KEY NOT NULL, "title" text DEFAULT \'\' NOT NULL, "body" text);\nCREATE INDEX "articles_title_idx" ON "articles" USING btree ("title");\nDROP TABLE "posts";',
      errors: [{ messageId: 'renameByDrop', line: 3, fix: null }],
    },
    {
      name: 'no fix when another statement still names the old table (it would meet the renamed one)',
      setup: [POSTS],
      sql: 'CREATE TABLE "articles" ("id" serial PRIMARY KEY NOT NULL, "title" text NOT NULL, "body" text);\nCREATE INDEX "articles_title_idx" ON "articles" USING btree ("title");\nLOCK TABLE "posts" IN ACCESS EXCLUSIVE MODE;\nDROP TABLE "posts";',
      errors: [{ messageId: 'renameByDrop', line: 4, fix: null }],
    },
  ],
});
