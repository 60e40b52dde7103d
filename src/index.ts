/**
 * migration-lint's public API. The CLI is a thin layer over `lint()`; tests and integrations
 * call this directly.
 */
export { lint, DEFAULT_PG_VERSION } from './runner/lint.js';
export type { LintOptions, LintResult, LintSummary } from './runner/lint.js';
export { UsageError } from './runner/errors.js';
export { defineRule, docsUrl } from './engine/define-rule.js';
export { runEngine } from './engine/linter.js';
export { loadParser, parseMigration } from './engine/parse.js';
export { splitChunks, BREAKPOINT } from './engine/split.js';
export { rules, ruleList } from './rules/index.js';
export { fromSnapshot } from './schema/snapshot.js';
export { compareSchemas } from './schema/compare.js';
export type { SchemaDifference } from './schema/compare.js';
export { toJsonReport, JSON_FORMAT_VERSION } from './formatters/json.js';
export type { JsonReport } from './formatters/json.js';
export type * from './engine/types.js';
export type * from './schema/model.js';
export type { Effect } from './schema/effects.js';
export { checkSnapshotAgreement } from './runner/snapshot-agreement.js'; export type { AgreementReport } from './runner/snapshot-agreement.js';
