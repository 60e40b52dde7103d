import type { Rule } from '../engine/types.js';
import backfillInMigration from './backfill-in-migration.js';
import bunMigrateClientNotClosed from './bun-migrate-client-not-closed.js';
import castWithoutUsing from './cast-without-using.js';
import columnRenameByDrop from './column-rename-by-drop.js';
import columnTypeRewrite from './column-type-rewrite.js';
import concurrentlyInTransaction from './concurrently-in-transaction.js';
import disableRls from './disable-rls.js';
import dropColumn from './drop-column.js';
import drizzleKitMigrateUnderBun from './drizzle-kit-migrate-under-bun.js';
import dropTable from './drop-table.js';
import enumNotExported from './enum-not-exported.js';
import enumRecreate from './enum-recreate.js';
import enumValueUsedInTransaction from './enum-value-used-in-transaction.js';
import foreignKeyNotValid from './foreign-key-not-valid.js';
import hashDrift from './hash-drift.js';
import identifierTooLong from './identifier-too-long.js';
import ignoredDefinition from './ignored-definition.js';
import indexNotConcurrent from './index-not-concurrent.js';
import irreversible from './irreversible.js';
import journalFiles from './journal-files.js';
import journalOrder from './journal-order.js';
import migrateWithoutLock from './migrate-without-lock.js';
import migratorConfigMismatch from './migrator-config-mismatch.js';
import missingCreateType from './missing-create-type.js';
import notNullWithoutDefault from './not-null-without-default.js';
import parseError from './parse-error.js';
import renameColumn from './rename-column.js';
import renameTable from './rename-table.js';
import serialToIdentity from './serial-to-identity.js';
import setNotNull from './set-not-null.js';
import snapshotDrift from './snapshot-drift.js';
import snapshotFork from './snapshot-fork.js';
import statementBreakpoint from './statement-breakpoint.js';
import suppressionComment from './suppression-comment.js';
import tableRenameByDrop from './table-rename-by-drop.js';
import transactionControl from './transaction-control.js';
import uniqueConstraintLock from './unique-constraint-lock.js';
import volatileDefault from './volatile-default.js';

/**
 * The rule registry: id → rule. Each id equals its file name here and its page in docs/rules/
 * (test/rules-registry.test.ts fails when one of the four is missing).
 */
export const rules: Record<string, Rule> = {
  'backfill-in-migration': backfillInMigration,
  'bun-migrate-client-not-closed': bunMigrateClientNotClosed,
  'cast-without-using': castWithoutUsing,
  'column-rename-by-drop': columnRenameByDrop,
  'column-type-rewrite': columnTypeRewrite,
  'concurrently-in-transaction': concurrentlyInTransaction,
  'disable-rls': disableRls,
  'drop-column': dropColumn,
  'drizzle-kit-migrate-under-bun': drizzleKitMigrateUnderBun,
  'drop-table': dropTable,
  'enum-not-exported': enumNotExported,
  'enum-recreate': enumRecreate,
  'enum-value-used-in-transaction': enumValueUsedInTransaction,
  'foreign-key-not-valid': foreignKeyNotValid,
  'hash-drift': hashDrift,
  'identifier-too-long': identifierTooLong,
  'ignored-definition': ignoredDefinition,
  'index-not-concurrent': indexNotConcurrent,
  irreversible,
  'journal-files': journalFiles,
  'journal-order': journalOrder,
  'migrate-without-lock': migrateWithoutLock,
  'migrator-config-mismatch': migratorConfigMismatch,
  'missing-create-type': missingCreateType,
  'not-null-without-default': notNullWithoutDefault,
  'parse-error': parseError,
  'rename-column': renameColumn,
  'rename-table': renameTable,
  'serial-to-identity': serialToIdentity,
  'set-not-null': setNotNull,
  'snapshot-drift': snapshotDrift,
  'snapshot-fork': snapshotFork,
  'statement-breakpoint': statementBreakpoint,
  'suppression-comment': suppressionComment,
  'table-rename-by-drop': tableRenameByDrop,
  'transaction-control': transactionControl,
  'unique-constraint-lock': uniqueConstraintLock,
  'volatile-default': volatileDefault,
};

export const ruleList: readonly Rule[] = Object.values(rules);
