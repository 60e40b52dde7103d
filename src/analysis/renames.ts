import { changesOf, changesOfKind, finalTableKeys, hasEffect, tablesCreatedIn, type Change } from './changes.js';
import { compatibility, typeLabel } from './type-compat.js';
import { exprText } from '../schema/expr.js';
import { quoteIdent } from '../schema/model.js';
import { str, walk } from '../engine/ast.js';
import type { FixRequest, MigrationInfo, Statement } from '../engine/types.js';
import type { Node } from '../engine/ast.js';
import { castWithoutUsing } from './casts.js';
import { rowCopy } from '../engine/table-age.js';
import type { Effect } from '../schema/effects.js';
import type { Column, Table, TypeRef } from '../schema/model.js';
import { SERIAL_TYPES, typeKey } from '../schema/typename.js';

/**
 * The pairing behind the rename-by-drop rules, shared with the rules that must stay silent on the
 * statements those rules already explain (drop-column, drop-table). Call them from `checkMigration`
 * only: they read the migration's effects, which are complete once the migration is replayed.
 */

export type ColumnDrop = Change<Extract<Effect, { kind: 'drop-column' }>>;
export type ColumnAdd = Change<Extract<Effect, { kind: 'add-column' }>>;
export type TableDrop = Change<Extract<Effect, { kind: 'drop-table' }>>;
export type TableCreate = Change<Extract<Effect, { kind: 'create-table' }>>;

export interface ColumnRenameByDrop {
  /** Final key of the table (after renames in the migration). */
  tableKey: string;
  drop: ColumnDrop;
  add: ColumnAdd;
  /** Other added columns the dropped one could have become (names, and their additions). */
  others: string[];
  otherAdds: ColumnAdd[];
}

export interface TableRenameByDrop {
  drop: TableDrop;
  create: TableCreate;
}

// By the migration's effects, which the engine replaces when the migration is done: the memo (with
// the column and table definitions it holds) is let go then.
const columnCache = new WeakMap<object, { pairs: ColumnRenameByDrop[]; asked: AskedRename[] }>();
const tableCache = new WeakMap<object, TableRenameByDrop[]>();

/**
 * A dropped column that columnRenamesByDrop does not pair (the names share nothing), with the
 * compatible columns added to the same table in the migration: drizzle-kit asks "created or
 * renamed?" whenever a table loses a column and gains one in the same `generate`, so it asked
 * about these, and the answer was "create".
 */
export interface AskedRename {
  tableKey: string;
  drop: ColumnDrop;
  adds: ColumnAdd[];
}

/**
 * Dropped columns paired with a compatible column added to the same table in the migration: what
 * drizzle-kit writes when its rename prompt is answered "create column". Not paired: columns of
 * tables created here, backfills (the migration's DML reads the old column or writes the new one),
 * a new column that is a foreign key replacing a plain value, and names with nothing in common.
 */
export function columnRenamesByDrop(migration: MigrationInfo): ColumnRenameByDrop[] {
  return columnReplacements(migration).pairs;
}

/** The drops drizzle-kit asked about that columnRenamesByDrop leaves out because the names share nothing (see AskedRename). */
export function askedRenames(migration: MigrationInfo): AskedRename[] {
  return columnReplacements(migration).asked;
}

