import { changesOf, changesOfKind, type Change } from '../analysis/changes.js';
import { tableRenamesByDrop, type TableCreate, type TableDrop } from '../analysis/renames.js';
import { walk } from '../engine/ast.js';
import { defineRule } from '../engine/define-rule.js';
import type { EditRequest, FixRequest, MigrationInfo, Statement } from '../engine/types.js';
import type { Effect } from '../schema/effects.js';
import { exprText } from '../schema/expr.js';
import type { Column, Constraint, Index, Table } from '../schema/model.js';
import { qualifiedName, quoteIdent } from '../schema/model.js';
import { typeKey } from '../schema/typename.js';

type ConstraintAdd = Change<Extract<Effect, { kind: 'add-constraint' }>>;
type IndexCreate = Change<Extract<Effect, { kind: 'create-index' }>>;

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
    for (const { drop, create: match } of tableRenamesByDrop(migration)) {
      const old = drop.effect.definition;
      // drizzle-kit adds foreign keys after CREATE TABLE: count them as the new table's.
      const added = changesOfKind(changes, 'add-constraint').filter((c) => c.effect.table === match.effect.table);
      const next: Table = { ...match.effect.definition, constraints: new Map(match.effect.definition.constraints) };
      for (const c of added) next.constraints.set(c.effect.constraint.name, c.effect.constraint);
      const indexes = changesOfKind(changes, 'create-index').filter((c) => c.effect.index.table === match.effect.table);
      const plan = renamePlan(old, next, drop.effect.indexes, indexes.map((c) => c.effect.index));
      const from = qualifiedName(old.schema, old.name);
      const to = qualifiedName(next.schema, next.name);
      const fix = plan.complete ? renameTableFix(migration, drop, match, plan.statements, added, indexes) : undefined;
      report({
        messageId: 'renameByDrop',
        statement: drop.statement,
        data: {
          dropped: from,
          created: to,
          columns: [...old.columns.keys()].map(quoteIdent).join(', '),
          cascade: drop.effect.cascade ? ', and CASCADE also drops the foreign keys and views that depend on it' : '',
        },
        help: [
          ...plan.statements.map((sql) => `${sql};`),
          `Or delete this migration and run \`drizzle-kit generate\` again: at "Is ${next.name} table created or renamed from another table?" pick "~ ${old.name} › ${next.name} rename table".`,
        ].join('\n'),
        ...(fix ? { fix } : {}),
      });
    }
  },
});

/**
 * RENAME TO, then the constraint and index renames that give drizzle-kit the names its snapshot
 * expects. `complete` when the renamed table is exactly the new one: same columns (type, NOT NULL,
 * default, identity, generated), every constraint and index of each matched by one of the other.
 */
function renamePlan(old: Table, next: Table, oldIndexes: Index[], newIndexes: Index[]): { statements: string[]; complete: boolean } {
  const to = qualifiedName(next.schema, next.name);
  const statements = [`ALTER TABLE ${qualifiedName(old.schema, old.name)} RENAME TO ${quoteIdent(next.name)}`];
  if (old.schema !== next.schema) statements.push(`ALTER TABLE ${qualifiedName(old.schema, next.name)} SET SCHEMA ${quoteIdent(next.schema)}`);
  let complete = sameColumns(old, next) && old.policies.size === 0 && next.policies.size === 0 && old.rlsEnabled === next.rlsEnabled;
  const sig = (c: Constraint) => `${c.kind}(${c.columns.join(',')})${c.references ? `→${c.references.schema}.${c.references.table}(${c.references.columns.join(',')})` : ''}${c.check ? exprText(c.check.ast) : ''}`;
  const oldConstraints = [...old.constraints.values()];
  for (const c of next.constraints.values()) {
    const i = oldConstraints.findIndex((o) => sig(o) === sig(c));
    if (i < 0) {
      complete = false;
      continue;
    }
    const [before] = oldConstraints.splice(i, 1);
    if (before.name !== c.name) statements.push(`ALTER TABLE ${to} RENAME CONSTRAINT ${quoteIdent(before.name)} TO ${quoteIdent(c.name)}`);
  }
  if (oldConstraints.length) complete = false;
  // Indexes that back a constraint are renamed with it.
  const isig = (i: Index) => `${i.unique}:${i.method}:${i.columns.map((c) => c.expression).join(',')}:${i.where ? exprText(i.where.ast) : ''}`;
  const oldPlain = oldIndexes.filter((i) => !i.constraint);
  for (const index of newIndexes) {
    const i = oldPlain.findIndex((o) => isig(o) === isig(index));
    if (i < 0) {
      complete = false;
      continue;
    }
    const [before] = oldPlain.splice(i, 1);
    if (before.name !== index.name) statements.push(`ALTER INDEX ${qualifiedName(next.schema, before.name)} RENAME TO ${quoteIdent(index.name)}`);
  }
  if (oldPlain.length) complete = false;
  return { statements, complete };
}

