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
  return [...jsonChunks(findings, summary)].join('');
}

/** Findings per chunk of `jsonChunks`. */
const CHUNK = 500;
const OPEN = '{\n  "findings": [\n';
const CLOSE = '\n  ]\n}';

/**
 * `formatJson`'s text in pieces (the same characters), so the CLI writes a report of tens of
 * thousands of findings without holding all of it, twice over, at once.
 */
export function* jsonChunks(findings: readonly Finding[], summary: LintSummary): Generator<string> {
  // The document without findings: its version and summary, and the whole report when there are none.
  const head = toJsonReport([], summary);
  if (findings.length === 0) {
    yield JSON.stringify(head, null, 2) + '\n';
    return;
  }
  yield `{\n  "version": ${JSON.stringify(head.version)},\n  "findings": [\n`;
  for (let i = 0; i < findings.length; i += CHUNK) {
    const part = toJsonReport(findings.slice(i, i + CHUNK), summary).findings;
    // Stringified at the depth the whole document has it, then unwrapped: the same characters.
    const text = JSON.stringify({ findings: part }, null, 2);
    yield text.slice(OPEN.length, text.length - CLOSE.length) + (i + CHUNK < findings.length ? ',\n' : '\n');
  }
  yield `  ],\n  "summary": ${JSON.stringify(head.summary, null, 2).replaceAll('\n', '\n  ')}\n}\n`;
}
