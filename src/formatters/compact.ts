import type { Finding } from '../engine/types.js';
import { escapeControls, outputLines } from './safe-text.js';

/** One line per finding, `file:line:col: severity rule message`, for editors and grep. */
export function formatCompact(findings: readonly Finding[]): string {
  return outputLines(findings.map((f) => `${escapeControls(f.file)}:${f.line}:${f.column}: ${f.severity} ${f.rule} ${escapeControls(f.message)}`));
}
