import { addedConstraints, droppedTwin } from '../analysis/constraints.js';
import { existingTable, labelOf } from '../analysis/existing.js';
import { defineRule } from '../engine/define-rule.js';
import { key, quoteIdent } from '../schema/model.js';

export default defineRule({
  id: 'foreign-key-not-valid',
  meta: {
    description: 'ADD FOREIGN KEY or CHECK on a table that already exists, without NOT VALID: the table is locked while every row is checked.',
    category: 'locking',
    defaultSeverity: 'warn',
    messages: {
      foreignKey:
        'ADD CONSTRAINT {name} FOREIGN KEY on existing table {table} takes a SHARE ROW EXCLUSIVE lock on {table} and on {target}, then scans every row of {table} to check it: inserts, updates and deletes on both tables wait for the scan, and the migration fails if a row has no match in {target}.',
      check:
        'ADD CONSTRAINT {name} CHECK on existing table {table} takes an ACCESS EXCLUSIVE lock on {table} and scans every row to check it: all reads and writes of {table} wait for the scan, and the migration fails if a row violates it.',
      recreated:
        '{kind} {name} on existing table {table} is the constraint {old} dropped just before, re-created under a new name (drizzle-kit does this after a rename): adding it takes a {lock} lock and re-checks every row of {table} for nothing.',
    },
  },
  check(context) {
    const { statement, report } = context;
    if (statement.kind !== 'AlterTableStmt') return;
    const target = existingTable(context, statement.ast.relation);
    if (!target) return;
    const constraints = addedConstraints(statement.ast);
    for (const con of constraints) {
      if (con.contype !== 'CONSTR_FOREIGN' && con.contype !== 'CONSTR_CHECK') continue;
      if (con.skip_validation === true) continue; // NOT VALID
      const isFk = con.contype === 'CONSTR_FOREIGN';
      const name = con.conname ? quoteIdent(con.conname) : '(unnamed)';
      const lock = isFk ? 'SHARE ROW EXCLUSIVE' : 'ACCESS EXCLUSIVE';
      const twin = con.conname ? droppedTwin(context, target.key, con) : undefined;
      if (twin) {
        report({
          messageId: 'recreated',
          lockOn: target.key,
          data: { kind: isFk ? 'Foreign key' : 'Check constraint', name, table: target.label, old: quoteIdent(twin.name), lock },
          help: `Rename it instead of dropping and adding it (replace both statements):\nALTER TABLE ${target.label} RENAME CONSTRAINT ${quoteIdent(twin.name)} TO ${name};`,
        });
        continue;
      }
      const notValid = constraints.length === 1 && (statement.ast.cmds ?? []).length === 1 ? `${statement.sql.trim().replace(/;\s*$/, '')} NOT VALID;` : `ALTER TABLE ${target.label} ADD CONSTRAINT ${name} … NOT VALID;`;
      const help = [
        'Add it without checking the existing rows (new rows are checked at once):',
        notValid,
        `then, in a later migration (\`drizzle-kit generate --custom\`), check the old rows without blocking writes (SHARE UPDATE EXCLUSIVE):`,
        `ALTER TABLE ${target.label} VALIDATE CONSTRAINT ${name};`,
      ].join('\n');
      if (isFk) {
        report({ messageId: 'foreignKey', lockOn: target.key, data: { name, table: target.label, target: labelOf(key(con.pktable?.schemaname, con.pktable?.relname ?? '')) }, help });
      } else {
        report({ messageId: 'check', lockOn: target.key, data: { name, table: target.label }, help });
      }
    }
  },
});
