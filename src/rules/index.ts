import type { Rule } from '../engine/types.js';
import columnRenameByDrop from './column-rename-by-drop.js';
import concurrentlyInTransaction from './concurrently-in-transaction.js';
import journalFiles from './journal-files.js';
import parseError from './parse-error.js';

/**
 * The rule registry: id → rule. Each id equals its file name here and its page in docs/rules/
 * (test/rules-registry.test.ts fails when one of the four is missing).
 */
export const rules: Record<string, Rule> = {
  'column-rename-by-drop': columnRenameByDrop,
  'concurrently-in-transaction': concurrentlyInTransaction,
  'journal-files': journalFiles,
  'parse-error': parseError,
};

export const ruleList: readonly Rule[] = Object.values(rules);