function columnReplacements(migration: MigrationInfo): { pairs: ColumnRenameByDrop[]; asked: AskedRename[] } {
  const cached = columnCache.get(migration.effects);
  if (cached) return cached;
  // Most migrations drop no column: nothing to pair, nothing to flatten.
  if (!hasEffect(migration, 'drop-column') || !hasEffect(migration, 'add-column')) return { pairs: [], asked: [] };
  const changes = changesOf(migration);
  const finalKey = finalTableKeys(changes);
  const created = tablesCreatedIn(changes);
  const byTable = new Map<string, { drops: ColumnDrop[]; adds: ColumnAdd[] }>();
  const group = (table: string) => {
    const k = finalKey(table);
    if (!byTable.has(k)) byTable.set(k, { drops: [], adds: [] });
    return byTable.get(k)!;
  };
  for (const d of changesOfKind(changes, 'drop-column')) group(d.effect.table).drops.push(d);
  for (const a of changesOfKind(changes, 'add-column')) group(a.effect.table).adds.push(a);

  const pairs: ColumnRenameByDrop[] = [];
  const asked: AskedRename[] = [];
  for (const [tableKey, { drops, adds }] of byTable) {
    if (created.has(tableKey) || drops.length === 0 || adds.length === 0) continue;
    // An added column dropped again in the same migration is not a rename target.
    const live = adds.filter((a) => !drops.some((d) => d.effect.column.name === a.effect.column.name && d.order > a.order));
    const reads = dataMovedIn(migration.statements, tableKey);
    const referencing = new Set(changesOfKind(changes, 'add-constraint').filter((c) => finalKey(c.effect.table) === tableKey && c.effect.constraint.kind === 'foreignKey').flatMap((c) => c.effect.constraint.columns));
    // Not a lost rename: the migration copies the data itself (UPDATE … SET new = …, or reads the
    // old column), or the new column is a foreign key replacing a plain value.
    const candidates = live.filter((a) => !reads.written.has(a.effect.column.name) && !referencing.has(a.effect.column.name));
    const dropped = drops.filter((d) => !reads.read.has(d.effect.column.name));
    const paired = pairUp(dropped, candidates);
    for (const pair of paired) pairs.push({ tableKey, ...pair });
    for (const drop of dropped) {
      if (paired.some((p) => p.drop === drop)) continue;
      const others = candidates.filter((a) => !paired.some((p) => p.add === a) && a.effect.column.name !== drop.effect.column.name && compatibility(drop.effect.column.type, a.effect.column.type) !== 'none');
      if (others.length > 0) asked.push({ tableKey, drop, adds: others });
    }
  }
  const result = { pairs, asked };
  columnCache.set(migration.effects, result);
  return result;
}

/** Dropped tables paired with a table created in the migration with exactly the same columns: a rename answered "create table". */
export function tableRenamesByDrop(migration: MigrationInfo): TableRenameByDrop[] {
  const cached = tableCache.get(migration.effects);
  if (cached) return cached;
  if (!hasEffect(migration, 'drop-table') || !hasEffect(migration, 'create-table')) return [];
  const changes = changesOf(migration);
  const created = changesOfKind(changes, 'create-table');
  const used = new Set<string>();
  const out: TableRenameByDrop[] = [];
  for (const drop of changesOfKind(changes, 'drop-table')) {
    const old = drop.effect.definition;
    // Its rows were copied out first (INSERT … SELECT): a deliberate move, not a lost rename.
    if (copiedBefore(migration.statements, drop.effect.table, drop.statement.index)) continue;
    if (created.some((c) => c.effect.table === drop.effect.table && c.order < drop.order)) continue; // created and dropped here: never held data
    const match = created.find((c) => c.effect.table !== drop.effect.table && !used.has(c.effect.table) && sameColumns(old, c.effect.definition));
    if (!match) continue;
    used.add(match.effect.table);
    out.push({ drop, create: match });
  }
  tableCache.set(migration.effects, out);
  return out;
}

function sameColumns(a: Table, b: Table): boolean {
  if (a.columns.size === 0 || a.columns.size !== b.columns.size) return false;
  for (const [name, column] of a.columns) {
    const other = b.columns.get(name);
    if (!other || typeKey(other.type) !== typeKey(column.type)) return false;
  }
  return true;
}

interface Pair {
  drop: ColumnDrop;
  add: ColumnAdd;
  score: number;
}

