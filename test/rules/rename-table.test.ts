import rule from '../../src/rules/rename-table.js';
import { testRule } from '../helpers/rule-tester.js';

testRule(rule, {
  valid: [
    { name: 'safe fixture', folder: 'fixtures/projects/safe/drizzle', migration: '0003_projects' },
    { name: 'table created in the same migration', sql: 'CREATE TABLE "t" ("a" text);\nALTER TABLE "t" RENAME TO "u";' },
  ],
  invalid: [
    {
      name: 'locks fixture: comments renamed to post_comments (answered "rename")',
      folder: 'fixtures/projects/locks/drizzle',
      migration: '0005_renames',
      errors: [{ messageId: 'renameTable', line: 1, message: ['"comments" RENAME TO "post_comments"', 'relation "comments" does not exist'], help: ['CREATE VIEW "comments" AS SELECT * FROM "post_comments";'] }],
    },
  ],
});
