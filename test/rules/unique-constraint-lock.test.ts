import rule from '../../src/rules/unique-constraint-lock.js';
import { testRule } from '../helpers/rule-tester.js';

const USERS = 'CREATE TABLE "users" ("id" integer NOT NULL, "email" text NOT NULL, "org" integer);';

testRule(rule, {
  valid: [
    { name: 'safe fixture: unique and primary keys of new tables', folder: 'fixtures/projects/safe/drizzle', migration: '0000_init' },
    { name: 'new table, constraint added in the same migration', sql: USERS + '\nALTER TABLE "users" ADD CONSTRAINT "users_email_unique" UNIQUE("email");' },
    { name: 'USING INDEX', setup: [USERS], sql: 'ALTER TABLE "users" ADD CONSTRAINT "users_email_unique" UNIQUE USING INDEX "users_email_idx";' },
    { name: 'young table: users created 5 days before', setup: [USERS], sql: 'ALTER TABLE "users" ADD CONSTRAINT "users_email_unique" UNIQUE("email");', days: [0, 5] },
  ],
  invalid: [
    {
      name: 'locks fixture: a UNIQUE on a column added in the same migration cannot fail (a warning saying so)',
      folder: 'fixtures/projects/locks/drizzle',
      migration: '0006_new_column_constraints',
      errors: [{ messageId: 'newColumn', line: 4, severity: 'warn', message: ['"handle" was added earlier in this migration and is NULL in every row, so no two rows share a key'] }],
    },
    {
      name: 'locks fixture: uniqueIndex() became unique() under the same name: keep the index and attach it (USING INDEX)',
      folder: 'fixtures/projects/locks/drizzle',
      migration: '0008_unique_index_to_constraint',
      errors: [{ messageId: 'rebuilt', line: 2, message: ['the same index as "teams_name_key", which this migration dropped just before'], help: ['delete the DROP INDEX', 'ALTER TABLE "teams" ADD CONSTRAINT "teams_name_key" UNIQUE USING INDEX "teams_name_key";'] }],
    },
    {
      name: 'an index of the same name but another definition dropped first: the index is built under another name, then attached',
      setup: [USERS, 'CREATE INDEX "users_email_key" ON "users" ("email");'],
      sql: 'DROP INDEX "users_email_key";\nALTER TABLE "users" ADD CONSTRAINT "users_email_key" UNIQUE("email");',
      errors: [{ messageId: 'build', line: 2, help: ['CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS "users_email_key_new" ON "users" USING btree ("email");', 'ADD CONSTRAINT "users_email_key" UNIQUE USING INDEX "users_email_key_new";'] }],
    },
    {
      name: 'a UNIQUE on a column added in the same migration cannot fail: a warning even where the rule is an error',
      setup: [USERS],
      sql: 'ALTER TABLE "users" ADD COLUMN "handle" text;\nALTER TABLE "users" ADD CONSTRAINT "users_handle_unique" UNIQUE("handle");',
      errors: [{ messageId: 'newColumn', line: 2, severity: 'warn', message: ['"handle" was added earlier in this migration and is NULL in every row'] }],
    },
    {
      name: 'NULLS NOT DISTINCT on a new column can fail (two NULLs are duplicates)',
      setup: [USERS],
      sql: 'ALTER TABLE "users" ADD COLUMN "handle" text;\nALTER TABLE "users" ADD CONSTRAINT "users_handle_unique" UNIQUE NULLS NOT DISTINCT ("handle");',
      errors: [{ messageId: 'build', line: 2 }],
    },
    {
      name: 'one finding for the UNIQUE constraints of a migration, listing them',
      setup: [USERS],
      sql: 'ALTER TABLE "users" ADD CONSTRAINT "users_email_unique" UNIQUE("email");\nALTER TABLE "users" ADD CONSTRAINT "users_org_unique" UNIQUE("org");',
      errors: [{ messageId: 'buildMany', line: 1, related: [2], message: ['adds 2 UNIQUE or PRIMARY KEY constraints', '"users_email_unique" on "users", "users_org_unique" on "users"'], help: ['USING INDEX "users_email_unique";', 'USING INDEX "users_org_unique";'] }],
    },
    { name: 'old table: users created 60 days before', setup: [USERS], sql: 'ALTER TABLE "users" ADD CONSTRAINT "users_email_unique" UNIQUE("email");', days: [0, 60], errors: [{ messageId: 'build', line: 1 }] },
    {
      name: 'locks fixture: unique constraint added to the existing users table',
      folder: 'fixtures/projects/locks/drizzle',
      migration: '0001_index_unique_fk_check',
      errors: [
        {
          messageId: 'build',
          line: 3,
          severity: 'warn',
          message: ['"users_email_unique" UNIQUE', 'ACCESS EXCLUSIVE', '"users"'],
          help: ['CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS "users_email_unique" ON "users" USING btree ("email");', 'ADD CONSTRAINT "users_email_unique" UNIQUE USING INDEX "users_email_unique";'],
        },
      ],
    },
    {
      name: 'renames fixture: unique re-created under the new table name',
      folder: 'fixtures/projects/renames/drizzle',
      migration: '0003_rename_tags_table',
      errors: [{ messageId: 'recreated', line: 3, help: ['RENAME CONSTRAINT "tags_label_unique" TO "labels_label_unique"'] }],
    },
    {
      name: 'primary key on an existing table',
      setup: [USERS],
      sql: 'ALTER TABLE "users" ADD CONSTRAINT "users_pk" PRIMARY KEY("id","org");',
      errors: [{ messageId: 'build', line: 1, message: ['PRIMARY KEY', 'the same ("id", "org")', 'holds NULL'], help: ['PRIMARY KEY USING INDEX "users_pk"'] }],
    },
  ],
});
