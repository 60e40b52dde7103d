import { parseExpression, parseQuery, parseTypeName } from '../engine/parse.js';
import { lazyProperty } from '../engine/lazy.js';
import {
  DEFAULT_SCHEMA,
  emptyState,
  key,
  newTable,
  type Column,
  type Constraint,
  type Expr,
  type IndexColumn,
  type SchemaState,
  type TypeRef,
} from './model.js';
import { truncateIdentifier } from './replay.js';
import { exprText } from './expr.js';
import { BUILTIN_TYPES, SERIAL_TYPES, canonicalTypeName, typeFromAst } from './typename.js';

/**
 * Build the schema model from a drizzle-kit PostgreSQL snapshot (format version 5–7,
 * `meta/NNNN_snapshot.json`). The result describes the database drizzle-kit believes exists
 * after that migration; replaying the SQL must give the same model.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function fromSnapshot(snapshot: any): SchemaState {
  const state = emptyState();
  for (const name of Object.values<string>(snapshot.schemas ?? {})) if (name) state.schemas.add(name);
  for (const e of Object.values<any>(snapshot.enums ?? {})) {
    const schema = e.schema || DEFAULT_SCHEMA;
    state.enums.set(key(schema, e.name), { schema, name: e.name, values: [...(e.values ?? [])] });
  }
  for (const s of Object.values<any>(snapshot.sequences ?? {})) {
    const schema = s.schema || DEFAULT_SCHEMA;
    state.sequences.set(key(schema, s.name), { schema, name: s.name });
  }
  for (const v of Object.values<any>(snapshot.views ?? {})) {
    if (v.isExisting) continue; // `.existing()` views are not created by migrations
    const schema = v.schema || DEFAULT_SCHEMA;
    const query = typeof v.definition === 'string' ? parseQuery(v.definition) : undefined;
    state.views.set(key(schema, v.name), { schema, name: v.name, materialized: v.materialized === true, ...(query ? { query } : {}) });
  }
  for (const t of Object.values<any>(snapshot.tables ?? {})) addTable(state, t);
  return state;
}

function addTable(state: SchemaState, t: any): void {
  const schema = t.schema || DEFAULT_SCHEMA;
  const tableKey = key(schema, t.name);
  const table = newTable(schema, t.name);
  // drizzle-kit enables RLS on every table that has policies (`ENABLE ROW LEVEL SECURITY` is
  // generated with the first policy, `DISABLE` when the last one goes) without setting isRLSEnabled.
  table.rlsEnabled = t.isRLSEnabled === true || Object.keys(t.policies ?? {}).length > 0;
  // Names are truncated to 63 bytes as PostgreSQL does: where two share those bytes, the first
  // added stays, as in the database (the second ADD CONSTRAINT fails).
  const add = (c: Constraint) => {
    if (!table.constraints.has(c.name)) table.constraints.set(c.name, c);
  };
  for (const c of Object.values<any>(t.columns ?? {})) {
    const column: Column = { name: c.name, type: snapshotType(state, c.type, c.typeSchema), notNull: c.notNull === true || c.primaryKey === true };
    if (c.default !== undefined && c.default !== null) column.default = expr(String(c.default));
    if (c.identity) {
      column.identity = c.identity.type === 'always' ? 'always' : 'byDefault';
      column.notNull = true;
    }
    if (c.generated?.as) column.generated = expr(stripParens(c.generated.as));
    table.columns.set(column.name, column);
    // A column-level primary key has no name in the snapshot: PostgreSQL calls it `<table>_pkey`
    // when created, and keeps that name when the table is renamed.
    if (c.primaryKey) add({ name: truncateIdentifier(`${t.name}_pkey`), kind: 'primaryKey', columns: [c.name], notValid: false, implicitName: true });
    if (c.isUnique) {
      const unique: Constraint = { name: truncateIdentifier(c.uniqueName ?? `${t.name}_${c.name}_unique`), kind: 'unique', columns: [c.name], notValid: false };
      if (c.nullsNotDistinct) unique.nullsNotDistinct = true;
      add(unique);
    }
    if (SERIAL_TYPES.has(column.type.name) || column.identity) {
      const seqName = truncateIdentifier(c.identity?.name ?? `${t.name}_${c.name}_seq`);
      state.sequences.set(key(schema, seqName), {
        schema,
        name: seqName,
        ownedBy: `${tableKey}.${c.name}`,
        ...(c.identity?.name ? {} : { implicitName: true }),
      });
    }
  }
  for (const pk of Object.values<any>(t.compositePrimaryKeys ?? {})) {
    const { name, columns } = typeof pk === 'string' ? legacyComposite(pk, t.name) : pk;
    // Copied: the parsed snapshot is shared (cached), and replay edits the schema built from it.
    add({ name: truncateIdentifier(name ?? `${t.name}_pkey`), kind: 'primaryKey', columns: [...columns], notValid: false });
    for (const col of columns) {
      const column = table.columns.get(col);
      if (column) column.notNull = true;
    }
  }
  for (const u of Object.values<any>(t.uniqueConstraints ?? {})) {
    const unique: Constraint = { name: truncateIdentifier(u.name), kind: 'unique', columns: [...u.columns], notValid: false };
    if (u.nullsNotDistinct) unique.nullsNotDistinct = true;
    add(unique);
  }
  for (const fk of Object.values<any>(t.foreignKeys ?? {})) {
    const f = typeof fk === 'string' ? legacyForeignKey(fk) : fk;
    add({
      name: truncateIdentifier(f.name),
      kind: 'foreignKey',
      columns: [...f.columnsFrom],
      notValid: false,
      references: {
        schema: f.schemaTo || DEFAULT_SCHEMA,
        table: f.tableTo,
        columns: [...f.columnsTo],
        onDelete: (f.onDelete ?? 'no action').toLowerCase(),
        onUpdate: (f.onUpdate ?? 'no action').toLowerCase(),
      },
    });
  }
  for (const ch of Object.values<any>(t.checkConstraints ?? {})) {
    add({ name: truncateIdentifier(ch.name), kind: 'check', columns: [], notValid: false, check: expr(ch.value) });
  }
  for (const p of Object.values<any>(t.policies ?? {})) {
    table.policies.set(p.name, {
      name: p.name,
      command: (p.for ?? 'ALL').toLowerCase(),
      permissive: (p.as ?? 'PERMISSIVE').toUpperCase() === 'PERMISSIVE',
      roles: [...(p.to ?? ['public'])],
      ...(p.using ? { using: expr(p.using) } : {}),
      ...(p.withCheck ? { withCheck: expr(p.withCheck) } : {}),
    });
  }
  for (const i of Object.values<any>(t.indexes ?? {})) {
    const index = typeof i === 'string' ? legacyIndex(i) : i;
    state.indexes.set(key(schema, index.name), {
      schema,
      name: index.name,
      table: tableKey,
      unique: index.isUnique === true,
      method: index.method ?? 'btree',
      columns: (index.columns ?? []).map(indexColumn),
      ...(index.where ? { where: expr(index.where) } : {}),
    });
  }
  state.tables.set(tableKey, table);
}

const indexColumnCache = new Map<string, IndexColumn>();

/**
 * Index columns, shared per spelling and frozen like types and expressions (replay replaces them
 * instead of editing them): comparing two snapshots then skips identical columns, and an
 * expression's canonical text (a parse and a deparse) is computed only when first read.
 */
