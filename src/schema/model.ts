/**
 * The schema model: what the database looks like at one point of the history.
 *
 * It is built two ways — from a drizzle snapshot (`fromSnapshot`) and by replaying parsed
 * statements (`applyStatement`) — and both must produce the same model, so every field here
 * is something both sources know. Keys are `schema.name` with the names as PostgreSQL stores
 * them (case preserved; unquoted identifiers already folded to lower case by the parser).
 */

/** A column or cast type, normalised so `int4`, `integer` and `INT` compare equal. */
export interface TypeRef {
  /** Schema for user-defined types (`public` when unqualified and user-defined); undefined for built-ins. */
  schema?: string;
  /** Canonical name: built-ins in drizzle's spelling (`integer`, `timestamp with time zone`), user types as stored. */
  name: string;
  /** Type modifiers as written, e.g. `["255"]` for varchar(255), `["10", "2"]` for numeric(10, 2). */
  mods: string[];
  /** Number of array dimensions (`text[][]` → 2). */
  arrayDims: number;
  /** True for types PostgreSQL ships (pg_catalog); false for enums, extension and user types. */
  builtin: boolean;
}

/** A SQL expression kept as its parse tree; text is derived on demand (deparsing is lazy). */
export interface Expr {
  /** libpg-query node (locations included; compare with `exprKey`). */
  ast: unknown;
}

export interface Column {
  name: string;
  type: TypeRef;
  notNull: boolean;
  default?: Expr;
  identity?: 'always' | 'byDefault';
  generated?: Expr;
}

export type ConstraintKind = 'primaryKey' | 'unique' | 'foreignKey' | 'check' | 'exclusion';

export interface ForeignKeyTarget {
  schema: string;
  table: string;
  columns: string[];
  onDelete: string;
  onUpdate: string;
}

export interface Constraint {
  name: string;
  kind: ConstraintKind;
  columns: string[];
  references?: ForeignKeyTarget;
  check?: Expr;
  notValid: boolean;
  nullsNotDistinct?: boolean;
  /**
   * The source does not know the name: a snapshot's column-level `primaryKey: true` stores no
   * constraint name, and PostgreSQL keeps the old `<table>_pkey` name when a table is renamed.
   */
  implicitName?: boolean;
}

export interface Policy {
  name: string;
  command: string;
  permissive: boolean;
  roles: string[];
  using?: Expr;
  withCheck?: Expr;
}

export interface Table {
  schema: string;
  name: string;
  /** Insertion-ordered: column order matters for rename pairing and messages. */
  columns: Map<string, Column>;
  constraints: Map<string, Constraint>;
  policies: Map<string, Policy>;
  rlsEnabled: boolean;
  rlsForced: boolean;
}

export interface IndexColumn {
  /** Column name, or the deparsed expression for expression indexes. */
  expression: string;
  isExpression: boolean;
  desc: boolean;
  nullsFirst?: boolean;
  opclass?: string;
}

export interface Index {
  schema: string;
  name: string;
  /** Key of the indexed table (`schema.table`). */
  table: string;
  unique: boolean;
  method: string;
  columns: IndexColumn[];
  where?: Expr;
  /** Set when a unique/PK constraint owns this index (it is dropped with the constraint). */
  constraint?: string;
  /** `INCLUDE (…)` columns. */
  include?: string[];
  /** `NULLS NOT DISTINCT` (unique indexes, PostgreSQL 15+). */
  nullsNotDistinct?: boolean;
  /** `WITH (…)` storage parameters, as parsed (DefElem nodes). */
  options?: unknown[];
}

export interface EnumType {
  schema: string;
  name: string;
  values: string[];
}

export interface Sequence {
  schema: string;
  name: string;
  /** `schema.table.column` when owned by a serial or identity column. */
  ownedBy?: string;
  /** The source does not know the name (a snapshot's serial column; kept across table renames in PostgreSQL). */
  implicitName?: boolean;
  /**
   * Options as written (DefElem nodes of `CREATE SEQUENCE`, an identity's `(…)`, merged with later
   * `ALTER SEQUENCE`s): increment, minvalue, maxvalue, start, cache, cycle, as. Replay only.
   */
  options?: unknown[];
}

export interface View {
  schema: string;
  name: string;
  materialized: boolean;
  /** The query it reads (a SelectStmt node), when known: from its CREATE VIEW, or the snapshot's definition. */
  query?: unknown;
  /** `WITH (…)` options as parsed (DefElem nodes: security_invoker, check_option…). Replay only. */
  options?: unknown[];
  /** `WITH [LOCAL | CASCADED] CHECK OPTION` (ViewStmt `withCheckOption`). */
  checkOption?: string;
  /** A materialized view created `WITH NO DATA`. */
  withNoData?: boolean;
  /** A materialized view's table access method (`USING heap`), when its CREATE or an ALTER named one. Replay only. */
  accessMethod?: string;
  /** A materialized view's tablespace (`TABLESPACE pg_default`), when its CREATE or an ALTER named one. Replay only. */
  tablespace?: string;
}

/**
 * An object the model does not reason about but keeps whole, so that dropping or replacing it can
 * be undone: a function or procedure, a trigger, a role, a comment. Replay only (snapshots do not
 * know them).
 */
