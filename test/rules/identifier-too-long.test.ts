import rule from '../../src/rules/identifier-too-long.js';
import { testRule } from '../helpers/rule-tester.js';

const LONG = 'a_table_name_that_is_long_enough_to_push_the_constraint_name_over_the_limit';
const FIXTURE = 'fixtures/projects/column-changes/drizzle';

testRule(rule, {
  valid: [
    { name: 'the safe history', folder: 'fixtures/projects/safe/drizzle', migration: '0000_init' },
    { name: 'column-changes fixture: ordinary names', folder: FIXTURE, migration: '0001_column_changes' },
    { name: 'exactly 63 bytes', sql: `CREATE TABLE "${'t'.repeat(63)}" ("id" integer);` },
    { name: 'a long name only referenced (truncated the same way, so it still matches)', setup: [`CREATE TABLE "t" ("id" integer, CONSTRAINT "${LONG}_fk" CHECK (true));`], sql: `ALTER TABLE "t" DROP CONSTRAINT "${LONG}_fk";` },
    { name: 'a long string literal is not an identifier', sql: `COMMENT ON TABLE "x" IS '${LONG}${LONG}';` },
  ],
  invalid: [
    {
      name: 'column-changes fixture: drizzle-kit FK name of 114 bytes',
      folder: FIXTURE,
      migration: '0002_long_names',
      errors: [
        {
          messageId: 'constraintTooLong',
          line: 11,
          column: 74,
          message: ['"organization_membership_invitations_pending_inviting_administrator_id_organization_administrators_and_owners_id_fk" is 114 bytes', '("organization_membership_invitations_pending_inviting_administra")'],
          help: ['foreignKey({ name:'],
        },
      ],
    },
    {
      name: 'table, column, index and identity sequence names; multibyte characters count in bytes',
      sql: `CREATE TABLE "${LONG}" ("${'é'.repeat(32)}" integer GENERATED ALWAYS AS IDENTITY (sequence name "${LONG}_seq"));\nCREATE INDEX "${LONG}_idx" ON "${LONG}" ("id");`,
      errors: [
        { messageId: 'nameTooLong', line: 1, message: ['table name', '75 bytes'] },
        { messageId: 'nameTooLong', line: 1, message: ['column name', '64 bytes'] },
        { messageId: 'nameTooLong', line: 1, message: ['sequence name'] },
        { messageId: 'constraintTooLong', line: 2, message: ['index name'] },
      ],
    },
    {
      name: 'RENAME CONSTRAINT to a long name',
      setup: ['CREATE TABLE "t" ("id" integer, CONSTRAINT "c" CHECK (true));'],
      sql: `ALTER TABLE "t" RENAME CONSTRAINT "c" TO "${LONG}_check";`,
      errors: [{ messageId: 'constraintTooLong', line: 1, message: ['constraint name'] }],
    },
  ],
});
