import { addedConstraints, droppedTwin } from '../analysis/constraints.js';
import { existingTable } from '../analysis/existing.js';
import { noOpOf } from '../analysis/no-op.js';
import { nullColumns } from '../analysis/null-columns.js';
import { defineRule } from '../engine/define-rule.js';
import { strs } from '../engine/ast.js';
import type { StatementContext } from '../engine/types.js';
import { quoteIdent, type Index } from '../schema/model.js';
import { truncateIdentifier } from '../schema/replay.js';

export default defineRule({
  id: 'unique-constraint-lock',
  meta: {
    description: 'ADD CONSTRAINT … UNIQUE or PRIMARY KEY on a table that already exists: the index is built under an ACCESS EXCLUSIVE lock.',
    category: 'locking',
    defaultSeverity: 'warn',
    messages: {
      build:
        'ADD CONSTRAINT {name} {kind} on existing table {table} builds its index under an ACCESS EXCLUSIVE lock: every read and write of {table} waits for the whole build, and the migration fails if two rows share {columns}{nulls}.',
      buildMany:
        'This migration adds {count} UNIQUE or PRIMARY KEY constraints to existing tables ({items}). Each builds its index under an ACCESS EXCLUSIVE lock: every read and write of the table waits for the whole build, and the migration fails if two rows share a key.',
      rebuilt:
        'ADD CONSTRAINT {name} {kind} on existing table {table} builds, under an ACCESS EXCLUSIVE lock, the same index as {old}, which this migration dropped just before: every read and write of {table} waits for the build, for nothing.',
      newColumn:
        'ADD CONSTRAINT {name} UNIQUE on {table}: {column} was added earlier in this migration and is NULL in every row, so no two rows share a key and it cannot fail. Its index is still built under an ACCESS EXCLUSIVE lock, a scan of {table}.',
      newColumnMany:
        'This migration adds {count} UNIQUE constraints on columns it added itself ({items}): they are NULL in every row, so no two rows share a key, but each index is still built under an ACCESS EXCLUSIVE lock.',
      recreated:
        '{kind} constraint {name} on existing table {table} is the constraint {old} dropped just before, re-created under a new name (drizzle-kit does this after a rename): its index is rebuilt under an ACCESS EXCLUSIVE lock for nothing.',
      recreatedMany:
        'This migration re-creates {count} UNIQUE or PRIMARY KEY constraints dropped just before under new names (drizzle-kit does this after a rename: {items}): each index is rebuilt under an ACCESS EXCLUSIVE lock for nothing.',
    },
    help: {
      build: '{steps}',
      buildMany: '{all:steps}',
      rebuilt: 'Keep the index: delete the DROP INDEX, and attach the index to the constraint instead of building a new one (no scan; the ACCESS EXCLUSIVE lock is brief):\n{attach}',
      newColumn: 'On a large table, add the column in this migration and the constraint in a later one, with its index built CONCURRENTLY outside migrate() and attached with ADD CONSTRAINT … UNIQUE USING INDEX (the column must exist before the index can be built).',
      newColumnMany: 'On large tables, add the columns in this migration and the constraints in a later one, with their indexes built CONCURRENTLY outside migrate() and attached with ADD CONSTRAINT … UNIQUE USING INDEX.',
      recreated: 'Rename it instead of dropping and adding it (replace both statements; the index is renamed with it):\n{rename}',
      recreatedMany: 'Rename them instead of dropping and adding them (replace the DROP CONSTRAINT and ADD CONSTRAINT statements; the indexes are renamed with them):\n{all:rename}',
    },
  },
  check(context) {
    const { statement, report } = context;
    if (statement.kind !== 'AlterTableStmt') return;
    const target = existingTable(context, statement.ast.relation);
    if (!target) return;
    // In a DO block that swallows the duplicate name: no index is built.
    if (noOpOf(statement, context.schema)) return;
    let nulls: ReadonlySet<string> | undefined;
    for (const con of addedConstraints(statement.ast)) {
      if (con.contype !== 'CONSTR_UNIQUE' && con.contype !== 'CONSTR_PRIMARY') continue;
      if (con.indexname) continue; // USING INDEX: no build
      const pk = con.contype === 'CONSTR_PRIMARY';
      const kind = pk ? 'PRIMARY KEY' : 'UNIQUE';
      const columns = strs(con.keys);
      const name = con.conname ?? truncateIdentifier(pk ? `${target.table.name}_pkey` : `${target.table.name}_${columns.join('_')}_key`);
      const item = `${quoteIdent(name)} on ${target.label}`;
      const group = (key: string, messageId: 'buildMany' | 'newColumnMany' | 'recreatedMany', itemText = item) => ({ key, messageId, item: itemText });
      const twin = droppedTwin(context, target.key, con);
      if (twin) {
        const rename = `ALTER TABLE ${target.label} RENAME CONSTRAINT ${quoteIdent(twin.name)} TO ${quoteIdent(name)};`;
        report({
          messageId: 'recreated',
          lockOn: target.key,
          data: { kind: pk ? 'Primary key' : 'Unique', name: quoteIdent(name), table: target.label, old: quoteIdent(twin.name), rename },
          group: group('recreated', 'recreatedMany', `${quoteIdent(twin.name)} → ${quoteIdent(name)} on ${target.label}`),
        });
        continue;
      }
      const attach = `ALTER TABLE ${target.label} ADD CONSTRAINT ${quoteIdent(name)} ${kind} USING INDEX`;
      const dropped = droppedIndexNamed(context, target.key, name);
      if (dropped && sameKey(dropped, columns)) {
        report({ messageId: 'rebuilt', lockOn: target.key, data: { name: quoteIdent(name), kind, table: target.label, old: quoteIdent(dropped.name), attach: `${attach} ${quoteIdent(dropped.name)};`, steps: `Keep ${quoteIdent(dropped.name)}: delete its DROP INDEX, and attach it:\n${attach} ${quoteIdent(dropped.name)};` }, group: group('build', 'buildMany') });
        continue;
      }
      nulls ??= nullColumns(context, target.key);
      if (!pk && con.nulls_not_distinct !== true && columns.some((c) => nulls!.has(c))) {
        report({ messageId: 'newColumn', severity: 'warn', lockOn: target.key, data: { name: quoteIdent(name), table: target.label, column: columns.filter((c) => nulls!.has(c)).map(quoteIdent).join(', ') }, group: group('newColumn', 'newColumnMany') });
        continue;
      }
      const cols = columns.map(quoteIdent).join(', ');
      const nnd = con.nulls_not_distinct === true ? ' NULLS NOT DISTINCT' : '';
      const on = `${target.label} USING btree (${cols})${nnd}`;
      // An index of the constraint's name is there until this migration drops it: a CONCURRENTLY
      // IF NOT EXISTS of that name before the deploy would be skipped. Build it under another
      // name; USING INDEX renames it to the constraint's.
      const index = quoteIdent(dropped ? truncateIdentifier(`${name}_new`) : name);
      const steps = [
        `${dropped ? `${quoteIdent(name)}: ` : ''}build the index first without blocking writes, with psql before deploying (CONCURRENTLY cannot run inside migrate()'s transaction):`,
        `CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS ${index} ON ${on};`,
        `and replace this statement with (the first line is a no-op where the index exists, and builds it on fresh databases):`,
        `CREATE UNIQUE INDEX IF NOT EXISTS ${index} ON ${on};`,
        `${attach} ${index};`,
      ].join('\n');
      report({
        messageId: 'build',
        lockOn: target.key,
        data: {
          name: quoteIdent(name),
          kind,
          table: target.label,
          columns: columns.length === 1 ? `a ${quoteIdent(columns[0])} value` : `the same (${cols})`,
          nulls: pk ? ' or a column holds NULL' : '',
          steps,
        },
        group: group('build', 'buildMany'),
      });
    }
  },
});

/** An index of this name dropped earlier in this migration from the same table. */
function droppedIndexNamed(context: Pick<StatementContext, 'migration' | 'statement'>, tableKey: string, name: string): Index | undefined {
  const effects = context.migration.effects;
  for (let i = Math.min(context.statement.index, effects.length) - 1; i >= 0; i--) {
    for (const e of effects[i] ?? []) if (e.kind === 'drop-index' && e.index.table === tableKey && e.index.name === name) return e.index;
  }
  return undefined;
}

/** A plain unique btree index on exactly these columns: what ADD CONSTRAINT … USING INDEX accepts. */
function sameKey(index: Index, columns: readonly string[]): boolean {
  return index.unique && index.method === 'btree' && index.where === undefined && index.columns.length === columns.length && index.columns.every((c, i) => !c.isExpression && !c.desc && c.nullsFirst === undefined && c.opclass === undefined && c.expression === columns[i]);
}
