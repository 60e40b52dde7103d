import { columnRenamesByDrop, renameColumnFix, renameColumnHelp } from '../analysis/renames.js';
import { typeLabel } from '../analysis/type-compat.js';
import { defineRule } from '../engine/define-rule.js';
import { exprText } from '../schema/expr.js';
import type { FixRequest } from '../engine/types.js';
import type { Column } from '../schema/model.js';
import { key, qualifiedName, quoteIdent, type TypeRef } from '../schema/model.js';

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
  checkMigration({ migration, schema, report }) {
    const isEnum = (t: TypeRef) => !t.builtin && schema.enums.has(key(t.schema, t.name));
    for (const { tableKey, drop, add, others, otherAdds } of columnRenamesByDrop(migration)) {
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
        help: from.name === to.name ? readdHelp(table, from, to) : renameColumnHelp(table, from, to, rest.join('.'), isEnum),
        ...(from.name === to.name ? {} : fixes([add, ...otherAdds].map((candidate) => renameColumnFix(table, drop, candidate, isEnum)))),
      });
    }
  },
});

/** One candidate: the rename is the fix. Several: each is a suggestion (which one is the user's call). */
function fixes(candidates: (FixRequest | undefined)[]): { fix?: FixRequest; suggestions?: FixRequest[] } {
  const all = candidates.filter((f): f is FixRequest => f !== undefined);
  if (candidates.length === 1) return all.length ? { fix: all[0] } : {};
  return all.length ? { suggestions: all } : {};
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
