import { mapTree } from '../engine/ast.js';
import { exprText } from './expr.js';
import type { Column, Constraint, Expr, Index, SchemaState, Table, TypeRef } from './model.js';
import { typeToSql } from './model.js';
import { typeFromAst, typeKey } from './typename.js';

export interface SchemaDifference {
  /** `table`, `column`, `constraint`, `index`, `enum`, `schema`, `sequence`, `view`, `policy`. */
  object: string;
  /** `public.users.email`, … */
  name: string;
  /** What differs, in words: `type: text ≠ varchar(100)`, `only in left`. */
  detail: string;
}

export interface CompareOptions {
  /** Labels for the two sides in `detail` (default `left` / `right`). */
  left?: string;
  right?: string;
}

/**
 * Compare two schema models object by object. Used to check that snapshot-built and
 * replay-built models agree, and (by the snapshot rules) to say precisely where SQL and
 * snapshot disagree.
 */
export function compareSchemas(a: SchemaState, b: SchemaState, options: CompareOptions = {}): SchemaDifference[] {
  const d = new Differences(options.left ?? 'left', options.right ?? 'right');
  d.only('schema', '', a.schemas, b.schemas);
  d.match('enum', '', a.enums, b.enums, (k, x, y) => {
    if (!sameItems(x.values, y.values)) d.field('enum', k, 'values', x.values.join(', '), y.values.join(', '));
  });
  const [seqA, seqB] = alignImplicit(a.sequences, b.sequences, (s) => s.ownedBy, (k) => k);
  d.only('sequence', '', seqA, seqB);
  d.match('view', '', a.views, b.views, (k, x, y) => d.field('view', k, 'materialized', String(x.materialized), String(y.materialized)));
  d.match('table', '', a.tables, b.tables, (k, x, y) => compareTable(k, x, y, d));
  d.match('index', '', a.indexes, b.indexes, (k, x, y) => compareIndex(k, x, y, a.tables.get(x.table)?.name ?? tableName(x.table), d));
  return d.list;
}

/**
 * What differs between an index the schema has and the one a statement defines under the same
 * name ([] when they are the same): a `CREATE INDEX IF NOT EXISTS` that finds it does nothing.
 */
export function indexDifferences(existing: Index, defined: Index, table: string): SchemaDifference[] {
  const d = new Differences('existing', 'this statement');
  compareIndex(existing.name, existing, defined, table, d);
  d.field('index', existing.name, 'method', existing.method, defined.method);
  return d.list;
}

/** The same for a constraint (an `ADD CONSTRAINT` whose duplicate-name error a DO block swallows). */
export function constraintDifferences(existing: Constraint, defined: Constraint, table: string): SchemaDifference[] {
  const d = new Differences('existing', 'this statement');
  compareConstraint(existing.name, existing, defined, table, d);
  return d.list;
}

/**
 * The differences found so far. Objects are matched by name straight from the schema's maps:
 * qualified names (`public.users.email`) are built only for what is reported.
 */
class Differences {
  readonly list: SchemaDifference[] = [];
  constructor(
    private readonly left: string,
    private readonly right: string,
  ) {}

  /** Report the names only one side has: the left side's first, then the right side's. */
  only(object: string, prefix: string, a: ReadonlySet<string> | ReadonlyMap<string, unknown>, b: ReadonlySet<string> | ReadonlyMap<string, unknown>): void {
    for (const k of a.keys()) if (!b.has(k)) this.list.push({ object, name: prefix + k, detail: `only in ${this.left}` });
    for (const k of b.keys()) if (!a.has(k)) this.list.push({ object, name: prefix + k, detail: `only in ${this.right}` });
  }

  /** `only`, then `each` for the names both sides have, in the left side's order. */
  match<V>(object: string, prefix: string, a: ReadonlyMap<string, V>, b: ReadonlyMap<string, V>, each: (name: string, x: V, y: V) => void): void {
    this.only(object, prefix, a, b);
    for (const [k, x] of a) {
      const y = b.get(k);
      if (y !== undefined) each(prefix + k, x, y);
    }
  }