/** Pair drops with adds, best first: same type over same family, then similar names, then nearby statements. */
function pairUp(drops: ColumnDrop[], adds: ColumnAdd[]): { drop: ColumnDrop; add: ColumnAdd; others: string[]; otherAdds: ColumnAdd[] }[] {
  const candidates: Pair[] = [];
  for (const drop of drops) {
    for (const add of adds) {
      const compat = compatibility(drop.effect.column.type, add.effect.column.type);
      if (compat === 'none') continue;
      // Names with nothing in common (debug_mode / console_expanded_by_default, user_id / trace_id)
      // are a column replaced by another, which drizzle-kit asked about; a rename shares a word.
      if (drop.effect.column.name !== add.effect.column.name && nameSimilarity(drop.effect.column.name, add.effect.column.name) === 0) continue;
      const score = (compat === 'same' ? 100 : 50) + 40 * nameSimilarity(drop.effect.column.name, add.effect.column.name) - Math.min(10, Math.abs(drop.order - add.order)) / 10;
      candidates.push({ drop, add, score });
    }
  }
  candidates.sort((a, b) => b.score - a.score);
  const usedDrops = new Set<ColumnDrop>();
  const usedAdds = new Set<ColumnAdd>();
  const out: { drop: ColumnDrop; add: ColumnAdd; others: string[]; otherAdds: ColumnAdd[] }[] = [];
  for (const c of candidates) {
    if (usedDrops.has(c.drop) || usedAdds.has(c.add)) continue;
    usedDrops.add(c.drop);
    usedAdds.add(c.add);
    const otherAdds = candidates.filter((o) => o.drop === c.drop && o.add !== c.add && !usedAdds.has(o.add)).map((o) => o.add);
    out.push({ drop: c.drop, add: c.add, others: otherAdds.map((a) => a.effect.column.name), otherAdds });
  }
  return out.sort((a, b) => a.drop.order - b.drop.order);
}

/** Words too common in column names to suggest a rename (`user_id` / `trace_id` share only `id`). */
const GENERIC_WORDS = new Set(['id', 'ids', 'at', 'is', 'has', 'by', 'to', 'of', 'on', 'in', 'the', 'a', 'an', 'count', 'num', 'type', 'fk', 'ref']);

/** 0..1: shared meaningful name parts (`user_name` / `full_name` share `name`), or one name inside the other. */
function nameSimilarity(a: string, b: string): number {
  const parts = (s: string) => new Set(s.replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase().split(/[^a-z0-9]+/).filter((w) => w && !GENERIC_WORDS.has(w)));
  const pa = parts(a);
  const pb = parts(b);
  const shared = [...pa].filter((p) => pb.has(p)).length;
  const containment = a.toLowerCase().includes(b.toLowerCase()) || b.toLowerCase().includes(a.toLowerCase()) ? 0.5 : 0;
  return Math.min(1, shared / Math.max(pa.size, pb.size, 1) + containment);
}

/**
 * Columns the migration's own DML reads (`… = "old"`) or writes (`UPDATE t SET "new" = …`) on this
 * table: a hand-written data migration, so the drop is deliberate.
 */
export function dataMovedIn(statements: readonly Statement[], tableKey: string): { read: ReadonlySet<string>; written: Set<string> } {
  const written = new Set<string>();
  const tableName = tableKey.slice(tableKey.indexOf('.') + 1);
  for (const s of statements) {
    if (s.kind === 'UpdateStmt' && s.ast.relation?.relname === tableName) {
      for (const t of s.ast.targetList ?? []) if (t.ResTarget?.name) written.add(t.ResTarget.name);
    }
  }
  return { read: columnsRead(statements), written };
}

/**
 * Whether an `INSERT … SELECT` earlier in the migration read the table's rows (into another
 * table): then dropping it loses nothing the migration did not keep. Shared by the rules that
 * judge a dropped table (table-rename-by-drop, drop-table), as dataMovedIn is for columns.
 */
export function copiedBefore(statements: readonly Statement[], tableKey: string, before: number): boolean {
  return statements.some((s) => s.index < before && s.kind === 'InsertStmt' && (rowCopy(s.ast)?.sources.includes(tableKey) ?? false));
}

/** Per migration: asked for each table with dropped columns, by two rules. */
const readCache = new WeakMap<readonly Statement[], ReadonlySet<string>>();

/** Every column the migration's UPDATE and INSERT statements mention (by last name part: the table is not resolved). */
function columnsRead(statements: readonly Statement[]): ReadonlySet<string> {
  let read = readCache.get(statements);
  if (!read) {
    const names = new Set<string>();
    for (const s of statements) {
      if (s.kind !== 'UpdateStmt' && s.kind !== 'InsertStmt') continue;
      walk(s.ast, (tag, fields) => {
        if (tag === 'ColumnRef') {
          const parts = (fields.fields ?? []).map((f: unknown) => str(f)).filter(Boolean);
          if (parts.length) names.add(parts[parts.length - 1]);
        }
      });
    }
    readCache.set(statements, (read = names));
  }
  return read;
}

