import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs script, no types
import { allocate, formatSample, sampleFindings } from '../scripts/corpus-sample.mjs';
import { lint } from '../src/runner/lint.js';

describe('npm run corpus -- --sample N', () => {
  it('allocate: every rule with findings gets one, the rest in proportion, never more than a rule has, N in all', () => {
    const quota = allocate({ a: 200, b: 100, c: 1, d: 0, e: 3 }, 20);
    expect(quota).toEqual({ a: 12, b: 6, c: 1, e: 1 });
    expect(Object.values(quota).reduce((n: number, v) => n + (v as number), 0)).toBe(20);
    expect(allocate({ a: 2, b: 1 }, 10)).toEqual({ a: 2, b: 1 });
    expect(allocate({ a: 5, b: 5, c: 5 }, 2)).toEqual({ a: 1, b: 1, c: 0 });
  });

  it('a seeded draw with the context to judge each finding (statement, neighbours, table history, message, help)', async () => {
    const folder = resolve('examples/shop/drizzle');
    const report = await lint({ paths: [folder], env: {} });
    const results = [{ folder: 'shop', path: folder, report: { findings: report.findings } }];
    const first = await sampleFindings(results, 6, 7);
    const again = await sampleFindings(results, 6, 7);
    expect(first.entries.map((e: { file: string; line: number }) => `${e.file}:${e.line}`)).toEqual(again.entries.map((e: { file: string; line: number }) => `${e.file}:${e.line}`));
    expect(first.entries).toHaveLength(6);
    const rename = first.entries.find((e: { rule: string }) => e.rule === 'column-rename-by-drop');
    expect(rename.tables[0]).toMatchObject({ table: 'users', created: { migration: '0000_init', migrationsBefore: 1 } });
    expect(rename.before.length + rename.after.length).toBeGreaterThan(0);
    const text = formatSample(first);
    expect(text).toContain('stratified by rule');
    expect(text).toContain('table "users": created in 0000_init');
    expect(text).toMatch(/message: /);
  }, 60_000);
});
