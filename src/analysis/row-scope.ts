import type { Node } from '../engine/ast.js';
import { str } from '../engine/ast.js';
import { indexesOf, type SchemaState, type Table } from '../schema/model.js';

/** Up to this many constants, `key IN (…)` is a lookup of a few rows, not a scan. */
export const SMALL_IN_LIST = 100;

/**
 * How many rows a WHERE clause picks out of a table, as far as its text shows: `narrow` when it pins
 * a primary key or unique key to constants (`"id" = 42`, `"id" IN ('a', 'b')` with a small list, every
 * column of a composite key), so the statement touches a handful of rows whatever the table's size;
 * otherwise `wide`, with the reason (no WHERE, a range, IS NULL, a match on a column that is not a
 * key, a join or a subquery), so it may touch every row.
 */
export function whereScope(where: Node | undefined, tableKey: string, schema: Readonly<SchemaState>): { narrow: true } | { narrow: false; reason: string } {
  if (!where) return { narrow: false, reason: 'no WHERE' };
  const table = schema.tables.get(tableKey);
  if (!table) return { narrow: false, reason: 'a table the history does not describe' };
  const pinned = new Set<string>();
  for (const conjunct of conjuncts(where)) {
    const column = pinnedColumn(conjunct);
    if (column) pinned.add(column);
  }
  for (const key of uniqueKeys(table, tableKey, schema)) {
    if (key.length > 0 && key.every((c) => pinned.has(c))) return { narrow: true };
  }
  return { narrow: false, reason: wideReason(where, pinned) };
}

/** The conditions of a top-level AND chain (one, when the WHERE is a single condition). */
function conjuncts(node: Node): Node[] {
  const b = node?.BoolExpr;
  if (b?.boolop === 'AND_EXPR') return (b.args ?? []).flatMap(conjuncts);
  return [node];
}

/** `col = constant`, `constant = col` or `col IN (a few constants)`: the column it pins. */
function pinnedColumn(node: Node): string | undefined {
  const e = node?.A_Expr;
  if (!e) return undefined;
  const op = str((e.name ?? [])[0]);
  if (e.kind === 'AEXPR_OP' && op === '=') {
    const left = columnOf(e.lexpr);
    const right = columnOf(e.rexpr);
    if (left && isConstant(e.rexpr)) return left;
    if (right && isConstant(e.lexpr)) return right;
    return undefined;
  }
  if (e.kind === 'AEXPR_IN' && op === '=') {
    const items: Node[] = e.rexpr?.List?.items ?? (Array.isArray(e.rexpr) ? e.rexpr : []);
    const column = columnOf(e.lexpr);
    return column && items.length > 0 && items.length <= SMALL_IN_LIST && items.every(isConstant) ? column : undefined;
  }
  return undefined;
}

/** The column a reference names (the last part of `"t"."id"`), through casts. */
function columnOf(node: Node): string | undefined {
  const target = node?.TypeCast ? node.TypeCast.arg : node;
  const fields = target?.ColumnRef?.fields;
  if (!Array.isArray(fields) || fields.length === 0) return undefined;
  return str(fields[fields.length - 1]) || undefined;
}

/** A literal, a parameter-free cast of one, or a function of constants (`'a'::uuid`, `lower('X')`): no column, no subquery. */
function isConstant(node: Node): boolean {
  if (!node || typeof node !== 'object') return true;
  if (Array.isArray(node)) return node.every(isConstant);
  if (node.ColumnRef || node.SubLink || node.ParamRef) return false;
  for (const k in node) if (!isConstant(node[k])) return false;
  return true;
}

/** The table's primary key and unique keys (constraints, and unique indexes on plain columns without a predicate). */
function uniqueKeys(table: Table, tableKey: string, schema: Readonly<SchemaState>): string[][] {
  const keys: string[][] = [];
  for (const c of table.constraints.values()) if (c.kind === 'primaryKey' || c.kind === 'unique') keys.push(c.columns);
  for (const index of indexesOf(schema as SchemaState, tableKey)) {
    if (index.unique && !index.where && index.columns.every((c) => !c.isExpression)) keys.push(index.columns.map((c) => c.expression));
  }
  return keys;
}

function wideReason(where: Node, pinned: ReadonlySet<string>): string {
  const text = JSON.stringify(where);
  if (text.includes('"SubLink"')) return 'a subquery';
  if (text.includes('"NullTest"')) return 'IS NULL / IS NOT NULL';
  if (where?.BoolExpr?.boolop === 'OR_EXPR') return 'OR';
  if (pinned.size > 0) return `${[...pinned].map((c) => `"${c}"`).join(', ')}, not a primary or unique key`;
  if (/"name":\[\{"String":\{"sval":"(?:<|>|<=|>=|<>|!=|~~|~~\*|!~~)"\}\}\]/.test(text) || text.includes('AEXPR_BETWEEN')) return 'a range or pattern';
  return 'not a primary-key or unique-key lookup';
}
