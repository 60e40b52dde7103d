import { readFileSync } from 'node:fs';
import rule from '../../src/rules/enum-recreate.js';
import { testRule } from '../helpers/rule-tester.js';

const STATUS = 'CREATE TYPE "public"."status" AS ENUM(\'draft\', \'published\', \'archived\');\nCREATE TABLE "posts" ("id" serial PRIMARY KEY, "status" "status" DEFAULT \'draft\' NOT NULL);';
const rebuild = (values: string) =>
  `ALTER TABLE "posts" ALTER COLUMN "status" SET DATA TYPE text;--> statement-breakpoint\nALTER TABLE "posts" ALTER COLUMN "status" SET DEFAULT 'draft'::text;--> statement-breakpoint\nDROP TYPE "public"."status";--> statement-breakpoint\nCREATE TYPE "public"."status" AS ENUM(${values});--> statement-breakpoint\nALTER TABLE "posts" ALTER COLUMN "status" SET DEFAULT 'draft'::"public"."status";--> statement-breakpoint\nALTER TABLE "posts" ALTER COLUMN "status" SET DATA TYPE "public"."status" USING "status"::"public"."status";`;

testRule(rule, {
  valid: [
    { name: 'an enum only gaining a value', setup: [STATUS], sql: 'ALTER TYPE "public"."status" ADD VALUE \'hidden\';' },
    { name: 'enum renamed with ALTER TYPE … RENAME TO (answered "rename")', folder: 'fixtures/projects/renames/drizzle', migration: '0005_rename_post_status_enum' },
    { name: 'safe history: ADD VALUE', folder: 'fixtures/projects/safe/drizzle', migration: '0002_viewer_role' },
    { name: 'dropping an unrelated type', setup: [STATUS, 'CREATE TYPE "mood" AS ENUM(\'ok\');'], sql: 'DROP TYPE "mood";' },
  ],
  invalid: [
    {
      name: 'example project: a value removed (drizzle rebuild through text)',
      folder: 'examples/shop/drizzle',
      migration: '0003_drop_refunded_status',
      errors: [
        {
          messageId: 'valuesRemoved',
          line: 3,
          message: ['"order_status"', "without 'refunded'", 'orders.status', 'ACCESS EXCLUSIVE'], help: [`UPDATE "orders" SET "status" = 'pending' WHERE "status" = 'refunded';`],
          fix: null,
          // The replacement value is the user's: a suggestion, before the rebuild.
          suggestions: [`UPDATE "orders" SET "status" = 'pending' WHERE "status" = 'refunded';--> statement-breakpoint\n${readFileSync('examples/shop/drizzle/0003_drop_refunded_status.sql', 'utf8')}`],
        },
      ],
    },
    {
      name: 'renames fixture: value archived → hidden becomes a rebuild',
      folder: 'fixtures/projects/renames/drizzle',
      migration: '0006_rename_archived_value',
      errors: [{ messageId: 'valueRenamed', line: 3, message: ["'archived' into 'hidden'", 'posts.status'], help: [`ALTER TYPE "publication_status" RENAME VALUE 'archived' TO 'hidden';`], fix: `ALTER TYPE "publication_status" RENAME VALUE 'archived' TO 'hidden';` }],
    },
    {
      name: 'renames fixture: enum renamed answered "create"',
      folder: 'fixtures/projects/renames/drizzle',
      migration: '0007_recreate_comment_enum',
      errors: [{ messageId: 'typeRenamed', line: 5, message: ['"comment_visibility" is replaced by a new type "comment_moderation"', 'post_comments.visibility'], help: ['ALTER TYPE "comment_visibility" RENAME TO "comment_moderation";'], fix: 'ALTER TYPE "comment_visibility" RENAME TO "comment_moderation";' }],
    },
    {
      name: 'two values removed',
      setup: [STATUS],
      sql: rebuild("'draft'"),
      errors: [{ messageId: 'valuesRemoved', line: 3, message: ["'published', 'archived'"] }],
    },
    {
      name: 'values reordered',
      setup: [STATUS],
      sql: rebuild("'archived', 'draft', 'published'"),
      errors: [{ messageId: 'reordered', line: 3 }],
    },
    {
      name: 'legacy DO-block CREATE TYPE after a DROP TYPE',
      setup: [STATUS],
      sql: 'ALTER TABLE "posts" ALTER COLUMN "status" SET DATA TYPE text;\nDROP TYPE "status";\nDO $$ BEGIN\n CREATE TYPE "public"."status" AS ENUM(\'draft\', \'published\');\nEXCEPTION\n WHEN duplicate_object THEN null;\nEND $$;\nALTER TABLE "posts" ALTER COLUMN "status" SET DATA TYPE "status" USING "status"::"status";',
      errors: [{ messageId: 'valuesRemoved', line: 2, message: ["without 'archived'", 'posts.status'] }],
    },
    {
      name: 'onlook pattern: the column is dropped before the type is rebuilt (no row can hold a removed value)',
      setup: [STATUS],
      sql: 'ALTER TABLE "posts" DROP COLUMN "status";\nDROP TYPE "status";\nCREATE TYPE "status" AS ENUM(\'new\');\nALTER TABLE "posts" ADD COLUMN "status" "status";',
      errors: [],
    },
  ],
});
