import type { Node } from '../engine/ast.js';
import type { StatementContext } from '../engine/types.js';
import { key, keyLabel, qualifiedName, type Table } from '../schema/model.js';

/** A table that holds rows when the statement runs: known to the replayed schema and not created earlier in this migration. */
export interface ExistingTable {
  key: string;
  table: Table;
  /** `"schema"."name"`, schema omitted for public. */
  label: string;
}

/**
 * The table a RangeVar names, when it existed before this migration (so it may hold rows). Tables
 * created earlier in the same migration are new and empty: locks and scans on them cost nothing,
 * and tables the history never created (managed elsewhere) are not ours to judge.
 */
export function existingTable(context: Pick<StatementContext, 'schema' | 'isNewTable'>, rangeVar: Node): ExistingTable | undefined {
  if (!rangeVar?.relname) return undefined;
  const tableKey = key(rangeVar.schemaname, rangeVar.relname);
  const table = context.schema.tables.get(tableKey);
  if (!table || context.isNewTable(tableKey)) return undefined;
  return { key: tableKey, table, label: qualifiedName(table.schema, table.name) };
}

/** `"schema"."name"` for a `schema.name` key. */
export const labelOf = keyLabel;

/**
 * How long a lock a statement takes is held, for messages: to the end of drizzle's migrate()
 * transaction, or, after a COMMIT in the file, to the end of the statement.
 */
export function lockHeld(inTransaction: boolean): string {
  return inTransaction ? 'until the migration commits' : 'until the statement ends (it runs after a COMMIT, in a transaction of its own)';
}
