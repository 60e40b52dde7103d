import { changesOf, changesOfKind, finalTableKeys, tablesCreatedIn, type Change } from '../analysis/changes.js';
import { compatibility, typeLabel } from '../analysis/type-compat.js';
import { defineRule } from '../engine/define-rule.js';
import { exprText } from '../schema/expr.js';
import type { Column } from '../schema/model.js';
import { qualifiedName, quoteIdent } from '../schema/model.js';
import { typeKey } from '../schema/typename.js';
import { str, walk } from '../engine/ast.js';
import type { Statement } from '../engine/types.js';

type Drop = Change<{ kind: 'drop-column'; table: string; column: Column; cascade: boolean }>;
type Add = Change<{ kind: 'add-column'; table: string; column: Column }>;

interface Pair {
  drop: Drop;
  add: Add;
  score: number;
}

export default defineRule({
  id: 'column-rename-by-drop',
  meta: {
    description: 'A column dropped and a compatible column added to the same table in one migration: a rename answered "create", which deletes the data.',
    category: 'data-loss',
    defaultSeverity: 'error',
    messages: {
      droppedAndReadded:
        'Column {table}.{dropped} is dropped and added again ({droppedType} → {addedType}) in this migration: every value it held is deleted, and it starts {start}.',
      renameByDrop:
        'Column {table}.{dropped} ({droppedType}) is dropped and {added} ({addedType}) is added to the same table in this migration. This is what drizzle-kit writes when its rename prompt is answered "create column": every value of {dropped} is deleted, and {added} starts {start}.{alternatives}',
    },
  },
  checkMigration({ migration, report }) {
    const changes = changesOf(migration);
    const finalKey = finalTableKeys(changes);
    const created = tablesCreatedIn(changes);
    const byTable = new Map<string, { drops: Drop[]; adds: Add[] }>();
    const group = (table: string) => {
      const k = finalKey(table);
      if (!byTable.has(k)) byTable.set(k, { drops: [], adds: [] });
      return byTable.get(k)!;
    };
    for (const d of changesOfKind(changes, 'drop-column')) group(d.effect.table).drops.push(d);
    for (const a of changesOfKind(changes, 'add-column')) group(a.effect.table).adds.push(a);

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
      for (const { drop, add, others } of pairUp(dropped, candidates)) {
        const [schema, ...rest] = tableKey.split('.');
        const table = qualifiedName(schema, rest.join('.'));
        const from = drop.effect.column;
        const to = add.effect.column;
        report({
          messageId: from.name === to.name ? 'droppedAndReadded' : 'renameByDrop',
          statement: drop.statement,
          data: {
            table,
            dropped: quoteIdent(from.name),
            droppedType: typeLabel(from.type),
            added: quoteIdent(to.name),
            addedType: typeLabel(to.type),
            start: to.default
              ? `with its default (${exprText(to.default.ast)}) in every row`
              : to.notNull
                ? 'with no value (NOT NULL without a default: the ADD COLUMN itself fails once the table has rows)'
                : 'NULL in every row',
            alternatives: others.length ? ` Paired by type and name; also possible: ${others.map((o) => quoteIdent(o)).join(', ')}.` : '',
          },
          help: from.name === to.name ? readdHelp(table, from, to) : renameHelp(table, from, to, rest.join('.')),
        });
      }
    }
  },
});

/** Pair drops with adds, best first: same type over same family, then similar names, then nearby statements. */
function pairUp(drops: Drop[], adds: Add[]): { drop: Drop; add: Add; others: string[] }[] {
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
  const usedDrops = new Set<Drop>();
  const usedAdds = new Set<Add>();
  const out: { drop: Drop; add: Add; others: string[] }[] = [];
  for (const c of candidates) {
    if (usedDrops.has(c.drop) || usedAdds.has(c.add)) continue;
    usedDrops.add(c.drop);
    usedAdds.add(c.add);
    const others = candidates.filter((o) => o.drop === c.drop && o.add !== c.add && !usedAdds.has(o.add)).map((o) => o.add.effect.column.name);
    out.push({ drop: c.drop, add: c.add, others });
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
function dataMovedIn(statements: readonly Statement[], tableKey: string): { read: Set<string>; written: Set<string> } {
  const read = new Set<string>();
  const written = new Set<string>();
  const tableName = tableKey.slice(tableKey.indexOf('.') + 1);
  for (const s of statements) {
    if (s.kind !== 'UpdateStmt' && s.kind !== 'InsertStmt') continue;
    if (s.kind === 'UpdateStmt' && s.ast.relation?.relname === tableName) {
      for (const t of s.ast.targetList ?? []) if (t.ResTarget?.name) written.add(t.ResTarget.name);
    }
    walk(s.ast, (tag, fields) => {
      if (tag === 'ColumnRef') {
        const names = (fields.fields ?? []).map((f: unknown) => str(f)).filter(Boolean);
        if (names.length) read.add(names[names.length - 1]);
      }
    });
  }
  return { read, written };
}

function readdHelp(table: string, from: Column, to: Column): string {
  const col = quoteIdent(to.name);
  return [
    `ALTER TABLE ${table} ALTER COLUMN ${col} SET DATA TYPE ${typeLabel(to.type)} USING ${col}::text::${typeLabel(to.type)};`,
    ...(to.default ? [`ALTER TABLE ${table} ALTER COLUMN ${col} SET DEFAULT ${exprText(to.default.ast)};`] : []),
    ...(to.notNull && !from.notNull ? [`ALTER TABLE ${table} ALTER COLUMN ${col} SET NOT NULL;`] : []),
    'Change the column in place instead of dropping it (map old values with a CASE in USING if they changed).',
  ].join('\n');
}

function renameHelp(table: string, from: Column, to: Column, tableName: string): string {
  const lines = [`ALTER TABLE ${table} RENAME COLUMN ${quoteIdent(from.name)} TO ${quoteIdent(to.name)};`];
  if (typeKey(from.type) !== typeKey(to.type)) {
    // varchar(32) → varchar(64) needs no USING; text → varchar or int → bigint get an explicit cast.
    const using = from.type.name === to.type.name ? '' : ` USING ${quoteIdent(to.name)}::${typeLabel(to.type)}`;
    lines.push(`ALTER TABLE ${table} ALTER COLUMN ${quoteIdent(to.name)} SET DATA TYPE ${typeLabel(to.type)}${using};`);
  }
  if (to.default) lines.push(`ALTER TABLE ${table} ALTER COLUMN ${quoteIdent(to.name)} SET DEFAULT ${exprText(to.default.ast)};`);
  if (to.notNull && !from.notNull) lines.push(`ALTER TABLE ${table} ALTER COLUMN ${quoteIdent(to.name)} SET NOT NULL;`);
  lines.push(
    `Or delete this migration and run \`drizzle-kit generate\` again: at "Is ${to.name} column in ${tableName} table created or renamed from another column?" pick "~ ${from.name} › ${to.name} rename column".`,
  );
  return lines.join('\n');
}
