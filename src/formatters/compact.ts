import type { Finding } from '../engine/types.js';

/** One line per finding, `file:line:col: severity rule message`, for editors and grep. */
export function formatCompact(findings: readonly Finding[]): string {
  return findings.map((f) => `${f.file}:${f.line}:${f.column}: ${f.severity} ${f.rule} ${f.message.replace(/\s*\n\s*/g, ' ')}\n`).join('');
}
