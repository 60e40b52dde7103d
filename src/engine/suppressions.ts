import type { Finding, ParsedMigration } from './types.js';
import { LineIndex } from './source.js';

/**
 * Inline suppressions, read from SQL comments:
 *
 *   -- migration-lint-ignore column-rename-by-drop, drop-column: the old column was copied in 0012
 *   -- migration-lint-ignore-file concurrently-in-transaction: we run this file with psql
 *
 * The first form covers the next statement, the second the whole file. Each needs a reason after
 * the colon. A directive without a reason, naming an unknown rule, or suppressing nothing is
 * itself reported (rule `suppression-comment`), so suppressions stay honest.
 */
export interface Directive {
  file: string;
  migration: string;
  scope: 'statement' | 'file';
  rules: string[];
  reason: string;
  line: number;
  column: number;
  endColumn: number;
  /** Lines of the statement it covers (statement scope). */
  covers?: { from: number; to: number };
  used: Set<string>;
}

const DIRECTIVE = /--\s*migration-lint-ignore(-file)?\b(.*)$/;

export function readDirectives(migration: ParsedMigration): Directive[] {
  if (!migration.text.includes('migration-lint-ignore')) return [];
  const lines = new LineIndex(migration.text);
  const out: Directive[] = [];
  for (let n = 1; n <= lines.lineCount; n++) {
    const text = lines.lineText(n);
    const m = DIRECTIVE.exec(text);
    if (!m || insideStatement(migration, n, text.indexOf(m[0]))) continue;
    const body = m[2];
    const colon = body.indexOf(':');
    const list = colon === -1 ? body : body.slice(0, colon);
    const directive: Directive = {
      file: migration.file,
      migration: migration.tag,
      scope: m[1] ? 'file' : 'statement',
      rules: list.split(/[\s,]+/).filter(Boolean),
      reason: colon === -1 ? '' : body.slice(colon + 1).trim(),
      line: n,
      column: text.indexOf(m[0]) + 1,
      endColumn: text.length + 1,
      used: new Set(),
    };
    if (directive.scope === 'statement') {
      const next = migration.statements.find((s) => s.origin === 'top-level' && s.location.line > n);
      if (next) directive.covers = { from: next.location.line, to: next.location.endLine };
    }
    out.push(directive);
  }
  return out;
}

/** A `--` inside a statement's text on that line is SQL (a string, a dollar-quoted body), not a directive. */
function insideStatement(migration: ParsedMigration, line: number, column0: number): boolean {
  return migration.statements.some(
    (s) => s.origin === 'top-level' && (s.location.line < line || (s.location.line === line && s.location.column - 1 < column0)) && (s.location.endLine > line || (s.location.endLine === line && s.location.endColumn - 1 > column0)),
  );
}

/** Remove suppressed findings; mark which directive suppressed what. */
export function applyDirectives<F extends Pick<Finding, 'rule' | 'file' | 'line'>>(findings: F[], directives: Directive[]): F[] {
  if (directives.length === 0) return findings;
  return findings.filter((f) => {
    const by = directives.find(
      (d) =>
        d.file === f.file &&
        d.rules.includes(f.rule) &&
        d.reason !== '' &&
        (d.scope === 'file' || (d.covers !== undefined && f.line >= d.covers.from && f.line <= d.covers.to)),
    );
    if (!by) return true;
    by.used.add(f.rule);
    return false;
  });
}
