import type { Finding } from '../engine/types.js';
import type { LintSummary } from '../runner/lint.js';
import { docsUrl } from '../engine/define-rule.js';
import { escapeControls, escapedLines, markdownCode, markdownText } from './safe-text.js';
import { count } from './count.js';

/** Workflow-command escaping (actions/toolkit `escapeData` / `escapeProperty`). */
const escapeData = (s: string) => s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
const escapeProperty = (s: string) => escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');

/**
 * GitHub Actions annotations: one `::error …::message` (or `::warning`) per finding, shown on the
 * pull request's diff. The help goes into the message so the fix is visible in the annotation.
 * Data in them has its control characters escaped first (safe-text.ts): its line breaks cannot
 * end the command, and an ESC reaches no terminal (the same output is read locally too).
 */
export function formatGithub(findings: readonly Finding[]): string {
  return findings
    .map((f) => {
      const props = [`file=${escapeControls(f.file)}`, `line=${f.line}`, `endLine=${f.endLine}`, `col=${f.column}`, `endColumn=${f.endColumn}`, `title=${f.rule}`].map((p) => {
        const at = p.indexOf('=');
        return `${p.slice(0, at)}=${escapeProperty(p.slice(at + 1))}`;
      });
      const message = escapeControls(f.message);
      const also = f.related?.length ? `\n\nAlso at: ${f.related.map((r) => `${r.file === f.file ? 'line' : `${escapeControls(r.file)} line`} ${r.line} (${escapeControls(r.message)})`).join(', ')}` : '';
      const text = (f.help ? `${message}\n\n${escapedLines(f.help).join('\n')}` : message) + also;
      return `::${f.severity === 'error' ? 'error' : 'warning'} ${props.join(',')}::${escapeData(text)}\n`;
    })
    .join('');
}

/**
 * A markdown report for `$GITHUB_STEP_SUMMARY`: counts, then a table of findings. GitHub renders
 * it as a page: the file is a code span, the message Markdown-escaped (an identifier cannot show
 * an image, a link or HTML there).
 */
export function githubStepSummary(findings: readonly Finding[], summary: LintSummary): string {
  const head = `### migration-lint\n\n${count(summary.errors, 'error')}, ${count(summary.warnings, 'warning')} in ${count(summary.migrations, 'migration')} checked.\n`;
  if (findings.length === 0) return `${head}\nNo problems found. ✔\n`;
  const rows = findings.map((f) => `| ${f.severity === 'error' ? '❌ error' : '⚠️ warning'} | ${markdownCode(`${f.file}:${f.line}`)} | [${f.rule}](${docsUrl(f.rule)}) | ${markdownText(f.message)} |`);
  return `${head}\n| severity | where | rule | finding |\n| --- | --- | --- | --- |\n${rows.join('\n')}\n`;
}
