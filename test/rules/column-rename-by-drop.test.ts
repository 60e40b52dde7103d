import rule from '../../src/rules/column-rename-by-drop.js';
import { testRule } from '../helpers/rule-tester.js';

const USERS = 'CREATE TABLE "users" ("id" serial PRIMARY KEY NOT NULL, "name" text, "age" integer, "bio" text);';

testRule(rule, {
  valid: [
    { name: 'rename answered "rename" (drizzle-kit RENAME COLUMN)', folder: 'fixtures/projects/renames/drizzle', migration: '0001_rename_post_body' },
    { name: 'a drop and an add of unrelated types', setup: [USERS], sql: 'ALTER TABLE "users" ADD COLUMN "active" boolean;--> statement-breakpoint\nALTER TABLE "users" DROP COLUMN "name";' },
    { name: 'drop and add on different tables', setup: [USERS, 'CREATE TABLE "posts" ("id" serial PRIMARY KEY);'], sql: 'ALTER TABLE "posts" ADD COLUMN "title" text;--> statement-breakpoint\nALTER TABLE "users" DROP COLUMN "name";' },
    { name: 'only a drop', setup: [USERS], sql: 'ALTER TABLE "users" DROP COLUMN "bio";' },
    { name: 'a table created in this migration has no data', sql: 'CREATE TABLE "t" ("a" text);--> statement-breakpoint\nALTER TABLE "t" ADD COLUMN "b" text;--> statement-breakpoint\nALTER TABLE "t" DROP COLUMN "a";' },
    { name: 'the safe history', folder: 'fixtures/projects/safe/drizzle', migration: '0001_profile_and_plan_columns' },
    {
      name: 'the migration copies the data itself (UPDATE … SET new = … before the DROP)',
      setup: [USERS, 'ALTER TABLE "users" ADD COLUMN "user_email" text;'],
      sql: 'ALTER TABLE "users" ADD COLUMN "user_id" text;\nUPDATE "users" SET "user_id" = (SELECT "id"::text FROM "accounts" WHERE "accounts"."email" = "users"."user_email");\nALTER TABLE "users" DROP COLUMN "user_email";',
    },
    {
      name: 'a value replaced by a foreign key (customGitSSHKey → customGitSSHKeyId)',
      setup: [USERS, 'ALTER TABLE "users" ADD COLUMN "ssh_key" text;', 'CREATE TABLE "keys" ("id" text PRIMARY KEY);'],
      sql: 'ALTER TABLE "users" ADD COLUMN "ssh_key_id" text;\nALTER TABLE "users" ADD CONSTRAINT "users_ssh_key_id_keys_id_fk" FOREIGN KEY ("ssh_key_id") REFERENCES "public"."keys"("id");\nALTER TABLE "users" DROP COLUMN "ssh_key";',
    },
    {
      name: 'names with nothing in common are a replacement drizzle-kit asked about (user_id → trace_id)',
      setup: ['CREATE TABLE "messages" ("id" uuid PRIMARY KEY, "user_id" uuid, "debug_mode" boolean);'],
      sql: 'ALTER TABLE "messages" ADD COLUMN "trace_id" uuid;\nALTER TABLE "messages" ADD COLUMN "console_expanded" boolean;\nALTER TABLE "messages" DROP COLUMN "user_id";\nALTER TABLE "messages" DROP COLUMN "debug_mode";',
    },
  ],
  invalid: [
    {
      name: 'example project: users.name → full_name answered "create"',
      folder: 'examples/shop/drizzle',
      migration: '0001_rename_user_name',
      errors: [
        {
          messageId: 'renameByDrop',
          line: 2,
          message: ['"users"."name" (text) is dropped', '"full_name" (text) is added', 'every value of "name" is deleted'],
          help: ['ALTER TABLE "users" RENAME COLUMN "name" TO "full_name";', '~ name › full_name rename column'],
          fix: 'ALTER TABLE "users" RENAME COLUMN "name" TO "full_name";',
        },
      ],
    },
    {
      name: 'renames fixture: authors.bio → biography',
      folder: 'fixtures/projects/renames/drizzle',
      migration: '0002_rename_author_bio',
      errors: [{ messageId: 'renameByDrop', line: 2, help: ['RENAME COLUMN "bio" TO "biography"'] }],
    },
    {
      name: 'two dropped, two added: the compatible pair is reported (the other pair was a real RENAME)',
      folder: 'fixtures/projects/renames/drizzle',
      migration: '0008_replace_author_links',
      errors: [{ messageId: 'renameByDrop', line: 3, message: ['"twitter_handle" (varchar(32))', '"mastodon_handle" (varchar(64))'], help: ['SET DATA TYPE varchar(64);'] }],
    },
    {
      name: 'drop before add, several actions in one ALTER TABLE, other statements between',
      setup: [USERS],
      sql: 'ALTER TABLE "users" DROP COLUMN "age", ADD COLUMN "x" boolean;\nCREATE TABLE "other" ("id" int);\nALTER TABLE "users" ADD COLUMN "age_years" bigint DEFAULT 0 NOT NULL;',
      // Several actions in one statement: not drizzle-kit's layout, no fix (the help says what to write).
      errors: [{ messageId: 'renameByDrop', line: 1, message: ['"age" (integer)', '"age_years" (bigint)', 'with its default (0)'], help: ['SET DATA TYPE bigint;', 'SET DEFAULT 0;', 'SET NOT NULL;'], fix: null }],
    },
    {
      name: 'several candidates: pairs the most likely by type and name and says so',
      setup: [USERS],
      sql: 'ALTER TABLE "users" ADD COLUMN "display_name" text;\nALTER TABLE "users" ADD COLUMN "nickname" text;\nALTER TABLE "users" DROP COLUMN "name";',
      errors: [
        {
          messageId: 'renameByDrop',
          line: 3,
          message: ['"display_name"', 'also possible: "nickname"'],
          fix: null,
          suggestions: [
            'ALTER TABLE "users" RENAME COLUMN "name" TO "display_name";\nALTER TABLE "users" ADD COLUMN "nickname" text;\n',
            'ALTER TABLE "users" ADD COLUMN "display_name" text;\nALTER TABLE "users" RENAME COLUMN "name" TO "nickname";\n',
          ],
        },
      ],
    },
    {
      name: 'a column dropped and added again under the same name (a hand-made enum rebuild)',
      setup: ['CREATE TYPE "st" AS ENUM(\'a\', \'b\');\nCREATE TABLE "t" ("id" int, "status" "st" NOT NULL);'],
      sql: 'ALTER TABLE "t" DROP COLUMN "status";\nDROP TYPE "st";\nCREATE TYPE "st" AS ENUM(\'a\', \'c\');\nALTER TABLE "t" ADD COLUMN "status" "st" NOT NULL DEFAULT \'a\';',
      errors: [{ messageId: 'droppedAndReadded', line: 1, message: ['"t"."status" is dropped and added again', 'every value it held is deleted'], help: ['SET DATA TYPE "public"."st" USING "status"::text::"public"."st";'], fix: null }],
    },
    {
      name: 'schema-qualified, mixed-case names',
      setup: ['CREATE SCHEMA "billing";\nCREATE TABLE "billing"."Invoice" ("id" int, "totalCents" integer);'],
      sql: 'ALTER TABLE "billing"."Invoice" ADD COLUMN "amountCents" integer;--> statement-breakpoint\nALTER TABLE "billing"."Invoice" DROP COLUMN "totalCents";',
      errors: [{ messageId: 'renameByDrop', line: 2, message: ['"billing"."Invoice"."totalCents"'], help: ['ALTER TABLE "billing"."Invoice" RENAME COLUMN "totalCents" TO "amountCents";'], fix: 'ALTER TABLE "billing"."Invoice" RENAME COLUMN "totalCents" TO "amountCents";' }],
    },
    {
      name: 'fix: the type (no USING where PostgreSQL casts by itself), default and NULL-ability of the new column',
      setup: ['CREATE TABLE "t" ("id" int, "code" text DEFAULT \'x\' NOT NULL, "count" integer DEFAULT 1);'],
      sql: 'ALTER TABLE "t" ADD COLUMN "code_value" varchar(20);--> statement-breakpoint\nALTER TABLE "t" ADD COLUMN "item_count" bigint DEFAULT 1 NOT NULL;--> statement-breakpoint\nALTER TABLE "t" DROP COLUMN "code";--> statement-breakpoint\nALTER TABLE "t" DROP COLUMN "count";',
      errors: [
        {
          messageId: 'renameByDrop',
          line: 3,
          fix: [
            'ALTER TABLE "t" RENAME COLUMN "code" TO "code_value";',
            'ALTER TABLE "t" ALTER COLUMN "code_value" SET DATA TYPE varchar(20);',
            'ALTER TABLE "t" ALTER COLUMN "code_value" DROP DEFAULT;',
            'ALTER TABLE "t" ALTER COLUMN "code_value" DROP NOT NULL;',
            'ALTER TABLE "t" ADD COLUMN "item_count" bigint DEFAULT 1 NOT NULL;',
            'ALTER TABLE "t" DROP COLUMN "count";',
          ].join('--> statement-breakpoint\n'),
        },
        {
          messageId: 'renameByDrop',
          line: 4,
          fix: [
            'ALTER TABLE "t" ADD COLUMN "code_value" varchar(20);',
            'ALTER TABLE "t" RENAME COLUMN "count" TO "item_count";',
            'ALTER TABLE "t" ALTER COLUMN "item_count" SET DATA TYPE bigint;',
            'ALTER TABLE "t" ALTER COLUMN "item_count" SET NOT NULL;',
            'ALTER TABLE "t" DROP COLUMN "code";',
          ].join('--> statement-breakpoint\n'),
        },
      ],
    },
    {
      name: 'no fix when a rename would keep what the drop took (an index on the old column) or the new column is more than a type (identity)',
      setup: ['CREATE TABLE "t" ("id" int, "ref_code" text, "seq_no" integer);\nCREATE INDEX "t_ref_code_idx" ON "t" ("ref_code");'],
      sql: 'ALTER TABLE "t" ADD COLUMN "ref_code_v2" text;--> statement-breakpoint\nALTER TABLE "t" ADD COLUMN "seq_no_v2" integer GENERATED ALWAYS AS IDENTITY;--> statement-breakpoint\nALTER TABLE "t" DROP COLUMN "ref_code";--> statement-breakpoint\nALTER TABLE "t" DROP COLUMN "seq_no";',
      errors: [
        { messageId: 'renameByDrop', line: 3, fix: null },
        { messageId: 'renameByDrop', line: 4, fix: null },
      ],
    },
  ],
});