/**
 * The statements that turn `from` into `to` in place, keeping its values: RENAME COLUMN, then the
 * type (USING only where PostgreSQL has no automatic cast), the default and NOT NULL the new column
 * has. drizzle-kit 0.31's own "rename" answer writes only the RENAME and loses the other changes
 * (its snapshot then disagrees with its SQL); these follow the snapshot.
 */
export function renameColumnStatements(table: string, from: Column, to: Column, isEnum: (type: TypeRef) => boolean = () => false): string[] {
  const col = quoteIdent(to.name);
  const alter = `ALTER TABLE ${table} ALTER COLUMN ${col}`;
  const out = [`ALTER TABLE ${table} RENAME COLUMN ${quoteIdent(from.name)} TO ${col}`];
  let fromDefault = from.default ? exprText(from.default.ast) : undefined;
  const toDefault = to.default ? exprText(to.default.ast) : undefined;
  if (typeKey(from.type) !== typeKey(to.type)) {
    const verdict = castWithoutUsing(from.type, to.type, isEnum);
    const using = verdict === 'none' || (verdict === 'unknown' && from.type.name !== to.type.name);
    // The old default is converted with the column; one that does not convert fails the statement.
    if (using && fromDefault !== undefined) {
      out.push(`${alter} DROP DEFAULT`);
      fromDefault = undefined;
    }
    out.push(`${alter} SET DATA TYPE ${typeLabel(to.type)}${using ? ` USING ${col}::${typeLabel(to.type)}` : ''}`);
  }
  if (toDefault !== fromDefault) out.push(toDefault === undefined ? `${alter} DROP DEFAULT` : `${alter} SET DEFAULT ${toDefault}`);
  if (to.notNull !== from.notNull) out.push(`${alter} ${to.notNull ? 'SET' : 'DROP'} NOT NULL`);
  return out;
}

/** The RENAME COLUMN that keeps the values (with the type, default and NOT NULL the new column has), and the prompt answer. */
export function renameColumnHelp(table: string, from: Column, to: Column, tableName: string, isEnum?: (type: TypeRef) => boolean): string {
  return [
    ...renameColumnStatements(table, from, to, isEnum).map((sql) => `${sql};`),
    `Or delete this migration and run \`drizzle-kit generate\` again: at "Is ${to.name} column in ${tableName} table created or renamed from another column?" pick "~ ${from.name} › ${to.name} rename column".`,
  ].join('\n');
}

/**
 * The edit that renames instead: the ADD COLUMN replaced by renameColumnStatements, the DROP
 * COLUMN removed. Only for what a rename fully reproduces: one command per statement (drizzle-kit's
 * layout), a new column with nothing but a type, a default and NOT NULL (no identity, generated
 * expression, serial or inline constraint), and an old column that took nothing with it (no
 * constraint, index, owned sequence or dependent: a rename would keep them under the old names).
 */
export function renameColumnFix(table: string, drop: ColumnDrop, add: ColumnAdd, isEnum: (type: TypeRef) => boolean): FixRequest | undefined {
  const from = drop.effect.column;
  const to = add.effect.column;
  const single = (s: Statement) => s.origin === 'top-level' && s.kind === 'AlterTableStmt' && (s.ast.cmds?.length ?? 0) === 1;
  if (!single(drop.statement) || !single(add.statement) || drop.statement === add.statement) return undefined;
  const def = add.statement.ast.cmds[0]?.AlterTableCmd?.def?.ColumnDef;
  const plain = (def?.constraints ?? []).every((c: Node) => ['CONSTR_NOTNULL', 'CONSTR_NULL', 'CONSTR_DEFAULT'].includes(c.Constraint?.contype));
  if (!plain || to.identity || to.generated || from.identity || from.generated) return undefined;
  if (to.type.builtin && SERIAL_TYPES.has(to.type.name)) return undefined;
  const e = drop.effect;
  if (e.cascade || e.constraints.length || e.indexes.length || e.sequences.length || e.dependents.length) return undefined;
  return {
    description: `Rename ${quoteIdent(from.name)} to ${quoteIdent(to.name)} (RENAME COLUMN keeps its values) instead of adding one column and dropping the other`,
    edits: [{ replace: add.statement, with: renameColumnStatements(table, from, to, isEnum) }, { remove: drop.statement }],
  };
}
