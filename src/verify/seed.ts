import type { Engine, PgError } from './engine.js';
import { quoteIdent } from '../schema/model.js';

export interface SeedTable {
  table: string;
  rows: number;
  /** Rows tried. */
  attempted: number;
  /** Why rows could not be inserted (first error), when some or all failed. */
  problem?: string;
  code?: string;
}

export interface SeedOutcome {
  tables: SeedTable[];
}

interface Column {
  name: string;
  num: number;
  type: string;
  typname: string;
  category: string;
  notNull: boolean;
  hasDefault: boolean;
  identity: string;
  generated: string;
  enumValues?: string[];
  maxLength?: number;
}

interface Fk {
  from: number[];
  to: string;
  toOid: number;
  toColumns: string[];
}

interface TableInfo {
  oid: number;
  name: string;
  columns: Column[];
  uniqueNums: Set<number>;
  fks: Fk[];
}

const q = quoteIdent;
const lit = (s: string) => `'${s.replace(/'/g, "''")}'`;

/** Schemas whose tables are never seeded (PostgreSQL's own: pg_catalog, information_schema, pg_toast, pg_temp_…). */
const systemSchema = (nspname: string) => nspname === 'pg_catalog' || nspname === 'information_schema' || nspname.startsWith('pg_');

/**
 * What the listing of tables remembers from one seeding to the next in a run: oids are handed out
 * in increasing order, so a table made since the last listing has an oid above every table listed
 * then (`top`); the tables listed and not seeded (partitions, drizzle's table, PostgreSQL's own,
 * extensions' tables: any may become seedable) are asked about again by oid (`recheck`).
 */
export interface TableListing {
  top: number;
  recheck: Set<number>;
}

export const newTableListing = (): TableListing => ({ top: 16383, recheck: new Set() });

/**
 * User tables (not partitions, not owned by an extension, not drizzle's bookkeeping) with the facts
 * seeding needs. Run before every migration under review, and usually nothing is new: the tables
 * are listed first with the cheapest query that can name them (pg_class and schema only, and only
 * the rows above the last listing's top or to check again, found through pg_class's oid index), and
 * only the tables left once those seeded, drizzle's and PostgreSQL's own are taken out are asked
 * about extensions, in their order. At the end of simstudioai__sim's 298 migrations, listing every
 * table (a scan of pg_class, whose every row version of the transaction is checked) cost 2.3-2.5 ms.
 */
