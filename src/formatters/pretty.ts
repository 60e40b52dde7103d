import { Chalk, type ChalkInstance } from 'chalk';
import type { Finding, Fix } from '../engine/types.js';
import { applyEdits } from '../engine/fixes.js';
import { diffHunks, terminalSafe } from './diff.js';
import { LineIndex } from '../engine/source.js';
import type { LintSummary } from '../runner/lint.js';
import { docsUrl } from '../engine/define-rule.js';
import { escapeControls, escapedLines, outputLines } from './safe-text.js';
import { count } from './count.js';

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
  const writer = prettyWriter(options.color);
  return writer.add(findings, options.sources) + writer.end(summary);
}

/**
 * `formatPretty`'s text written as the findings arrive (a run that streams them, a file's
 * findings at a time): `add` returns their text, `end` the summary line.
 */
export function prettyWriter(color: boolean): { add(findings: readonly Finding[], sources: ReadonlyMap<string, string>): string; end(summary: LintSummary): string } {
  const c = new Chalk({ level: color ? 1 : 0 });
  // For the summary: migrations with findings, and other files with findings (the journal, files drizzle never runs).
  const affected = { migrations: new Set<string>(), others: new Set<string>() };
  return {
    add(findings, sources) {
      const out: string[] = [];
      const byFile = new Map<string, Finding[]>();
      for (const f of findings) {
        const list = byFile.get(f.file);
        if (list) list.push(f);
        else byFile.set(f.file, [f]);
      }
      for (const [file, list] of byFile) {
        (sources.has(file) ? affected.migrations : affected.others).add(file);
        out.push(c.underline(escapeControls(file)));
        const text = sources.get(file);
        const lines = text === undefined ? undefined : new LineIndex(text);
        for (const f of list) {
          const level = f.severity === 'error' ? c.red('error') : c.yellow('warn ');
          out.push(`  ${c.dim(`${f.line}:${f.column}`)}  ${level}  ${escapeControls(f.message)}  ${c.dim(f.rule)}`);
          if (lines && f.statement !== undefined) out.push(...frame(lines, f, c));
          for (const r of f.related ?? []) out.push(`    ${c.dim('also')} ${c.dim(`${r.file === f.file ? '' : `${escapeControls(r.file)}:`}${r.line}:${r.column}`)}  ${escapeControls(r.message)}`);
          if (f.help) escapedLines(f.help).forEach((h, i) => out.push(`    ${i === 0 ? c.cyan('help:') : '     '} ${h}`));
          if (f.fix) out.push(...fixLines('fix', f.fix, f.file, sources, c));
          for (const s of f.suggestions ?? []) out.push(...fixLines('suggestion', s, f.file, sources, c));
          out.push(`    ${c.dim(`docs: ${docsUrl(f.rule)}`)}`);
          out.push('');
        }
      }
      // Data was escaped where it went in; the lines are also made inert as a whole (a file name
      // starts one, a help line may start with a name).
      return outputLines(out);
    },
    end(summary) {
      return summaryLine(summary, c, { migrations: affected.migrations.size, others: affected.others.size }) + '\n';
    },
  };
}

/**
 * A fix under the help, the way squawk shows its fixes: its description, then the lines it
 * removes and adds (the diff of the finding's file, without context lines; edits of other files
 * show what they insert).
 */
function fixLines(kind: 'fix' | 'suggestion', fix: Fix, file: string, sources: ReadonlyMap<string, string>, c: ChalkInstance): string[] {
  const out = [`    ${c.green(`${kind}:`)} ${terminalSafe(fix.description)}${kind === 'fix' ? c.dim(' (--fix)') : ''}`];
  const files = [...new Set(fix.edits.map((e) => e.file))].sort((a, b) => Number(b === file) - Number(a === file));
  for (const name of files) {
    const edits = fix.edits.filter((e) => e.file === name);
    const text = sources.get(name);
    if (name !== file || files.length > 1) out.push(`      ${c.dim(terminalSafe(name))}`);
    let hunks: string[] | undefined;
    if (text !== undefined) {
      try {
        hunks = diffHunks(text, applyEdits(text, edits), { context: 0 });
      } catch {
        hunks = undefined; // the text shown is not the one the fix was made for
      }
    }
    for (const line of hunks ?? edits.flatMap((e) => e.text.split(/\r?\n/).filter((l, i, all) => l !== '' || i < all.length - 1).map((l) => `+${terminalSafe(l)}`))) {
      if (line.startsWith('@@') || line.startsWith('\\')) continue; // hunk headers and "No newline at end of file": noise under a finding
      const shown = line.length > MAX_FRAME_WIDTH ? line.slice(0, MAX_FRAME_WIDTH - 1) + '…' : line;
      out.push(`      ${line.startsWith('-') ? c.red(shown) : line.startsWith('+') ? c.green(shown) : c.dim(shown)}`);
    }
  }
  return out;
}

function frame(lines: LineIndex, f: Finding, c: ChalkInstance): string[] {
  const last = Math.min(f.endLine, lines.lineCount);
  const shown = Math.min(last - f.line + 1, MAX_FRAME_LINES);
  const width = String(f.line + shown).length;
  const out: string[] = [];
  for (let n = f.line; n < f.line + shown; n++) {
    const text = lines.lineText(n);
    // A tab as one space keeps the caret below under its column; other controls are escaped.
    const visible = escapeControls((text.length > MAX_FRAME_WIDTH ? text.slice(0, MAX_FRAME_WIDTH - 1) + '…' : text).replaceAll('\t', ' '));
    out.push(`    ${c.red('>')} ${c.dim(String(n).padStart(width) + ' |')} ${visible}`);
  }
  if (f.line === f.endLine && f.column <= MAX_FRAME_WIDTH) {
    const length = Math.max(1, Math.min(f.endColumn, MAX_FRAME_WIDTH) - f.column);
    out.push(`      ${' '.repeat(width)} ${c.dim('|')} ${' '.repeat(f.column - 1)}${c.red('^'.repeat(length))}`);
  } else if (last - f.line + 1 > shown) {
    out.push(`      ${' '.repeat(width)} ${c.dim('|')} ${c.dim(`… ${last - f.line + 1 - shown} more lines`)}`);
  }
  return out;
}

export function summaryLine(
  summary: LintSummary,
  c: ChalkInstance = new Chalk({ level: 0 }),
  affected: { migrations: number; others: number } = { migrations: summary.files, others: 0 },
): string {
  if (summary.errors === 0 && summary.warnings === 0) {
    return c.green(`✔ ${count(summary.migrations, 'migration')} checked, no problems`);
  }
  const others = affected.others > 0 ? ` and ${count(affected.others, 'other file')}` : '';
  const text = `${summary.errors > 0 ? '✖' : '⚠'} ${count(summary.errors, 'error')}, ${count(summary.warnings, 'warning')} in ${affected.migrations} of ${count(summary.migrations, 'migration')}${others}`;
  return summary.errors > 0 ? c.red.bold(text) : c.yellow.bold(text);
}
