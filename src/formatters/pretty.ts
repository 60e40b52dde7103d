import { Chalk, type ChalkInstance } from 'chalk';
import type { Finding } from '../engine/types.js';
import { LineIndex } from '../engine/source.js';
import type { LintSummary } from '../runner/lint.js';
import { docsUrl } from '../engine/define-rule.js';

export interface PrettyOptions {
  color: boolean;
  /** File text by display path, for code frames. */
  sources: ReadonlyMap<string, string>;
}

const MAX_FRAME_LINES = 6;
/** Longer source lines are cut in code frames (drizzle writes whole CREATE INDEX statements on one line). */
const MAX_FRAME_WIDTH = 160;

/** Human output: findings grouped by file, each with a code frame, help and docs link, then a summary. */
export function formatPretty(findings: readonly Finding[], summary: LintSummary, options: PrettyOptions): string {
  const c = new Chalk({ level: options.color ? 1 : 0 });
  const out: string[] = [];
  const byFile = new Map<string, Finding[]>();
  for (const f of findings) byFile.set(f.file, [...(byFile.get(f.file) ?? []), f]);
  for (const [file, list] of byFile) {
    out.push(c.underline(file));
    const text = options.sources.get(file);
    const lines = text === undefined ? undefined : new LineIndex(text);
    for (const f of list) {
      const level = f.severity === 'error' ? c.red('error') : c.yellow('warn ');
      out.push(`  ${c.dim(`${f.line}:${f.column}`)}  ${level}  ${f.message}  ${c.dim(f.rule)}`);
      if (lines && f.statement !== undefined) out.push(...frame(lines, f, c));
      if (f.help) out.push(...f.help.split('\n').map((h, i) => `    ${i === 0 ? c.cyan('help:') : '     '} ${h}`));
      out.push(`    ${c.dim(`docs: ${docsUrl(f.rule)}`)}`);
      out.push('');
    }
  }
  out.push(summaryLine(summary, c, affectedFiles(findings, options.sources)));
  return out.join('\n') + '\n';
}

function frame(lines: LineIndex, f: Finding, c: ChalkInstance): string[] {
  const last = Math.min(f.endLine, lines.lineCount);
  const shown = Math.min(last - f.line + 1, MAX_FRAME_LINES);
  const width = String(f.line + shown).length;
  const out: string[] = [];
  for (let n = f.line; n < f.line + shown; n++) {
    const text = lines.lineText(n);
    out.push(`    ${c.red('>')} ${c.dim(String(n).padStart(width) + ' |')} ${text.length > MAX_FRAME_WIDTH ? text.slice(0, MAX_FRAME_WIDTH - 1) + '…' : text}`);
  }
  if (f.line === f.endLine && f.column <= MAX_FRAME_WIDTH) {
    const length = Math.max(1, Math.min(f.endColumn, MAX_FRAME_WIDTH) - f.column);
    out.push(`      ${' '.repeat(width)} ${c.dim('|')} ${' '.repeat(f.column - 1)}${c.red('^'.repeat(length))}`);
  } else if (last - f.line + 1 > shown) {
    out.push(`      ${' '.repeat(width)} ${c.dim('|')} ${c.dim(`… ${last - f.line + 1 - shown} more lines`)}`);
  }
  return out;
}

/** Migrations with findings, and other files with findings (the journal, files drizzle never runs). */
function affectedFiles(findings: readonly Finding[], migrationFiles: ReadonlyMap<string, string>): { migrations: number; others: number } {
  const files = new Set(findings.map((f) => f.file));
  const migrations = [...files].filter((f) => migrationFiles.has(f)).length;
  return { migrations, others: files.size - migrations };
}

export function summaryLine(
  summary: LintSummary,
  c: ChalkInstance = new Chalk({ level: 0 }),
  affected: { migrations: number; others: number } = { migrations: summary.files, others: 0 },
): string {
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  if (summary.errors === 0 && summary.warnings === 0) {
    return c.green(`✔ ${plural(summary.migrations, 'migration')} checked, no problems`);
  }
  const others = affected.others > 0 ? ` and ${plural(affected.others, 'other file')}` : '';
  const text = `${summary.errors > 0 ? '✖' : '⚠'} ${plural(summary.errors, 'error')}, ${plural(summary.warnings, 'warning')} in ${affected.migrations} of ${plural(summary.migrations, 'migration')}${others}`;
  return summary.errors > 0 ? c.red.bold(text) : c.yellow.bold(text);
}
