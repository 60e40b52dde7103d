import { exprText } from './expr.js';
import type { Column, Constraint, Expr, Index, SchemaState, Table } from './model.js';
import { typeToSql } from './model.js';
import { typeKey } from './typename.js';

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
  diffSets('sequence', [...a.sequences.keys()], [...b.sequences.keys()]);
  for (const k of diffSets('view', a.views.keys(), b.views.keys())) {
    field('view', k, 'materialized', String(a.views.get(k)!.materialized), String(b.views.get(k)!.materialized));
  }
  for (const k of diffSets('table', a.tables.keys(), b.tables.keys())) compareTable(k, a.tables.get(k)!, b.tables.get(k)!, diffSets, field);
  for (const k of diffSets('index', a.indexes.keys(), b.indexes.keys())) compareIndex(k, a.indexes.get(k)!, b.indexes.get(k)!, field);
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
  for (const c of diffSets('constraint', prefixed(k, a.constraints.keys()), prefixed(k, b.constraints.keys()))) {
    const name = c.slice(k.length + 1);
    compareConstraint(c, a.constraints.get(name)!, b.constraints.get(name)!, field);
  }
  diffSets('policy', prefixed(k, a.policies.keys()), prefixed(k, b.policies.keys()));
}

function compareColumn(name: string, a: Column, b: Column, field: Field): void {
  field('column', name, 'type', typeLabel(a), typeLabel(b));
  field('column', name, 'not null', String(a.notNull), String(b.notNull));
  field('column', name, 'default', exprLabel(a.default), exprLabel(b.default));
  field('column', name, 'identity', a.identity ?? '', b.identity ?? '');
  field('column', name, 'generated', exprLabel(a.generated), exprLabel(b.generated));
}

function compareConstraint(name: string, a: Constraint, b: Constraint, field: Field): void {
  field('constraint', name, 'kind', a.kind, b.kind);
  field('constraint', name, 'columns', a.columns.join(', '), b.columns.join(', '));
  if (a.references || b.references) {
    const ref = (c: Constraint) =>
      c.references ? `${c.references.schema}.${c.references.table}(${c.references.columns.join(', ')}) on delete ${c.references.onDelete} on update ${c.references.onUpdate}` : '';
    field('constraint', name, 'references', ref(a), ref(b));
  }
  if (a.kind === 'check' && b.kind === 'check') field('constraint', name, 'check', exprLabel(a.check), exprLabel(b.check));
}

function compareIndex(name: string, a: Index, b: Index, field: Field): void {
  field('index', name, 'table', a.table, b.table);
  field('index', name, 'unique', String(a.unique), String(b.unique));
  const cols = (i: Index) => i.columns.map((c) => `${c.isExpression ? exprOfText(c.expression) : c.expression}${c.desc ? ' desc' : ''}`).join(', ');
  field('index', name, 'columns', cols(a), cols(b));
  field('index', name, 'where', exprLabel(a.where), exprLabel(b.where));
}

function prefixed(k: string, names: Iterable<string>): string[] {
  return [...names].map((n) => `${k}.${n}`);
}

function typeLabel(c: Column): string {
  return `${typeToSql(c.type)} [${typeKey(c.type)}]`;
}

/** Expressions compare by their canonical deparsed text, so `'{}'::jsonb` and `'{}'::"jsonb"` agree. */
export function exprLabel(e: Expr | undefined): string {
  if (!e) return '';
  return normaliseExprText(exprText(e.ast));
}

/** Index expressions are stored as text on both sides; normalise quoting and spacing. */
function exprOfText(text: string): string {
  return normaliseExprText(text);
}

function normaliseExprText(text: string): string {
  return text
    .replace(/"([a-z_][a-z0-9_]*)"/g, '$1')
    .replace(/\(\s+/g, '(')
    .replace(/\s+\)/g, ')')
    .replace(/\s+/g, ' ')
    .trim();
}
