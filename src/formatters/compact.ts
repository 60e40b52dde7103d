import type { Finding } from '../engine/types.js';
import { escapeControls, outputLines } from './safe-text.js';

/** One line per finding, `file:line:col: severity rule message`, for editors and grep. */
export function formatCompact(findings: readonly Finding[]): string {
  return outputLines(findings.map((f) => `${escapeControls(f.file)}:${f.line}:${f.column}: ${f.severity} ${f.rule} ${escapeControls(f.message)}${alsoAt(f)}`));
}

/** ` (also at 12:1, 13:1)` for a finding with related locations in its own file (`file:line:col` elsewhere). */
export function alsoAt(f: Finding): string {
  if (!f.related?.length) return '';
  return ` (also at ${f.related.map((r) => (r.file === f.file ? '' : `${escapeControls(r.file)}:`) + `${r.line}:${r.column}`).join(', ')})`;
}
