import { createRequire } from 'node:module';
import type { Node } from '../engine/ast.js';
import { DEFAULT_SCHEMA, type Column, type Constraint, type EnumType, type Expr, type Index, type Policy, type Sequence, type Table, type TypeRef, type View } from './model.js';
import { SERIAL_TYPES } from './typename.js';

/**
 * SQL text for the schema model's objects: what re-creates a table, a column, a constraint, an
 * index, an enum, a policy, a sequence or a view as the model knows it, in drizzle-kit's spelling
 * (quoted identifiers, `public` left out of table names). Pure; used by `down` to undo a drop,
 * and meant for any feature that writes SQL from the model.
 *
 * Everything here is printed to terminals and CI logs and comes from untrusted migrations: names
 * with control characters are written as PostgreSQL Unicode escapes (`U&"a\000Ab"`), which keeps
 * the SQL exact and the output free of raw control characters. `unsafeText` tells whether a piece
 * of deparsed SQL still holds one (then it must not be printed as is).
 */

/** C0 and C1 control characters other than tab and newline, and DEL. */
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;
/** Characters a Unicode-escaped identifier or literal writes as `\XXXX`. */
const ESCAPED = /[\u0000-\u001f\u007f-\u009f\\]/g;

export function unsafeText(text: string): boolean {
  return CONTROL.test(text);
}

/** `"name"`, or `U&"…"` when the name holds control characters. */
export function ident(name: string): string {
  if (!/[\u0000-\u001f\u007f-\u009f]/.test(name)) return `"${name.replaceAll('"', '""')}"`;
  return `U&"${name.replaceAll('"', '""').replace(ESCAPED, unicodeEscape)}"`;
}

/** A name PostgreSQL folds to itself (`btree`, `gin_trgm_ops`) bare, any other quoted. */
export function word(name: string): string {
  return /^[a-z_][a-z0-9_$]*$/.test(name) ? name : ident(name);
}

/** `'text'`, or `U&'…'` when it holds control characters. */
export function literal(text: string): string {
  if (!/[\u0000-\u001f\u007f-\u009f]/.test(text)) return `'${text.replaceAll("'", "''")}'`;
  return `U&'${text.replaceAll("'", "''").replace(ESCAPED, unicodeEscape)}'`;
}

function unicodeEscape(ch: string): string {
  return ch === '\\' ? '\\\\' : `\\${ch.charCodeAt(0).toString(16).padStart(4, '0')}`;
}

/** `"schema"."name"`, schema omitted for public (as drizzle-kit writes tables). */
export function relation(schema: string, name: string): string {
  return schema === DEFAULT_SCHEMA ? ident(name) : `${ident(schema)}.${ident(name)}`;
}

/** `"schema"."name"` always (as drizzle-kit writes types, sequences and views). */
export function qualified(schema: string, name: string): string {
  return `${ident(schema)}.${ident(name)}`;
}

/** A `schema.name` key as a relation name. */
export function relationOfKey(k: string): string {
  const dot = k.indexOf('.');
  return relation(k.slice(0, dot), k.slice(dot + 1));
}

/** A `schema.name` key as a qualified name. */
export function qualifiedOfKey(k: string): string {
  const dot = k.indexOf('.');
  return qualified(k.slice(0, dot), k.slice(dot + 1));
}

/**
 * A column type as SQL: built-ins by name (`varchar(255)`, `timestamp(3) with time zone`), user
 * types qualified (`"public"."role"`). `serial` types become their integer type unless `keepSerial`
 * (only a column definition may say serial).
 */
export function typeSql(type: TypeRef, keepSerial = false): string {
  const name = !keepSerial && type.builtin && SERIAL_TYPES.has(type.name) ? SERIAL_BASE[type.name]! : type.name;
  const base = type.builtin ? name : qualified(type.schema ?? DEFAULT_SCHEMA, name);
  const withMods = type.mods.length === 0 ? base : insertMods(base, type.mods);
  return withMods + '[]'.repeat(type.arrayDims);
}

