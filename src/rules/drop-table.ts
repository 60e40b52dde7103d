import { changesOf, changesOfKind } from '../analysis/changes.js';
import { dependentsOf, describeDependents, type Dependents } from '../analysis/dependents.js';
import { labelOf } from '../analysis/existing.js';
import { copiedBefore, tableRenamesByDrop } from '../analysis/renames.js';
import { defineRule } from '../engine/define-rule.js';
import { str } from '../engine/ast.js';
import type { Statement } from '../engine/types.js';
import { key, quoteIdent } from '../schema/model.js';

interface Seen {
  table: string;
  columns: number;
  dependents: Dependents;
  policies: string[];
}

/** Facts read from the schema at each DROP TABLE (check), reported once the migration is replayed (checkMigration). */
// By syntax tree: let go with it when the engine is done with the migration.
const seen = new WeakMap<object, Seen[]>();

export default defineRule({
  id: 'drop-table',
  meta: {
    description: 'An existing table dropped: all its rows are deleted, with the foreign keys, views and policies that depend on it.',
    category: 'data-loss',
    defaultSeverity: 'warn',
    messages: {
      dropTable: 'DROP TABLE {table} deletes all its rows ({columns}).{dependents}{later} Code of the release still running that queries {table} fails once it is gone.',
      dropTableMany: 'This migration drops {count} existing tables and all their rows: {items}. Code of the release still running that queries them fails once they are gone.',
    },
    help: {
      dropTableMany: 'If the rows may still be needed, keep them instead of dropping (drizzle-kit no longer manages the tables):\n{all:keep}\nand drop them in a later migration, once the release still running no longer queries them.',
    },
  },
  check({ statement, schema, isNewTable }) {
    if (statement.kind !== 'DropStmt' || (statement.ast.removeType !== 'OBJECT_TABLE' && statement.ast.removeType !== 'OBJECT_FOREIGN_TABLE')) return;
    const found: Seen[] = [];
    for (const object of statement.ast.objects ?? []) {
      const names: string[] = (object.List?.items ?? []).map(str);
      const tableKey = names.length >= 2 ? key(names[names.length - 2], names[names.length - 1]) : key(undefined, names[0] ?? '');
      const table = schema.tables.get(tableKey);
      if (!table || isNewTable(tableKey)) continue;
      found.push({ table: tableKey, columns: table.columns.size, dependents: dependentsOf(schema, tableKey), policies: [...table.policies.keys()].map(quoteIdent) });
    }
    if (found.length) seen.set(statement.ast, found);
  },
  checkMigration({ migration, settings, report }) {
    const changes = changesOf(migration);
    const explained = settings.rules['table-rename-by-drop'] === 'off' ? [] : tableRenamesByDrop(migration);
    for (const drop of changesOfKind(changes, 'drop-table')) {
      const facts = seen.get(drop.statement.ast)?.find((f) => f.table === drop.effect.table);
      if (!facts) continue;
      if (explained.some((p) => p.drop.order === drop.order)) continue; // table-rename-by-drop reports it
      // Its rows were copied into another table first (INSERT … SELECT): a deliberate data move.
      if (copiedBefore(migration.statements, drop.effect.table, drop.statement.index)) continue;
      const table = labelOf(facts.table);
      const d = facts.dependents;
      const described = describeDependents({ ...d, indexes: [] });
      const cascade = drop.effect.cascade;
      let dependents = '';
      if (described) dependents = cascade ? ` CASCADE also drops ${described}.` : ` ${described} depend on it: without CASCADE the DROP fails.`;
      // drizzle-kit drops the foreign keys pointing here after `DROP TABLE … CASCADE`, which already removed them.
      const after = cascade ? laterDropsOf(migration.statements, drop.statement.index, d.foreignKeys) : [];
      const later = after.length
        ? ` The later ${after.map((f) => `\`ALTER TABLE ${labelOf(f.table)} DROP CONSTRAINT ${quoteIdent(f.name)}\``).join(', ')} then fails: CASCADE already dropped ${after.length > 1 ? 'those constraints' : 'that constraint'} (\`constraint "${after[0].name}" of relation … does not exist\`).`
        : '';
      const keep = `ALTER TABLE ${table} RENAME TO ${quoteIdent(`${facts.table.slice(facts.table.indexOf('.') + 1)}_dropped`.slice(0, 63))};`;
      // The tables a migration drops are one decision: one finding lists them. A DROP that fails
      // (dependents without CASCADE, a later DROP CONSTRAINT of what CASCADE removed) stands alone.
      const fails = (described !== '' && !cascade) || after.length > 0;
      const item = `${table} (${`${facts.columns} column${facts.columns === 1 ? '' : 's'}`}${described ? `; CASCADE also drops ${described}` : ''})`;
      report({
        messageId: 'dropTable',
        statement: drop.statement,
        data: { table, columns: `${facts.columns} column${facts.columns === 1 ? '' : 's'}`, dependents, later, keep },
        ...(fails ? {} : { group: { key: 'drop', messageId: 'dropTableMany' as const, item } }),
        help: [
          ...(after.length ? [`Move ${after.length > 1 ? 'the DROP CONSTRAINT statements' : 'the DROP CONSTRAINT'} before the DROP TABLE.`] : []),
          `If the rows may still be needed, keep them instead of dropping (drizzle-kit no longer manages the table):`,
          keep,
          `and drop it in a later migration, once the release still running no longer queries it.`,
        ].join('\n'),
      });
    }
  },
});

/** `ALTER TABLE … DROP CONSTRAINT fk` (without IF EXISTS) after the DROP TABLE, for foreign keys CASCADE already removed. */
function laterDropsOf(statements: readonly Statement[], after: number, fks: Dependents['foreignKeys']) {
  const out: Dependents['foreignKeys'] = [];
  for (const s of statements) {
    if (s.index <= after || s.kind !== 'AlterTableStmt') continue;
    const tableKey = key(s.ast.relation?.schemaname, s.ast.relation?.relname ?? '');
    for (const cmd of s.ast.cmds ?? []) {
      const c = cmd.AlterTableCmd;
      if (c?.subtype !== 'AT_DropConstraint' || c.missing_ok === true) continue;
      const fk = fks.find((f) => f.table === tableKey && f.name === c.name);
      if (fk && !out.includes(fk)) out.push(fk);
    }
  }
  return out;
}
