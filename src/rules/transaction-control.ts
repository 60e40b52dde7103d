import { pendingEnumValues } from '../analysis/enum-values.js';
import { defineRule } from '../engine/define-rule.js';
import { endsTransaction, nonTransactional, transactionAfter } from '../engine/transactions.js';
import type { Statement, StatementContext } from '../engine/types.js';

/**
 * BEGIN, COMMIT, ROLLBACK, END, START TRANSACTION in a migration. drizzle's migrate() runs every
 * pending migration in one transaction and records each one (a row in __drizzle_migrations) after
 * its last statement: a COMMIT in a file ends that transaction early, and what follows runs in
 * autocommit, so a later failure leaves the deploy half-applied with the migration unrecorded.
 */
export default defineRule({
  id: 'transaction-control',
  meta: {
    description: "BEGIN, COMMIT, ROLLBACK, END or START TRANSACTION in a migration: a COMMIT ends the transaction drizzle's migrate() runs the whole deploy in (a deliberate one, before CREATE INDEX CONCURRENTLY or a new enum value, has a trade-off), a ROLLBACK undoes earlier migrations that are then skipped forever.",
    category: 'correctness',
    defaultSeverity: 'error',
    messages: {
      commit:
        "{keyword} ends the transaction drizzle's migrate() runs the whole deploy in: the statements before it{earlier} are committed here{after}. If a later statement fails, the deploy stops half-applied and {tag} is not recorded in __drizzle_migrations, so the next deploy runs it again from the top{rerun}.",
      wrapper:
        "BEGIN (line {begin}) … {keyword} does not give this migration a transaction of its own: migrate() already runs it in one with the other pending migrations, so the BEGIN does nothing and the {keyword} ends migrate()'s transaction. The statements before it{earlier} are committed here{after}. If a later statement fails, the deploy stops half-applied and {tag} is not recorded, so the next deploy runs it again from the top{rerun}.",
      deliberate:
        "This {keyword} ends drizzle's migrate() transaction for {reason}. The trade-off: the statements before it{earlier} are committed here{after}. If a later statement fails, the deploy stops half-applied and {tag} is not recorded in __drizzle_migrations, so the next deploy runs it again from the top{rerun}.",
      rollback:
        "ROLLBACK undoes everything migrate() has run in this deploy so far: the statements before it in this file and, when other migrations are pending with this one, those migrations and their rows in __drizzle_migrations. migrate() goes on outside any transaction and records {tag}; the undone migrations are then older than the newest recorded one, and the next deploys skip them: they are never applied, and nothing says so.",
      beginNoop:
        "BEGIN inside drizzle's migrate() transaction does nothing (PostgreSQL only warns \"there is already a transaction in progress\"): this migration already runs in one transaction with the other pending migrations.",
    },
    help: {
      commit: "Remove the {keyword}: migrate() commits the whole deploy at its end.",
      wrapper: 'Remove the BEGIN and the {keyword}: migrate() already runs every pending migration in one transaction.',
      rollback: 'Remove the ROLLBACK. To undo part of a migration on a condition, use a DO block that raises an error (the whole deploy then rolls back and nothing is recorded).',
      beginNoop: 'Remove the BEGIN.',
    },
  },
  check(context) {
    const { statement, migration, report } = context;
    if (statement.kind !== 'TransactionStmt' || statement.origin !== 'top-level') return;
    const statements = migration.statements;
    const at = statements.indexOf(statement);
    const open = transactionOpenBefore(statements, at);
    const kind: string = statement.ast.kind ?? '';
    if (kind === 'TRANS_STMT_BEGIN' || kind === 'TRANS_STMT_START') {
      if (!open) return; // after a COMMIT: opens a transaction again, which is what it should do
      // A COMMIT or ROLLBACK later in the file is reported with this BEGIN, as one finding.
      if (statements.slice(at + 1).some((s) => endsTransaction(s))) return;
      report({ messageId: 'beginNoop', severity: 'warn', suggestions: [{ description: 'Remove the BEGIN', edits: [{ remove: statement }] }] });
      return;
    }
    if (!open || !endsTransaction(statement)) return;
    const keyword = /^\s*end\b/i.test(statement.sql) ? 'END' : 'COMMIT';
    if (kind === 'TRANS_STMT_ROLLBACK') {
      report({ messageId: 'rollback', data: { tag: migration.tag }, suggestions: [{ description: 'Remove the ROLLBACK', edits: [{ remove: statement }] }] });
      return;
    }
    // PREPARE TRANSACTION hands the work to a prepared transaction (two-phase commit): not a drizzle pattern.
    if (kind === 'TRANS_STMT_PREPARE') return;
    const after = statements.slice(at + 1);
    const reopened = statement.ast.chain === true ? statement : after.find((s) => s.kind === 'TransactionStmt' && transactionAfter(s, false));
    const outside = reopened === statement ? [] : reopened ? after.slice(0, after.indexOf(reopened)) : after;
    const workBefore = statements.slice(0, at).some((s) => s.origin === 'top-level' && !isTrivial(s));
    const data = {
      keyword,
      tag: migration.tag,
      earlier: migration.position > 0 ? ' (and every earlier migration pending in the same deploy)' : '',
      after:
        reopened === statement
          ? ' (AND CHAIN opens a new transaction for what follows)'
          : reopened
            ? `, and the statements up to the BEGIN on line ${reopened.location.line} run outside any transaction`
            : ', and the rest of this file and every later migration of the deploy run outside any transaction',
      rerun: rerunNote(statements.slice(0, at), reopened ? outside : after),
    };
    const begin = statements.slice(0, at).find((s) => s.kind === 'TransactionStmt' && (s.ast.kind === 'TRANS_STMT_BEGIN' || s.ast.kind === 'TRANS_STMT_START') && transactionOpenBefore(statements, statements.indexOf(s)));
    if (begin) {
      report({ messageId: 'wrapper', data: { ...data, begin: begin.location.line }, severity: 'warn', suggestions: [{ description: `Remove the BEGIN and the ${keyword}`, edits: [{ remove: begin }, { remove: statement }] }] });
      return;
    }
    const reason = deliberateReason(context, outside, after);
    if (!reason) {
      report({ messageId: 'commit', data, severity: 'warn', suggestions: [{ description: `Remove the ${keyword}`, edits: [{ remove: statement }] }] });
      return;
    }
    const steps = [
      ...(workBefore && reason.canGoFirst ? ['put the COMMIT first in the file, before any statement of this migration'] : []),
      ...(data.rerun.startsWith(':') ? ['make every statement of the file idempotent (`IF NOT EXISTS`, `IF EXISTS`) so that a retry passes'] : []),
      ...(reopened ? [] : ['end the file with `BEGIN;--> statement-breakpoint` so that the later migrations of the deploy run in a transaction again']),
    ];
    report({
      messageId: 'deliberate',
      data: { ...data, reason: reason.what },
      severity: 'warn',
      help: [
        steps.length ? `Keep it only if ${reason.why}, and then ${joinSteps(steps)}.` : `Keep it only if ${reason.why}: the rest of the trade-off is already handled (the file is idempotent and opens a transaction again).`,
        reason.instead,
      ].join('\n'),
    });
  },
});

