import { existingTable } from '../analysis/existing.js';
import { typeLabel } from '../analysis/type-compat.js';
import { defineRule } from '../engine/define-rule.js';
import { quoteIdent } from '../schema/model.js';

export default defineRule({
  id: 'rename-column',
  meta: {
    description: 'A column of an existing table renamed: code of the release still running uses the old name until it is replaced (opt-in, for rolling deploys).',
    category: 'breaking-change',
    defaultSeverity: 'off',
    messages: {
      renameColumn:
        'RENAME COLUMN {table}.{from} TO {to}: from this statement on, every query of the release still running that names {from} fails (`column "{fromName}" does not exist`) until the new release replaces it. Deploys that run migrations before switching traffic (rolling, blue-green) have such a window.',
    },
  },
  check(context) {
    const { statement, migration, report } = context;
    if (statement.kind !== 'RenameStmt' || statement.ast.renameType !== 'OBJECT_COLUMN' || statement.ast.relationType !== 'OBJECT_TABLE') return;
    const target = existingTable(context, statement.ast.relation);
    if (!target || !target.table.columns.has(statement.ast.subname)) return;
    // A column added earlier in this migration has no readers yet.
    const added = migration.effects.some((effects) => effects.some((e) => e.kind === 'add-column' && e.table === target.key && e.column.name === statement.ast.subname));
    if (added) return;
    const from = quoteIdent(statement.ast.subname);
    const to = quoteIdent(statement.ast.newname);
    const type = typeLabel(target.table.columns.get(statement.ast.subname)!.type);
    report({
      messageId: 'renameColumn',
      data: { table: target.label, from, to, fromName: statement.ast.subname },
      help: [
        `Expand and contract instead: add ${to} next to ${from}, deploy code that writes both and reads ${to}, backfill, then drop ${from} in a later release:`,
        `ALTER TABLE ${target.label} ADD COLUMN ${to} ${type};`,
        `UPDATE ${target.label} SET ${to} = ${from} WHERE ${to} IS NULL;`,
      ].join('\n'),
    });
  },
});
