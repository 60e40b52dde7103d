import { commandsOnPopulatedTables, locateColumn } from '../analysis/alter-table.js';
import { defineRule } from '../engine/define-rule.js';
import type { Node } from '../engine/ast.js';
import { str, walk } from '../engine/ast.js';
import type { MigrationInfo, Statement } from '../engine/types.js';
import type { Table } from '../schema/model.js';
import { key, quoteIdent } from '../schema/model.js';
import { truncateIdentifier } from '../schema/replay.js';
import { SERIAL_TYPES } from '../schema/typename.js';
import { fillValue } from '../analysis/fill-value.js';

export default defineRule({
  id: 'set-not-null',
  meta: {
    description: 'SET NOT NULL on a column of an existing table: a full table scan under ACCESS EXCLUSIVE, and the migration fails if any row holds NULL.',
    category: 'locking',
    defaultSeverity: 'warn',
    messages: {
      setNotNull:
        'SET NOT NULL on {table}.{column} scans the whole table under an ACCESS EXCLUSIVE lock (every read and write of {table} waits until the migration commits), and fails with `column "{name}" of relation "{tableName}" contains null values` if any row holds NULL.',
      afterBackfill:
        'SET NOT NULL on {table}.{column} scans the whole table under an ACCESS EXCLUSIVE lock to check the backfill above: every read and write of {table} waits until the migration commits, and rows written by the running app since the backfill can still be NULL and fail it.',
    },
  },
  check({ statement, schema, isEmptyTable, migration, settings, report }) {
    for (const { cmd, tableKey, table, tableSql } of commandsOnPopulatedTables(statement, schema, isEmptyTable, 'AT_SetNotNull')) {
      const column = table.columns.get(cmd.name);
      if (!column || column.notNull) continue; // unknown column, or already NOT NULL (a no-op)
      // After `SET DATA TYPE serial` (which fails; cast-without-using reports it) drizzle adds SET NOT NULL.
      if (SERIAL_TYPES.has(column.type.name)) continue;
      // PostgreSQL 12+ skips the scan when a validated CHECK (col IS NOT NULL) proves it.
      if (settings.pgVersion >= 12 && hasValidNotNullCheck(table, cmd.name)) continue;
      const col = quoteIdent(cmd.name);
      const check = quoteIdent(truncateIdentifier(`${table.name}_${cmd.name}_not_null`));
      const help =
        settings.pgVersion >= 12
          ? [
              `Backfill the NULLs first, then prove NOT NULL with a constraint that is validated without the ACCESS EXCLUSIVE lock. drizzle's migrate() runs all pending migrations in one transaction, so put each step in its own migration and deploy them one after the other (\`drizzle-kit generate --custom\`):`,
              `ALTER TABLE ${tableSql} ADD CONSTRAINT ${check} CHECK (${col} IS NOT NULL) NOT VALID;`,
              `ALTER TABLE ${tableSql} VALIDATE CONSTRAINT ${check};  -- next deploy: SHARE UPDATE EXCLUSIVE, writes continue`,
              `ALTER TABLE ${tableSql} ALTER COLUMN ${col} SET NOT NULL;  -- then this migration: no scan, the check proves it`,
              `ALTER TABLE ${tableSql} DROP CONSTRAINT ${check};`,
            ].join('\n')
          : `Backfill the NULLs first (UPDATE ${tableSql} SET ${col} = <value> WHERE ${col} IS NULL), and run the SET NOT NULL at a quiet time with a short lock_timeout: before PostgreSQL 12 a CHECK constraint does not spare the scan.`;
      const backfilled = backfilledBefore(migration, statement, tableKey, cmd.name);
      const value = backfilled || statement.origin !== 'top-level' ? undefined : fillValue(column.type, schema);
      report({
        messageId: backfilled ? 'afterBackfill' : 'setNotNull',
        data: { table: tableSql, column: col, name: cmd.name, tableName: table.name },
        location: locateColumn(statement, cmd.name),
        lockOn: tableKey,
        help,
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
