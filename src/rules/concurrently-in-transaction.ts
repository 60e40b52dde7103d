import { defineRule } from '../engine/define-rule.js';
import { nonTransactional } from '../engine/transactions.js';

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
    report({ messageId: inTransaction ? 'inTransaction' : 'afterCommit', data: { what: found.what }, ...(inTransaction ? {} : { severity: 'warn' }) });
  },
});
