import type { Edit, Finding, Fix } from '../engine/types.js';
import type { LintSummary } from '../runner/lint.js';
import { inertJson } from './safe-text.js';

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
  /** The one correct change (`--fix` applies it), or null. */
  fix: JsonFix | null;
  /** Possible changes, shown and never applied (empty when there are none). */
  suggestions: JsonFix[];
  /** The other places of the same finding (one root cause, several statements), possibly empty. */
  related: { file: string; line: number; column: number; endLine: number; endColumn: number; message: string }[];
}

export interface JsonFix {
  description: string;
  edits: Edit[];
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
      fix: f.fix ? jsonFix(f.fix) : null,
      suggestions: (f.suggestions ?? []).map(jsonFix),
      related: (f.related ?? []).map((r) => ({ file: r.file, line: r.line, column: r.column, endLine: r.endLine, endColumn: r.endColumn, message: r.message })),
    })),
    summary: { errors: summary.errors, warnings: summary.warnings, migrations: summary.migrations, files: summary.files },
  };
}

/** A fix with its keys in the documented order (edits: file, line, column, endLine, endColumn, text). */
function jsonFix(fix: Fix): JsonFix {
  return {
    description: fix.description,
    edits: fix.edits.map((e) => ({ file: e.file, line: e.line, column: e.column, endLine: e.endLine, endColumn: e.endColumn, text: e.text })),
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
  const writer = jsonWriter();
  yield* writer.add(findings);
  yield writer.end(summary);
}

/**
 * The JSON document written as the findings arrive (a run that streams its findings): `add`
 * gives the text of some more findings (a piece per 500), `end` the rest of the document once the
 * summary is known. Together they are `formatJson`'s text, character for character.
 */
export function jsonWriter(): { add(findings: readonly Finding[]): Generator<string>; end(summary: LintSummary): string } {
  let written = 0;
  return {
    *add(findings) {
      for (let i = 0; i < findings.length; i += CHUNK) {
        const part = toJsonReport(findings.slice(i, i + CHUNK), EMPTY_SUMMARY).findings;
        // Stringified at the depth the whole document has it, then unwrapped: the same characters.
        const json = JSON.stringify({ findings: part }, null, 2);
        yield (written === 0 ? `{\n  "version": ${JSON.stringify(JSON_FORMAT_VERSION)},\n  "findings": [\n` : ',\n') + inertJson(json.slice(OPEN.length, json.length - CLOSE.length));
        written += part.length;
      }
    },
    end(summary) {
      // The document without findings: its version and summary, the whole report when there were none.
      const head = toJsonReport([], summary);
      if (written === 0) return JSON.stringify(head, null, 2) + '\n';
      return `\n  ],\n  "summary": ${JSON.stringify(head.summary, null, 2).replaceAll('\n', '\n  ')}\n}\n`;
    },
  };
}

const EMPTY_SUMMARY: LintSummary = { errors: 0, warnings: 0, migrations: 0, files: 0 };
