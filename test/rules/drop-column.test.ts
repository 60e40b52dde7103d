import rule from '../../src/rules/drop-column.js';
import { testRule } from '../helpers/rule-tester.js';

const USERS = 'CREATE TABLE "users" ("id" serial PRIMARY KEY NOT NULL, "email" text NOT NULL, "nickname" text);';

testRule(rule, {
  valid: [
    { name: 'renames fixture: a rename answered "create" is column-rename-by-drop\'s finding', folder: 'fixtures/projects/renames/drizzle', migration: '0002_rename_author_bio' },
    { name: 'safe fixture', folder: 'fixtures/projects/safe/drizzle', migration: '0001_profile_and_plan_columns' },
    { name: 'column added earlier in the same migration', setup: [USERS], sql: 'ALTER TABLE "users" ADD COLUMN "tmp" text;\nALTER TABLE "users" DROP COLUMN "tmp";' },
    { name: 'table created in the same migration', sql: USERS + '\nALTER TABLE "users" DROP COLUMN "nickname";' },
    { name: 'values copied first by the migration', setup: [USERS], sql: 'ALTER TABLE "users" ADD COLUMN "display_name" text;\nUPDATE "users" SET "display_name" = "nickname";\nALTER TABLE "users" DROP COLUMN "nickname";' },
  ],
  invalid: [
    {
      name: 'unrelated-rename fixture: description -> summary answered "create": drizzle-kit asked, the help gives the RENAME COLUMN',
      folder: 'fixtures/projects/unrelated-rename/drizzle',
      migration: '0001_description_to_summary',
      errors: [
        {
          messageId: 'askedRename',
          line: 2,
          severity: 'warn',
          message: ['DROP COLUMN "articles"."description"', 'adds "summary"', 'drizzle-kit asked whether "summary" was "description" renamed', 'the answer was "create column"'],
          help: ['ALTER TABLE "articles" RENAME COLUMN "description" TO "summary";', 'pick "~ description › summary rename column"', 'CREATE TABLE "articles_description_backup"'],
        },
      ],
    },
    {
      name: 'two compatible columns added: both named; a column of another type family is not one of them',
      setup: [USERS],
      sql: 'ALTER TABLE "users" ADD COLUMN "handle" varchar(40);\nALTER TABLE "users" ADD COLUMN "alias" text;\nALTER TABLE "users" ADD COLUMN "karma" integer;\nALTER TABLE "users" DROP COLUMN "nickname";',
      errors: [
        {
          messageId: 'askedRename',
          line: 4,
          message: ['adds "handle" or "alias"'],
          help: ['RENAME COLUMN "nickname" TO "handle";', 'SET DATA TYPE varchar(40);'],
          // Whether either is a rename is the user's call: suggestions, no fix.
          fix: null,
          suggestions: [
            'ALTER TABLE "users" RENAME COLUMN "nickname" TO "handle";\nALTER TABLE "users" ALTER COLUMN "handle" SET DATA TYPE varchar(40);\nALTER TABLE "users" ADD COLUMN "alias" text;\nALTER TABLE "users" ADD COLUMN "karma" integer;\n',
            'ALTER TABLE "users" ADD COLUMN "handle" varchar(40);\nALTER TABLE "users" RENAME COLUMN "nickname" TO "alias";\nALTER TABLE "users" ADD COLUMN "karma" integer;\n',
          ],
        },
      ],
    },
    {
      name: 'two columns dropped while one is added: drizzle-kit asked one question, so one finding names both candidates and the RENAME for each',
      setup: ['CREATE TABLE "tiers" ("id" serial PRIMARY KEY NOT NULL, "steps" bigint, "spans" bigint);'],
      sql: 'ALTER TABLE "tiers" ADD COLUMN "signal_runs" bigint;\nALTER TABLE "tiers" DROP COLUMN "steps";\nALTER TABLE "tiers" DROP COLUMN "spans";',
      errors: [
        {
          messageId: 'askedRenameMany',
          line: 2,
          related: [3],
          severity: 'warn',
          message: ['drops 2 columns of "tiers" and every value in them ("steps" (bigint), "spans" (bigint)), while it adds "signal_runs" to it', 'asked once whether "signal_runs" was one of them renamed'],
          help: ['one of:\nALTER TABLE "tiers" RENAME COLUMN "steps" TO "signal_runs";\nALTER TABLE "tiers" RENAME COLUMN "spans" TO "signal_runs";\nIf the values', 'CREATE TABLE "tiers_spans_backup"'],
        },
      ],
    },
    {
      name: 'locks fixture: users.nickname dropped',
      folder: 'fixtures/projects/locks/drizzle',
      migration: '0002_drop_column_and_table',
      errors: [{ messageId: 'dropColumn', line: 5, severity: 'warn', message: ['"users"."nickname"', '(text)'], help: ['CREATE TABLE "users_nickname_backup" AS SELECT "id", "nickname" FROM "users";'] }],
    },
    {
      name: 'dependents: an index and a foreign key pointing at the column',
      setup: [USERS + '\nCREATE UNIQUE INDEX "users_nick_idx" ON "users" ("nickname");\nCREATE TABLE "mentions" ("nick" text REFERENCES "users"("nickname"));\nCREATE VIEW "nicks" AS SELECT "nickname" FROM "users";'],
      sql: 'ALTER TABLE "users" DROP COLUMN "nickname";',
      errors: [{ messageId: 'dropColumn', line: 1, message: ['foreign key "mentions_nick_fkey" on "mentions"', 'view "nicks"', 'index "users_nick_idx"', 'without CASCADE the DROP fails'] }],
    },
    {
      name: 'one decision, one finding: the columns a migration drops (of any table) are listed in one finding, the others its related locations; a drop that fails stands alone',
      setup: [USERS + '\nCREATE INDEX "users_email_idx" ON "users" ("email");\nCREATE TABLE "posts" ("id" serial PRIMARY KEY NOT NULL, "title" text, "draft" boolean);\nCREATE TABLE "mentions" ("nick" text REFERENCES "users"("nickname"));'],
      sql: 'ALTER TABLE "users" DROP COLUMN "email";\nALTER TABLE "posts" DROP COLUMN "draft";\nALTER TABLE "users" DROP COLUMN "nickname";\nALTER TABLE "posts" DROP COLUMN "title";',
      errors: [
        {
          messageId: 'dropColumnMany',
          line: 1,
          related: [2, 4],
          severity: 'warn',
          message: ['drops 3 columns of existing tables and every value in them: "users"."email" (text; also drops index "users_email_idx"), "posts"."draft" (boolean), "posts"."title" (text)'],
          help: ['CREATE TABLE "users_email_backup" AS SELECT "id", "email" FROM "users";\nCREATE TABLE "posts_draft_backup" AS SELECT "id", "draft" FROM "posts";\nCREATE TABLE "posts_title_backup"', 'first a release whose code no longer uses these columns'],
        },
        { messageId: 'dropColumn', line: 3, message: ['without CASCADE the DROP fails'] },
      ],
    },
  ],
});