/** Statements that change nothing a re-run could trip on (SET lock_timeout, comments on objects…). */
function isTrivial(s: Statement): boolean {
  return s.kind === 'VariableSetStmt' || s.kind === 'TransactionStmt' || s.kind === 'CommentStmt' || s.kind === 'SelectStmt';
}

/** Whether a transaction (migrate()'s, or a BEGIN's) is open just before statements[index]. */
function transactionOpenBefore(statements: readonly Statement[], index: number): boolean {
  let open = true;
  for (let i = 0; i < index; i++) open = transactionAfter(statements[i], open);
  return open;
}

interface Reason {
  /** What the COMMIT is for, with its line. */
  what: string;
  /** Whether the COMMIT can come first in the file (nothing before it needs committing). */
  canGoFirst: boolean;
  /** When the COMMIT is worth its cost. */
  why: string;
  /** The way without a COMMIT. */
  instead: string;
}

/**
 * Why the COMMIT is there, read from what follows it: a statement PostgreSQL refuses in a
 * transaction block (CONCURRENTLY, VACUUM) or a CALL (a procedure that commits in batches) before a
 * transaction opens again, or an enum value added before the COMMIT and used anywhere after it.
 */
function deliberateReason(context: StatementContext, outside: readonly Statement[], after: readonly Statement[]): Reason | undefined {
  for (const s of outside) {
    const found = nonTransactional(s);
    if (found) {
      return {
        what: `${found.what} (line ${s.location.line}), which cannot run inside a transaction`,
        canGoFirst: true,
        why: 'the table is too large to lock its writes for the build',
        instead: 'Without the COMMIT: build it with psql before deploying (`CREATE INDEX CONCURRENTLY IF NOT EXISTS …`), and keep a plain `CREATE INDEX IF NOT EXISTS` in the migration for fresh databases.',
      };
    }
    if (s.kind === 'AlterTableStmt' && (s.ast.cmds ?? []).some((c: { AlterTableCmd?: { subtype?: string } }) => c.AlterTableCmd?.subtype === 'AT_ValidateConstraint')) {
      return {
        what: `the VALIDATE CONSTRAINT on line ${s.location.line}, which then scans the table without holding the locks taken before the COMMIT`,
        canGoFirst: false,
        why: 'the table is too large to keep locked while every row is checked',
        instead: 'Without the COMMIT: validate in a later migration, deployed on its own (VALIDATE CONSTRAINT takes only SHARE UPDATE EXCLUSIVE, which lets reads and writes go on).',
      };
    }
    if (s.kind === 'CallStmt') {
      return {
        what: `the CALL on line ${s.location.line} (a procedure that commits in batches cannot run inside a transaction)`,
        canGoFirst: true,
        why: 'the backfill must commit in batches',
        instead: 'Without the COMMIT: run the procedure after the deploy, outside migrate() (a job or psql), and keep only its CREATE PROCEDURE in the migration.',
      };
    }
  }
  const pending = pendingEnumValues(context.history, context.migration, context.statement.index);
  if (pending.size > 0) {
    // The value is used after the COMMIT, in autocommit or in the transaction a BEGIN opens again.
    for (const s of after) {
      for (const m of s.sql.matchAll(/'((?:[^']|'')*)'/g)) {
        const value = m[1].replaceAll("''", "'");
        if (pending.hasValue(value)) {
          return {
            what: `the use of the enum value '${value}' on line ${s.location.line} (PostgreSQL refuses a new enum value until the transaction that added it commits)`,
            canGoFirst: false,
            why: 'the value must be used in the same deploy',
            instead: 'Without the COMMIT: ship the ADD VALUE in a deploy of its own and use the value in the next one, or create the enum again with every value (a new type\'s values can be used at once).',
          };
        }
      }
    }
  }
  return undefined;
}

