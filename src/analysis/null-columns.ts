import type { Node } from '../engine/ast.js';
import type { StatementContext } from '../engine/types.js';
import { key, type Column } from '../schema/model.js';
import { SERIAL_TYPES } from '../schema/typename.js';

/**
 * Columns NULL in every row at this statement: added earlier in this migration to `tableKey`
 * with no default, identity, generated expression or serial, and written by no statement since
 * (an UPDATE setting it, any INSERT into the table). A constraint on such a column cannot fail on
 * the rows there are (a FOREIGN KEY or UNIQUE passes NULLs), and PostgreSQL skips the foreign
 * key's validation scan when it is declared in the ADD COLUMN itself.
 */
export function nullColumns(context: Pick<StatementContext, 'migration' | 'statement'>, tableKey: string): ReadonlySet<string> {
  const { migration, statement } = context;
  const out = new Set<string>();
  let table = tableKey;
  // Walk back from the statement: renames lead to the table's earlier name.
  const names = new Set([tableKey]);
  for (let i = Math.min(statement.index, migration.effects.length) - 1; i >= 0; i--) {
    for (const e of migration.effects[i] ?? []) if (e.kind === 'rename-table' && e.to === table) names.add((table = e.from));
  }
  const written = new Set<string>();
  let inserted = false;
  for (let i = Math.min(statement.index, migration.effects.length) - 1; i >= 0; i--) {
    const s = migration.statements[i];
    const target = s.ast?.relation?.relname ? key(s.ast.relation.schemaname, s.ast.relation.relname) : undefined;
    if (target && names.has(target)) {
      if (s.kind === 'InsertStmt') inserted = true;
      if (s.kind === 'UpdateStmt') for (const t of s.ast.targetList ?? []) if (t.ResTarget?.name) written.add(t.ResTarget.name);
    }
    for (const e of migration.effects[i] ?? []) {
      if (e.kind !== 'add-column' || !names.has(e.table)) continue;
      if (!fillsRows(e.column) && !inserted && !written.has(e.column.name) && stillNamed(migration.effects, i, statement.index, e.column.name)) out.add(e.column.name);
    }
  }
  return out;
}

/** The column keeps its name (and is not dropped) between its ADD COLUMN and the statement. */
function stillNamed(effects: StatementContext['migration']['effects'], from: number, to: number, column: string): boolean {
  for (let i = from + 1; i < Math.min(to, effects.length); i++) {
    for (const e of effects[i] ?? []) {
      if ((e.kind === 'rename-column' && e.from === column) || (e.kind === 'drop-column' && e.column.name === column)) return false;
    }
  }
  return true;
}

/** Whether ADD COLUMN puts a value in the existing rows: a default (not DEFAULT NULL), identity, generated expression or serial. */
export function fillsRows(c: Column): boolean {
  const isNull = (expr: Node) => expr?.A_Const?.isnull === true;
  return (c.default !== undefined && !isNull(c.default.ast)) || c.identity !== undefined || c.generated !== undefined || (c.type.builtin && SERIAL_TYPES.has(c.type.name));
}
