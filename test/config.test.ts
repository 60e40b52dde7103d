import { execFileSync, spawn } from 'node:child_process';
import { appendFileSync, cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { CONFIG_TIME_LIMIT_MS, loadConfig, tagMatches } from '../src/runner/config.js';
import { isUsageError } from '../src/runner/errors.js';
import { lint } from '../src/runner/lint.js';
import { BIN, runCli } from './helpers/cli.js';

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
    { name: 'recentTableDays below 0', config: { recentTableDays: -1 }, message: /"recentTableDays": must be at least 0 \(got -1\)$/ },
    { name: 'startAfter naming no migration', config: { startAfter: '9999_nope' }, message: /startAfter: "9999_nope" is not a migration/ },
    // The README's words, not zod's ("Invalid input: expected string, received undefined"), and what was found.
    { name: 'ignore with no reason key', config: { ignores: [{ migration: '0001_*' }] }, message: /^migration-lint: migration-lint\.config\.json: "ignores\.0\.reason": a reason is required$/ },
    { name: 'severity not off, warn or error', config: { rules: { 'drop-column': 'on' } }, message: /^migration-lint: migration-lint\.config\.json: "rules\.drop-column": must be one of "off", "warn", "error" \(got "on"\)$/ },
    { name: 'pgVersion as a string', config: { pgVersion: '16' }, message: /"pgVersion": must be a number \(got "16"\)$/ },
    { name: 'pgVersion too high', config: { pgVersion: 40 }, message: /"pgVersion": must be at most 30 \(got 40\)$/ },
    { name: 'knownTypes not a list', config: { knownTypes: 'citext' }, message: /"knownTypes": must be a list \(got "citext"\)$/ },
    { name: 'an ignore without its migration', config: { ignores: [{ reason: 'r' }] }, message: /"ignores\.0\.migration": is required$/ },
    // "did you mean" for rule ids and keys.
    { name: 'a mistyped rule id', config: { rules: { 'drop-colum': 'warn' } }, message: /unknown rule "drop-colum" \(did you mean drop-column\?\)$/ },
    { name: 'a mistyped rule id in ignores', config: { ignores: [{ migration: 'x', rules: ['concurently-in-transaction'], reason: 'r' }] }, message: /unknown rule "concurently-in-transaction" \(did you mean concurrently-in-transaction\?\)$/ },
    { name: 'a mistyped key', config: { rulez: {} }, message: /unknown key "rulez" \(did you mean rules\?\)$/ },
    { name: 'a mistyped nested key', config: { migrationsTable: { tabel: 'x' } }, message: /unknown key "migrationsTable\.tabel" \(did you mean table\?\)$/ },
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

  // Each was `internal error: …` (or silently ignored: __proto__) before.
  const broken: { name: string; file: string; text: string; message: RegExp }[] = [
    { name: 'a rule id "__proto__"', file: 'migration-lint.config.json', text: '{"rules":{"__proto__":"off"}}', message: /^migration-lint: migration-lint\.config\.json: unknown rule "__proto__"$/ },
    { name: 'a rule id "constructor"', file: 'migration-lint.config.json', text: '{"rules":{"constructor":"off"}}', message: /^migration-lint: migration-lint\.config\.json: unknown rule "constructor"$/ },
    { name: 'a .ts config with a syntax error', file: 'migration-lint.config.ts', text: 'export default { rules: {\n', message: /^migration-lint: migration-lint\.config\.ts:2:1: cannot compile \(Expected identifier but found end of file\)$/ },
    { name: 'a getter that throws', file: 'migration-lint.config.mjs', text: 'export default { get rules() { throw new Error("boom"); } };\n', message: /^migration-lint: migration-lint\.config\.mjs: reading the exported config failed \(boom\)$/ },
    { name: 'a Proxy that throws', file: 'migration-lint.config.mjs', text: 'export default new Proxy({}, { get() { throw new Error("trap"); }, ownKeys() { throw new Error("trap"); } });\n', message: /^migration-lint: migration-lint\.config\.mjs: cannot load \(trap\)$/ }, // awaiting it reads `then`
    { name: 'a default export that rejects', file: 'migration-lint.config.mjs', text: 'export default Promise.reject(new Error("nope"));\n', message: /^migration-lint: migration-lint\.config\.mjs: cannot load \(nope\)$/ },
  ];
  for (const c of broken) {
    it(`a config that breaks while loading exits 2 with one line: ${c.name}`, () => {
      const dir = shop(`broken-${c.name.replace(/\W+/g, '-')}`, { [c.file]: c.text });
      const r = runCli([], { cwd: dir });
      expect(r.code).toBe(2);
      expect(r.stderr.split('\n')[0]).toMatch(c.message);
      expect(r.stderr).not.toMatch(/internal error|\n\s+at /);
    });
  }

  it('a config that never finishes loading is an error naming the file once the time limit passes', async () => {
    const dir = shop('never-api', { 'migration-lint.config.mjs': 'export default new Promise(() => {});\n' });
    const error = await loadConfig(dir, new Set(), undefined, 300).catch((e: unknown) => e);
    expect(isUsageError(error)).toBe(true);
    expect((error as Error).message).toBe('migration-lint.config.mjs: did not finish loading in 0.3 s (a default export that is a promise that never settles?)');
  });

  it(`lint, --staged and verify exit 2 with one line after ${CONFIG_TIME_LIMIT_MS / 1000} s on a config that never loads (they exited 0 with no output)`, async () => {
    const dir = shop('never', { 'migration-lint.config.mjs': 'export default new Promise(() => {});\n' });
    const env = { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' };
    for (const args of [['init', '-q'], ['add', '.'], ['commit', '-qm', 'x']]) execFileSync('git', args, { cwd: dir, env });
    // A migration staged: a commit that stages none is answered before any config is read.
    appendFileSync(join(dir, 'drizzle/0005_orders_created_at_index.sql'), '\n-- edited\n');
    execFileSync('git', ['add', '.'], { cwd: dir, env });
    const run = (args: string[]) =>
      new Promise<{ code: number | null; stdout: string; stderr: string; ms: number }>((done) => {
        const started = performance.now();
        const child = spawn(process.execPath, [BIN, ...args], { cwd: dir });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (d) => (stdout += d));
        child.stderr.on('data', (d) => (stderr += d));
        child.on('close', (code) => done({ code, stdout, stderr, ms: performance.now() - started }));
      });
    const runs = await Promise.all([run([]), run(['--staged']), run(['verify'])]);
    for (const r of runs) {
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr.split('\n')[0]).toBe(`migration-lint: migration-lint.config.mjs: did not finish loading in ${CONFIG_TIME_LIMIT_MS / 1000} s (a default export that is a promise that never settles?)`);
      expect(r.ms).toBeGreaterThanOrEqual(CONFIG_TIME_LIMIT_MS - 100);
    }
  }, 60_000);
});

