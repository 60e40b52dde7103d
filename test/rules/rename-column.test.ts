import rule from '../../src/rules/rename-column.js';
import { testRule } from '../helpers/rule-tester.js';

testRule(rule, {
  valid: [
    { name: 'safe fixture', folder: 'fixtures/projects/safe/drizzle', migration: '0001_profile_and_plan_columns' },
    { name: 'column of a table created in the same migration', sql: 'CREATE TABLE "t" ("a" text);\nALTER TABLE "t" RENAME COLUMN "a" TO "b";' },
    { name: 'column added in the same migration', setup: ['CREATE TABLE "t" ("a" text);'], sql: 'ALTER TABLE "t" ADD COLUMN "x" text;\nALTER TABLE "t" RENAME COLUMN "x" TO "y";' },
  ],
  invalid: [
    {
      name: 'locks fixture: posts.body renamed to content (answered "rename")',
      folder: 'fixtures/projects/locks/drizzle',
      migration: '0005_renames',
      errors: [{ messageId: 'renameColumn', line: 2, message: ['"posts"."body" TO "content"', 'column "body" does not exist'], help: ['ALTER TABLE "posts" ADD COLUMN "content" text;', 'UPDATE "posts" SET "content" = "body" WHERE "content" IS NULL;'] }],
    },
  ],
});
