import rule from '../../src/rules/drop-table.js';
import { testRule } from '../helpers/rule-tester.js';

const NOTES = 'CREATE TABLE "notes" ("id" serial PRIMARY KEY NOT NULL, "body" text);\nCREATE TABLE "links" ("id" serial PRIMARY KEY NOT NULL, "note_id" integer REFERENCES "notes"("id"));';

testRule(rule, {
  valid: [
    { name: 'renames fixture: a table rename answered "create" is table-rename-by-drop\'s finding', folder: 'fixtures/projects/renames/drizzle', migration: '0004_rename_comments_table' },
    { name: 'safe fixture', folder: 'fixtures/projects/safe/drizzle', migration: '0003_projects' },
    { name: 'table created in the same migration', sql: 'CREATE TABLE "tmp" ("id" integer);\nDROP TABLE "tmp";' },
    {
      name: 'hand-edited: the rows copied into another table with INSERT … SELECT first (a deliberate move, as drop-column has it)',
      setup: ['CREATE TABLE "logs" ("id" serial PRIMARY KEY NOT NULL, "body" text);'],
      sql: 'CREATE TABLE "logs_archive" ("id" integer, "body" text);\nINSERT INTO "logs_archive" SELECT "id", "body" FROM "logs";\nDROP TABLE "logs";',
    },
  ],
  invalid: [
    {
      name: 'locks fixture: legacy_notes dropped with CASCADE, then drizzle-kit drops the FK CASCADE already removed',
      folder: 'fixtures/projects/locks/drizzle',
      migration: '0002_drop_column_and_table',
      errors: [
        {
          messageId: 'dropTable',
          line: 2,
          severity: 'warn',
          message: ['DROP TABLE "legacy_notes" deletes all its rows', 'CASCADE also drops foreign key "note_links_note_id_legacy_notes_id_fk" on "note_links"', 'then fails'],
          help: ['Move the DROP CONSTRAINT before the DROP TABLE.', 'ALTER TABLE "legacy_notes" RENAME TO "legacy_notes_dropped";'],
        },
      ],
    },
    {
      name: 'without CASCADE, a foreign key pointing here makes the DROP fail',
      setup: [NOTES],
      sql: 'DROP TABLE "notes";',
      errors: [{ messageId: 'dropTable', line: 1, message: ['"links_note_id_fkey" on "links"', 'without CASCADE the DROP fails'] }],
    },
    {
      name: 'one decision, one finding: the tables a migration drops are listed in one finding (CASCADE\'s dependents named), the others its related locations',
      setup: [NOTES + '\nCREATE TABLE "tags" ("id" serial PRIMARY KEY NOT NULL);'],
      sql: 'DROP TABLE "tags";\nDROP TABLE "notes" CASCADE;',
      errors: [
        {
          messageId: 'dropTableMany',
          line: 1,
          related: [2],
          severity: 'warn',
          message: ['drops 2 existing tables and all their rows: "tags" (1 column), "notes" (2 columns; CASCADE also drops foreign key "links_note_id_fkey" on "links")'],
          help: ['ALTER TABLE "tags" RENAME TO "tags_dropped";\nALTER TABLE "notes" RENAME TO "notes_dropped";\nand drop them in a later migration'],
        },
      ],
    },
    {
      name: 'a DROP that fails stands alone, out of the group',
      setup: [NOTES + '\nCREATE TABLE "tags" ("id" serial PRIMARY KEY NOT NULL);\nCREATE TABLE "labels" ("id" serial PRIMARY KEY NOT NULL);'],
      sql: 'DROP TABLE "tags";\nDROP TABLE "notes";\nDROP TABLE "labels";',
      errors: [
        { messageId: 'dropTableMany', line: 1, related: [3], message: ['"tags" (1 column), "labels" (1 column)'] },
        { messageId: 'dropTable', line: 2, message: ['without CASCADE the DROP fails'] },
      ],
    },
  ],
});
