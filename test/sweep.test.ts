import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.js';

/**
 * The real CLI over every fixture and every ../shared/corpus folder (when present), each run
 * bounded in time: no crash, no exit 2, no stack trace, a parseable report, no parse errors.
 */
const CORPUS = '../shared/corpus';
const folders = [
  'examples/shop/drizzle',
  ...readdirSync('fixtures/projects')
    .map((name) => join('fixtures/projects', name, 'drizzle'))
    .filter((dir) => existsSync(dir)),
  ...(existsSync(CORPUS) ? readdirSync(CORPUS, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => join(CORPUS, d.name)) : []),
];

describe('every fixture and corpus folder through the real CLI (bounded time)', () => {
  for (const folder of folders) {
    it(folder, () => {
      const started = Date.now();
      const r = runCli([folder, '--format', 'json'], { timeout: 120_000 });
      expect(Date.now() - started).toBeLessThan(120_000);
      expect([0, 1], r.stderr).toContain(r.code);
      expect(r.stderr).not.toMatch(/\n\s+at /);
      const doc = JSON.parse(r.stdout) as { findings: { rule: string }[] };
      expect(doc.findings.filter((f) => f.rule === 'parse-error' || f.rule === 'internal-error')).toEqual([]);
    });
  }
});
