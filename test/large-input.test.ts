import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
// @ts-expect-error — plain ESM script without types (the benchmark's history generator)
import { synthesize } from '../bench/synthesize.mjs';
import { lint } from '../src/runner/lint.js';

/**
 * Big inputs finish in bounded time. Both regressions here were quadratic walks found on a 50 MB
 * file (per-statement enum-value bookkeeping, per-chunk statement scans): 14 s → 3 s at 5 MB.
 */
const temp = mkdtempSync(join(tmpdir(), 'ml-large-'));
afterAll(() => rmSync(temp, { recursive: true, force: true }));

describe('large inputs', () => {
  it('a 5 MB migration with ~50,000 statements lints in bounded time', async () => {
    const row = "INSERT INTO \"t\" (\"a\", \"b\") VALUES ('some value here that is moderately long to fill space', 42);\n";
    const parts = ['CREATE TABLE "t" ("id" serial PRIMARY KEY, "a" text, "b" integer);\n--> statement-breakpoint\n'];
    let size = parts[0].length;
    while (size < 5 * 1024 * 1024) {
      const chunk = `${row.repeat(50)}--> statement-breakpoint\n`;
      parts.push(chunk);
      size += chunk.length;
    }
    const file = join(temp, '0000_big.sql');
    writeFileSync(file, parts.join(''));
    const started = Date.now();
    const result = await lint({ paths: [file] });
    expect(Date.now() - started).toBeLessThan(60_000);
    expect(result.findings.filter((f) => f.rule === 'parse-error' || f.rule === 'internal-error')).toEqual([]);
  }, 120_000);

  it('a synthesised 5,000-migration history lints in bounded time', async () => {
    const dir = join(temp, 'history');
    synthesize(dir, { migrations: 5000, seed: 7 });
    const started = Date.now();
    const result = await lint({ paths: [dir] });
    expect(Date.now() - started).toBeLessThan(120_000);
    expect(result.summary.migrations).toBe(5000);
    expect(result.findings.filter((f) => f.rule === 'parse-error' || f.rule === 'internal-error')).toEqual([]);
  }, 240_000);
});
