import type { TypeRef } from './model.js';
import { DEFAULT_SCHEMA } from './model.js';
import { nodeTag, str } from '../engine/ast.js';

/**
 * PostgreSQL's internal names (what the parser produces for `integer`, `bool`, `timestamptz`, …)
 * mapped to the spelling drizzle-kit writes in SQL and snapshots, so both sources compare equal.
 */
const CANONICAL: Record<string, string> = {
  int2: 'smallint',
  int4: 'integer',
  int: 'integer',
  int8: 'bigint',
  float4: 'real',
  float8: 'double precision',
  bool: 'boolean',
  varchar: 'varchar',
  bpchar: 'char',
  timestamp: 'timestamp',
  timestamptz: 'timestamp with time zone',
  time: 'time',
  timetz: 'time with time zone',
  varbit: 'bit varying',
  decimal: 'numeric',
  serial4: 'serial',
  serial8: 'bigserial',
  serial2: 'smallserial',
};

/** Built-in type names that appear unqualified in SQL (the parser only qualifies SQL-standard spellings). */
export const BUILTIN_TYPES = new Set([
  'smallint', 'integer', 'bigint', 'real', 'double precision', 'numeric', 'boolean', 'varchar', 'char', 'text',
  'timestamp', 'timestamp with time zone', 'time', 'time with time zone', 'date', 'interval', 'uuid', 'json',
  'jsonb', 'bytea', 'inet', 'cidr', 'macaddr', 'macaddr8', 'point', 'line', 'lseg', 'box', 'path', 'polygon',
  'circle', 'tsvector', 'tsquery', 'money', 'xml', 'bit', 'bit varying', 'oid', 'regclass', 'regtype', 'name',
  'serial', 'bigserial', 'smallserial', 'int4range', 'int8range', 'numrange', 'tsrange', 'tstzrange', 'daterange',
  'int4multirange', 'int8multirange', 'nummultirange', 'tsmultirange', 'tstzmultirange', 'datemultirange',
  'pg_lsn', 'txid_snapshot', 'pg_snapshot', 'jsonpath', 'record', 'void', 'trigger', 'event_trigger', 'anyelement',
  'anyarray', 'cstring', 'regproc', 'regprocedure',
  'regoper', 'regnamespace', 'regrole', 'xid', 'xid8', 'cid', 'tid', 'refcursor',
]);

/** Serial pseudo-types: not real types (`SET DATA TYPE serial` fails), they expand to integer + sequence. */
export const SERIAL_TYPES = new Set(['serial', 'bigserial', 'smallserial']);

export function canonicalTypeName(raw: string): string {
  const lower = raw.toLowerCase();
  return CANONICAL[lower] ?? lower;
}

/** Turn a libpg-query `TypeName` node into a TypeRef. */
export function typeFromAst(typeName: any): TypeRef {
  const names: string[] = (typeName?.names ?? []).map((n: unknown) => str(n));
  const mods: string[] = (typeName?.typmods ?? []).map(modText);
  const arrayDims: number = typeName?.arrayBounds?.length ?? 0;
  if (names.length === 2 && names[0] === 'pg_catalog') {
    return { name: canonicalTypeName(names[1]), mods: builtinMods(names[1], mods), arrayDims, builtin: true };
  }
  if (names.length === 1) {
    const canonical = CANONICAL[names[0]] ?? names[0];
    if (BUILTIN_TYPES.has(canonical)) return { name: canonical, mods, arrayDims, builtin: true };
    return { name: names[0], mods, arrayDims, builtin: false };
  }
  const name = names[names.length - 1] ?? '';
  const schema = names.length >= 2 ? names[names.length - 2] : undefined;
  return { schema, name, mods, arrayDims, builtin: false };
}

/**
 * `interval` carries a field bitmask as its first typmod when written `interval day`; drop the
 * internal full-range mask so `interval` compares equal whichever way it was spelled.
 */
function builtinMods(internal: string, mods: string[]): string[] {
  if (internal === 'interval' && mods[0] === '32767') return mods.slice(1);
  return mods;
}

function modText(node: any): string {
  const tag = nodeTag(node);
  const inner = node[tag];
  if (tag === 'A_Const') {
    if (inner.ival !== undefined) return String(inner.ival.ival ?? 0);
    if (inner.sval !== undefined) return String(inner.sval.sval ?? '');
    if (inner.fval !== undefined) return String(inner.fval.fval ?? '');
    return '0';
  }
  if (tag === 'ColumnRef') return (inner.fields ?? []).map((f: unknown) => str(f)).join('.');
  return JSON.stringify(inner);
}

/** Stable comparison key: unqualified user types resolve to public, as drizzle's search_path does. */
export function typeKey(type: TypeRef): string {
  const base = type.builtin ? type.name : `${type.schema ?? DEFAULT_SCHEMA}.${type.name}`;
  return `${base}(${type.mods.join(',')})${'[]'.repeat(type.arrayDims)}`;
}
