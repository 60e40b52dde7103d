import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import rule from '../../src/rules/hash-drift.js';
import lock from '../../src/cli/commands/lock.js';
import { gitInit, historyTester } from '../helpers/history.js';

const t = historyTester(rule);
const FILE = '0002_product_sku.sql';

function io() {
  const out = { stdout: '', stderr: '' };
  return { out, streams: { stdout: { write: (s: string) => (out.stdout += s) }, stderr: { write: (s: string) => (out.stderr += s) } } };
}

describe('hash-drift', () => {
  it('valid: no recorded hashes (no base, no lock file, no database)', async () => {
    expect(await t.findings('examples/shop/drizzle')).toEqual([]);
  });

  it('invalid with a git base: an applied migration edited after it was committed', async () => {
    const dir = t.folder('git-edit');
    gitInit(dir);
    writeFileSync(join(dir, FILE), readFileSync(join(dir, FILE), 'utf8') + '--> statement-breakpoint\nALTER TABLE "products" ADD COLUMN "weight" integer;');
    const found = await t.findings(dir, { since: 'main', cwd: dir, paths: ['.'] });
    expect(found.map((f) => [f.messageId, f.migration])).toEqual([['changed', '0002_product_sku']]);
    expect(found[0].message).toMatch(/recorded sha256 [0-9a-f]{64}, now [0-9a-f]{64}/);
    expect(found[0].message).toContain('added 1: "ALTER TABLE \\"products\\" ADD COLUMN \\"weight\\" integer;"');
    expect(found[0].help).toMatch(/git checkout [0-9a-f]{12} -- 0002_product_sku\.sql/);
  });

  it('invalid with a git base: CRLF line endings are reported as such', async () => {
    const dir = t.folder('git-crlf');
    gitInit(dir);
    writeFileSync(join(dir, FILE), readFileSync(join(dir, FILE), 'utf8').replace(/\n/g, '\r\n'));
    const found = await t.findings(dir, { since: 'main', cwd: dir, paths: ['.'] });
    expect(found.map((f) => f.messageId)).toEqual(['lineEndings']);
    expect(found[0].message).toContain('CRLF');
    expect(found[0].help).toContain('autocrlf');
  });

  it('lock file: `migration-lint lock` records hashes, hash-drift compares, and lock never overwrites without --force', async () => {
    const dir = t.folder('lock');
    const cwd = process.cwd();
    let code: number;
    const first = io();
    code = await lock([dir], first.streams);
    expect(code).toBe(0);
    const text = readFileSync(join(dir, 'migration-lint.lock.json'), 'utf8');
    const keys = Object.keys(JSON.parse(text).migrations);
    expect(keys).toEqual([...keys].sort());
    expect(keys).toHaveLength(6);
    expect(await t.findings(dir)).toEqual([]);

    writeFileSync(join(dir, FILE), readFileSync(join(dir, FILE), 'utf8').replace('varchar(64)', 'varchar(128)'));
    const found = await t.findings(dir);
    expect(found.map((f) => [f.messageId, f.migration])).toEqual([['changed', '0002_product_sku']]);
    expect(found[0].message).toContain('migration-lint.lock.json');

    const again = io();
    code = await lock([dir], again.streams);
    expect(code).toBe(1);
    expect(again.out.stderr).toContain('kept the recorded hash');
    expect(readFileSync(join(dir, 'migration-lint.lock.json'), 'utf8')).toBe(text);

    code = await lock([dir, '--force'], io().streams);
    expect(code).toBe(0);
    expect(await t.findings(dir)).toEqual([]);
    expect(process.cwd()).toBe(cwd);
  });

  it('lock file: a BOM added later is reported as a byte-order mark', async () => {
    const dir = t.folder('lock-bom');
    await lock([dir], io().streams);
    writeFileSync(join(dir, FILE), '\uFEFF' + readFileSync(join(dir, FILE), 'utf8'));
    const found = await t.findings(dir);
    expect(found.map((f) => f.messageId)).toEqual(['lineEndings']);
    expect(found[0].message).toContain('byte-order mark');
  });
});
