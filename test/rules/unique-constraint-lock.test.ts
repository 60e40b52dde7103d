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