const SERIAL_BASE: Record<string, string> = { serial: 'integer', bigserial: 'bigint', smallserial: 'smallint' };

function insertMods(base: string, mods: string[]): string {
  const m = `(${mods.join(', ')})`;
  const tz = / with(out)? time zone$/.exec(base);
  return tz ? base.slice(0, tz.index) + m + base.slice(tz.index) : base + m;
}

type DeparseSync = (node: Node, options?: { pretty?: boolean }) => string;
let deparser: DeparseSync | undefined;

/** SQL text of a parse tree node, exact (string literals keep their whitespace). */
export function deparse(node: Node): string {
  if (!deparser) {
    const require = createRequire(import.meta.url);
    deparser = (require('pgsql-deparser') as { deparseSync: DeparseSync }).deparseSync;
  }
  return deparser(node, { pretty: false }).trim();
}

/** An expression as SQL (a default, a CHECK, a predicate, a generated column's expression). */
export function exprSql(e: Expr): string {
  return deparse(e.ast as Node);
}

/**
 * A column as `CREATE TABLE` / `ADD COLUMN` writes it: type, generated expression, default,
 * identity (with its sequence's name and options), NOT NULL. `notNull: false` leaves NOT NULL out.
 */
export function columnSql(column: Column, sequence?: Sequence, options: { notNull?: boolean } = {}): string {
  const parts = [ident(column.name), typeSql(column.type, true)];
  if (column.generated) parts.push(`GENERATED ALWAYS AS (${exprSql(column.generated)}) STORED`);
  if (column.default) parts.push(`DEFAULT ${exprSql(column.default)}`);
  if (column.identity) parts.push(identitySql(column.identity, sequence));
  // Identity columns are NOT NULL by themselves.
  if (column.notNull && options.notNull !== false && !column.identity) parts.push('NOT NULL');
  return parts.join(' ');
}

/** `GENERATED ALWAYS AS IDENTITY (SEQUENCE NAME "s" INCREMENT BY 1 …)`. */
export function identitySql(identity: 'always' | 'byDefault', sequence?: Sequence): string {
  const head = `GENERATED ${identity === 'always' ? 'ALWAYS' : 'BY DEFAULT'} AS IDENTITY`;
  const options = [...(sequence ? [`SEQUENCE NAME ${qualified(sequence.schema, sequence.name)}`] : []), ...sequenceOptionsSql(sequence?.options)];
  return options.length ? `${head} (${options.join(' ')})` : head;
}

/** Sequence options (DefElem nodes) as SQL: `INCREMENT BY 1 MINVALUE 1 … CACHE 1`. */
export function sequenceOptionsSql(options: readonly unknown[] | undefined): string[] {
  const out: string[] = [];
  for (const o of options ?? []) {
    const d = (o as Node)?.DefElem;
    if (!d) continue;
    const value = numberOf(d.arg);
    switch (d.defname) {
      case 'as':
        out.push(`AS ${deparseTypeName(d.arg)}`);
        break;
      case 'increment':
        out.push(`INCREMENT BY ${value}`);
        break;
      case 'minvalue':
        out.push(d.arg ? `MINVALUE ${value}` : 'NO MINVALUE');
        break;
      case 'maxvalue':
        out.push(d.arg ? `MAXVALUE ${value}` : 'NO MAXVALUE');
        break;
      case 'start':
        out.push(`START WITH ${value}`);
        break;
      case 'cache':
        out.push(`CACHE ${value}`);
        break;
      case 'cycle':
        out.push(d.arg?.Boolean?.boolval ? 'CYCLE' : 'NO CYCLE');
        break;
      default:
        break; // restart, owned_by, sequence_name: not part of a definition
    }
  }
  return out;
}

