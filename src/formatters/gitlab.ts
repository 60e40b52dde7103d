import type { Finding } from '../engine/types.js';
import { fingerprint } from './sarif.js';
import { inertJson } from './safe-text.js';
import { alsoAt } from './compact.js';

/** GitLab Code Quality report (artifacts:reports:codequality), with stable fingerprints. */
export function formatGitlab(findings: readonly Finding[]): string {
  const seen = new Map<string, number>();
  const issues = findings.map((f) => {
    // Two identical findings in one file still need distinct fingerprints.
    const base = fingerprint(f);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    return {
      type: 'issue',
      check_name: f.rule,
      description: (f.help ? `${f.message} ${f.help.split('\n')[0]}` : f.message) + alsoAt(f),
      categories: ['Bug Risk'],
      severity: f.severity === 'error' ? 'major' : 'minor',
      fingerprint: n === 0 ? base : `${base}-${n}`,
      location: { path: f.file, lines: { begin: f.line, end: f.endLine } },
    };
  });
  return inertJson(JSON.stringify(issues, null, 2)) + '\n';
}
