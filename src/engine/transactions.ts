import type { Statement } from './types.js';
import { qualifiedName } from '../schema/model.js';

/**
 * Transaction control inside a migration file. drizzle's migrate() runs every pending migration in
 * one transaction; a COMMIT in a file ends it, and what follows runs in autocommit until a BEGIN.
 * One definition for the engine (is the statement inside a transaction?) and the analyses (where
 * does the work before it become committed?).
 */

/**
 * COMMIT (END), ROLLBACK (ABORT), with or without AND CHAIN, and PREPARE TRANSACTION end the
 * current transaction: what it did is committed, undone, or handed to a prepared transaction.
 * ROLLBACK TO SAVEPOINT, SAVEPOINT and RELEASE stay inside it; COMMIT PREPARED and ROLLBACK
 * PREPARED act on another, prepared, transaction (and cannot run inside one).
 */
export function endsTransaction(statement: Statement): boolean {
  if (statement.kind !== 'TransactionStmt') return false;
  const kind: string = statement.ast.kind ?? '';
  return kind === 'TRANS_STMT_COMMIT' || kind === 'TRANS_STMT_ROLLBACK' || kind === 'TRANS_STMT_PREPARE';
}

/** Whether a transaction is open after `statement`: BEGIN opens one, an end closes it (AND CHAIN opens the next at once). */
export function transactionAfter(statement: Statement, inTransaction: boolean): boolean {
  if (statement.kind !== 'TransactionStmt') return inTransaction;
  const kind: string = statement.ast.kind ?? '';
  if (kind === 'TRANS_STMT_BEGIN' || kind === 'TRANS_STMT_START') return true;
  if (endsTransaction(statement)) return statement.ast.chain === true;
  return inTransaction;
}

/**
 * Statements PostgreSQL refuses inside a transaction block (PreventInTransactionBlock), with a
 * short label for messages. A query string with several statements is one implicit transaction
 * block too, so they also fail in a multi-statement chunk, COMMIT or not.
 */
export function nonTransactional(statement: Statement): { what: string } | undefined {
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
