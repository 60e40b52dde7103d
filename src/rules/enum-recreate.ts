import { changesOf, changesOfKind } from '../analysis/changes.js';
import { defineRule } from '../engine/define-rule.js';
import type { EnumType } from '../schema/model.js';
import { qualifiedName, quoteIdent } from '../schema/model.js';

const literal = (v: string) => `'${v.replaceAll("'", "''")}'`;
const list = (values: string[]) => values.map(literal).join(', ');

export default defineRule({
  id: 'enum-recreate',
  meta: {
    description: 'An enum type dropped and created again (a value removed, renamed or reordered, or the type renamed as "create"): fails on rows holding a removed value, and rewrites every table using it.',
    category: 'data-loss',
    defaultSeverity: 'error',
    messages: {
      valuesRemoved:
        'Enum {type} is dropped and created again without {removed}: the migration fails with `invalid input value for enum` if any row of {columns} still holds {which}. Every column using the type is converted to text and back, rewriting its table under ACCESS EXCLUSIVE.',
      valueRenamed:
        'Enum {type} is dropped and created again to turn {from} into {to}: drizzle-kit cannot rename an enum value, so the migration fails with `invalid input value for enum` if any row of {columns} still holds {from}, and rewrites those tables under ACCESS EXCLUSIVE.',
      reordered:
        'Enum {type} is dropped and created again with its values in a new order: every column using it ({columns}) is converted to text and back, rewriting its table under ACCESS EXCLUSIVE, for a change PostgreSQL cannot make in place.',
      typeRenamed:
        'Enum {from} is replaced by a new type {to}{removedNote}: this is what drizzle-kit writes when its rename prompt is answered "create enum". Every column using it ({columns}) is rewritten under ACCESS EXCLUSIVE, and the old type is dropped.',
    },
  },
  checkMigration({ migration, report }) {
    const changes = changesOf(migration);
    const creates = changesOfKind(changes, 'create-enum');
    const retypes = changesOfKind(changes, 'alter-column-type');
    const columnsUsing = (typeKey: string) => {
      const cols = retypes
        .filter((c) => !c.effect.to.builtin && `${c.effect.to.schema ?? 'public'}.${c.effect.to.name}` === typeKey)
        .map((c) => `${c.effect.table.replace(/^public\./, '')}.${c.effect.column}`);
      return [...new Set(cols)].join(', ');
    };
    for (const drop of changesOfKind(changes, 'drop-type')) {
      const before = drop.effect.definition;
      if (!before) continue;
      const type = qualifiedName(before.schema, before.name);
      const recreated = creates.find((c) => c.effect.type === drop.effect.type && c.order > drop.order);
      if (recreated) {
        const after = recreated.effect.definition;
        const removed = before.values.filter((v) => !after.values.includes(v));
        const added = after.values.filter((v) => !before.values.includes(v));
        const columns = columnsUsing(drop.effect.type);
        // No column is converted back to the type: nothing holds its values (columns dropped first
        // are column-rename-by-drop's or drop-column's concern), and nothing is rewritten.
        if (!columns) continue;
        if (removed.length === 1 && added.length === 1) {
          report({ messageId: 'valueRenamed', statement: drop.statement, data: { type, from: literal(removed[0]), to: literal(added[0]), columns }, help: renameValueHelp(type, removed[0], added[0]) });
        } else if (removed.length > 0) {
          report({ messageId: 'valuesRemoved', statement: drop.statement, data: { type, removed: list(removed), which: removed.length === 1 ? 'it' : 'one of them', columns }, help: removalHelp(type, removed, after, retypes.filter((c) => `${c.effect.to.schema ?? 'public'}.${c.effect.to.name}` === drop.effect.type).map((c) => ({ table: c.effect.table, column: c.effect.column }))) });
        } else if (before.values.join('\0') !== after.values.join('\0') && added.length === 0) {
          report({ messageId: 'reordered', statement: drop.statement, data: { type, columns }, help: 'Keep the old order: PostgreSQL sorts enum values by their declared order, and new values can be placed with `ALTER TYPE … ADD VALUE … BEFORE/AFTER` instead of rebuilding.' });
        }
        continue;
      }
      // Renamed as "create": a new type was created earlier in this migration and the columns moved to it.
      const moved = retypes.filter((c) => !c.effect.from.builtin && `${c.effect.from.schema ?? 'public'}.${c.effect.from.name}` === drop.effect.type && !c.effect.to.builtin);
      const target = moved.length ? creates.find((c) => c.effect.type === `${moved[0].effect.to.schema ?? 'public'}.${moved[0].effect.to.name}`) : undefined;
      if (!target) continue;
      const after = target.effect.definition;
      const shared = before.values.filter((v) => after.values.includes(v));
      if (shared.length === 0) continue; // a different type, not a rename
      const removed = before.values.filter((v) => !after.values.includes(v));
      report({
        messageId: 'typeRenamed',
        statement: drop.statement,
        data: {
          from: type,
          to: qualifiedName(after.schema, after.name),
          removedNote: removed.length ? ` without ${list(removed)} (rows holding ${removed.length === 1 ? 'it' : 'them'} make the migration fail)` : '',
          columns: [...new Set(moved.map((c) => `${c.effect.table.replace(/^public\./, '')}.${c.effect.column}`))].join(', '),
        },
        help: [
          `ALTER TYPE ${type} RENAME TO ${quoteIdent(after.name)};`,
          ...after.values.filter((v) => !before.values.includes(v)).map((v) => `ALTER TYPE ${qualifiedName(after.schema, after.name)} ADD VALUE ${literal(v)};`),
          `Or delete this migration and run \`drizzle-kit generate\` again: at "Is ${after.name} enum created or renamed from another enum?" pick "~ ${before.name} › ${after.name} rename enum".`,
        ].join('\n'),
      });
    }
  },
});

function renameValueHelp(type: string, from: string, to: string): string {
  return [
    `ALTER TYPE ${type} RENAME VALUE ${literal(from)} TO ${literal(to)};`,
    'Replace this migration\'s DROP TYPE / CREATE TYPE rebuild with that one statement (`drizzle-kit generate --custom`): it keeps every row, takes no table lock, and the snapshot drizzle-kit wrote already has the new value.',
  ].join('\n');
}

function removalHelp(type: string, removed: string[], after: EnumType, columns: { table: string; column: string }[]): string {
  const replacement = after.values[0] ?? '…';
  const updates = columns.length
    ? columns.flatMap(({ table, column }) => {
        const [schema, ...name] = table.split('.');
        return removed.map((v) => `UPDATE ${qualifiedName(schema, name.join('.'))} SET ${quoteIdent(column)} = ${literal(replacement)} WHERE ${quoteIdent(column)} = ${literal(v)};`);
      })
    : removed.map((v) => `UPDATE <table> SET <column> = ${literal(replacement)} WHERE <column> = ${literal(v)};`);
  return [...updates, `Run these (choose the replacement value) in a migration before this one, so no row holds a value of ${type} that is removed.`].join('\n');
}