function indexColumn(c: any): IndexColumn {
  if (typeof c === 'string') c = { expression: c, isExpression: false, asc: true };
  const cacheKey = `${c.expression}\u0000${c.isExpression === true}\u0000${c.asc === false}\u0000${c.nulls}\u0000${c.opclass ?? ''}`;
  let column = indexColumnCache.get(cacheKey);
  if (!column) {
    column = Object.freeze(buildIndexColumn(c));
    indexColumnCache.set(cacheKey, column);
  }
  return column;
}

function buildIndexColumn(c: any): IndexColumn {
  if (c.isExpression) {
    // `sql\`"started_at" DESC NULLS LAST\`` is a plain column with an ordering: drizzle-kit writes
    // the text as-is into CREATE INDEX, so PostgreSQL indexes the column, not an expression.
    const m = /^\s*(?:"((?:[^"]|"")+)"|([a-z_][a-z0-9_$]*))(?:\s+(asc|desc))?(?:\s+nulls\s+(first|last))?\s*$/i.exec(String(c.expression));
    if (m) {
      const column: IndexColumn = { expression: m[1] !== undefined ? m[1].replaceAll('""', '"') : m[2].toLowerCase(), isExpression: false, desc: m[3]?.toLowerCase() === 'desc' };
      if (m[4]) column.nullsFirst = m[4].toLowerCase() === 'first';
      if (c.opclass) column.opclass = c.opclass;
      return column;
    }
  }
  const column = { isExpression: c.isExpression === true, desc: c.asc === false } as IndexColumn;
  if (c.isExpression) {
    // Canonicalised the way replay does it (parse, then deparse), when first read.
    const text = String(c.expression);
    lazyProperty(column, 'expression', () => canonicalExpression(text));
  } else column.expression = c.expression;
  if (c.nulls === 'first') column.nullsFirst = true;
  if (c.opclass) column.opclass = c.opclass;
  return column;
}

