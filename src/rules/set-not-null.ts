import { commandsOnPopulatedTables, locateColumn } from '../analysis/alter-table.js';
import { lockHeld } from '../analysis/existing.js';
import { fillsRows } from '../analysis/null-columns.js';
import { defineRule } from '../engine/define-rule.js';
import type { Node } from '../engine/ast.js';
import { str, walk } from '../engine/ast.js';
import { endsTransaction } from '../engine/transactions.js';
import type { MigrationInfo, Statement } from '../engine/types.js';
import type { Column, Table } from '../schema/model.js';
import { key, quoteIdent } from '../schema/model.js';
import { truncateIdentifier } from '../schema/replay.js';
import { SERIAL_TYPES } from '../schema/typename.js';
import { fillValue } from '../analysis/fill-value.js';

const STEPS_INTRO = `Backfill the NULLs first, then prove NOT NULL with a constraint that is validated without the ACCESS EXCLUSIVE lock. drizzle's migrate() runs all pending migrations in one transaction, so put each step in its own migration and deploy them one after the other (\`drizzle-kit generate --custom\`):`;

export default defineRule({
  id: 'set-not-null',
  meta: {
    description: 'SET NOT NULL on a column of an existing table: a full table scan under ACCESS EXCLUSIVE, and the migration fails if any row holds NULL.',
    category: 'locking',
    defaultSeverity: 'warn',
    messages: {
      setNotNull:
        'SET NOT NULL on {table}.{column} scans the whole table under an ACCESS EXCLUSIVE lock (every read and write of {table} waits {until}), and fails with `column "{name}" of relation "{tableName}" contains null values` if any row holds NULL.',
      afterBackfill:
        'SET NOT NULL on {table}.{column} scans the whole table under an ACCESS EXCLUSIVE lock to check the backfill above: every read and write of {table} waits {until}, and rows written by the running app since the backfill can still be NULL and fail it.',
      nullColumn:
        'SET NOT NULL on {table}.{column} fails as soon as {table} has a row: {column} was added earlier in this migration without a default and nothing fills it, so every row holds NULL (`column "{name}" of relation "{tableName}" contains null values`).',
      setNotNullMany:
        'This migration sets {count} columns of existing tables NOT NULL ({items}). Each SET NOT NULL scans its table under an ACCESS EXCLUSIVE lock (several in one ALTER TABLE share one scan): every read and write of the table waits {until}, and the migration fails if a row holds NULL.',
      afterBackfillMany:
        'This migration sets {count} columns of existing tables NOT NULL after backfilling them ({items}). Each SET NOT NULL scans its table under an ACCESS EXCLUSIVE lock to check the backfill: every read and write of the table waits {until}, and rows written by the running app since the backfill can still be NULL and fail it.',
      nullColumnMany:
        'This migration adds {count} columns without a default, fills none of them, then sets them NOT NULL ({items}): every row holds NULL, so the migration fails as soon as one of those tables has a row.',
    },
    help: {
      setNotNull: `${STEPS_INTRO}\n{addCheck}\n{validate}  -- next deploy: SHARE UPDATE EXCLUSIVE, writes continue\n{setNotNull}  -- then this migration: no scan, the check proves it\n{dropCheck}`,
      afterBackfill: `${STEPS_INTRO}\n{addCheck}\n{validate}  -- next deploy: SHARE UPDATE EXCLUSIVE, writes continue\n{setNotNull}  -- then this migration: no scan, the check proves it\n{dropCheck}`,
      setNotNullMany: `${STEPS_INTRO.replace('a constraint that is', 'constraints that are')}\n{all:addCheck}\n-- next deploy (SHARE UPDATE EXCLUSIVE, writes continue):\n{all:validate}\n-- then this migration (no scan: the checks prove it):\n{all:setNotNull}\n{all:dropCheck}`,
      afterBackfillMany: `${STEPS_INTRO.replace('a constraint that is', 'constraints that are')}\n{all:addCheck}\n-- next deploy (SHARE UPDATE EXCLUSIVE, writes continue):\n{all:validate}\n-- then this migration (no scan: the checks prove it):\n{all:setNotNull}\n{all:dropCheck}`,
      nullColumn: 'Fill the column before SET NOT NULL (in this transaction the table stays locked since the ADD COLUMN, so no row can slip in):\n{backfill}\nor give it a default in the schema (`.default(…)`), which fills every row.',
      nullColumnMany: 'Fill the columns before SET NOT NULL (in this transaction the tables stay locked since their ADD COLUMN):\n{all:backfill}\nor give them defaults in the schema (`.default(…)`), which fill every row.',
    },
  },
  check({ statement, schema, isEmptyTable, migration, settings, inTransaction, report }) {
    for (const { cmd, tableKey, table, tableSql } of commandsOnPopulatedTables(statement, schema, isEmptyTable, 'AT_SetNotNull')) {
      const column = table.columns.get(cmd.name);
      if (!column || column.notNull) continue; // unknown column, or already NOT NULL (a no-op)
      // After `SET DATA TYPE serial` (which fails; cast-without-using reports it) drizzle adds SET NOT NULL.
      if (SERIAL_TYPES.has(column.type.name)) continue;
      // PostgreSQL 12+ skips the scan when a validated CHECK (col IS NOT NULL) proves it.
      if (settings.pgVersion >= 12 && hasValidNotNullCheck(table, cmd.name)) continue;
      const col = quoteIdent(cmd.name);
      const backfilled = backfilledBefore(migration, statement, tableKey, cmd.name);
      const added = addedInThisTransaction(migration, statement, tableKey, cmd.name);
      const data = { table: tableSql, column: col, name: cmd.name, tableName: table.name, until: lockHeld(inTransaction) };
      const location = locateColumn(statement, cmd.name);
      const item = `${tableSql}.${col}`;
      if (added) {
        // ACCESS EXCLUSIVE has been held since the ADD COLUMN: no row was written since, and the
        // scan costs the migration's time only. Filled (a default, a backfill): it cannot fail.
        if (fillsRows(added) || backfilled) continue;
        // Rows deleted since (old rows replaced by inserted ones): which survive is not known, so
        // "every row holds NULL" would be a guess; the lock is held, the scan costs nothing more.
        if (rowsDeletedBefore(migration, statement, tableKey)) continue;
        const backfill = `UPDATE ${tableSql} SET ${col} = <value>;`;
        report({ messageId: 'nullColumn', data: { ...data, backfill }, location, group: { key: 'nullColumn', messageId: 'nullColumnMany', item } });
        continue;
      }
      const check = quoteIdent(truncateIdentifier(`${table.name}_${cmd.name}_not_null`));
      const steps = {
        addCheck: `ALTER TABLE ${tableSql} ADD CONSTRAINT ${check} CHECK (${col} IS NOT NULL) NOT VALID;`,
        validate: `ALTER TABLE ${tableSql} VALIDATE CONSTRAINT ${check};`,
        setNotNull: `ALTER TABLE ${tableSql} ALTER COLUMN ${col} SET NOT NULL;`,
        dropCheck: `ALTER TABLE ${tableSql} DROP CONSTRAINT ${check};`,
      };
      // Before PostgreSQL 12 a CHECK constraint does not spare the scan: no steps to give.
      const old = settings.pgVersion < 12;
      const plain = `Backfill the NULLs first (UPDATE … SET … = <value> WHERE … IS NULL), and run the SET NOT NULL at a quiet time with a short lock_timeout: before PostgreSQL 12 a CHECK constraint does not spare the scan.`;
      const messageId = backfilled ? 'afterBackfill' : 'setNotNull';
      const value = backfilled || statement.origin !== 'top-level' ? undefined : fillValue(column.type, schema);
      report({
        messageId,
        data: { ...data, ...steps },
        location,
        lockOn: tableKey,
        ...(old ? { help: plain.replace('UPDATE … SET … = <value> WHERE … IS NULL', `UPDATE ${tableSql} SET ${col} = <value> WHERE ${col} IS NULL`) } : {}),
        group: { key: messageId, messageId: backfilled ? 'afterBackfillMany' : 'setNotNullMany', item, ...(old ? { help: plain } : {}) },
        // The NULLs filled first, so the statement cannot fail on them (the scan and its lock remain).
        ...(value !== undefined
          ? { suggestions: [{ description: `Set ${col} to ${value} where it is NULL first (check the value), so SET NOT NULL does not fail on those rows`, edits: [{ before: statement, insert: [`UPDATE ${tableSql} SET ${col} = ${value} WHERE ${col} IS NULL`] }] }] }
          : {}),
      });
    }
  },
});

