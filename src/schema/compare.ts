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
  const L = options.left ?? 'left';
  const R = options.right ?? 'right';
  const out: SchemaDifference[] = [];
  const diffSets = (object: string, x: Iterable<string>, y: Iterable<string>) => {
    const sx = new Set(x);
    const sy = new Set(y);
    for (const k of sx) if (!sy.has(k)) out.push({ object, name: k, detail: `only in ${L}` });
    for (const k of sy) if (!sx.has(k)) out.push({ object, name: k, detail: `only in ${R}` });
    return [...sx].filter((k) => sy.has(k));
  };
  const field = (object: string, name: string, what: string, x: string, y: string) => {
    if (x !== y) out.push({ object, name, detail: `${what}: ${x || '(none)'} (${L}) ≠ ${y || '(none)'} (${R})` });
  };

  diffSets('schema', a.schemas, b.schemas);
  for (const k of diffSets('enum', a.enums.keys(), b.enums.keys())) {
    field('enum', k, 'values', a.enums.get(k)!.values.join(', '), b.enums.get(k)!.values.join(', '));
  }
  const [seqA, seqB] = alignImplicit(a.sequences, b.sequences, (s) => s.ownedBy, (k) => k);
  diffSets('sequence', seqA.keys(), seqB.keys());
  for (const k of diffSets('view', a.views.keys(), b.views.keys())) {
    field('view', k, 'materialized', String(a.views.get(k)!.materialized), String(b.views.get(k)!.materialized));
  }
  for (const k of diffSets('table', a.tables.keys(), b.tables.keys())) compareTable(k, a.tables.get(k)!, b.tables.get(k)!, diffSets, field);
  for (const k of diffSets('index', a.indexes.keys(), b.indexes.keys())) {
    const ia = a.indexes.get(k)!;
    const ib = b.indexes.get(k)!;
    compareIndex(k, ia, ib, a.tables.get(ia.table)?.name ?? tableName(ia.table), field);
  }
  return out;
}

type DiffSets = (object: string, x: Iterable<string>, y: Iterable<string>) => string[];
type Field = (object: string, name: string, what: string, x: string, y: string) => void;

function compareTable(k: string, a: Table, b: Table, diffSets: DiffSets, field: Field): void {
  field('table', k, 'row level security', String(a.rlsEnabled), String(b.rlsEnabled));
  for (const c of diffSets('column', prefixed(k, a.columns.keys()), prefixed(k, b.columns.keys()))) {
    const name = c.slice(k.length + 1);
    compareColumn(c, a.columns.get(name)!, b.columns.get(name)!, field);
  }
  // A primary key whose name one side does not know is matched by being the table's primary key.
  const [consA, consB] = alignImplicit(a.constraints, b.constraints, (c) => (c.kind === 'primaryKey' ? 'pk' : undefined), (n) => n);
  for (const c of diffSets('constraint', prefixed(k, consA.keys()), prefixed(k, consB.keys()))) {
    const name = c.slice(k.length + 1);
    compareConstraint(c, consA.get(name)!, consB.get(name)!, a.name, field);
  }
  for (const p of diffSets('policy', prefixed(k, a.policies.keys()), prefixed(k, b.policies.keys()))) {
    const name = p.slice(k.length + 1);
    const pa = a.policies.get(name)!;
    const pb = b.policies.get(name)!;
    field('policy', p, 'command', pa.command.toLowerCase(), pb.command.toLowerCase());
    field('policy', p, 'permissive', String(pa.permissive), String(pb.permissive));
    field('policy', p, 'roles', roleList(pa.roles), roleList(pb.roles));
    if (pa.using !== pb.using) field('policy', p, 'using', exprLabel(pa.using, { table: a.name }), exprLabel(pb.using, { table: a.name }));
    if (pa.withCheck !== pb.withCheck) field('policy', p, 'with check', exprLabel(pa.withCheck, { table: a.name }), exprLabel(pb.withCheck, { table: a.name }));
  }
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

function compareColumn(name: string, a: Column, b: Column, field: Field): void {
  const table = name.split('.').slice(-2, -1)[0];
  // Snapshots share type and expression objects per spelling (snapshot.ts caches them): the same
  // object is the same label, and deparsing every default of a large schema is what comparing costs.
  const sameType = a.type === b.type;
  if (!sameType) field('column', name, 'type', typeLabel(a), typeLabel(b));
  field('column', name, 'not null', String(a.notNull), String(b.notNull));
  if (!sameType || a.default !== b.default) field('column', name, 'default', exprLabel(a.default, { table, type: a.type }), exprLabel(b.default, { table, type: b.type }));
  field('column', name, 'identity', a.identity ?? '', b.identity ?? '');
  if (a.generated !== b.generated) field('column', name, 'generated', exprLabel(a.generated, { table }), exprLabel(b.generated, { table }));
}

function compareConstraint(name: string, a: Constraint, b: Constraint, table: string, field: Field): void {
  field('constraint', name, 'kind', a.kind, b.kind);
  field('constraint', name, 'columns', a.columns.join(', '), b.columns.join(', '));
  if (a.references || b.references) {
    const ref = (c: Constraint) =>
      c.references ? `${c.references.schema}.${c.references.table}(${c.references.columns.join(', ')}) on delete ${c.references.onDelete} on update ${c.references.onUpdate}` : '';
    field('constraint', name, 'references', ref(a), ref(b));
  }
  if (a.kind === 'check' && b.kind === 'check' && a.check !== b.check) field('constraint', name, 'check', exprLabel(a.check, { table }), exprLabel(b.check, { table }));
}

function compareIndex(name: string, a: Index, b: Index, table: string, field: Field): void {
  field('index', name, 'table', a.table, b.table);
  field('index', name, 'unique', String(a.unique), String(b.unique));
  const cols = (i: Index) => i.columns.map((c) => `${c.isExpression ? exprOfText(c.expression, table) : c.expression}${c.desc ? ' desc' : ''}`).join(', ');
  // Snapshots share index columns and expressions per spelling: identical objects need no deparse.
  if (!sameItems(a.columns, b.columns)) field('index', name, 'columns', cols(a), cols(b));
  if (a.where !== b.where) field('index', name, 'where', exprLabel(a.where, { table }), exprLabel(b.where, { table }));
}

function sameItems<T>(a: readonly T[], b: readonly T[]): boolean {
  return a.length === b.length && a.every((item, i) => item === b[i]);
}

function tableName(tableKey: string): string {
  return tableKey.slice(tableKey.indexOf('.') + 1);
}

function prefixed(k: string, names: Iterable<string>): string[] {
  return [...names].map((n) => `${k}.${n}`);
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
  if (Array.isArray(node)) {
    let out: any[] | undefined;
    node.forEach((item, i) => {
      const next = stripQualifier(item, table);
      if (next !== item) (out ??= [...node])[i] = next;
    });
    return out ?? node;
  }
  if (node === null || typeof node !== 'object') return node;
  const ref = node.ColumnRef;
  if (ref && Array.isArray(ref.fields) && ref.fields.length >= 2) {
    const names = ref.fields.map((f: any) => f?.String?.sval);
    if (names[names.length - 2] === table && names.slice(0, -1).every((n: unknown) => typeof n === 'string')) {
      return { ColumnRef: { ...ref, fields: ref.fields.slice(-1) } };
    }
    return node;
  }
  let out: any;
  for (const k of Object.keys(node)) {
    const next = stripQualifier(node[k], table);
    if (next !== node[k]) (out ??= { ...node })[k] = next;
  }
  return out ?? node;
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