  field(object: string, name: string, what: string, x: string, y: string): void {
    if (x !== y) this.list.push({ object, name, detail: `${what}: ${x || '(none)'} (${this.left}) ≠ ${y || '(none)'} (${this.right})` });
  }
}

function compareTable(k: string, a: Table, b: Table, d: Differences): void {
  if (a.rlsEnabled !== b.rlsEnabled) d.field('table', k, 'row level security', String(a.rlsEnabled), String(b.rlsEnabled));
  const prefix = `${k}.`;
  d.match('column', prefix, a.columns, b.columns, (name, x, y) => compareColumn(name, a.name, x, y, d));
  // A primary key whose name one side does not know is matched by being the table's primary key.
  const [consA, consB] = alignImplicit(a.constraints, b.constraints, (c) => (c.kind === 'primaryKey' ? 'pk' : undefined), (n) => n);
  d.match('constraint', prefix, consA, consB, (name, x, y) => compareConstraint(name, x, y, a.name, d));
  d.match('policy', prefix, a.policies, b.policies, (p, pa, pb) => {
    d.field('policy', p, 'command', pa.command.toLowerCase(), pb.command.toLowerCase());
    d.field('policy', p, 'permissive', String(pa.permissive), String(pb.permissive));
    d.field('policy', p, 'roles', roleList(pa.roles), roleList(pb.roles));
    if (!sameExpr(pa.using, pb.using, { table: a.name })) d.field('policy', p, 'using', exprLabel(pa.using, { table: a.name }), exprLabel(pb.using, { table: a.name }));
    if (!sameExpr(pa.withCheck, pb.withCheck, { table: a.name })) d.field('policy', p, 'with check', exprLabel(pa.withCheck, { table: a.name }), exprLabel(pb.withCheck, { table: a.name }));
  });
}

/** `TO public` is the default; role order does not matter. */
function roleList(roles: string[]): string {
  const list = roles.length === 0 ? ['public'] : roles;
  return [...new Set(list)].sort().join(', ');
}

/**
 * Re-key objects whose name one side does not know (`implicitName`) under the other side's name,
 * pairing them by `pairKey` (the owning column of a sequence, the table's primary key).
 */
function alignImplicit<T extends { implicitName?: boolean }>(
  a: Map<string, T>,
  b: Map<string, T>,
  pairKey: (v: T) => string | undefined,
  rekey: (aKey: string, bValue: T) => string,
): [Map<string, T>, Map<string, T>] {
  const byPair = new Map<string, [string, T]>();
  for (const [k, v] of a) {
    const p = pairKey(v);
    if (p !== undefined) byPair.set(p, [k, v]);
  }
  let out: Map<string, T> | undefined;
  for (const [k, v] of b) {
    const p = pairKey(v);
    if (p === undefined) continue;
    const match = byPair.get(p);
    if (!match || match[0] === k || !(v.implicitName || match[1].implicitName)) continue;
    const nk = rekey(match[0], v);
    if (nk === k || b.has(nk)) continue;
    out ??= new Map(b);
    out.delete(k);
    out.set(nk, v);
  }
  return [a, out ?? b];
}

function compareColumn(name: string, table: string, a: Column, b: Column, d: Differences): void {
  // Snapshots share type and expression objects per spelling (snapshot.ts caches them): the same
  // object is the same label, and deparsing every default of a large schema is what comparing costs.
  const sameType = a.type === b.type || sameTypeRef(a.type, b.type);
  if (!sameType) d.field('column', name, 'type', typeLabel(a), typeLabel(b));
  if (a.notNull !== b.notNull) d.field('column', name, 'not null', String(a.notNull), String(b.notNull));
  if (!sameExpr(a.default, b.default, { table, type: a.type }, { table, type: b.type })) d.field('column', name, 'default', exprLabel(a.default, { table, type: a.type }), exprLabel(b.default, { table, type: b.type }));
  if (a.identity !== b.identity) d.field('column', name, 'identity', a.identity ?? '', b.identity ?? '');
  if (!sameExpr(a.generated, b.generated, { table })) d.field('column', name, 'generated', exprLabel(a.generated, { table }), exprLabel(b.generated, { table }));
}