/** An earlier `UPDATE t SET c = …` or `DELETE FROM t WHERE … c …` in the migration (a backfill), DO blocks included. */
function backfilledBefore(migration: MigrationInfo, statement: Statement, tableKey: string, column: string): boolean {
  return migration.statements.some((s) => {
    if (s.index >= statement.index) return false;
    const rv = s.ast?.relation;
    if (!rv || key(rv.schemaname, rv.relname) !== tableKey) return false;
    if (s.kind === 'UpdateStmt') return (s.ast.targetList ?? []).some((t: Node) => t.ResTarget?.name === column);
    if (s.kind === 'DeleteStmt') {
      let mentions = false;
      walk(s.ast.whereClause, (tag, fields) => {
        if (tag === 'ColumnRef' && str(fields.fields?.[fields.fields.length - 1]) === column) mentions = true;
      });
      return mentions;
    }
    return false;
  });
}

/** An earlier `DELETE FROM t` or `TRUNCATE t` in the migration, DO blocks included. */
function rowsDeletedBefore(migration: MigrationInfo, statement: Statement, tableKey: string): boolean {
  return migration.statements.some((s) => {
    if (s.index >= statement.index) return false;
    if (s.kind === 'DeleteStmt') return key(s.ast.relation?.schemaname, s.ast.relation?.relname ?? '') === tableKey;
    if (s.kind === 'TruncateStmt') return (s.ast.relations ?? []).some((r: Node) => key(r.RangeVar?.schemaname, r.RangeVar?.relname ?? '') === tableKey);
    return false;
  });
}

/** The column, when this migration added it earlier in the same transaction (no COMMIT since): its ACCESS EXCLUSIVE lock is still held. */
function addedInThisTransaction(migration: MigrationInfo, statement: Statement, tableKey: string, column: string): Column | undefined {
  for (let i = Math.min(statement.index, migration.effects.length) - 1; i >= 0; i--) {
    if (endsTransaction(migration.statements[i])) return undefined;
    for (const e of migration.effects[i] ?? []) if (e.kind === 'add-column' && e.table === tableKey && e.column.name === column) return e.column;
  }
  return undefined;
}

/** A validated `CHECK (col IS NOT NULL)` on the table. */
function hasValidNotNullCheck(table: Table, column: string): boolean {
  for (const c of table.constraints.values()) {
    if (c.kind !== 'check' || c.notValid || !c.check) continue;
    const test: Node = (c.check.ast as Node)?.NullTest;
    if (!test || test.nulltesttype !== 'IS_NOT_NULL') continue;
    const fields = test.arg?.ColumnRef?.fields ?? [];
    if (str(fields[fields.length - 1]) === column) return true;
  }
  return false;
}
