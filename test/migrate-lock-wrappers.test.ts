import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs script without types
import { generate } from '../scripts/migrate-lock-wrappers.mjs';

describe('migrate-lock wrappers', () => {
  it('src/rules/deploy/migrate-lock-wrappers.ts is generated from docs/migrate-lock/*.ts (run node scripts/migrate-lock-wrappers.mjs)', () => {
    expect(readFileSync('src/rules/deploy/migrate-lock-wrappers.ts', 'utf8')).toBe(generate());
  });
});