/** Snapshot format 5: `"name;col1,col2"`. */
function legacyComposite(text: string, table: string): { name: string; columns: string[] } {
  const [name, cols] = text.includes(';') ? text.split(';') : [`${table}_pkey`, text];
  return { name, columns: cols.split(',').filter(Boolean) };
}

/** Snapshot format 5: `"name;tableFrom;colsFrom;tableTo;colsTo;onUpdate;onDelete"`. */
function legacyForeignKey(text: string): any {
  const [name, tableFrom, columnsFrom, tableTo, columnsTo, onUpdate, onDelete] = text.split(';');
  return { name, tableFrom, columnsFrom: columnsFrom.split(','), tableTo, columnsTo: columnsTo.split(','), onUpdate, onDelete };
}

/** Snapshot format 5: `"name;col1,col2;isUnique;method"`. */
function legacyIndex(text: string): any {
  const [name, cols, isUnique, method] = text.split(';');
  return { name, columns: cols.split(','), isUnique: isUnique === 'true', method };
}

const canonicalCache = new Map<string, string>();

/** Memoised: a run reads the same index expressions from several snapshots (context, drift, fork). */
function canonicalExpression(text: string): string {
  let canonical = canonicalCache.get(text);
  if (canonical === undefined) {
    const ast = parseExpression(text);
    canonical = ast ? exprText(ast) : text;
    canonicalCache.set(text, canonical);
  }
  return canonical;
}

const exprCache = new Map<string, Expr>();

/**
 * A snapshot expression (a default, a check, a generated column), shared per spelling and parsed
 * when first read: comparing two snapshots skips identical objects, and a schema built for
 * pre-commit context reads few of them.
 */
function expr(text: string): Expr {
  let e = exprCache.get(text);
  if (!e) {
    e = lazyProperty({} as Expr, 'ast', () => parseExpression(text) ?? { RawText: text });
    exprCache.set(text, e);
  }
  return e;
}

function stripParens(text: string): string {
  const t = text.trim();
  return t.startsWith('(') && t.endsWith(')') ? t : `(${t})`;
}

const typeCache = new Map<string, TypeRef>();

/**
 * Snapshot types are SQL spellings (`varchar(256)`, `text[]`, `timestamp with time zone`) or,
 * for enums, the bare enum name with `typeSchema` (older snapshots omit typeSchema).
 */
/**
 * Snapshot types, shared per spelling and frozen: snapshots of a long history repeat the same few
 * types thousands of times, and comparing two snapshots' schemas can then skip identical ones.
 */
function snapshotType(state: SchemaState, text: string, typeSchema: string | undefined): TypeRef {
  const dims = /(\[\])+$/.exec(text);
  const arrayDims = dims ? dims[0].length / 2 : 0;
  const base = dims ? text.slice(0, dims.index) : text;
  const schema = typeSchema || findEnumSchema(state, base);
  const cacheKey = schema ? `${schema}\u0000${text}` : text;
  let type = typeCache.get(cacheKey);
  if (!type) {
    if (schema) type = { schema, name: base, mods: [], arrayDims, builtin: false };
    else {
      const bare = /^[A-Za-z_][\w$]*$/.test(base) && !BUILTIN_TYPES.has(canonicalTypeName(base));
      // Quote bare user type names so the parser keeps their case (`"RegistryType"`).
      const ast = parseTypeName(bare ? `"${base}"${'[]'.repeat(arrayDims)}` : text);
      type = ast ? typeFromAst(ast) : { name: base, mods: [], arrayDims, builtin: false };
    }
    Object.freeze(type.mods);
    typeCache.set(cacheKey, Object.freeze(type));
  }
  return type;
}

/** Per schema state: the schema of the first enum of each name (a snapshot has thousands of columns, a few enums). */
const enumSchemasOf = new WeakMap<SchemaState, Map<string, string>>();

function findEnumSchema(state: SchemaState, name: string): string | undefined {
  if (state.enums.has(key(DEFAULT_SCHEMA, name))) return DEFAULT_SCHEMA;
  let byName = enumSchemasOf.get(state);
  if (!byName) {
    byName = new Map();
    for (const e of state.enums.values()) if (!byName.has(e.name)) byName.set(e.name, e.schema);
    enumSchemasOf.set(state, byName);
  }
  return byName.get(name);
}
