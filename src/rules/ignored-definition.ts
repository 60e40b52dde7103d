import { noOpOf } from '../analysis/no-op.js';
import { defineRule } from '../engine/define-rule.js';
import { keyLabel } from '../schema/model.js';

export default defineRule({
  id: 'ignored-definition',
  meta: {
    description: 'CREATE INDEX IF NOT EXISTS, or ADD CONSTRAINT in a DO block that swallows duplicate_object, on a name already in use with another definition: the statement does nothing and the new definition never reaches the database.',
    category: 'correctness',
    defaultSeverity: 'error',
    messages: {
      index:
        'CREATE INDEX IF NOT EXISTS {name} does nothing: an index named {name} exists on {table} with another definition ({differences}). Every database keeps the old one, silently, while the schema drizzle-kit records has the new one.',
      constraint:
        'ADD CONSTRAINT {name} on {table} does nothing: {table} already has {name} with another definition ({differences}), and the DO block\'s EXCEPTION handler swallows the error. Every database keeps the old one, silently, while the schema drizzle-kit records has the new one.',
    },
    help: {
      index: 'Replace the index: DROP INDEX IF EXISTS {name}; before this statement (or give the new index another name). On a large table, build the new one CONCURRENTLY outside migrate() first (see index-not-concurrent).',
      constraint: 'Replace the constraint: ALTER TABLE {table} DROP CONSTRAINT IF EXISTS {name}; before this statement (or give the new one another name).',
    },
  },
  check({ statement, schema, report }) {
    const noOp = noOpOf(statement, schema);
    if (!noOp || noOp.differences.length === 0) return;
    report({
      messageId: noOp.object,
      data: { name: noOp.name, table: keyLabel(noOp.tableKey), differences: noOp.differences.map((d) => d.detail).join('; ') },
    });
  },
});
