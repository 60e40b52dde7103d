import { defineRule } from '../engine/define-rule.js';
import type { Statement } from '../engine/types.js';
import { qualifiedName } from '../schema/model.js';

/** Statements PostgreSQL refuses inside a transaction block, with a short label for messages. */
function nonTransactional(statement: Statement): { what: string } | undefined {
  const ast = statement.ast;
  switch (statement.kind) {
    case 'IndexStmt':
      return ast.concurrent ? { what: `CREATE INDEX CONCURRENTLY on ${qualifiedName(ast.relation?.schemaname ?? 'public', ast.relation?.relname ?? '')}` } : undefined;
    case 'DropStmt':
      return ast.concurrent ? { what: 'DROP INDEX CONCURRENTLY' } : undefined;
    case 'ReindexStmt':
      return (ast.params ?? []).some((p: any) => p.DefElem?.defname === 'concurrently') ? { what: 'REINDEX CONCURRENTLY' } : undefined;
    case 'VacuumStmt':
      // ANALYZE alone is allowed in a transaction; VACUUM is not. (libpg-query omits false flags.)
      return ast.is_vacuumcmd === true ? { what: 'VACUUM' } : undefined;
    case 'CreatedbStmt':
      return { what: 'CREATE DATABASE' };
    case 'DropdbStmt':
      return { what: 'DROP DATABASE' };
    case 'CreateTableSpaceStmt':
      return { what: 'CREATE TABLESPACE' };
    case 'DropTableSpaceStmt':
      return { what: 'DROP TABLESPACE' };
    case 'AlterSystemStmt':
      return { what: 'ALTER SYSTEM' };
    case 'AlterTableStmt':
      return (ast.cmds ?? []).some((c: any) => c.AlterTableCmd?.subtype === 'AT_DetachPartition' && c.AlterTableCmd?.def?.PartitionCmd?.concurrent)
        ? { what: 'DETACH PARTITION CONCURRENTLY' }
        : undefined;
    default:
      return undefined;
  }
}

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
  check({ statement, inTransaction, report }) {
    const found = nonTransactional(statement);
    if (!found) return;
    report({ messageId: inTransaction ? 'inTransaction' : 'afterCommit', data: { what: found.what }, ...(inTransaction ? {} : { severity: 'warn' }) });
  },
});