/** libpg-query writes 0 as `{ Integer: {} }`. */
function numberOf(arg: Node): string {
  if (arg?.Integer) return String(arg.Integer.ival ?? 0);
  if (arg?.Float) return String(arg.Float.fval ?? 0);
  if (arg?.String) return String(arg.String.sval);
  return '0';
}

function deparseTypeName(arg: Node): string {
  if (!arg?.TypeName) return 'bigint';
  const text = deparse({ TypeCast: { arg: { A_Const: { isnull: true } }, typeName: arg.TypeName } });
  return text.replace(/^(CAST\(NULL AS |NULL::)/, '').replace(/\)$/, '');
}

/** A constraint as SQL after `CONSTRAINT "name"`; undefined for exclusion constraints (the model keeps no definition). */
export function constraintSql(c: Constraint): string | undefined {
  const cols = (names: string[]) => names.map(ident).join(', ');
  switch (c.kind) {
    case 'primaryKey':
      return `CONSTRAINT ${ident(c.name)} PRIMARY KEY(${cols(c.columns)})`;
    case 'unique':
      return `CONSTRAINT ${ident(c.name)} UNIQUE${c.nullsNotDistinct ? ' NULLS NOT DISTINCT' : ''}(${cols(c.columns)})`;
    case 'foreignKey': {
      const r = c.references!;
      return `CONSTRAINT ${ident(c.name)} FOREIGN KEY (${cols(c.columns)}) REFERENCES ${qualified(r.schema, r.table)}(${cols(r.columns)}) ON DELETE ${r.onDelete} ON UPDATE ${r.onUpdate}`;
    }
    case 'check':
      return c.check ? `CONSTRAINT ${ident(c.name)} CHECK (${exprSql(c.check)})` : undefined;
    default:
      return undefined;
  }
}

/** `ALTER TABLE t ADD CONSTRAINT …` (NOT VALID kept); undefined when the model cannot write it. */
export function addConstraintSql(tableKey: string, c: Constraint): string | undefined {
  const body = constraintSql(c);
  if (!body) return undefined;
  const notValid = c.notValid && (c.kind === 'foreignKey' || c.kind === 'check') ? ' NOT VALID' : '';
  return `ALTER TABLE ${relationOfKey(tableKey)} ADD ${body}${notValid};`;
}

/**
 * `CREATE TABLE` with its columns and its constraints other than foreign keys (those are added
 * after every table exists: `addConstraintSql`), or undefined when a constraint cannot be written.
 */
export function createTableSql(table: Table, sequences: readonly Sequence[]): string | undefined {
  const lines: string[] = [];
  const tableKey = `${table.schema}.${table.name}`;
  for (const column of table.columns.values()) {
    const owned = sequences.find((s) => s.ownedBy === `${tableKey}.${column.name}`);
    lines.push(columnSql(column, column.identity ? owned : undefined));
  }
  for (const c of table.constraints.values()) {
    if (c.kind === 'foreignKey' || c.notValid) continue;
    const body = constraintSql(c);
    if (!body) return undefined;
    lines.push(body);
  }
  return `CREATE TABLE ${relation(table.schema, table.name)} (\n\t${lines.join(',\n\t')}\n);`;
}

/** The table's constraints that `createTableSql` leaves out: foreign keys and NOT VALID ones. */
export function constraintsAfterCreate(table: Table): Constraint[] {
  return [...table.constraints.values()].filter((c) => c.kind === 'foreignKey' || c.notValid);
}

