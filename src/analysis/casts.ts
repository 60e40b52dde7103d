import { someNode } from '../engine/ast.js';
import type { TypeRef } from '../schema/model.js';
import { typeKey } from '../schema/typename.js';

/**
 * What PostgreSQL does with `ALTER COLUMN … SET DATA TYPE` when no USING is given, for built-in
 * types: it needs an implicit or assignment cast from the old type (pg_cast, or the automatic
 * I/O conversion to a string type), otherwise the statement fails with
 * `column "x" cannot be cast automatically to type y`, even on an empty table.
 *
 * The tables below follow pg_cast (castcontext 'i' or 'a') of PostgreSQL 12–17. Types they do
 * not know (domains, extension types, composite types) give `unknown`: the rules stay silent.
 */

/** serial pseudo-types stand for the integer type they create. */
const SERIAL_BASE: Record<string, string> = { serial: 'integer', bigserial: 'bigint', smallserial: 'smallint' };

/** The real type behind a TypeRef (serial → integer), for comparisons. */
export function storedType(type: TypeRef): TypeRef {
  const base = SERIAL_BASE[type.name];
  return type.builtin && base ? { ...type, name: base } : type;
}

/** String types: every type has an assignment-level I/O conversion cast *to* them. */
const STRING_TYPES = new Set(['text', 'varchar', 'char', 'name']);

/**
 * Implicit or assignment casts between different built-in types (source → targets), from pg_cast.
 * Casts to string types are not listed: they always exist (I/O conversion, assignment).
 */
const ASSIGNMENT_CASTS: Record<string, string[]> = {
  smallint: ['integer', 'bigint', 'real', 'double precision', 'numeric', 'oid', 'regclass', 'regtype', 'regproc', 'regprocedure', 'regoper', 'regnamespace', 'regrole'],
  integer: ['smallint', 'bigint', 'real', 'double precision', 'numeric', 'money', 'oid', 'regclass', 'regtype', 'regproc', 'regprocedure', 'regoper', 'regnamespace', 'regrole'],
  bigint: ['smallint', 'integer', 'real', 'double precision', 'numeric', 'money', 'oid', 'regclass', 'regtype', 'regproc', 'regprocedure', 'regoper', 'regnamespace', 'regrole'],
  real: ['smallint', 'integer', 'bigint', 'double precision', 'numeric'],
  'double precision': ['smallint', 'integer', 'bigint', 'real', 'numeric'],
  numeric: ['smallint', 'integer', 'bigint', 'real', 'double precision', 'money'],
  money: ['numeric'],
  text: ['varchar', 'char', 'name', 'regclass'],
  varchar: ['text', 'char', 'name', 'regclass'],
  char: ['text', 'varchar', 'name'],
  name: ['text', 'varchar', 'char'],
  date: ['timestamp', 'timestamp with time zone'],
  timestamp: ['date', 'time', 'timestamp with time zone'],
  'timestamp with time zone': ['date', 'time', 'timestamp', 'time with time zone'],
  time: ['interval', 'time with time zone'],
  'time with time zone': ['time'],
  interval: ['time'],
  json: ['jsonb'],
  jsonb: ['json'],
  cidr: ['inet'],
  inet: ['cidr'],
  bit: ['bit varying'],
  'bit varying': ['bit'],
  oid: ['integer', 'bigint', 'regclass', 'regtype', 'regproc', 'regprocedure', 'regoper', 'regnamespace', 'regrole'],
  xml: [],
};

export type CastVerdict =
  /** Same stored type (maybe other modifiers): nothing to cast. */
  | 'same'
  /** An implicit or assignment cast exists: SET DATA TYPE works without USING. */
  | 'assignment'
  /** No cast PostgreSQL applies without USING: the statement always fails. */
  | 'none'
  /** A type we do not model (domain, extension, composite): say nothing. */
  | 'unknown';

/**
 * Whether `ALTER COLUMN … SET DATA TYPE to` works without USING on a column of type `from`.
 * `enums` tells which non-built-in types are enums (their only assignment casts are to strings).
 */
export function castWithoutUsing(fromRef: TypeRef, toRef: TypeRef, isEnum: (type: TypeRef) => boolean): CastVerdict {
  const from = storedType(fromRef);
  const to = storedType(toRef);
  if (typeKey({ ...from, mods: [] }) === typeKey({ ...to, mods: [] })) return 'same';
  const fromKnown = from.builtin || isEnum(from);
  const toKnown = to.builtin || isEnum(to);
  if (!fromKnown || !toKnown) return 'unknown';
  // Arrays (PostgreSQL does not enforce dimensions): element-wise; an array converts to a
  // string (I/O), nothing else converts to or from an array.
  if ((from.arrayDims > 0) !== (to.arrayDims > 0)) {
    return to.arrayDims === 0 && to.builtin && STRING_TYPES.has(to.name) ? 'assignment' : 'none';
  }
  if (to.builtin && STRING_TYPES.has(to.name)) return 'assignment';
  if (!from.builtin || !to.builtin) return 'none'; // enum → non-string, or anything → enum
  if (from.name === to.name) return 'same';
  const targets = ASSIGNMENT_CASTS[from.name];
  if (targets === undefined) return KNOWN_WITHOUT_CASTS.has(from.name) && KNOWN_TARGETS.has(to.name) ? 'none' : 'unknown';
  if (targets.includes(to.name)) return 'assignment';
  return KNOWN_TARGETS.has(to.name) ? 'none' : 'unknown';
}

