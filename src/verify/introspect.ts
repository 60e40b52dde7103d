import { parseExpression, parseTypeName } from '../engine/parse.js';
import { exprText } from '../schema/expr.js';
import {
  emptyState,
  key,
  newTable,
  type Column,
  type Constraint,
  type ConstraintKind,
  type Expr,
  type IndexColumn,
  type SchemaState,
  type Table,
  type TypeRef,
} from '../schema/model.js';
import { typeFromAst } from '../schema/typename.js';
import { maskSecrets, openConnection, redactUrl } from '../runner/database.js';
import { UsageError } from '../runner/errors.js';

/** The part of a `pg` Client introspection needs (SELECT only). */
export interface QueryClient {
  query(text: string, values?: unknown[]): Promise<{ rows: Record<string, any>[] }>;
}

export interface IntrospectOptions {
  /** Only these schemas (default: every user schema). */
  schemas?: string[];
  /** drizzle's bookkeeping table: its schema is left out (unless it is `public`, then only the table). */
  migrationsTable?: { schema: string; table: string };
}

/**
 * Build the schema model of a live database from pg_catalog, read-only (SELECT only; the caller
 * owns the transaction). Types, defaults, checks and predicates go through the same parser and
 * normalisation as the snapshot and replay paths, so a database built by the migrations compares
 * equal to the newest snapshot:
 *
 * - a `nextval()` default on a sequence the column owns (serial) becomes the `serial`/`bigserial`/
 *   `smallserial` type with no default, as drizzle writes it;
 * - identity and serial sequences are owned sequences (`ownedBy`), paired with the snapshot's by owner;
 * - objects that belong to extensions (pg_depend `e`) are left out.
 *
 * The client's search_path is set to `public` for the transaction (SET LOCAL), so PostgreSQL prints
 * types and functions of `public` unqualified, as drizzle writes them.
 */
