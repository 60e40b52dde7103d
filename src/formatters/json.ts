import type { Finding } from '../engine/types.js';
import type { LintSummary } from '../runner/lint.js';

/** Bumped only on breaking changes to the JSON document (documented in the README). */
export const JSON_FORMAT_VERSION = 1;

export interface JsonFinding {
  rule: string;
  severity: Finding['severity'];
  message: string;
  help: string | null;
  file: string;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  migration: string;
  statement: string | null;
}

export interface JsonReport {
  version: 1;
  findings: JsonFinding[];
  summary: LintSummary;
}

/** The stable JSON document: every key always present, in a fixed order. */
export function toJsonReport(findings: readonly Finding[], summary: LintSummary): JsonReport {
  return {
    version: JSON_FORMAT_VERSION,
    findings: findings.map((f) => ({
      rule: f.rule,
      severity: f.severity,
      message: f.message,
      help: f.help ?? null,
      file: f.file,
      line: f.line,
      column: f.column,
      endLine: f.endLine,
      endColumn: f.endColumn,
      migration: f.migration,
      statement: f.statement ?? null,
    })),
    summary: { errors: summary.errors, warnings: summary.warnings, migrations: summary.migrations, files: summary.files },
  };
}

export function formatJson(findings: readonly Finding[], summary: LintSummary): string {
  return JSON.stringify(toJsonReport(findings, summary), null, 2) + '\n';
}
