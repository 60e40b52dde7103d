import { existingTable, type ExistingTable } from '../analysis/existing.js';
import { whereScope } from '../analysis/row-scope.js';
import type { Node } from '../engine/ast.js';
import { defineRule } from '../engine/define-rule.js';
import type { Statement, StatementContext } from '../engine/types.js';
import { quoteIdent } from '../schema/model.js';

/** A data change on an existing table inside migrate()'s transaction, as seen at its statement. */
interface Backfill {
  statement: Statement;
  /** `UPDATE "t"`, `DELETE FROM "t"`, `INSERT INTO "n" … SELECT FROM "t"`. */
  what: string;
  /** Which rows: `every row of "t"`, `the rows of "t" its WHERE matches (IS NULL …)`. */
  rows: string;
  table: ExistingTable;
  kind: 'update' | 'delete' | 'insert';
}

// By statement syntax tree (check → checkMigration of the same migration): let go with it.
const seen = new WeakMap<object, Backfill>();

/**
 * UPDATE / DELETE without a narrow WHERE, and INSERT … SELECT from an existing table, inside the
 * transaction drizzle's migrate() runs the whole deploy in: the rows written stay locked until the
 * deploy commits, with WAL and dead row versions to match. One finding per migration, at its first
 * such statement, listing the others.
 */
export default defineRule({
  id: 'backfill-in-migration',
  meta: {
    description: "UPDATE or DELETE without a primary-key or unique-key WHERE, or INSERT … SELECT from an existing table, inside the transaction drizzle's migrate() runs the deploy in: the rows written stay locked until the whole deploy commits.",
    category: 'locking',
    defaultSeverity: 'warn',
    messages: {
      backfill:
        "{what} {action} {rows} inside the transaction drizzle's migrate() runs the whole deploy in: every row it {action} stays locked until all pending migrations have run and the deploy commits (the app's writes to those rows wait), and each one adds WAL and a dead row version for vacuum to clear.{others}",
      copy:
        "{what} writes {rows} inside the transaction drizzle's migrate() runs the whole deploy in: the deploy holds its locks (and those of every statement before it) for as long as the copy takes, every row written adds WAL, and none is visible until all pending migrations have run and the deploy commits.{others}",
    },
  },
  check(context) {
    const found = backfillAt(context);
    if (found) seen.set(context.statement.ast, found);
  },
  checkMigration({ migration, report }) {
    const list: Backfill[] = [];
    for (const s of migration.statements) {
      const b = seen.get(s.ast);
      if (b) list.push(b);
    }
    if (list.length === 0) return;
    const [first, ...rest] = list;
    report({
      messageId: first.kind === 'insert' ? 'copy' : 'backfill',
      statement: first.statement,
      data: {
        what: first.what,
        action: first.kind === 'update' ? 'changes' : first.kind === 'delete' ? 'deletes' : 'writes',
        rows: first.rows,
        others: rest.length ? ` This migration has ${rest.length} more: ${rest.slice(0, 6).map((b) => `${b.what} (line ${b.statement.location.line})`).join(', ')}${rest.length > 6 ? ', …' : ''}.` : '',
      },
      help: batchHelp(first),
    });
  },
});

function backfillAt(context: StatementContext): Backfill | undefined {
  const { statement, schema, inTransaction } = context;
  if (!inTransaction) return undefined; // after a COMMIT each statement commits on its own (transaction-control)
  const ast = statement.ast;
  switch (statement.kind) {
    case 'UpdateStmt':
    case 'DeleteStmt': {
      const table = writable(context, ast.relation);
      if (!table) return undefined;
      const scope = whereScope(ast.whereClause, table.key, schema);
      if (scope.narrow) return undefined;
      const update = statement.kind === 'UpdateStmt';
      return {
        statement,
        what: update ? `UPDATE ${table.label}` : `DELETE FROM ${table.label}`,
        rows: scope.reason === 'no WHERE' ? `every row of ${table.label}` : `the rows of ${table.label} its WHERE matches (${scope.reason})`,
        table,
        kind: update ? 'update' : 'delete',
      };
    }
    case 'InsertStmt': {
      const select = ast.selectStmt?.SelectStmt;
      if (!select?.fromClause) return undefined; // INSERT … VALUES: a few rows
      const sources = sourceTables(context, select);
      if (sources.length === 0) return undefined;
      const source = sources[0];
      if (sources.length === 1 && whereScope(select.whereClause, source.key, schema).narrow) return undefined;
      const target = quoteIdent(ast.relation?.relname ?? '');
      return { statement, what: `INSERT INTO ${target} … SELECT FROM ${source.label}`, rows: `a row for each row it reads from ${sources.map((s) => s.label).join(', ')}`, table: source, kind: 'insert' };
    }
    default:
      return undefined;
  }
}

/**
 * The table a statement writes or reads, when it may hold many rows: known to the history, not
 * created or emptied in this migration, and not young (created in the change under review or
 * within recentTableDays: few rows, so the locks are short).
 */
function writable(context: StatementContext, rangeVar: Node): ExistingTable | undefined {
  const table = existingTable(context, rangeVar);
  return table && !context.isEmptyTable(table.key) && !context.isRecentTable(table.key) ? table : undefined;
}

/** Existing tables an INSERT's SELECT reads (its FROM list and joins, not subqueries). */
function sourceTables(context: StatementContext, select: Node): ExistingTable[] {
  const out: ExistingTable[] = [];
  const visit = (node: Node) => {
    if (!node || typeof node !== 'object') return;
    if (node.RangeVar) {
      const t = writable(context, node.RangeVar);
      if (t && !out.some((o) => o.key === t.key)) out.push(t);
      return;
    }
    if (node.JoinExpr) {
      visit(node.JoinExpr.larg);
      visit(node.JoinExpr.rarg);
    }
  };
  for (const item of select.fromClause ?? []) visit(item);
  return out;
}

/** The same change in batches that commit on their own, keyed by the primary key (or ctid). */
function batchHelp(b: Backfill): string {
  const pk = [...b.table.table.constraints.values()].find((c) => c.kind === 'primaryKey')?.columns;
  const key = pk?.length === 1 ? quoteIdent(pk[0]) : 'ctid';
  const t = b.table.label;
  const batch =
    b.kind === 'update'
      ? `UPDATE ${t} SET … WHERE ${key} IN (SELECT ${key} FROM ${t} WHERE <not yet done> LIMIT 1000);`
      : b.kind === 'delete'
        ? `DELETE FROM ${t} WHERE ${key} IN (SELECT ${key} FROM ${t} WHERE <condition> LIMIT 1000);`
        : `INSERT INTO … SELECT … FROM ${t} WHERE ${key} > <last ${key} copied> ORDER BY ${key} LIMIT 1000;`;
  return [
    `On a small table, keep it. On a large one, keep the schema change in the migration and move the data change out of migrate(): after the deploy, run it in batches that each commit on their own (a script or job), repeating until no row is left:`,
    batch,
    `New code must cope with rows not yet done while the batches run.`,
  ].join('\n');
}