export async function introspect(client: QueryClient, options: IntrospectOptions = {}): Promise<SchemaState> {
  const migrations = options.migrationsTable ?? { schema: 'drizzle', table: '__drizzle_migrations' };
  await client.query(`SET LOCAL search_path TO public`);
  const nsRows = (
    await client.query(
      `SELECT n.oid, n.nspname FROM pg_catalog.pg_namespace n
        WHERE n.nspname !~ '^pg_' AND n.nspname <> 'information_schema'
          AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d WHERE d.classid = 'pg_catalog.pg_namespace'::regclass AND d.objid = n.oid AND d.deptype = 'e')
        ORDER BY n.nspname`,
    )
  ).rows;
  const wanted = options.schemas ? new Set(options.schemas) : undefined;
  const schemaNames = nsRows
    .map((r) => String(r.nspname))
    .filter((n) => (wanted ? wanted.has(n) : true))
    .filter((n) => n === 'public' || n !== migrations.schema);
  const state = emptyState();
  state.schemas = new Set(schemaNames);
  if (schemaNames.length === 0) return state;
  const params = [schemaNames];
  const notExtension = (classid: string, objid: string) =>
    `NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d WHERE d.classid = '${classid}'::regclass AND d.objid = ${objid} AND d.deptype = 'e')`;
  const isMigrationsTable = (schema: string, name: string) => schema === migrations.schema && name === migrations.table;

  // Enums, values in sort order.
  const enumRows = (
    await client.query(
      `SELECT n.nspname, t.typname, array_agg(e.enumlabel ORDER BY e.enumsortorder) AS labels
         FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
         JOIN pg_catalog.pg_enum e ON e.enumtypid = t.oid
        WHERE t.typtype = 'e' AND n.nspname = ANY($1) AND ${notExtension('pg_catalog.pg_type', 't.oid')}
        GROUP BY n.nspname, t.typname ORDER BY n.nspname, t.typname`,
      params,
    )
  ).rows;
  for (const r of enumRows) state.enums.set(key(r.nspname, r.typname), { schema: r.nspname, name: r.typname, values: pgArray(r.labels) });

  // Relations: tables, views, materialized views, sequences.
  const relRows = (
    await client.query(
      `SELECT c.oid, n.nspname, c.relname, c.relkind, c.relrowsecurity, c.relforcerowsecurity
         FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S') AND n.nspname = ANY($1) AND NOT c.relispartition
          AND ${notExtension('pg_catalog.pg_class', 'c.oid')}
        ORDER BY n.nspname, c.relname`,
      params,
    )
  ).rows;
  const tablesByOid = new Map<string, Table>();
  for (const r of relRows) {
    const schema = String(r.nspname);
    const name = String(r.relname);
    if (r.relkind === 'r' || r.relkind === 'p') {
      if (isMigrationsTable(schema, name)) continue;
      const table = newTable(schema, name);
      table.rlsEnabled = r.relrowsecurity === true;
      table.rlsForced = r.relforcerowsecurity === true;
      tablesByOid.set(String(r.oid), table);
      state.tables.set(key(schema, name), table);
    } else if (r.relkind === 'v' || r.relkind === 'm') {
      state.views.set(key(schema, name), { schema, name, materialized: r.relkind === 'm' });
    }
  }

  // Sequences and their owning column (serial: pg_depend `a`, identity: `i`).
  const seqRows = (
    await client.query(
      `SELECT s.oid, n.nspname, s.relname, tn.nspname AS owner_schema, t.relname AS owner_table, a.attname AS owner_column, d.deptype
         FROM pg_catalog.pg_class s JOIN pg_catalog.pg_namespace n ON n.oid = s.relnamespace
         LEFT JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_class'::regclass AND d.objid = s.oid
              AND d.refclassid = 'pg_catalog.pg_class'::regclass AND d.refobjsubid > 0 AND d.deptype IN ('a', 'i')
         LEFT JOIN pg_catalog.pg_class t ON t.oid = d.refobjid
         LEFT JOIN pg_catalog.pg_namespace tn ON tn.oid = t.relnamespace
         LEFT JOIN pg_catalog.pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
        WHERE s.relkind = 'S' AND n.nspname = ANY($1) AND ${notExtension('pg_catalog.pg_class', 's.oid')}
        ORDER BY n.nspname, s.relname`,
      params,
    )
  ).rows;
  /** `schema.sequence` → owning `schema.table.column` (serial detection below). */
  const ownedSequences = new Map<string, string>();
  for (const r of seqRows) {
    const schema = String(r.nspname);
    const name = String(r.relname);
    if (r.owner_table && isMigrationsTable(String(r.owner_schema), String(r.owner_table))) continue;
    const ownedBy = r.owner_table ? `${key(r.owner_schema, r.owner_table)}.${r.owner_column}` : undefined;
    if (ownedBy) ownedSequences.set(key(schema, name), ownedBy);
    state.sequences.set(key(schema, name), { schema, name, ...(ownedBy ? { ownedBy } : {}) });
  }

  // Columns in attnum order.
  const colRows = (
    await client.query(
      `SELECT a.attrelid, a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod) AS type, a.attndims, a.attnotnull,
              a.attidentity, a.attgenerated, pg_catalog.pg_get_expr(ad.adbin, ad.adrelid) AS default_expr,
              pg_catalog.pg_get_serial_sequence(pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(c.relname), a.attname) AS serial_sequence
         FROM pg_catalog.pg_attribute a
         JOIN pg_catalog.pg_class c ON c.oid = a.attrelid JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
         LEFT JOIN pg_catalog.pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
        WHERE c.relkind IN ('r', 'p') AND n.nspname = ANY($1) AND a.attnum > 0 AND NOT a.attisdropped
        ORDER BY a.attrelid, a.attnum`,
      params,
    )
  ).rows;
  for (const r of colRows) {
    const table = tablesByOid.get(String(r.attrelid));
    if (!table) continue;
    const column: Column = { name: String(r.attname), type: liveType(String(r.type), Number(r.attndims)), notNull: r.attnotnull === true };
    if (r.attidentity === 'a' || r.attidentity === 'd') {
      column.identity = r.attidentity === 'a' ? 'always' : 'byDefault';
    } else if (r.attgenerated === 's' && r.default_expr) {
      column.generated = expr(String(r.default_expr));
    } else if (r.default_expr) {
      const serial = serialType(column, String(r.default_expr), r.serial_sequence ? String(r.serial_sequence) : undefined, ownedSequences, key(table.schema, table.name));
      if (serial) column.type = serial;
      else column.default = expr(String(r.default_expr));
    }
    table.columns.set(column.name, column);
  }

  // Constraints (NOT NULL constraints of PostgreSQL 18, contype `n`, are the columns' notNull).
  const conRows = (
    await client.query(
      `SELECT con.conrelid, con.conname, con.contype, con.convalidated,
              ARRAY(SELECT a.attname FROM unnest(con.conkey) WITH ORDINALITY k(num, ord) JOIN pg_catalog.pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.num ORDER BY k.ord)::text[] AS columns,
              fn.nspname AS ref_schema, f.relname AS ref_table,
              ARRAY(SELECT a.attname FROM unnest(con.confkey) WITH ORDINALITY k(num, ord) JOIN pg_catalog.pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.num ORDER BY k.ord)::text[] AS ref_columns,
              con.confdeltype, con.confupdtype, pg_catalog.pg_get_constraintdef(con.oid) AS definition,
              ${await hasColumn(client, 'pg_index', 'indnullsnotdistinct') ? 'i.indnullsnotdistinct' : 'false'} AS nulls_not_distinct
         FROM pg_catalog.pg_constraint con
         JOIN pg_catalog.pg_class c ON c.oid = con.conrelid JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
         LEFT JOIN pg_catalog.pg_class f ON f.oid = con.confrelid LEFT JOIN pg_catalog.pg_namespace fn ON fn.oid = f.relnamespace
         LEFT JOIN pg_catalog.pg_index i ON i.indexrelid = con.conindid AND con.contype IN ('p', 'u')
        WHERE con.contype IN ('p', 'u', 'f', 'c', 'x') AND n.nspname = ANY($1)
        ORDER BY con.conrelid, con.conname`,
      params,
    )
  ).rows;
  const KIND: Record<string, ConstraintKind> = { p: 'primaryKey', u: 'unique', f: 'foreignKey', c: 'check', x: 'exclusion' };
  for (const r of conRows) {
    const table = tablesByOid.get(String(r.conrelid));
    if (!table) continue;
    const constraint: Constraint = { name: String(r.conname), kind: KIND[String(r.contype)]!, columns: pgArray(r.columns), notValid: r.convalidated === false };
    if (r.contype === 'u' && r.nulls_not_distinct === true) constraint.nullsNotDistinct = true;
    if (r.contype === 'f') {
      constraint.references = {
        schema: String(r.ref_schema),
        table: String(r.ref_table),
        columns: pgArray(r.ref_columns),
        onDelete: ACTION[String(r.confdeltype)] ?? 'no action',
        onUpdate: ACTION[String(r.confupdtype)] ?? 'no action',
      };
    }
    if (r.contype === 'c') {
      constraint.columns = []; // as the snapshot and replay models: a check's columns are in its expression
      const m = /^CHECK\s*([\s\S]*?)(\s+NO INHERIT)?(\s+NOT VALID)?$/.exec(String(r.definition));
      constraint.check = expr(m ? m[1]! : String(r.definition));
    }
    table.constraints.set(constraint.name, constraint);
  }

  // Policies.
  const polRows = (
    await client.query(
      `SELECT p.polrelid, p.polname, p.polcmd, p.polpermissive,
              ARRAY(SELECT CASE WHEN r = 0 THEN 'public' ELSE (SELECT rolname FROM pg_catalog.pg_roles WHERE oid = r) END FROM unnest(p.polroles) r)::text[] AS roles,
              pg_catalog.pg_get_expr(p.polqual, p.polrelid) AS using_expr, pg_catalog.pg_get_expr(p.polwithcheck, p.polrelid) AS check_expr
         FROM pg_catalog.pg_policy p JOIN pg_catalog.pg_class c ON c.oid = p.polrelid JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = ANY($1) ORDER BY p.polrelid, p.polname`,
      params,
    )
  ).rows;
  const COMMAND: Record<string, string> = { r: 'select', a: 'insert', w: 'update', d: 'delete', '*': 'all' };
  for (const r of polRows) {
    const table = tablesByOid.get(String(r.polrelid));
    if (!table) continue;
    table.policies.set(String(r.polname), {
      name: String(r.polname),
      command: COMMAND[String(r.polcmd)] ?? String(r.polcmd),
      permissive: r.polpermissive === true,
      roles: pgArray(r.roles),
      ...(r.using_expr ? { using: expr(String(r.using_expr)) } : {}),
      ...(r.check_expr ? { withCheck: expr(String(r.check_expr)) } : {}),
    });
  }

  // Indexes that do not back a constraint (those are the constraints' business).
  const idxRows = (
    await client.query(
      `SELECT i.indexrelid, i.indrelid, n.nspname, ic.relname AS index_name, i.indisunique, am.amname, i.indnkeyatts,
              i.indkey::int2[] AS indkey, i.indoption::int2[] AS indoption,
              ARRAY(SELECT CASE WHEN oc.opcdefault THEN '' ELSE oc.opcname END FROM unnest(i.indclass) WITH ORDINALITY k(cls, ord) JOIN pg_catalog.pg_opclass oc ON oc.oid = k.cls ORDER BY k.ord)::text[] AS opclasses,
              ARRAY(SELECT pg_catalog.pg_get_indexdef(i.indexrelid, k, true) FROM generate_series(1, i.indnkeyatts) k ORDER BY k)::text[] AS keys,
              pg_catalog.pg_get_expr(i.indpred, i.indrelid, true) AS predicate
         FROM pg_catalog.pg_index i
         JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid JOIN pg_catalog.pg_namespace n ON n.oid = ic.relnamespace
         JOIN pg_catalog.pg_am am ON am.oid = ic.relam
        WHERE n.nspname = ANY($1)
          AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_constraint con WHERE con.conindid = i.indexrelid AND con.contype IN ('p', 'u', 'x'))
        ORDER BY n.nspname, ic.relname`,
      params,
    )
  ).rows;
  for (const r of idxRows) {
    const table = tablesByOid.get(String(r.indrelid));
    if (!table) continue;
    const indkey = pgArray(r.indkey).map(Number);
    const indoption = pgArray(r.indoption).map(Number);
    const opclasses = pgArray(r.opclasses);
    const keys = pgArray(r.keys);
    const columns: IndexColumn[] = keys.map((text, i) => {
      const isExpression = indkey[i] === 0;
      const option = indoption[i] ?? 0;
      const column: IndexColumn = { expression: isExpression ? canonicalIndexExpression(text) : unquoteIdent(text), isExpression, desc: (option & 1) === 1 };
      if ((option & 2) === 2) column.nullsFirst = true;
      if (opclasses[i]) column.opclass = opclasses[i];
      return column;
    });
    state.indexes.set(key(r.nspname, r.index_name), {
      schema: String(r.nspname),
      name: String(r.index_name),
      table: key(table.schema, table.name),
      unique: r.indisunique === true,
      method: String(r.amname),
      columns,
      ...(r.predicate ? { where: expr(String(r.predicate)) } : {}),
    });
  }
  return state;
}

