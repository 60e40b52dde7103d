import type { Node } from '../engine/ast.js';
import type { Expr, TypeRef } from '../schema/model.js';
import { typeSql } from '../schema/sql.js';
import { typeFromAst, typeKey } from '../schema/typename.js';

/**
 * Whether a column type change keeps every value, so that casting back gives the values there were:
 * a widening (integer → bigint, varchar(50) → varchar(100) or text), anything to text, a change
 * PostgreSQL refuses when a value does not fit (bigint → integer, text → an enum, varchar → varchar(n)
 * without USING: if it ran, every value fitted), text → json (json keeps its input as written).
 * Rounding, parsing and normalising casts (numeric → integer, text → integer or uuid or boolean or
 * jsonb, json → jsonb, timestamp → date) and any USING other than a plain cast of the column are
 * lossy: undefined means exact, a string says why not.
 */
export function lossOfCast(from: TypeRef, to: TypeRef, column: string, using?: Expr): string | undefined {
  if (using && !isPlainCast(using.ast as Node, column)) return 'its USING expression computed new values';
  if (typeKey(from) === typeKey(to)) return undefined;
  if (from.arrayDims !== to.arrayDims) return 'the array dimensions changed';
  const f = from;
  const t = to;
  if (!to.builtin) {
    // text → enum: each value is a label, and its text is the value again.
    return TEXT.has(f.name) || !from.builtin ? undefined : `${label(from)} values were parsed as ${label(to)}`;
  }
  if (TEXT.has(t.name)) {
    if (t.mods.length === 0 || t.name === 'citext') return undefined;
    // varchar(n) / char(n): an assignment cast fails on longer values; an explicit one truncates.
    if (!using && (TEXT.has(f.name) || !from.builtin)) return undefined;
    if (TEXT.has(f.name) && f.mods.length && Number(f.mods[0]) <= Number(t.mods[0])) return undefined;
    return using ? 'the explicit cast truncates longer values' : `${label(from)} values were converted to text of a limited length`;
  }
  const fr = INTEGER_RANK[f.name];
  const tr = INTEGER_RANK[t.name];
  // Integers: widening keeps values; narrowing fails on values out of range.
  if (fr !== undefined && tr !== undefined) return undefined;
  if (fr !== undefined && t.name === 'numeric') return numericFits(t, 19, 0) ? undefined : 'the numeric precision is too small';
  if (fr !== undefined && t.name === 'double precision' && fr <= 2) return undefined;
  if (fr !== undefined && t.name === 'real' && fr <= 1) return undefined;
  if (f.name === 'real' && t.name === 'double precision') return undefined;
  if (f.name === 'numeric' && t.name === 'numeric') return numericWidens(f, t) ? undefined : 'the numeric scale or precision shrank (values were rounded)';
  if (TIME_PRECISION.has(f.name) && f.name === t.name) return precision(t) >= precision(f) ? undefined : 'the fractional seconds precision shrank (values were rounded)';
  if (f.name === 'date' && (t.name === 'timestamp' || t.name === 'timestamp with time zone')) return undefined;
  if ((f.name === 'timestamp' && t.name === 'timestamp with time zone') || (f.name === 'timestamp with time zone' && t.name === 'timestamp')) {
    return precision(t) >= precision(f) ? undefined : 'the fractional seconds precision shrank (values were rounded)';
  }
  if (f.name === 'jsonb' && t.name === 'json') return undefined;
  if (f.name === 'json' && t.name === 'jsonb') return 'json → jsonb drops whitespace, duplicate keys and key order';
  // json keeps its input text as written (jsonb would not): casting back gives the text there was.
  if (TEXT.has(f.name) && t.name === 'json') return undefined;
  if (TEXT.has(f.name)) return `text values were parsed as ${label(to)} (normalised: case, spacing, leading zeros…)`;
  return `${label(from)} values were converted to ${label(to)}`;
}

const TEXT = new Set(['text', 'varchar', 'char', 'citext', 'name']);
const INTEGER_RANK: Record<string, number> = { smallint: 1, integer: 2, bigint: 3, smallserial: 1, serial: 2, bigserial: 3 };
const TIME_PRECISION = new Set(['timestamp', 'timestamp with time zone', 'time', 'time with time zone', 'interval']);

function label(type: TypeRef): string {
  return typeSql(type);
}

/** timestamp(p): p, default 6. */
function precision(type: TypeRef): number {
  return type.mods.length ? Number(type.mods[type.mods.length - 1]) : 6;
}

function numericFits(t: TypeRef, digits: number, scale: number): boolean {
  if (t.mods.length === 0) return true;
  const p = Number(t.mods[0]);
  const s = Number(t.mods[1] ?? 0);
  return p - s >= digits - scale && s >= scale;
}

function numericWidens(f: TypeRef, t: TypeRef): boolean {
  if (t.mods.length === 0) return true;
  if (f.mods.length === 0) return false;
  return numericFits(t, Number(f.mods[0]), Number(f.mods[1] ?? 0));
}

/** `"col"::type` or `col::type` (or `CAST(col AS type)`), possibly via text: just a cast of the column. */
function isPlainCast(node: Node, column: string): boolean {
  let n = node;
  while (n?.TypeCast) {
    try {
      typeFromAst(n.TypeCast.typeName);
    } catch {
      return false;
    }
    n = n.TypeCast.arg;
  }
  const fields = n?.ColumnRef?.fields;
  return Array.isArray(fields) && fields[fields.length - 1]?.String?.sval === column;
}
