import { defineRule } from '../engine/define-rule.js';
import { nonTransactional } from '../engine/transactions.js';
import { keywordSpans } from '../analysis/keywords.js';
import type { FixRequest, Statement } from '../engine/types.js';
import { qualifiedName } from '../schema/model.js';

export default defineRule({
  id: 'concurrently-in-transaction',
  meta: {
    description: "Statements that cannot run inside drizzle's migrate() transaction (CONCURRENTLY, VACUUM, …).",
    category: 'correctness',
    defaultSeverity: 'error',
    messages: {
      inTransaction:
        "{what} cannot run inside a transaction block, and drizzle's migrate() runs every pending migration in one transaction: the deploy fails here and rolls back all pending migrations.",
      afterCommit:
        "{what} runs after a COMMIT that ends drizzle's migrate() transaction: the statements before the COMMIT stay applied if anything after it fails, and drizzle records this migration only if the whole file succeeds, so a retry runs the first part again.",
    },
    help: {
      inTransaction:
        "Drop CONCURRENTLY from the migration (the build then blocks writes while it runs; fine for small or new tables), or build it outside migrate(): run the statement with psql before deploying, and keep a plain `CREATE INDEX IF NOT EXISTS` in the migration so fresh databases get it too.",
      afterCommit:
        "Make every statement after the COMMIT idempotent (`IF NOT EXISTS`), or move it to a step that runs outside migrate().",
    },
  },
  check({ statement, inTransaction, migration, settings, report }) {
    const found = nonTransactional(statement);
    if (!found) return;
    // After a COMMIT, in a chunk with other statements: it fails in the query's implicit
    // transaction block, which statement-breakpoint reports.
    if (!inTransaction && settings.rules['statement-breakpoint'] !== 'off' && migration.statements.some((s) => s !== statement && s.origin === 'top-level' && s.chunk === statement.chunk)) return;
    // After a COMMIT, alone in its chunk, it runs: transaction-control reports the COMMIT, with
    // the cost of running outside migrate()'s transaction (one finding for the COMMIT, not one
    // for each statement it lets run).
    if (!inTransaction && settings.rules['transaction-control'] !== 'off') return;
    report({ messageId: inTransaction ? 'inTransaction' : 'afterCommit', data: { what: found.what }, ...(inTransaction ? { suggestions: withoutConcurrently(statement) } : { severity: 'warn' }) });
  },
});

/**
 * The choices the help describes, as edits: the statement without CONCURRENTLY (it then takes its
 * lock for the whole build), or, for CREATE INDEX, `IF NOT EXISTS` in its place, the concurrent build
 * being run outside migrate() before the deploy. Two choices: suggestions, never applied.
 */
function withoutConcurrently(statement: Statement): FixRequest[] {
  const word = keywordSpans(statement, 'CONCURRENTLY');
  if (word.length !== 1 || statement.origin !== 'top-level') return [];
  const at = word[0];
  const ast = statement.ast;
  if (statement.kind === 'IndexStmt') {
    const table = qualifiedName(ast.relation?.schemaname ?? 'public', ast.relation?.relname ?? '');
    return [
      { description: `Build the index without CONCURRENTLY (writes to ${table} wait while it is built)`, edits: [{ at, text: '' }] },
      ...(ast.idxname && !ast.if_not_exists
        ? [{ description: 'Keep CREATE INDEX IF NOT EXISTS in the migration, and build the index CONCURRENTLY outside migrate() before deploying', edits: [{ at, text: 'IF NOT EXISTS ' }] }]
        : []),
    ];
  }
  const what = statement.kind === 'DropStmt' ? 'Drop the index' : statement.kind === 'ReindexStmt' ? 'Rebuild it' : 'Detach the partition';
  return [{ description: `${what} without CONCURRENTLY (it then holds its lock until the migration commits)`, edits: [{ at, text: '' }] }];
}
