import type { Rule } from '../engine/types.js';
import columnRenameByDrop from './column-rename-by-drop.js';
import concurrentlyInTransaction from './concurrently-in-transaction.js';
import enumNotExported from './enum-not-exported.js';
import enumRecreate from './enum-recreate.js';
import journalFiles from './journal-files.js';
import missingCreateType from './missing-create-type.js';
import parseError from './parse-error.js';
import tableRenameByDrop from './table-rename-by-drop.js';

/**
 * The rule registry: id → rule. Each id equals its file name here and its page in docs/rules/
 * (test/rules-registry.test.ts fails when one of the four is missing).
 */
export const rules: Record<string, Rule> = {
  'column-rename-by-drop': columnRenameByDrop,
  'concurrently-in-transaction': concurrentlyInTransaction,
  'enum-not-exported': enumNotExported,
  'enum-recreate': enumRecreate,
  'journal-files': journalFiles,
  'missing-create-type': missingCreateType,
  'parse-error': parseError,
  'table-rename-by-drop': tableRenameByDrop,
};

export const ruleList: readonly Rule[] = Object.values(rules);