function compareConstraint(name: string, a: Constraint, b: Constraint, table: string, d: Differences): void {
  d.field('constraint', name, 'kind', a.kind, b.kind);
  if (!sameItems(a.columns, b.columns)) d.field('constraint', name, 'columns', a.columns.join(', '), b.columns.join(', '));
  if ((a.references || b.references) && !sameReference(a.references, b.references)) d.field('constraint', name, 'references', referenceLabel(a), referenceLabel(b));
  if (a.kind === 'check' && b.kind === 'check' && !sameExpr(a.check, b.check, { table })) d.field('constraint', name, 'check', exprLabel(a.check, { table }), exprLabel(b.check, { table }));
}

function sameReference(a: Constraint['references'], b: Constraint['references']): boolean {
  return (
    a !== undefined &&
    b !== undefined &&
    a.schema === b.schema &&
    a.table === b.table &&
    a.onDelete === b.onDelete &&
    a.onUpdate === b.onUpdate &&
    sameItems(a.columns, b.columns)
  );
}

function referenceLabel(c: Constraint): string {
  const r = c.references;
  return r ? `${r.schema}.${r.table}(${r.columns.join(', ')}) on delete ${r.onDelete} on update ${r.onUpdate}` : '';
}

function compareIndex(name: string, a: Index, b: Index, table: string, d: Differences): void {
  d.field('index', name, 'table', a.table, b.table);
  if (a.unique !== b.unique) d.field('index', name, 'unique', String(a.unique), String(b.unique));
  const cols = (i: Index) => i.columns.map((c) => `${c.isExpression ? exprOfText(c.expression, table) : c.expression}${c.desc ? ' desc' : ''}`).join(', ');
  // Snapshots share index columns and expressions per spelling: identical objects need no deparse.
  if (!sameItems(a.columns, b.columns)) d.field('index', name, 'columns', cols(a), cols(b));
  if (!sameExpr(a.where, b.where, { table })) d.field('index', name, 'where', exprLabel(a.where, { table }), exprLabel(b.where, { table }));
}

function sameItems<T>(a: readonly T[], b: readonly T[]): boolean {
  return a.length === b.length && a.every((item, i) => item === b[i]);
}

function tableName(tableKey: string): string {
  return tableKey.slice(tableKey.indexOf('.') + 1);
}

/** The same type field by field (what typeLabel is made of), without building labels: replayed columns share no type objects with a snapshot's. */
function sameTypeRef(a: TypeRef, b: TypeRef): boolean {
  return a.builtin === b.builtin && a.name === b.name && (a.schema ?? '') === (b.schema ?? '') && a.arrayDims === b.arrayDims && sameValues(a.mods, b.mods);
}