/** `CREATE [UNIQUE] INDEX "name" ON t USING method (…) INCLUDE (…) NULLS NOT DISTINCT WITH (…) WHERE …;` */
export function createIndexSql(index: Index): string {
  const columns = index.columns.map((c) => {
    let text = c.isExpression ? `(${c.expression})` : ident(c.expression);
    if (c.opclass) text += ` ${c.opclass.split('.').map(word).join('.')}`;
    if (c.desc) text += ' DESC';
    if (c.nullsFirst !== undefined && c.nullsFirst !== c.desc) text += c.nullsFirst ? ' NULLS FIRST' : ' NULLS LAST';
    return text;
  });
  const parts = [`CREATE ${index.unique ? 'UNIQUE ' : ''}INDEX ${ident(index.name)} ON ${relationOfKey(index.table)} USING ${word(index.method)} (${columns.join(', ')})`];
  if (index.include?.length) parts.push(`INCLUDE (${index.include.map(ident).join(', ')})`);
  if (index.nullsNotDistinct) parts.push('NULLS NOT DISTINCT');
  if (index.options?.length) parts.push(`WITH (${index.options.map(reloptionSql).join(', ')})`);
  if (index.where) parts.push(`WHERE ${exprSql(index.where)}`);
  return parts.join(' ') + ';';
}

/** A storage parameter (`fillfactor=70`). */
function reloptionSql(o: unknown): string {
  const d = (o as Node)?.DefElem;
  const name = d?.defnamespace ? `${d.defnamespace}.${d.defname}` : d?.defname ?? '';
  if (d?.arg === undefined) return name;
  // `off` parses as a type name, `true` as a string: both are words PostgreSQL takes quoted.
  const word = d.arg.TypeName ? d.arg.TypeName.names?.map((n: Node) => n.String?.sval).join('.') : d.arg.String ? d.arg.String.sval : undefined;
  const value = word !== undefined ? literal(String(word)) : d.arg.Boolean ? String(d.arg.Boolean.boolval === true) : numberOf(d.arg);
  return `${name}=${value}`;
}

export function createEnumSql(e: EnumType): string {
  return `CREATE TYPE ${qualified(e.schema, e.name)} AS ENUM(${e.values.map(literal).join(', ')});`;
}

const ROLE_KEYWORDS = new Set(['public', 'current_user', 'session_user', 'current_role']);

export function createPolicySql(tableKey: string, p: Policy): string {
  const roles = (p.roles.length ? p.roles : ['public']).map((r) => (ROLE_KEYWORDS.has(r) ? r : ident(r)));
  const parts = [`CREATE POLICY ${ident(p.name)} ON ${relationOfKey(tableKey)} AS ${p.permissive ? 'PERMISSIVE' : 'RESTRICTIVE'} FOR ${p.command.toUpperCase()} TO ${roles.join(', ')}`];
  if (p.using) parts.push(`USING (${exprSql(p.using)})`);
  if (p.withCheck) parts.push(`WITH CHECK (${exprSql(p.withCheck)})`);
  return parts.join(' ') + ';';
}

export function createSequenceSql(s: Sequence): string {
  const options = sequenceOptionsSql(s.options);
  return `CREATE SEQUENCE ${qualified(s.schema, s.name)}${options.length ? ' ' + options.join(' ') : ''};`;
}

/** `CREATE [MATERIALIZED] VIEW …`, or undefined when the model does not know its query. */
export function createViewSql(v: View): string | undefined {
  if (!v.query) return undefined;
  const rel = { RangeVar: { schemaname: v.schema, relname: v.name, inh: true, relpersistence: 'p' } };
  if (v.materialized) {
    const into = {
      rel: rel.RangeVar,
      options: v.options ?? [],
      onCommit: 'ONCOMMIT_NOOP',
      skipData: v.withNoData === true,
      ...(v.accessMethod ? { accessMethod: v.accessMethod } : {}),
      ...(v.tablespace ? { tableSpaceName: v.tablespace } : {}),
    };
    return deparse({ CreateTableAsStmt: { query: v.query, into, objtype: 'OBJECT_MATVIEW' } }) + ';';
  }
  return (
    deparse({
      ViewStmt: { view: rel.RangeVar, query: v.query, ...(v.options?.length ? { options: v.options } : {}), withCheckOption: v.checkOption ?? 'NO_CHECK_OPTION' },
    }) + ';'
  );
}