function sameColumns(a: Table, b: Table): boolean {
  const same = (x: Column, y: Column) =>
    typeKey(x.type) === typeKey(y.type) &&
    x.notNull === y.notNull &&
    x.identity === y.identity &&
    (x.default ? exprText(x.default.ast) : '') === (y.default ? exprText(y.default.ast) : '') &&
    (x.generated ? exprText(x.generated.ast) : '') === (y.generated ? exprText(y.generated.ast) : '');
  return a.columns.size === b.columns.size && [...a.columns].every(([name, column]) => b.columns.has(name) && same(column, b.columns.get(name)!));
}

/**
 * The CREATE TABLE replaced by the renames, the DROP TABLE removed, and the statements that gave
 * the new table its foreign keys and indexes removed (the renamed table has them). Only when the
 * migration moves no data itself, nothing else depended on the old table, and every statement
 * changed is drizzle-kit's one-object statement.
 */
function renameTableFix(migration: MigrationInfo, drop: TableDrop, create: TableCreate, statements: string[], added: ConstraintAdd[], indexes: IndexCreate[]): FixRequest | undefined {
  if (drop.effect.dependents.length || drop.effect.triggers.length) return undefined;
  if (migration.statements.some((s) => ['InsertStmt', 'UpdateStmt', 'DeleteStmt', 'CopyStmt', 'SelectStmt'].includes(s.kind))) return undefined;
  const single = (s: Statement) => s.origin === 'top-level' && (s.kind !== 'AlterTableStmt' || (s.ast.cmds?.length ?? 0) === 1) && (s.kind !== 'DropStmt' || (s.ast.objects?.length ?? 0) === 1);
  const removed = [drop.statement, ...added.map((c) => c.statement), ...indexes.map((c) => c.statement)];
  if (![create.statement, ...removed].every(single) || create.statement.kind !== 'CreateStmt') return undefined;
  const old = drop.effect.definition;
  // A statement left that names the old table (drizzle-kit's DROP CONSTRAINT after the DROP TABLE) would now find it renamed.
  const changed = new Set([create.statement, ...removed]);
  if (migration.statements.some((s) => !changed.has(s) && namesTable(s, old.schema, old.name))) return undefined;
  const edits: EditRequest[] = [{ replace: create.statement, with: statements }, ...[...new Set(removed)].map((s) => ({ remove: s }))];
  return { description: `Rename ${qualifiedName(old.schema, old.name)} to ${quoteIdent(create.effect.definition.name)} (its rows stay) instead of creating one table and dropping the other`, edits };
}

/** Whether the statement refers to the table (a RangeVar with its name, unqualified meaning public). */
function namesTable(statement: Statement, schema: string, name: string): boolean {
  let found = false;
  walk(statement.ast, (tag, fields) => {
    if (tag === 'RangeVar' && fields.relname === name && (fields.schemaname ?? 'public') === schema) found = true;
  });
  return found;
}
