import { changesOf, changesOfKind } from '../analysis/changes.js';
import { tableRenamesByDrop } from '../analysis/renames.js';
import { defineRule } from '../engine/define-rule.js';
import type { Constraint, Index, Table } from '../schema/model.js';
import { qualifiedName, quoteIdent } from '../schema/model.js';

export default defineRule({
  id: 'table-rename-by-drop',
  meta: {
    description: 'A table dropped and a table with the same columns created in one migration: a rename answered "create", which deletes the data.',
    category: 'data-loss',
    defaultSeverity: 'error',
    messages: {
      renameByDrop:
        'Table {dropped} is dropped and {created} is created with the same columns ({columns}) in this migration. This is what drizzle-kit writes when its rename prompt is answered "create table": every row of {dropped} is deleted{cascade}.',
    },
  },
  checkMigration({ migration, report }) {
    const changes = changesOf(migration);
    const createdIndexes = changesOfKind(changes, 'create-index').map((c) => c.effect.index);
    for (const { drop, create: match } of tableRenamesByDrop(migration)) {
      const old = drop.effect.definition;
      // drizzle-kit adds foreign keys after CREATE TABLE: count them as the new table's.
      const next: Table = { ...match.effect.definition, constraints: new Map(match.effect.definition.constraints) };
      for (const c of changesOfKind(changes, 'add-constraint')) if (c.effect.table === match.effect.table) next.constraints.set(c.effect.constraint.name, c.effect.constraint);
      const from = qualifiedName(old.schema, old.name);
      const to = qualifiedName(next.schema, next.name);
      report({
        messageId: 'renameByDrop',
        statement: drop.statement,
        data: {
          dropped: from,
          created: to,
          columns: [...old.columns.keys()].map(quoteIdent).join(', '),
          cascade: drop.effect.cascade ? ', and CASCADE also drops the foreign keys and views that depend on it' : '',
        },
        help: renameHelp(old, next, drop.effect.indexes, createdIndexes.filter((i) => i.table === match.effect.table)),
      });
    }
  },
});

/** RENAME TO, then the constraint and index renames that give drizzle-kit the names its snapshot expects. */
function renameHelp(old: Table, next: Table, oldIndexes: Index[], newIndexes: Index[]): string {
  const to = qualifiedName(next.schema, next.name);
  const lines = [`ALTER TABLE ${qualifiedName(old.schema, old.name)} RENAME TO ${quoteIdent(next.name)};`];
  if (old.schema !== next.schema) lines.push(`ALTER TABLE ${qualifiedName(old.schema, next.name)} SET SCHEMA ${quoteIdent(next.schema)};`);
  const sig = (c: Constraint) => `${c.kind}(${c.columns.join(',')})${c.references ? `→${c.references.schema}.${c.references.table}(${c.references.columns.join(',')})` : ''}`;
  for (const c of next.constraints.values()) {
    const before = [...old.constraints.values()].find((o) => sig(o) === sig(c));
    if (before && before.name !== c.name) lines.push(`ALTER TABLE ${to} RENAME CONSTRAINT ${quoteIdent(before.name)} TO ${quoteIdent(c.name)};`);
  }
  const isig = (i: Index) => `${i.unique}:${i.method}:${i.columns.map((c) => c.expression).join(',')}`;
  for (const index of newIndexes) {
    const before = oldIndexes.find((o) => isig(o) === isig(index));
    if (before && before.name !== index.name) lines.push(`ALTER INDEX ${qualifiedName(before.schema, before.name)} RENAME TO ${quoteIdent(index.name)};`);
  }
  lines.push(`Or delete this migration and run \`drizzle-kit generate\` again: at "Is ${next.name} table created or renamed from another table?" pick "~ ${old.name} › ${next.name} rename table".`);
  return lines.join('\n');
}