async function readTables(engine: Engine, skip: Set<number>, exclude: string, listing: TableListing): Promise<TableInfo[]> {
  for (const oid of listing.recheck) if (skip.has(oid)) listing.recheck.delete(oid);
  const listed = await engine.query<{ oid: number; nspname: string; relname: string; part: boolean }>(
    `SELECT c.oid::int8 AS oid, n.nspname, c.relname, c.relispartition AS part FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'p') AND (c.oid > $1::oid OR c.oid = ANY($2::oid[]))`,
    [listing.top, [...listing.recheck]],
  );
  listing.recheck.clear();
  const candidates: number[] = [];
  for (const t of listed) {
    const oid = Number(t.oid);
    listing.top = Math.max(listing.top, oid);
    if (skip.has(oid)) continue;
    listing.recheck.add(oid);
    if (!t.part && `${t.nspname}.${t.relname}` !== exclude && !systemSchema(t.nspname)) candidates.push(oid);
  }
  if (candidates.length === 0) return [];
  const wanted = await engine.query<{ oid: number; nspname: string; relname: string }>(
    `SELECT c.oid::int8 AS oid, n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.oid = ANY($1::oid[]) AND c.relkind IN ('r', 'p') AND NOT c.relispartition
        AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
      ORDER BY n.nspname, c.relname`,
    [candidates],
  );
  if (wanted.length === 0) return [];
  const oids = wanted.map((t) => Number(t.oid));
  const columns = await engine.query<{ rel: number; attname: string; attnum: number; type: string; typname: string; typcategory: string; attnotnull: boolean; atthasdef: boolean; attidentity: string; attgenerated: string; enumtype: number; typmod: number }>(
    `SELECT a.attrelid::int8 AS rel, a.attname, a.attnum, format_type(a.atttypid, a.atttypmod) AS type,
            bt.typname, bt.typcategory::text AS typcategory, a.attnotnull, a.atthasdef, a.attidentity::text AS attidentity, a.attgenerated::text AS attgenerated,
            CASE WHEN bt.typtype = 'e' THEN bt.oid::int8 ELSE 0 END AS enumtype, a.atttypmod AS typmod
       FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
       JOIN pg_type bt ON bt.oid = CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE t.oid END
      WHERE a.attrelid = ANY($1::oid[]) AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attrelid, a.attnum`,
    [oids],
  );
  const enums = await engine.query<{ typ: number; label: string }>(`SELECT enumtypid::int8 AS typ, enumlabel AS label FROM pg_enum ORDER BY enumtypid, enumsortorder`);
  const labels = new Map<number, string[]>();
  for (const e of enums) labels.set(Number(e.typ), [...(labels.get(Number(e.typ)) ?? []), e.label]);
  const uniques = await engine.query<{ rel: number; keys: string }>(`SELECT indrelid::int8 AS rel, indkey::text AS keys FROM pg_index WHERE indisunique AND indrelid = ANY($1::oid[])`, [oids]);
  const fks = await engine.query<{ rel: number; conkey: number[]; ref: number; refname: string; refcols: string[] }>(
    `SELECT con.conrelid::int8 AS rel, con.conkey, con.confrelid::int8 AS ref, format('%I.%I', n.nspname, c.relname) AS refname,
            ARRAY(SELECT format('%I', a.attname) FROM unnest(con.confkey) WITH ORDINALITY k(num, ord) JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.num ORDER BY k.ord) AS refcols
       FROM pg_constraint con JOIN pg_class c ON c.oid = con.confrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE con.contype = 'f' AND con.conrelid = ANY($1::oid[])`,
    [oids],
  );
  return wanted.map((t) => {
    const oid = Number(t.oid);
    const uniqueNums = new Set<number>();
    for (const u of uniques.filter((u) => Number(u.rel) === oid)) for (const k of u.keys.split(' ')) uniqueNums.add(Number(k));
    return {
      oid,
      name: `${q(t.nspname)}.${q(t.relname)}`,
      uniqueNums,
      columns: columns
        .filter((c) => Number(c.rel) === oid)
        .map((c) => {
          const length = /^(character varying|character|bit varying|bit)\((\d+)\)/.exec(c.type);
          return {
            name: c.attname,
            num: Number(c.attnum),
            type: c.type,
            typname: c.typname,
            category: c.typcategory,
            notNull: c.attnotnull,
            hasDefault: c.atthasdef,
            identity: c.attidentity ?? '',
            generated: c.attgenerated ?? '',
            ...(Number(c.enumtype) ? { enumValues: labels.get(Number(c.enumtype)) ?? [] } : {}),
            ...(length ? { maxLength: Number(length[2]) } : {}),
          };
        }),
      fks: fks
        .filter((f) => Number(f.rel) === oid)
        .map((f) => ({ from: (f.conkey as unknown as number[]).map(Number), to: f.refname, toOid: Number(f.ref), toColumns: f.refcols as unknown as string[] })),
    };
  });
}

/** Referenced tables first; cycles and self-references are broken arbitrarily (their rows may fail: reported). */
function dependencyOrder(tables: TableInfo[]): TableInfo[] {
  const byOid = new Map(tables.map((t) => [t.oid, t]));
  const done = new Set<number>();
  const visiting = new Set<number>();
  const out: TableInfo[] = [];
  const visit = (t: TableInfo) => {
    if (done.has(t.oid) || visiting.has(t.oid)) return;
    visiting.add(t.oid);
    for (const fk of t.fks) {
      const target = byOid.get(fk.toOid);
      if (target && target !== t) visit(target);
    }
    visiting.delete(t.oid);
    done.add(t.oid);
    out.push(t);
  };
  for (const t of tables) visit(t);
  return out;
}

