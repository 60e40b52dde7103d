import type { MigrationInfo, Statement } from '../engine/types.js';
import { key } from '../schema/model.js';

/**
 * True when an earlier statement of the same migration empties the table (`TRUNCATE t`, or
 * `DELETE FROM t` without WHERE): what follows runs on an empty table, like on a new one.
 */
export function emptiedBefore(migration: MigrationInfo, statement: Statement, tableKey: string): boolean {
  for (const s of migration.statements) {
    if (s.index >= statement.index) break;
    if (s.kind === 'TruncateStmt') {
      for (const r of s.ast.relations ?? []) {
        const rv = r.RangeVar;
        if (rv && key(rv.schemaname, rv.relname) === tableKey) return true;
      }
    } else if (s.kind === 'DeleteStmt' && !s.ast.whereClause) {
      const rv = s.ast.relation;
      if (rv && key(rv.schemaname, rv.relname) === tableKey) return true;
    }
  }
  return false;
}