describe('ignores: migration globs', () => {
  const cases: [string, string, boolean][] = [
    ['0007_*', '0007_brave_wolf', true],
    ['0007_*', '0008_brave_wolf', false],
    ['*_wolf', '0007_brave_wolf', true],
    ['00?7_*', '0017_x', true],
    ['00?7_*', '007_x', false],
    ['*', '', true],
    ['', '', true],
    ['', 'x', false],
    ['a*b*c', 'abbbc', true],
    ['a*b*c', 'acb', false],
    ['0007.x', '0007x', false],
    ['[0-9]*', '1x', false],
    ['**a', 'ba', true],
  ];
  it('`*` is any run of characters, `?` one, anything else itself', () => {
    for (const [pattern, tag, expected] of cases) expect({ pattern, tag, match: tagMatches(pattern, tag) }).toEqual({ pattern, tag, match: expected });
  });

  it('matches as the regular expression it stands for does', () => {
    const reference = (pattern: string, tag: string) => new RegExp(`^${[...pattern].map((c) => (c === '*' ? '[\\s\\S]*' : c === '?' ? '[\\s\\S]' : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)).join('')}$`).test(tag);
    const text = fc.string({ unit: fc.constantFrom('a', 'b', '*', '?', '.', '\n'), maxLength: 8 });
    fc.assert(fc.property(text, fc.string({ unit: fc.constantFrom('a', 'b', '.', '\n'), maxLength: 12 }), (pattern, tag) => tagMatches(pattern, tag) === reference(pattern, tag)));
  });

  it('a pattern built to backtrack takes no time (40 `*` then `!` took more than 20 s; `*a` × 12 hours)', () => {
    const started = performance.now();
    expect(tagMatches('*'.repeat(40) + '!', 'a'.repeat(60))).toBe(false);
    expect(tagMatches('*a'.repeat(12), 'a'.repeat(60) + 'b')).toBe(false);
    expect(tagMatches('*a'.repeat(2000), 'a'.repeat(5000) + 'b')).toBe(false);
    expect(performance.now() - started).toBeLessThan(1000);
    const dir = shop('redos', { 'migration-lint.config.json': JSON.stringify({ ignores: [{ migration: '*'.repeat(40) + '!', reason: 'x' }] }) });
    const r = runCli(['--format', 'json'], { cwd: dir, timeout: 20_000 });
    expect(r.code).toBe(1);
  });
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