/** What the next deploy meets when it runs the migration again: the first statement that fails a second run. */
function rerunNote(before: readonly Statement[], outside: readonly Statement[]): string {
  const failing = [...before, ...outside].map((s) => ({ s, why: failsOnRerun(s) })).filter((x) => x.why !== undefined);
  if (failing.length === 0) return ' (every statement of this file can run twice, so that retry can pass)';
  const { s, why } = failing[0];
  const more = failing.length > 1 ? ` (and ${failing.length - 1} more statement${failing.length > 2 ? 's' : ''})` : '';
  return `: ${label(s)} on line ${s.location.line} fails there (${why})${more}`;
}

/** The statement's head, for a message: `ALTER TABLE "t" ADD COLUMN "x" text`, up to a parenthesis or the end of its first line. */
function label(s: Statement): string {
  const head = s.sql.split(/[\n(;]/)[0].trim();
  return `\`${head.length > 80 ? `${head.slice(0, 77)}…` : head}\``;
}

/** Why running the statement a second time fails (the object it creates exists, the one it drops is gone), if it does. */
export function failsOnRerun(s: Statement): string | undefined {
  // Older drizzle-kit's DO $$ … EXCEPTION WHEN duplicate_object THEN null wrapper makes a re-run a no-op.
  if (s.doBlock?.handles.some((h) => h === 'duplicate_object' || h === 'others')) return undefined;
  const ast = s.ast;
  switch (s.kind) {
    case 'CreateStmt':
    case 'IndexStmt':
    case 'CreateSeqStmt':
    case 'CreateExtensionStmt':
    case 'CreateSchemaStmt':
      return ast.if_not_exists ? undefined : 'already exists';
    case 'CreateTableAsStmt':
      return ast.if_not_exists ? undefined : 'already exists';
    case 'CreateEnumStmt':
    case 'CompositeTypeStmt':
    case 'CreateDomainStmt':
    case 'CreatePolicyStmt':
      return 'already exists';
    case 'ViewStmt':
      return ast.replace ? undefined : 'already exists';
    case 'CreateFunctionStmt':
    case 'CreateTrigStmt':
      return ast.replace ? undefined : 'already exists';
    case 'AlterEnumStmt':
      return ast.newVal && !ast.oldVal && !ast.skipIfNewValExists ? 'already exists' : ast.oldVal ? 'the old value is gone' : undefined;
    case 'DropStmt':
      return ast.missing_ok ? undefined : 'does not exist';
    case 'RenameStmt':
      return 'the old name is gone';
    case 'InsertStmt':
      return ast.onConflictClause ? undefined : 'inserts the rows again';
    case 'AlterTableStmt': {
      for (const c of ast.cmds ?? []) {
        const cmd = c.AlterTableCmd;
        switch (cmd?.subtype) {
          case 'AT_AddColumn':
            if (!cmd.missing_ok) return 'already exists';
            break;
          case 'AT_AddConstraint':
            if (cmd.def?.Constraint?.contype !== 'CONSTR_NOTNULL') return 'already exists';
            break;
          case 'AT_DropColumn':
          case 'AT_DropConstraint':
            if (!cmd.missing_ok) return 'does not exist';
            break;
          case 'AT_AddIdentity':
            return 'already an identity column';
          default:
            break;
        }
      }
      return undefined;
    }
    default:
      return undefined;
  }
}

function joinSteps(steps: string[]): string {
  return steps.length <= 1 ? (steps[0] ?? '') : `${steps.slice(0, -1).join('; ')}; and ${steps[steps.length - 1]}`;
}