/** Built-in types with no casts to other types besides the I/O conversion to strings. */
const KNOWN_WITHOUT_CASTS = new Set(['uuid', 'boolean', 'bytea', 'macaddr', 'macaddr8', 'tsvector', 'tsquery', 'point', 'line', 'lseg', 'box', 'path', 'polygon', 'circle', 'int4range', 'int8range', 'numrange', 'tsrange', 'tstzrange', 'daterange', 'jsonpath', 'pg_lsn']);

/** Targets whose incoming casts the table above lists completely. */
const KNOWN_TARGETS = new Set([...Object.keys(ASSIGNMENT_CASTS), ...KNOWN_WITHOUT_CASTS, ...STRING_TYPES]);

/** Types whose modifier is a precision or length that can grow without a rewrite (PostgreSQL 9.2+). */
const GROWABLE = new Set(['varchar', 'bit varying', 'timestamp', 'timestamp with time zone', 'time', 'time with time zone', 'interval']);

/**
 * Whether changing a column from `from` to `to` rewrites the table (and rebuilds its indexes),
 * or only updates the catalog: `false` for binary-coercible changes (varchar(n) → varchar(m ≥ n),
 * varchar → text, numeric(p, s) → numeric(q ≥ p, s), cidr → inet…), `undefined` when unknown.
 */
export function typeChangeRewrites(fromRef: TypeRef, toRef: TypeRef): boolean | undefined {
  const from = storedType(fromRef);
  const to = storedType(toRef);
  if (typeKey(from) === typeKey(to)) return false;
  if (!from.builtin || !to.builtin) {
    // enum → text, text → enum, enum → other enum: always a conversion; unknown types: no guess.
    return undefined;
  }
  if (from.arrayDims !== to.arrayDims && (from.arrayDims === 0 || to.arrayDims === 0)) return true;
  // Array coercions are never simplified to a relabel: element changes rewrite.
  if (from.arrayDims > 0) return true;
  if (from.name === to.name) {
    if (to.mods.length === 0) return !(GROWABLE.has(from.name) || from.name === 'numeric');
    if (from.mods.length === 0) return true; // adding a limit checks every row
    if (GROWABLE.has(from.name)) return Number(to.mods[0]) < Number(from.mods[0]);
    if (from.name === 'numeric') {
      const [p1, s1 = '0'] = from.mods;
      const [p2, s2 = '0'] = to.mods;
      return !(Number(s1) === Number(s2) && Number(p2) >= Number(p1));
    }
    return true;
  }
  // Binary-coercible pairs (pg_cast castmethod 'b') with no length check on the target.
  const pair = `${from.name}→${to.name}`;
  if (BINARY.has(pair)) return to.mods.length > 0 && to.name === 'varchar';
  return true;
}

const BINARY = new Set(['varchar→text', 'text→varchar', 'cidr→inet', 'name→text', 'bit→bit varying', 'bit varying→bit']);

/** Volatile built-in functions (pg_proc.provolatile = 'v') that appear in column defaults. */
const VOLATILE_FUNCTIONS = new Set([
  'gen_random_uuid', 'uuid_generate_v1', 'uuid_generate_v1mc', 'uuid_generate_v4', 'uuidv4', 'uuidv7', 'random', 'random_normal',
  'clock_timestamp', 'timeofday', 'nextval', 'setval', 'gen_random_bytes', 'gen_salt', 'txid_current', 'pg_current_xact_id',
  'random_string', 'nanoid', 'ulid', 'generate_ulid', 'gen_ulid', 'cuid',
]);

/** The volatile function a default expression calls, if it calls one we know (`gen_random_uuid`). */
export function volatileCall(expr: unknown): string | undefined {
  let found: string | undefined;
  someNode(expr, (node) => {
    const call = (node as Record<string, unknown>).FuncCall as { funcname?: { String?: { sval?: string } }[] } | undefined;
    if (!call) return undefined;
    const names = (call.funcname ?? []).map((n) => n.String?.sval ?? '');
    const name = names[names.length - 1]?.toLowerCase();
    if (!name || !VOLATILE_FUNCTIONS.has(name)) return undefined;
    found = name;
    return true;
  });
  return found;
}