export interface Definition {
  kind: 'function' | 'procedure' | 'trigger' | 'role' | 'comment';
  /** The statement that made it, as written (function bodies verbatim); for a comment, its text. */
  sql: string;
  /** For a trigger: the key of its table (it goes with the table). */
  table?: string;
  /** For a function or procedure: how a DROP names it, `"public"."f"(integer, text)`. */
  target?: string;
  /** For a role: its options (DefElem nodes: createdb, login…), later ALTER ROLEs merged. */
  options?: unknown[];
}

/** Types that are neither enums nor built-ins: composite, domain, range, extension types. */
export interface OtherType {
  schema: string;
  name: string;
  kind: 'composite' | 'domain' | 'range' | 'base';
}

export interface SchemaState {
  schemas: Set<string>;
  tables: Map<string, Table>;
  enums: Map<string, EnumType>;
  types: Map<string, OtherType>;
  indexes: Map<string, Index>;
  sequences: Map<string, Sequence>;
  views: Map<string, View>;
  extensions: Set<string>;
  functions: Set<string>;
  /**
   * Functions and procedures (`function:schema.name(argtypes)`), triggers (`trigger:schema.table.name`),
   * roles (`role:name`) and comments (`comment:<object>`), kept whole (see Definition).
   */
  definitions: Map<string, Definition>;
}

/**
 * A copy that replay can change without touching the original: every object replay edits in
 * place (tables, columns, constraints and their references, policies, indexes, enums and their
 * values, sequences, views) is copied; what it only replaces (types, expressions, index
 * columns, syntax trees) is shared.
 */
export function cloneState(s: Readonly<SchemaState>): SchemaState {
  return {
    schemas: new Set(s.schemas),
    tables: copies(s.tables, cloneTable),
    enums: copies(s.enums, (e) => ({ ...e, values: [...e.values] })),
    types: copies(s.types),
    indexes: copies(s.indexes),
    sequences: copies(s.sequences),
    views: copies(s.views),
    extensions: new Set(s.extensions),
    functions: new Set(s.functions),
    definitions: new Map(s.definitions),
  };
}

/** A table that replay can change without touching the original (see cloneState): also a create-table effect's definition. */
export function cloneTable(table: Table): Table {
  return {
    ...table,
    columns: copies(table.columns),
    constraints: copies(table.constraints, (c) => ({ ...c, columns: [...c.columns], ...(c.references ? { references: { ...c.references } } : {}) })),
    policies: copies(table.policies),
  };
}

function copies<V extends object>(m: ReadonlyMap<string, V>, copy: (v: V) => V = (v) => ({ ...v })): Map<string, V> {
  return new Map([...m].map(([k, v]) => [k, copy(v)] as [string, V]));
}

export const DEFAULT_SCHEMA = 'public';

export function key(schema: string | undefined, name: string): string {
  return `${schema || DEFAULT_SCHEMA}.${name}`;
}

/** `key(schema, name) === k`, without making the key (replay asks it of every constraint of every table at each drop). */
export function isKey(k: string, schema: string | undefined, name: string): boolean {
  const s = schema || DEFAULT_SCHEMA;
  return k.length === s.length + 1 + name.length && k.charCodeAt(s.length) === 46 /* . */ && k.startsWith(s) && k.endsWith(name);
}

export function emptyState(): SchemaState {
  return {
    schemas: new Set([DEFAULT_SCHEMA]),
    tables: new Map(),
    enums: new Map(),
    types: new Map(),
    indexes: new Map(),
    sequences: new Map(),
    views: new Map(),
    extensions: new Set(),
    functions: new Set(),
    definitions: new Map(),
  };
}

export function newTable(schema: string, name: string): Table {
  return { schema, name, columns: new Map(), constraints: new Map(), policies: new Map(), rlsEnabled: false, rlsForced: false };
}

/** Indexes of one table, in creation order. */
export function indexesOf(state: SchemaState, tableKey: string): Index[] {
  const out: Index[] = [];
  for (const index of state.indexes.values()) if (index.table === tableKey) out.push(index);
  return out;
}

/** `"schema"."name"` as SQL, schema omitted for public. */
export function qualifiedName(schema: string, name: string): string {
  return schema === DEFAULT_SCHEMA ? quoteIdent(name) : `${quoteIdent(schema)}.${quoteIdent(name)}`;
}

/** `"schema"."name"` as SQL (schema omitted for public) of a `schema.name` key. */
export function keyLabel(k: string): string {
  const dot = k.indexOf('.');
  return qualifiedName(k.slice(0, dot), k.slice(dot + 1));
}

export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** The type as drizzle writes it: `varchar(255)`, `"public"."role"`, `text[]`. */
export function typeToSql(type: TypeRef): string {
  const base = type.builtin ? type.name : `${quoteIdent(type.schema ?? DEFAULT_SCHEMA)}.${quoteIdent(type.name)}`;
  const withMods = type.mods.length === 0 ? base : insertMods(base, type.mods);
  return withMods + '[]'.repeat(type.arrayDims);
}

/** `timestamp with time zone` + (3) → `timestamp(3) with time zone`, as PostgreSQL prints it. */
function insertMods(base: string, mods: string[]): string {
  const m = `(${mods.join(', ')})`;
  const tz = / with(out)? time zone$/.exec(base);
  return tz ? base.slice(0, tz.index) + m + base.slice(tz.index) : base + m;
}
