import { addedConstraints, droppedTwin } from '../analysis/constraints.js';
import { existingTable, labelOf } from '../analysis/existing.js';
import { noOpOf } from '../analysis/no-op.js';
import { nullColumns } from '../analysis/null-columns.js';
import { defineRule } from '../engine/define-rule.js';
import type { Node } from '../engine/ast.js';
import { strs } from '../engine/ast.js';
import { key, qualifiedName, quoteIdent, typeToSql, type Table } from '../schema/model.js';

const FK_ACTIONS: Record<string, string> = { a: 'no action', r: 'restrict', c: 'cascade', n: 'set null', d: 'set default' };
const VALIDATE_LATER = 'then, in a later migration (`drizzle-kit generate --custom`), check the old rows without blocking writes (SHARE UPDATE EXCLUSIVE):';

export default defineRule({
  id: 'foreign-key-not-valid',
  meta: {
    description: 'ADD FOREIGN KEY or CHECK on a table that already exists, without NOT VALID: the table is locked while every row is checked.',
    category: 'locking',
    defaultSeverity: 'warn',
    messages: {
      foreignKey:
        'ADD CONSTRAINT {name} FOREIGN KEY on existing table {table} takes a SHARE ROW EXCLUSIVE lock on {table} and on {target}, then scans every row of {table} to check it: inserts, updates and deletes on both tables wait for the scan, and the migration fails if a row has no match in {target}.',
      foreignKeyMany:
        'This migration adds {count} foreign keys to existing tables without NOT VALID ({items}). Each takes a SHARE ROW EXCLUSIVE lock on its table and the table it references, then scans every row to check it: inserts, updates and deletes on both wait for the scan, and the migration fails if a row has no match.',
      check:
        'ADD CONSTRAINT {name} CHECK on existing table {table} takes an ACCESS EXCLUSIVE lock on {table} and scans every row to check it: all reads and writes of {table} wait for the scan, and the migration fails if a row violates it.',
      checkMany:
        'This migration adds {count} CHECK constraints to existing tables without NOT VALID ({items}). Each takes an ACCESS EXCLUSIVE lock on its table and scans every row to check it: all reads and writes wait for the scan, and the migration fails if a row violates one.',
      newColumn:
        'ADD CONSTRAINT {name} FOREIGN KEY on {table}: {column} was added earlier in this migration and is NULL in every row, so the check cannot fail. PostgreSQL still scans every row of {table} to check it, under a SHARE ROW EXCLUSIVE lock on {table} and {target}.',
      newColumnMany:
        'This migration adds {count} foreign keys on columns it added itself ({items}): they are NULL in every row, so the checks cannot fail, but PostgreSQL still scans every row of each table under a SHARE ROW EXCLUSIVE lock.',
      recreated:
        '{kind} {name} on existing table {table} is the constraint {old} dropped just before, re-created under a new name (drizzle-kit does this after a rename): adding it takes a {lock} lock and re-checks every row of {table} for nothing.',
      recreatedMany:
        'This migration re-creates {count} constraints dropped just before under new names (drizzle-kit does this after a rename: {items}): adding each takes a lock and re-checks every row of its table for nothing.',
    },
    help: {
      foreignKey: `Add it without checking the existing rows (new rows are checked at once):\n{notValid}\n${VALIDATE_LATER}\n{validate}`,
      foreignKeyMany: `Add them without checking the existing rows (new rows are checked at once):\n{all:notValid}\n${VALIDATE_LATER}\n{all:validate}`,
      check: `Add it without checking the existing rows (new rows are checked at once):\n{notValid}\n${VALIDATE_LATER}\n{validate}`,
      checkMany: `Add them without checking the existing rows (new rows are checked at once):\n{all:notValid}\n${VALIDATE_LATER}\n{all:validate}`,
      newColumn: 'Declare the foreign key in the ADD COLUMN instead: PostgreSQL knows a new column without a default is all NULL and skips the scan (replace both statements):\n{inline}',
      newColumnMany: 'Declare the foreign keys in the ADD COLUMNs instead: PostgreSQL knows a new column without a default is all NULL and skips the scan (replace the ADD COLUMN and ADD CONSTRAINT statements):\n{all:inline}',
      recreated: 'Rename it instead of dropping and adding it (replace both statements):\n{rename}',
      recreatedMany: 'Rename them instead of dropping and adding them (replace the DROP CONSTRAINT and ADD CONSTRAINT statements):\n{all:rename}',
    },
  },
  check(context) {
    const { statement, report } = context;
    if (statement.kind !== 'AlterTableStmt') return;
    const target = existingTable(context, statement.ast.relation);
    if (!target) return;
    // In a DO block that swallows the duplicate name: nothing is added, nothing is checked.
    if (noOpOf(statement, context.schema)) return;
    const constraints = addedConstraints(statement.ast);
    let nulls: ReadonlySet<string> | undefined;
    for (const con of constraints) {
      if (con.contype !== 'CONSTR_FOREIGN' && con.contype !== 'CONSTR_CHECK') continue;
      if (con.skip_validation === true) continue; // NOT VALID
      const isFk = con.contype === 'CONSTR_FOREIGN';
      const name = con.conname ? quoteIdent(con.conname) : '(unnamed)';
      const item = `${name} on ${target.label}`;
      const lock = isFk ? 'SHARE ROW EXCLUSIVE' : 'ACCESS EXCLUSIVE';
      const twin = con.conname ? droppedTwin(context, target.key, con) : undefined;
      if (twin) {
        const rename = `ALTER TABLE ${target.label} RENAME CONSTRAINT ${quoteIdent(twin.name)} TO ${name};`;
        report({
          messageId: 'recreated',
          lockOn: target.key,
          data: { kind: isFk ? 'Foreign key' : 'Check constraint', name, table: target.label, old: quoteIdent(twin.name), lock, rename },
          group: { key: 'recreated', messageId: 'recreatedMany', item: `${quoteIdent(twin.name)} → ${name} on ${target.label}` },
        });
        continue;
      }
      const targetLabel = isFk ? labelOf(key(con.pktable?.schemaname, con.pktable?.relname ?? '')) : '';
      const columns = strs(con.fk_attrs);
      // MATCH SIMPLE (the default) passes a row with a NULL in any key column; MATCH FULL only when all are.
      nulls ??= nullColumns(context, target.key);
      const fresh = isFk && columns.length > 0 && (con.fk_matchtype === 'f' ? columns.every((c) => nulls!.has(c)) : columns.some((c) => nulls!.has(c)));
      if (fresh) {
        report({
          messageId: 'newColumn',
          lockOn: target.key,
          severity: 'warn',
          data: { name, table: target.label, target: targetLabel, column: columns.filter((c) => nulls!.has(c)).map(quoteIdent).join(', '), inline: inlineForeignKey(target.table, target.label, con) },
          group: { key: 'newColumn', messageId: 'newColumnMany', item },
        });
        continue;
      }
      const notValid = constraints.length === 1 && (statement.ast.cmds ?? []).length === 1 ? `${statement.sql.trim().replace(/;\s*$/, '')} NOT VALID;` : `ALTER TABLE ${target.label} ADD CONSTRAINT ${name} … NOT VALID;`;
      const validate = `ALTER TABLE ${target.label} VALIDATE CONSTRAINT ${name};`;
      if (isFk) {
        report({ messageId: 'foreignKey', lockOn: target.key, data: { name, table: target.label, target: targetLabel, notValid, validate }, group: { key: 'foreignKey', messageId: 'foreignKeyMany', item } });
      } else {
        report({ messageId: 'check', lockOn: target.key, data: { name, table: target.label, notValid, validate }, group: { key: 'check', messageId: 'checkMany', item } });
      }
    }
  },
});