function sameValues(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

function typeLabel(c: Column): string {
  return `${typeToSql(c.type)} [${typeKey(c.type)}]`;
}

export interface ExprContext {
  /** The table the expression belongs to: `t.col` and `col` mean the same column there. */
  table?: string;
  /** For defaults: the column's type, so `'x'::t` and `'x'` agree on a column of type t. */
  type?: TypeRef;
}

const labelCache = new WeakMap<object, Map<string, string>>();

/**
 * Expressions compare by their canonical deparsed text, so `'{}'::jsonb` and `'{}'::"jsonb"` agree.
 * With a context, spellings PostgreSQL stores identically are unified: a column reference qualified
 * by its own table (`"document"."storage_key"` in an index predicate) and, for a default, a literal
 * cast to the column's own type (`'pending'::"public"."status"` on a `status` column: PostgreSQL
 * coerces the bare literal to the column type, so both store the same default).
 */
export function exprLabel(e: Expr | undefined, context: ExprContext = {}): string {
  if (!e) return '';
  const ast = e.ast as object;
  const cacheKey = `${context.table ?? ''}|${context.type ? typeBase(context.type) : ''}`;
  let byContext = typeof ast === 'object' && ast !== null ? labelCache.get(ast) : undefined;
  const cached = byContext?.get(cacheKey);
  if (cached !== undefined) return cached;
  let node: any = ast;
  if (context.type) node = stripOwnTypeCast(node, context.type);
  if (context.table) node = stripQualifier(node, context.table);
  const label = normaliseExprText(exprText(node));
  if (typeof ast === 'object' && ast !== null) {
    if (!byContext) labelCache.set(ast, (byContext = new Map()));
    byContext.set(cacheKey, label);
  }
  return label;
}

/**
 * Whether two expressions are certainly the same without deparsing them: the same object (snapshots
 * share them per spelling), or the same tree once locations are ignored and the context rewrites of
 * exprLabel are made. Deparsing every default of a replayed schema to compare it with a snapshot
 * (a full run's history comparison) is most of what that comparison costs; where this says no, the
 * labels decide (other spellings of one expression).
 */
function sameExpr(a: Expr | undefined, b: Expr | undefined, context: ExprContext, contextB: ExprContext = context): boolean {
  if (a === b) return true;
  if (!a || !b) return false;
  let x: any = a.ast;
  let y: any = b.ast;
  if (context.type) x = stripOwnTypeCast(x, context.type);
  if (contextB.type) y = stripOwnTypeCast(y, contextB.type);
  return sameTree(x, y, context.table);
}

/** Structural equality of two syntax trees, locations ignored, column references qualified by `table` taken as bare. */
function sameTree(a: any, b: any, table: string | undefined): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameTree(a[i], b[i], table)) return false;
    return true;
  }
  if (table && a.ColumnRef && b.ColumnRef) return sameTree(unqualified(a.ColumnRef.fields, table), unqualified(b.ColumnRef.fields, table), undefined);
  let keys = 0;
  for (const k in a) {
    if (k === 'location') continue;
    if (!(k in b) || !sameTree(a[k], b[k], table)) return false;
    keys++;
  }
  for (const k in b) if (k !== 'location') keys--;
  return keys === 0;
}

/** A column reference's fields without a `table.` (or `schema.table.`) qualifier naming `table`. */
function unqualified(fields: any, table: string): any {
  if (!Array.isArray(fields) || fields.length < 2) return fields;
  const names = fields.map((f: any) => f?.String?.sval);
  return names[names.length - 2] === table && names.slice(0, -1).every((x: unknown) => typeof x === 'string') ? fields.slice(-1) : fields;
}

/** Type identity without modifiers: `'x'::varchar` on a varchar(255) column is the same default. */
function typeBase(type: TypeRef): string {
  return `${type.builtin ? type.name : `${type.schema ?? 'public'}.${type.name}`}${'[]'.repeat(type.arrayDims)}`;
}

function stripOwnTypeCast(node: any, type: TypeRef): any {
  const cast = node?.TypeCast;
  if (!cast || !cast.arg?.A_Const) return node;
  if (cast.arg.A_Const.sval === undefined && cast.arg.A_Const.isnull !== true) return node;
  try {
    return typeBase(typeFromAst(cast.typeName)) === typeBase(type) ? cast.arg : node;
  } catch {
    return node;
  }
}

/** Copy-on-write removal of `table.` (and `schema.table.`) qualifiers of column references. */
function stripQualifier(node: any, table: string): any {
  return mapTree(node, (n) => {
    const ref = n?.ColumnRef;
    if (ref && Array.isArray(ref.fields) && ref.fields.length >= 2) {
      const names = ref.fields.map((f: any) => f?.String?.sval);
      if (names[names.length - 2] === table && names.slice(0, -1).every((x: unknown) => typeof x === 'string')) {
        return { ColumnRef: { ...ref, fields: ref.fields.slice(-1) } };
      }
    }
    return n;
  });
}

/** Index expressions are stored as text on both sides; normalise quoting, spacing and own-table qualifiers. */
function exprOfText(text: string, table: string): string {
  const escaped = table.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return normaliseExprText(text.replace(new RegExp(`(?<![\\w".])(?:"${escaped}"|\\b${escaped}\\b)\\.(?=["a-zA-Z_])`, 'g'), ''));
}

function normaliseExprText(text: string): string {
  return text
    .replace(/"([a-z_][a-z0-9_]*)"/g, '$1')
    .replace(/\(\s+/g, '(')
    .replace(/\s+\)/g, ')')
    .replace(/\s+/g, ' ')
    .trim();
}
