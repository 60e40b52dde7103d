import { existingTable } from '../analysis/existing.js';
import { defineRule } from '../engine/define-rule.js';
import { qualifiedName, quoteIdent } from '../schema/model.js';

export default defineRule({
  id: 'rename-table',
  meta: {
    description: 'An existing table renamed: code of the release still running uses the old name until it is replaced (opt-in, for rolling deploys).',
    category: 'breaking-change',
    defaultSeverity: 'off',
    messages: {
      renameTable:
        'ALTER TABLE {from} RENAME TO {to}: from this statement on, every query of the release still running that names {from} fails (`relation "{fromName}" does not exist`) until the new release replaces it. Deploys that run migrations before switching traffic (rolling, blue-green) have such a window.',
    },
  },
  check(context) {
    const { statement, report } = context;
    if (statement.kind !== 'RenameStmt' || statement.ast.renameType !== 'OBJECT_TABLE') return;
    const target = existingTable(context, statement.ast.relation);
    if (!target) return;
    const to = quoteIdent(statement.ast.newname);
    const old = target.label;
    report({
      messageId: 'renameTable',
      data: { from: old, to, fromName: target.table.name },
      help: [
        `Keep the old name working until the old release is gone: right after the rename, add a view under the old name (simple views are updatable, so old INSERT/UPDATE/DELETE keep working):`,
        `CREATE VIEW ${old} AS SELECT * FROM ${qualifiedName(target.table.schema, statement.ast.newname)};`,
        `and drop it in a later migration (\`DROP VIEW ${old};\`). drizzle-kit does not manage the view, since no pgView declares it.`,
      ].join('\n'),
    });
  },
});