/** A literal of the column's type for row k (k = row number for unique columns, 1 for the rest). */
function valueFor(c: Column, k: number): string | undefined {
  const text = (s: string) => {
    const max = c.maxLength ?? Infinity;
    return s.length <= max ? s : k.toString(36).slice(-max);
  };
  const cast = (v: string) => `${lit(v)}::${c.type}`;
  if (c.enumValues) return c.enumValues.length ? cast(c.enumValues[k % c.enumValues.length]) : undefined;
  switch (c.typname) {
    case 'uuid':
      return cast(`00000000-0000-4000-8000-${k.toString(16).padStart(12, '0')}`);
    case 'json':
    case 'jsonb':
      return cast(`{"seed": ${k}}`);
    case 'bytea':
      return cast(`\\x${k.toString(16).padStart(2, '0')}`);
    case 'tsvector':
      return cast(`seed${k}`);
    case 'xml':
      return cast(`<seed>${k}</seed>`);
    case 'money':
      return cast(String(k + 1));
    case 'date':
      return cast(`2024-01-${String(1 + (k % 28)).padStart(2, '0')}`);
    case 'time':
    case 'timetz':
      return cast(`12:00:${String(k % 60).padStart(2, '0')}`);
    case 'timestamp':
    case 'timestamptz':
      return cast(`2024-01-${String(1 + (k % 28)).padStart(2, '0')} 12:00:00+00`);
    case 'interval':
      return cast(`${k + 1} days`);
    case 'inet':
    case 'cidr':
      return cast(`10.0.${Math.floor(k / 250)}.${(k % 250) + 1}`);
    case 'macaddr':
      return cast(`08:00:2b:01:02:${(k % 256).toString(16).padStart(2, '0')}`);
    case 'point':
      return cast(`(${k},0)`);
    case 'bool':
      return cast(k % 2 === 0 ? 'true' : 'false');
  }
  switch (c.category) {
    case 'N':
      return cast(String(k + 1));
    case 'S':
      return cast(text(`seed ${k}`));
    case 'A':
      return cast('{}');
    case 'V':
      return cast('1'.repeat(c.maxLength ?? 1));
  }
  return undefined;
}

function rowSql(t: TableInfo, i: number): { sql: string } {
  const names: string[] = [];
  const values: string[] = [];
  const fkOf = new Map<number, { fk: Fk; position: number }>();
  for (const fk of t.fks) fk.from.forEach((num, position) => fkOf.set(num, { fk, position }));
  for (const c of t.columns) {
    if (c.generated || c.identity === 'a') continue;
    const unique = t.uniqueNums.has(c.num);
    const k = unique ? i : 1;
    const fk = fkOf.get(c.num);
    let value: string | undefined;
    if (fk) {
      if (!c.notNull && i === 0) value = 'NULL';
      else value = `(SELECT ${fk.fk.toColumns[fk.position]} FROM ${fk.fk.to} ORDER BY ${fk.fk.toColumns.join(', ')} LIMIT 1 OFFSET ${i} % GREATEST((SELECT count(*) FROM ${fk.fk.to}), 1))`; // spread over the referenced rows
    } else if (!c.notNull && i === 0) value = 'NULL';
    else if (c.identity === 'd') value = 'DEFAULT';
    else if (c.enumValues) value = valueFor(c, i);
    else if (c.hasDefault && (!unique || /^int[248]$/.test(c.typname))) value = 'DEFAULT'; // serial keys: the sequence keeps them unique
    else value = valueFor(c, k) ?? (c.hasDefault ? 'DEFAULT' : `${lit(`seed ${k}`)}::${c.type}`);
    names.push(q(c.name));
    values.push(value ?? 'NULL');
  }
  return { sql: names.length ? `INSERT INTO ${t.name} (${names.join(', ')}) VALUES (${values.join(', ')})` : `INSERT INTO ${t.name} DEFAULT VALUES` };
}

/**
 * Insert a few rows into every user table not seeded yet (`seeded` holds their oids and is
 * updated): one row with NULL in every nullable column, the others with values (the same value
 * in non-unique columns, so a new UNIQUE constraint meets duplicates), every enum value once,
 * foreign keys pointing at the referenced tables' seeded rows (referenced tables first). Each
 * row runs in a savepoint; tables where rows failed are reported with PostgreSQL's reason.
 * Must be called inside a transaction.
 */
export async function seedTables(engine: Engine, seeded: Set<number>, exclude: string, listing: TableListing = newTableListing()): Promise<SeedOutcome> {
  const tables = dependencyOrder(await readTables(engine, seeded, exclude, listing));
  const out: SeedTable[] = [];
  for (const t of tables) {
    seeded.add(t.oid);
    const enumCount = Math.max(0, ...t.columns.map((c) => c.enumValues?.length ?? 0));
    const count = Math.min(Math.max(3, enumCount + 1), 24);
    let rows = 0;
    let problem: PgError | undefined;
    for (let i = 0; i < count; i++) {
      const { error } = await engine.step(rowSql(t, i).sql, { savepoint: 'migration_lint_seed' });
      if (error) problem ??= error;
      else rows++;
    }
    out.push({ table: t.name, rows, attempted: count, ...(problem ? { problem: problem.message, ...(problem.code ? { code: problem.code } : {}) } : {}) });
  }
  return { tables: out };
}
