import type { Node } from '../engine/ast.js';
import { walk, str } from '../engine/ast.js';
import { indexesOf, key, qualifiedName, quoteIdent, type SchemaState } from '../schema/model.js';
import { indexColumnUses } from '../schema/replay.js';

/** What depends on a table or column in the schema state: what a DROP loses with it, or fails on. */
export interface Dependents {
  /** Foreign keys of other tables pointing here: `"fk" on "t"`. */
  foreignKeys: { name: string; table: string; label: string }[];
  /** Indexes of the table using it. */
  indexes: string[];
  /** Constraints of the table using it (unique, check, its own foreign keys). */
  constraints: string[];
  /** Views and materialized views whose query reads the table (and the column, for a column). */
  views: string[];
}

/**
 * Dependents of `tableKey` (or of one of its columns) in `state`. Views are found by reading
 * their queries (kept in the model from CREATE VIEW, or from the snapshot's definition).
 */
export function dependentsOf(state: Readonly<SchemaState>, tableKey: string, column?: string): Dependents {
  const out: Dependents = { foreignKeys: [], indexes: [], constraints: [], views: [] };
  const table = state.tables.get(tableKey);
  for (const [otherKey, other] of state.tables) {
    if (otherKey === tableKey) continue;
    for (const c of other.constraints.values()) {
      // The name first: building the key of every foreign key is what a long history pays for.
      if (!c.references || (table && c.references.table !== table.name) || key(c.references.schema, c.references.table) !== tableKey) continue;
      if (column && !c.references.columns.includes(column)) continue;
      out.foreignKeys.push({ name: c.name, table: otherKey, label: `${quoteIdent(c.name)} on ${qualifiedName(other.schema, other.name)}` });
    }
  }
  for (const index of indexesOf(state, tableKey)) {
    if (index.constraint) continue;
    if (column && !index.columns.some((c) => indexColumnUses(c, column))) continue;
    out.indexes.push(quoteIdent(index.name));
  }
  if (column && table) {
    for (const c of table.constraints.values()) if (c.columns.includes(column)) out.constraints.push(quoteIdent(c.name));
  }
  for (const view of state.views.values()) {
    if (view.query && reads(view.query as Node, tableKey, column)) out.views.push(qualifiedName(view.schema, view.name));
  }
  return out;
}

/** The dependents as a phrase (`; foreign keys …; indexes …`), empty when there are none. */
export function describeDependents(d: Dependents): string {
  const parts: string[] = [];
  if (d.foreignKeys.length) parts.push(`foreign key${d.foreignKeys.length > 1 ? 's' : ''} ${d.foreignKeys.map((f) => f.label).join(', ')}`);
  if (d.views.length) parts.push(`view${d.views.length > 1 ? 's' : ''} ${d.views.join(', ')}`);
  if (d.constraints.length) parts.push(`constraint${d.constraints.length > 1 ? 's' : ''} ${d.constraints.join(', ')}`);
  if (d.indexes.length) parts.push(`index${d.indexes.length > 1 ? 'es' : ''} ${d.indexes.join(', ')}`);
  return parts.join('; ');
}

function reads(query: Node, tableKey: string, column?: string): boolean {
  let table = false;
  let col = !column;
  walk(query, (tag, fields) => {
    if (tag === 'RangeVar' && key(fields.schemaname, fields.relname ?? '') === tableKey) table = true;
    if (column && tag === 'ColumnRef') {
      const names = (fields.fields ?? []).map((f: Node) => (f.A_Star ? '*' : str(f)));
      const last = names[names.length - 1];
      if (last === column || last === '*') col = true;
    }
  });
  return table && col;
}