/**
 * `ALTER TABLE t ADD COLUMN c type CONSTRAINT name REFERENCES …`: the foreign key declared with the
 * column (one column; several need the table constraint, NOT VALID then VALIDATE).
 */
function inlineForeignKey(table: Table, tableLabel: string, con: Node): string {
  const columns = strs(con.fk_attrs);
  const column = columns.length === 1 ? table.columns.get(columns[0]) : undefined;
  const ref = `${qualifiedName(con.pktable?.schemaname ?? 'public', con.pktable?.relname ?? '')}(${strs(con.pk_attrs).map(quoteIdent).join(', ')})`;
  const name = con.conname ? `CONSTRAINT ${quoteIdent(con.conname)} ` : '';
  if (!column) return `ALTER TABLE ${tableLabel} ADD CONSTRAINT … NOT VALID; then VALIDATE CONSTRAINT in a later migration (a foreign key of several columns cannot be declared with one column).`;
  const actions = ` ON DELETE ${FK_ACTIONS[con.fk_del_action] ?? 'no action'} ON UPDATE ${FK_ACTIONS[con.fk_upd_action] ?? 'no action'}`;
  return `ALTER TABLE ${tableLabel} ADD COLUMN ${quoteIdent(column.name)} ${typeToSql(column.type)}${column.notNull ? ' NOT NULL' : ''} ${name}REFERENCES ${ref}${actions};`;
}
