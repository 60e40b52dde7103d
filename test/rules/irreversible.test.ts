import rule from '../../src/rules/irreversible.js';
import { testRule } from '../helpers/rule-tester.js';

testRule(rule, {
  valid: [
    { name: 'safe fixture: columns and tables added', folder: 'fixtures/projects/safe/drizzle', migration: '0001_profile_and_plan_columns' },
    { name: 'the example: an index built (DROP INDEX undoes it)', folder: 'examples/shop/drizzle', migration: '0005_orders_created_at_index' },
    { name: 'the example: an enum value removed by a rebuild (the rollback rebuilds it back)', folder: 'examples/shop/drizzle', migration: '0003_drop_refunded_status' },
    { name: 'a table created and dropped in one migration', sql: 'CREATE TABLE "tmp" ("a" text);\nINSERT INTO "tmp" VALUES (\'x\');\nDROP TABLE "tmp";' },
    { name: 'a column added and backfilled', setup: ['CREATE TABLE "t" ("a" text);'], sql: 'ALTER TABLE "t" ADD COLUMN "b" text;\nUPDATE "t" SET "b" = "a";' },
  ],
  invalid: [
    {
      name: 'the example: a rename answered "create" drops users.name (one line for the migration)',
      folder: 'examples/shop/drizzle',
      migration: '0001_rename_user_name',
      errors: [{ messageId: 'structureOnly', line: 2, message: ['0001_rename_user_name deletes data a rollback cannot bring back', 'DROP COLUMN deleted the values of "users"."name"'], help: ['npx migration-lint down 0001_rename_user_name --write rollbacks'] }],
    },
    {
      name: 'features fixture: an enum value added and a table dropped: not reversible',
      folder: 'fixtures/projects/features/drizzle',
      migration: '0004_drop_objects',
      errors: [{ messageId: 'notReversible', line: 1, message: [`PostgreSQL cannot remove a value from an enum: 'team' stays in "public"."account_tier"`] }],
    },
    {
      name: 'data deleted outside the schema: DELETE, lossy cast',
      setup: ['CREATE TABLE "t" ("a" text, "n" text);'],
      sql: 'DELETE FROM "t" WHERE "a" IS NULL;\nALTER TABLE "t" ALTER COLUMN "n" SET DATA TYPE integer USING "n"::integer;',
      errors: [{ messageId: 'structureOnly', line: 1, message: ['line 1: DELETE removed rows of "t"', 'line 2: SET DATA TYPE integer changed the values of "t"."n"'] }],
    },
  ],
});
