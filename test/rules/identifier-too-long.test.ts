import rule from '../../src/rules/identifier-too-long.js';
import { testRule } from '../helpers/rule-tester.js';

const LONG = 'a_table_name_that_is_long_enough_to_push_the_constraint_name_over_the_limit';
const FIXTURE = 'fixtures/projects/column-changes/drizzle';
const COLLISION = 'fixtures/projects/name-collision/drizzle';
const LEGACY = 'fixtures/projects/name-collision-legacy/drizzle';
/** The 63 bytes drizzle-kit's primary key and foreign key names share in the name-collision fixtures. */
const SHARED = 'workspace_notification_delivery_subscriptions_subscription_id_w';
const PK = 'workspace_notification_delivery_subscriptions_subscription_id_workspace_id_pk';
const FK = 'workspace_notification_delivery_subscriptions_subscription_id_workspace_notification_subscriptions_id_fk';

testRule(rule, {
  valid: [
    { name: 'the safe history', folder: 'fixtures/projects/safe/drizzle', migration: '0000_init' },
    { name: 'column-changes fixture: ordinary names', folder: FIXTURE, migration: '0001_column_changes' },
    { name: 'exactly 63 bytes', sql: `CREATE TABLE "${'t'.repeat(63)}" ("id" integer);` },
    { name: 'a long name only referenced (truncated the same way, so it still matches)', setup: [`CREATE TABLE "t" ("id" integer, CONSTRAINT "${LONG}_check" CHECK (true));`], sql: `ALTER TABLE "t" DROP CONSTRAINT "${LONG}_check";` },
    { name: 'a long string literal is not an identifier', sql: `COMMENT ON TABLE "x" IS '${LONG}${LONG}';` },
    {
      name: 'DROP CONSTRAINT of a long foreign key name that is the foreign key (no collision)',
      setup: [`CREATE TABLE "p" ("id" integer PRIMARY KEY);\nCREATE TABLE "t" ("p_id" integer);`],
      sql: `ALTER TABLE "t" DROP CONSTRAINT "${LONG}_p_id_p_id_fk";`,
    },
  ],
  invalid: [
    {
      name: 'column-changes fixture: drizzle-kit FK name of 114 bytes (a warning: nothing else has its first 63 bytes)',
      folder: FIXTURE,
      migration: '0002_long_names',
      errors: [
        {
          messageId: 'tooLong',
          line: 11,
          column: 74,
          severity: 'warn',
          message: ['"organization_membership_invitations_pending_inviting_administrator_id_organization_administrators_and_owners_id_fk" is 114 bytes', '("organization_membership_invitations_pending_inviting_administra")', '`drizzle-kit push` drops the truncated constraint'],
          help: ['foreignKey({ name:'],
        },
      ],
    },
    {
      name: 'table, column, index and identity sequence names; multibyte characters count in bytes',
      sql: `CREATE TABLE "${LONG}" ("${'é'.repeat(32)}" integer GENERATED ALWAYS AS IDENTITY (sequence name "seq_${LONG}"));\nCREATE INDEX "idx_${LONG}" ON "${LONG}" ("id");`,
      // One root cause (names past the limit) in one migration: one finding lists them.
      errors: [
        {
          messageId: 'tooLongMany',
          line: 1,
          related: [1, 1, 2],
          severity: 'warn',
          message: [`gives 4 names longer than 63 bytes (table "${LONG}", 75 bytes, column "${'é'.repeat(32)}", 64 bytes, sequence "seq_${LONG}", 79 bytes, index "idx_${LONG}", 79 bytes)`, '`drizzle-kit push` drops truncated constraints'],
          help: ['for a sequence, name it in the schema (`generatedAlwaysAsIdentity', `"idx_${LONG}" → "`],
        },
      ],
    },
    {
      name: 'a sequence and an index named after a long table share its first 63 bytes: relations of one schema (measured: relation already exists)',
      sql: `CREATE TABLE "${LONG}" ("id" integer GENERATED ALWAYS AS IDENTITY (sequence name "${LONG}_seq"));\nCREATE INDEX "${LONG}_idx" ON "${LONG}" ("id");`,
      errors: [
        { messageId: 'tooLong', line: 1, severity: 'warn', message: ['table name'] },
        { messageId: 'collision', line: 1, message: ['sequence name', 'table "a_table_name_that_is_long_enough_to_push_the_constraint_name_over_the_limit" (earlier in this statement)', '(42P07)'] },
        { messageId: 'collision', line: 2, message: ['index name', '(line 1)'] },
      ],
    },
    {
      name: 'RENAME CONSTRAINT to a long name',
      setup: ['CREATE TABLE "t" ("id" integer, CONSTRAINT "c" CHECK (true));'],
      sql: `ALTER TABLE "t" RENAME CONSTRAINT "c" TO "${LONG}_check";`,
      errors: [{ messageId: 'tooLong', line: 1, severity: 'warn', message: ['constraint name'] }],
    },
    {
      name: 'name-collision fixture (drizzle-kit 0.31): the foreign key\'s ADD CONSTRAINT fails on the primary key\'s truncated name',
      folder: COLLISION,
      migration: '0000_init',
      errors: [
        { messageId: 'tooLong', line: 5, severity: 'warn', message: [`"${PK}" is 77 bytes`] },
        {
          messageId: 'collision',
          line: 14,
          severity: 'error',
          message: [`"${FK}" is 104 bytes`, `"${SHARED}", the name of primary key "${PK}" of "workspace_notification_delivery_subscriptions" (line 1)`, `constraint "${SHARED}" for relation "workspace_notification_delivery_subscriptions" already exists" (42710)`],
          help: ['none has applied it', `a DROP of "${FK}"`, `it drops primary key "${PK}"`],
        },
      ],
    },
    {
      name: 'name-collision fixture: naming the foreign key later makes drizzle-kit DROP the old long name, which drops the primary key',
      folder: COLLISION,
      migration: '0001_name_the_foreign_key',
      errors: [
        {
          messageId: 'dropsOther',
          line: 1,
          severity: 'error',
          message: [`DROP CONSTRAINT "${FK}" drops primary key "${SHARED}"`, 'not of the foreign key', 'loses its primary key'],
          help: ['Delete this DROP CONSTRAINT'],
        },
      ],
    },
    {
      name: 'name-collision-legacy fixture (drizzle-kit 0.24): the DO block swallows the failure, the foreign key never exists',
      folder: LEGACY,
      migration: '0000_init',
      errors: [
        { messageId: 'tooLong', line: 5, severity: 'warn' },
        {
          messageId: 'collisionSwallowed',
          line: 15,
          severity: 'error',
          message: ['`EXCEPTION WHEN duplicate_object` swallows it', `"${FK}" never exists on any database`],
          help: ['in a new migration', `delete from the new migration the statement where drizzle-kit writes a DROP of "${FK}"`],
        },
      ],
    },
    {
      name: 'name-collision-legacy fixture: the DROP of the long name drops the primary key',
      folder: LEGACY,
      migration: '0001_name_the_foreign_key',
      errors: [{ messageId: 'dropsOther', line: 1, severity: 'error' }],
    },
    {
      name: 'two constraints of one CREATE TABLE on the same truncated name: the CREATE TABLE fails',
      sql: `CREATE TABLE "p" ("id" integer PRIMARY KEY);\nCREATE TABLE "t" ("a" integer, CONSTRAINT "${LONG}_a_check" CHECK ("a" > 0), CONSTRAINT "${LONG}_a_p_id_fk" FOREIGN KEY ("a") REFERENCES "p"("id"));`,
      errors: [
        { messageId: 'tooLong', line: 2, severity: 'warn' },
        { messageId: 'collision', line: 2, severity: 'error', message: ['(earlier in this statement)', `check constraint "${LONG}_a_check" of "t"`] },
      ],
    },
    {
      name: 'CREATE INDEX IF NOT EXISTS on a name another table\'s index holds once truncated: skipped in silence',
      setup: [`CREATE TABLE "a" ("x" integer);\nCREATE TABLE "b" ("x" integer);\nCREATE INDEX "${LONG}_a_x_idx" ON "a" ("x");`],
      sql: `CREATE INDEX IF NOT EXISTS "${LONG}_b_x_idx" ON "b" ("x");`,
      errors: [{ messageId: 'collisionSkipped', line: 1, severity: 'error', message: ['index "a_table_name_that_is_long_enough_to_push_the_constraint_name_ov" on "a" (created by an earlier migration)', 'skips the statement'] }],
    },
    {
      name: 'a UNIQUE constraint whose truncated name is an index: relation already exists (42P07)',
      setup: [`CREATE TABLE "t" ("x" integer, "y" integer);\nCREATE INDEX "${LONG}_x_idx" ON "t" ("x");`],
      sql: `ALTER TABLE "t" ADD CONSTRAINT "${LONG}_y_unique" UNIQUE ("y");`,
      errors: [{ messageId: 'collision', line: 1, message: ['42P07', 'relation "a_table_name_that_is_long_enough_to_push_the_constraint_name_ov" already exists'] }],
    },
  ],
});
