import { addedConstraints, droppedTwin } from '../analysis/constraints.js';
import { existingTable } from '../analysis/existing.js';
import { defineRule } from '../engine/define-rule.js';
import { strs } from '../engine/ast.js';
import { quoteIdent } from '../schema/model.js';

export default defineRule({
  id: 'unique-constraint-lock',
  meta: {
    description: 'ADD CONSTRAINT … UNIQUE or PRIMARY KEY on a table that already exists: the index is built under an ACCESS EXCLUSIVE lock.',
    category: 'locking',
    defaultSeverity: 'warn',
    messages: {
      build:
        'ADD CONSTRAINT {name} {kind} on existing table {table} builds its index under an ACCESS EXCLUSIVE lock: every read and write of {table} waits for the whole build, and the migration fails if two rows share {columns}{nulls}.',
      recreated:
        '{kind} constraint {name} on existing table {table} is the constraint {old} dropped just before, re-created under a new name (drizzle-kit does this after a rename): its index is rebuilt under an ACCESS EXCLUSIVE lock for nothing.',
    },
  },
  check(context) {
    const { statement, report } = context;
    if (statement.kind !== 'AlterTableStmt') return;
    const target = existingTable(context, statement.ast.relation);
    if (!target) return;
    for (const con of addedConstraints(statement.ast)) {
      if (con.contype !== 'CONSTR_UNIQUE' && con.contype !== 'CONSTR_PRIMARY') continue;
      if (con.indexname) continue; // USING INDEX: no build
      const pk = con.contype === 'CONSTR_PRIMARY';
      const kind = pk ? 'PRIMARY KEY' : 'UNIQUE';
      const columns = strs(con.keys);
      const name = con.conname ?? (pk ? `${target.table.name}_pkey` : `${target.table.name}_${columns.join('_')}_key`);
      const twin = droppedTwin(context, target.key, con);
      if (twin) {
        report({
          messageId: 'recreated',
          lockOn: target.key,
          data: { kind: pk ? 'Primary key' : 'Unique', name: quoteIdent(name), table: target.label, old: quoteIdent(twin.name) },
          help: `Rename it instead of dropping and adding it (replace both statements; the index is renamed with it):\nALTER TABLE ${target.label} RENAME CONSTRAINT ${quoteIdent(twin.name)} TO ${quoteIdent(name)};`,
        });
        continue;
      }
      const cols = columns.map(quoteIdent).join(', ');
      const nnd = con.nulls_not_distinct === true ? ' NULLS NOT DISTINCT' : '';
      const index = `${target.label} USING btree (${cols})${nnd}`;
      report({
        messageId: 'build',
        lockOn: target.key,
        data: {
          name: quoteIdent(name),
          kind,
          table: target.label,
          columns: columns.length === 1 ? `a ${quoteIdent(columns[0])} value` : `the same (${cols})`,
          nulls: pk ? ' or a column holds NULL' : '',
        },
        help: [
          `Build the index first without blocking writes, with psql before deploying (CONCURRENTLY cannot run inside migrate()'s transaction):`,
          `CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS ${quoteIdent(name)} ON ${index};`,
          `and replace this statement with (the first line is a no-op where the index exists, and builds it on fresh databases):`,
          `CREATE UNIQUE INDEX IF NOT EXISTS ${quoteIdent(name)} ON ${index};`,
          `ALTER TABLE ${target.label} ADD CONSTRAINT ${quoteIdent(name)} ${kind} USING INDEX ${quoteIdent(name)};`,
        ].join('\n'),
      });
    }
  },
});
