import { changesOf, changesOfKind, finalTableKeys } from '../analysis/changes.js';
import { dependentsOf, describeDependents, type Dependents } from '../analysis/dependents.js';
import { labelOf } from '../analysis/existing.js';
import { askedRenames, columnRenamesByDrop, dataMovedIn, renameColumnFix, renameColumnHelp } from '../analysis/renames.js';
import { typeLabel } from '../analysis/type-compat.js';
import { defineRule } from '../engine/define-rule.js';
import { key, quoteIdent, type TypeRef } from '../schema/model.js';

interface Seen {
  table: string;
  column: string;
  type: string;
  dependents: Dependents;
  primaryKey: string[];
}

/** Facts read from the schema at each DROP COLUMN (check), reported once the migration is replayed (checkMigration). */
// By syntax tree: let go with it when the engine is done with the migration.
const seen = new WeakMap<object, Seen[]>();

export default defineRule({
  id: 'drop-column',
  meta: {
    description: 'A column of an existing table dropped: its values are deleted, with what depends on it.',
    category: 'data-loss',
    defaultSeverity: 'warn',
    messages: {
      dropColumn: 'DROP COLUMN {table}.{column} deletes every value of {column} ({type}) in {table}.{dependents} Code of the release still running that reads or writes {column} fails once it is gone.',
      askedRename:
        'DROP COLUMN {table}.{column} deletes every value of {column} ({type}) in {table}, while this migration adds {added} to it. drizzle-kit asked whether {added} was {column} renamed (it asks whenever a table loses a column and gains one), and the answer was "create column": if {added} is {column} under a new name, every value is lost.{dependents} Code of the release still running that reads or writes {column} fails once it is gone.',
      askedRenameMany:
        'This migration drops {count} columns of {table} and every value in them ({items}), while it adds {added} to it. drizzle-kit asked once whether {added} was one of them renamed (it asks whenever a table loses a column and gains one), and the answer was "create column": if {added} is one of them under a new name, its values are lost. Code of the release still running that reads or writes them fails once they are gone.',
      dropColumnMany: 'This migration drops {count} columns of existing tables and every value in them: {items}. Code of the release still running that reads or writes them fails once they are gone.',
    },
    help: {
      askedRenameMany: 'If {added} is one of them renamed, rename that one instead of adding a column and dropping it (replace both statements; the values stay), one of:\n{all:rename}\nIf the values may still be needed, keep a copy before dropping:\n{all:backup}\nand deploy in two steps: first a release whose code no longer uses these columns, then this migration.',
      dropColumnMany: 'If the values may still be needed, keep a copy before dropping:\n{all:backup}\nand deploy in two steps: first a release whose code no longer uses these columns, then this migration.',
    },
  },
  check({ statement, schema, isNewTable }) {
    if (statement.kind !== 'AlterTableStmt') return;
    const tableKey = key(statement.ast.relation?.schemaname, statement.ast.relation?.relname ?? '');
    const table = schema.tables.get(tableKey);
    if (!table || isNewTable(tableKey)) return;
    const found: Seen[] = [];
    for (const cmd of statement.ast.cmds ?? []) {
      const c = cmd.AlterTableCmd;
      if (c?.subtype !== 'AT_DropColumn') continue;
      const column = table.columns.get(c.name);
      if (!column) continue;
      const pk = [...table.constraints.values()].find((k) => k.kind === 'primaryKey');
      found.push({ table: tableKey, column: column.name, type: typeLabel(column.type), dependents: dependentsOf(schema, tableKey, column.name), primaryKey: pk?.columns ?? [] });
    }
    if (found.length) seen.set(statement.ast, found);
  },
  checkMigration({ migration, schema, settings, report }) {
    const isEnum = (t: TypeRef) => !t.builtin && schema.enums.has(key(t.schema, t.name));
    const changes = changesOf(migration);
    const finalKey = finalTableKeys(changes);
    const explained = settings.rules['column-rename-by-drop'] === 'off' ? [] : columnRenamesByDrop(migration);
    // With column-rename-by-drop off, the drops it would pair were asked about too.
    const askable = explained.length === 0 && settings.rules['column-rename-by-drop'] === 'off' ? [...askedRenames(migration), ...columnRenamesByDrop(migration).map((p) => ({ drop: p.drop, adds: [p.add] }))] : askedRenames(migration);
    for (const drop of changesOfKind(changes, 'drop-column')) {
      const facts = seen.get(drop.statement.ast)?.find((f) => f.table === drop.effect.table && f.column === drop.effect.column.name);
      if (!facts) continue;
      if (explained.some((p) => p.drop.order === drop.order)) continue; // column-rename-by-drop reports it
      // Added earlier in this migration: it never held data.
      if (changesOfKind(changes, 'add-column').some((a) => a.order < drop.order && a.effect.table === drop.effect.table && a.effect.column.name === facts.column)) continue;
      // The migration copies the values elsewhere first (UPDATE … SET x = "old"): a deliberate data move.
      if (dataMovedIn(migration.statements, finalKey(drop.effect.table)).read.has(facts.column)) continue;
      const table = labelOf(facts.table);
      const column = quoteIdent(facts.column);
      const dependents = describeDependents(facts.dependents);
      const fails = !drop.effect.cascade && (facts.dependents.foreignKeys.length > 0 || facts.dependents.views.length > 0);
      const keep = facts.primaryKey.length ? [...facts.primaryKey.map(quoteIdent), column].join(', ') : column;
      const copy = `CREATE TABLE ${quoteIdent(`${facts.table.slice(facts.table.indexOf('.') + 1)}_${facts.column}_backup`.slice(0, 63))} AS SELECT ${keep} FROM ${table};`;
      const backup = [`If the values may still be needed, keep a copy before dropping:`, copy, `and deploy in two steps: first a release whose code no longer uses ${column}, then this migration.`];
      const data = {
        table,
        column,
        type: facts.type,
        dependents: dependents ? (fails ? ` ${dependents} depend on it: without CASCADE the DROP fails; with CASCADE they go too.` : ` It also drops ${dependents}.`) : '',
        backup: copy,
      };
      // Dropped while a compatible column is added to the table: drizzle-kit asked about a rename.
      const asked = askable.find((a) => a.drop.order === drop.order);
      if (asked) {
        const added = asked.adds[0].effect.column;
        const tableName = facts.table.slice(facts.table.indexOf('.') + 1);
        const addedNames = asked.adds.map((a) => quoteIdent(a.effect.column.name)).join(' or ');
        const rename = renameColumnHelp(table, drop.effect.column, added, tableName, isEnum);
        // Several columns dropped while one is added: drizzle-kit asked one question about the added
        // column, so the drops it offered as candidates are one finding.
        report({
          messageId: 'askedRename',
          statement: drop.statement,
          data: { ...data, added: addedNames, rename: rename.split('\n').filter((l) => !l.startsWith('Or delete')).join('\n') },
          help: [`If ${quoteIdent(added.name)} is ${column} renamed, rename it instead of adding one column and dropping the other (replace both statements; the values stay):`, rename, ...backup].join('\n'),
          // Whether it is a rename is the user's call (the names share nothing): suggestions only.
          suggestions: asked.adds.flatMap((a) => renameColumnFix(table, drop, a, isEnum) ?? []),
          ...(fails ? {} : { group: { key: `asked\0${facts.table}\0${addedNames}`, messageId: 'askedRenameMany' as const, item: `${column} (${facts.type})` } }),
        });
        continue;
      }
      // The columns a migration drops are one decision (a feature removed, a schema cleaned up):
      // one finding lists them. A drop that fails (dependents without CASCADE) stands alone.
      const item = `${table}.${column} (${facts.type}${dependents ? `; also drops ${dependents}` : ''})`;
      report({ messageId: 'dropColumn', statement: drop.statement, data, help: backup.join('\n'), ...(fails ? {} : { group: { key: 'drop', messageId: 'dropColumnMany', item } }) });
    }
  },
});