const ACTION: Record<string, string> = { a: 'no action', r: 'restrict', c: 'cascade', n: 'set null', d: 'set default' };

/**
 * `integer` + `nextval('t_c_seq'::regclass)` on a sequence the column owns is what `serial`
 * creates; drizzle's snapshot says `serial` and no default, so the live column says so too.
 */
function serialType(column: Column, defaultText: string, serialSequence: string | undefined, owned: Map<string, string>, tableKey: string): TypeRef | undefined {
  if (!serialSequence || !/^nextval\(/i.test(defaultText.trim())) return undefined;
  const name = { integer: 'serial', bigint: 'bigserial', smallint: 'smallserial' }[column.type.builtin && column.type.arrayDims === 0 ? column.type.name : ''];
  if (!name) return undefined;
  const ast = parseExpression(defaultText) as any;
  const arg = ast?.FuncCall?.args?.[0];
  const literal: string | undefined = arg?.TypeCast?.arg?.A_Const?.sval?.sval ?? arg?.A_Const?.sval?.sval;
  if (literal === undefined) return undefined;
  // The nextval argument and pg_get_serial_sequence name the same sequence, owned by this column.
  const seqAst = parseTypeName(literal.includes('.') ? literal : `public.${literal}`) as any;
  const parts: string[] = (seqAst?.names ?? []).map((n: any) => n?.String?.sval);
  const seqKey = parts.length === 2 ? key(parts[0], parts[1]!) : undefined;
  const serialAst = parseTypeName(serialSequence) as any;
  const sParts: string[] = (serialAst?.names ?? []).map((n: any) => n?.String?.sval);
  const serialKey = sParts.length === 2 ? key(sParts[0], sParts[1]!) : sParts.length === 1 ? key('public', sParts[0]!) : undefined;
  if (!seqKey || seqKey !== serialKey || owned.get(seqKey) !== `${tableKey}.${column.name}`) return undefined;
  return { name, mods: [], arrayDims: 0, builtin: true };
}

const typeCache = new Map<string, TypeRef>();

/**
 * format_type output (`character varying(50)`, `timestamp(3) with time zone`, `"MyEnum"`,
 * `auth.role`) through the snapshot path's parser. format_type prints one `[]` whatever the
 * declared dimensions; attndims keeps them (`integer[][]` → 2).
 */
function liveType(text: string, attndims: number): TypeRef {
  let type = typeCache.get(text);
  if (!type) {
    const ast = parseTypeName(text);
    type = ast ? typeFromAst(ast) : { name: text, mods: [], arrayDims: 0, builtin: false };
    typeCache.set(text, type);
  }
  const out = { ...type, mods: [...type.mods] };
  if (out.arrayDims > 0 && attndims > out.arrayDims) out.arrayDims = attndims;
  return out;
}

function expr(text: string): Expr {
  return { ast: parseExpression(text) ?? { RawText: text } };
}

function canonicalIndexExpression(text: string): string {
  const ast = parseExpression(text);
  return ast ? exprText(ast as never) : text;
}

/** pg_get_indexdef prints a plain key column as an identifier, quoted when needed. */
function unquoteIdent(text: string): string {
  return text.startsWith('"') && text.endsWith('"') ? text.slice(1, -1).replaceAll('""', '"') : text;
}

/** node-postgres parses text[]/name[] to arrays; int2vector-ish values may arrive as `{1,2}`. */
function pgArray(value: unknown): string[] {
  if (Array.isArray(value)) return value.map(String);
  if (typeof value === 'string') {
    const inner = value.replace(/^\{|\}$/g, '');
    if (!inner) return [];
    return inner.split(',').map((s) => s.replace(/^"(.*)"$/, '$1').replace(/\\(.)/g, '$1'));
  }
  return [];
}

const columnCache = new WeakMap<QueryClient, Map<string, boolean>>();

async function hasColumn(client: QueryClient, catalog: string, column: string): Promise<boolean> {
  let byClient = columnCache.get(client);
  if (!byClient) columnCache.set(client, (byClient = new Map()));
  const k = `${catalog}.${column}`;
  if (!byClient.has(k)) {
    const r = await client.query(
      `SELECT 1 FROM pg_catalog.pg_attribute WHERE attrelid = ('pg_catalog.' || $1)::regclass AND attname = $2 AND NOT attisdropped`,
      [catalog, column],
    );
    byClient.set(k, r.rows.length > 0);
  }
  return byClient.get(k)!;
}

/**
 * Connect to URL and introspect it in a READ ONLY transaction that is rolled back. `pg` is
 * loaded only here; the password never appears in messages.
 */
export async function introspectUrl(url: string, options: IntrospectOptions = {}): Promise<{ url: string; state: SchemaState; server: string }> {
  const shown = redactUrl(url);
  const client = await openConnection(url, '--against', { statementTimeoutMs: 30_000 });
  try {
    await client.query('BEGIN TRANSACTION READ ONLY');
    const server = String((await client.query('SHOW server_version')).rows[0]?.server_version ?? '');
    const state = await introspect(client, options);
    return { url: shown, state, server };
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(`--against ${shown}: cannot read the catalog (${maskSecrets((error as Error).message, url)})`);
  } finally {
    await client.query('ROLLBACK').catch(() => undefined);
    await client.end().catch(() => undefined);
  }
}
