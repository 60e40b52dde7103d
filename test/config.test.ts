import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { lint } from '../src/runner/lint.js';
import { runCli } from './helpers/cli.js';

const temp = mkdtempSync(join(tmpdir(), 'ml-config-file-'));
afterAll(() => rmSync(temp, { recursive: true, force: true }));

function shop(name: string, files: Record<string, string>): string {
  const dir = join(temp, name);
  cpSync('examples/shop', dir, { recursive: true });
  for (const [file, text] of Object.entries(files)) writeFileSync(join(dir, file), text);
  return dir;
}

const rulesOf = async (cwd: string) => (await lint({ cwd })).findings.map((f) => `${f.rule}@${f.migration}`);

describe('migration-lint config', () => {
  it('migration-lint.config.json: severities, ignores with reasons, startAfter', async () => {
    const dir = shop('json', {
      'migration-lint.config.json': JSON.stringify({
        rules: { 'concurrently-in-transaction': 'warn' },
        ignores: [{ migration: '0003_*', rules: ['enum-recreate'], reason: 'no order is refunded yet' }],
        startAfter: '0000_init',
      }),
    });
    const result = await lint({ cwd: dir });
    expect(result.config.file).toBe('migration-lint.config.json');
    expect(result.findings.find((f) => f.rule === 'concurrently-in-transaction')?.severity).toBe('warn');
    expect(result.findings.some((f) => f.rule === 'enum-recreate')).toBe(false);
    expect(result.summary.migrations).toBe(5);
  });

  it('a "migration-lint" key in package.json', async () => {
    const dir = shop('pkg', { 'package.json': JSON.stringify({ name: 'x', 'migration-lint': { rules: { 'column-rename-by-drop': 'off' } } }) });
    expect((await rulesOf(dir)).some((r) => r.startsWith('column-rename-by-drop'))).toBe(false);
  });

  it('migration-lint.config.mjs', async () => {
    const dir = shop('mjs', { 'migration-lint.config.mjs': "export default { rules: { 'missing-create-type': 'off', 'enum-not-exported': 'off' } };\n" });
    expect((await rulesOf(dir)).some((r) => r.startsWith('missing-create-type'))).toBe(false);
  });

  it('migration-lint.config.ts, compiled with the esbuild drizzle-kit brings', async () => {
    const dir = shop('ts', { 'migration-lint.config.ts': "const severity: 'off' = 'off';\nexport default { rules: { 'enum-recreate': severity } };\n" });
    expect((await rulesOf(dir)).some((r) => r.startsWith('enum-recreate'))).toBe(false);
  });

  it('knownTypes / extensions / schemas silence missing-create-type for objects made outside migrations', async () => {
    const dir = shop('known', { 'migration-lint.config.json': JSON.stringify({ knownTypes: ['user_role'], rules: { 'enum-not-exported': 'off' } }) });
    expect((await rulesOf(dir)).filter((r) => r.startsWith('missing-create-type@0004'))).toEqual([]);
  });

  const bad: { name: string; config: unknown; message: RegExp }[] = [
    { name: 'unknown key', config: { rulez: {} }, message: /migration-lint\.config\.json: unknown key "rulez"/ },
    { name: 'unknown nested key', config: { ignores: [{ migration: 'x', reason: 'y', rule: ['a'] }] }, message: /unknown key "ignores\.0\.rule"/ },
    { name: 'unknown rule id', config: { rules: { 'no-such-rule': 'off' } }, message: /unknown rule "no-such-rule"/ },
    { name: 'bad severity', config: { rules: { 'enum-recreate': 'warning' } }, message: /"rules\.enum-recreate"/ },
    { name: 'ignore without a reason', config: { ignores: [{ migration: '0001_*', reason: ' ' }] }, message: /"ignores\.0\.reason": a reason is required/ },
    { name: 'preparedStatements not a boolean', config: { preparedStatements: 'pglite' }, message: /"preparedStatements": / },
    { name: 'recentTableDays below 0', config: { recentTableDays: -1 }, message: /"recentTableDays": Too small/i },
    { name: 'startAfter naming no migration', config: { startAfter: '9999_nope' }, message: /startAfter: "9999_nope" is not a migration/ },
  ];
  for (const c of bad) {
    it(`invalid config exits 2 with one line: ${c.name}`, () => {
      const dir = shop(`bad-${c.name.replace(/\W+/g, '-')}`, { 'migration-lint.config.json': JSON.stringify(c.config) });
      const r = runCli([], { cwd: dir });
      expect(r.code).toBe(2);
      expect(r.stderr.split('\n')[0]).toMatch(c.message);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    });
  }
});

describe('suppressions through the real CLI', () => {
  it('an inline ignore with a reason hides the finding; without a reason it is itself reported', () => {
    const dir = shop('inline', {});
    const file = join(dir, 'drizzle/0005_orders_created_at_index.sql');
    const sql = readFileSync(file, 'utf8');
    writeFileSync(file, `-- migration-lint-ignore concurrently-in-transaction: this file runs with psql in the deploy script\n${sql}`);
    const ok = JSON.parse(runCli(['--format', 'json'], { cwd: dir }).stdout);
    expect(ok.findings.some((f: { rule: string }) => f.rule === 'concurrently-in-transaction')).toBe(false);

    writeFileSync(file, `-- migration-lint-ignore concurrently-in-transaction\n${sql}`);
    const bad = JSON.parse(runCli(['--format', 'json'], { cwd: dir }).stdout);
    const rules = bad.findings.filter((f: { migration: string }) => f.migration === '0005_orders_created_at_index').map((f: { rule: string; line: number }) => `${f.rule}@${f.line}`);
    expect(rules).toEqual(expect.arrayContaining(['suppression-comment@1', 'concurrently-in-transaction@2']));
  });

  it('config ignores apply to already-applied migrations without editing them', () => {
    const dir = shop('ignores', { 'migration-lint.config.json': JSON.stringify({ ignores: [{ migration: '0005_*', reason: 'built with psql in the deploy script' }] }) });
    const doc = JSON.parse(runCli(['--format', 'json'], { cwd: dir }).stdout);
    expect(doc.findings.some((f: { migration: string }) => f.migration === '0005_orders_created_at_index')).toBe(false);
  });
});
