import type { Statement } from './types.js';

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
