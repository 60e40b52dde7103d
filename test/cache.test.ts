import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { lint, type LintOptions } from '../src/index.js';

const temp = mkdtempSync(join(tmpdir(), 'ml-cache-'));
afterAll(() => rmSync(temp, { recursive: true, force: true }));
const SHOP = resolve('examples/shop');

function project(name: string): { dir: string; cache: string } {
  const dir = join(temp, name);
  cpSync(SHOP, dir, { recursive: true });
  return { dir, cache: join(dir, 'node_modules', '.cache', 'migration-lint') };
}

/** Findings without the clock-dependent text (journal-order suggests a `when` of now). */
async function run(options: LintOptions) {
  const result = await lint(options);
  return result.findings;
}

/** Replace the stored findings of the run file with a sentinel: a hit returns it, a miss does not. */
function tamper(cache: string): void {
  const file = readdirSync(cache).find((f) => f.endsWith('.run.json'))!;
  const data = JSON.parse(readFileSync(join(cache, file), 'utf8'));
  data.findings = [{ ...data.findings[0], message: 'SENTINEL' }];
  writeFileSync(join(cache, file), JSON.stringify(data));
}
const sentinel = (findings: { message: string }[]) => findings.some((f) => f.message === 'SENTINEL');

describe('--cache', () => {
  it('returns identical findings cold and warm, and uses the stored run when nothing changed', async () => {
    const { dir, cache } = project('same');
    const plain = await run({ cwd: dir });
    const cold = await run({ cwd: dir, cache: { location: cache } });
    const warm = await run({ cwd: dir, cache: { location: cache } });
    expect(plain.length).toBeGreaterThan(0);
    expect(cold).toEqual(plain);
    expect(warm).toEqual(plain);
    tamper(cache);
    expect(sentinel(await run({ cwd: dir, cache: { location: cache } }))).toBe(true);
  });

  it('is invalidated by an edited migration (and the parse cache still gives the uncached findings)', async () => {
    const { dir, cache } = project('edit');
    await run({ cwd: dir, cache: { location: cache } });
    tamper(cache);
    const file = join(dir, 'drizzle', readdirSync(join(dir, 'drizzle')).filter((f) => f.endsWith('.sql')).sort()[0]);
    writeFileSync(file, readFileSync(file, 'utf8') + '\n--> statement-breakpoint\nALTER TABLE "users" DROP COLUMN "email";\n');
    const warm = await run({ cwd: dir, cache: { location: cache } });
    expect(sentinel(warm)).toBe(false);
    expect(warm).toEqual(await run({ cwd: dir }));
  });

  it('is invalidated by a rule severity change and by another tool version', async () => {
    const { dir, cache } = project('settings');
    await run({ cwd: dir, cache: { location: cache } });
    tamper(cache);
    const off = await run({ cwd: dir, rules: { 'concurrently-in-transaction': 'off' }, cache: { location: cache } });
    expect(sentinel(off)).toBe(false);
    expect(off).toEqual(await run({ cwd: dir, rules: { 'concurrently-in-transaction': 'off' } }));
    await run({ cwd: dir, cache: { location: cache } });
    tamper(cache);
    const upgraded = await run({ cwd: dir, cache: { location: cache, version: '99.0.0' } });
    expect(sentinel(upgraded)).toBe(false);
    expect(upgraded).toEqual(await run({ cwd: dir }));
  });

  it('is invalidated when a snapshot the engine read changes', async () => {
    const { dir, cache } = project('snapshot');
    await run({ cwd: dir, cache: { location: cache } });
    tamper(cache);
    const meta = join(dir, 'drizzle', 'meta');
    const last = readdirSync(meta).filter((f) => f.endsWith('_snapshot.json')).sort().pop()!;
    writeFileSync(join(meta, last), readFileSync(join(meta, last), 'utf8') + '\n');
    expect(sentinel(await run({ cwd: dir, cache: { location: cache } }))).toBe(false);
  });
});

describe('start-up', () => {
  it('--version and --help load no heavy module (parser, rules, engine, chalk, zod)', () => {
    const log = join(temp, 'modules.log');
    const hooks = join(temp, 'hooks.mjs');
    writeFileSync(hooks, `import { appendFileSync } from 'node:fs';\nexport async function resolve(s, c, next) { const r = await next(s, c); appendFileSync(${JSON.stringify(log)}, r.url + '\\n'); return r; }\n`);
    const register = join(temp, 'register.mjs');
    writeFileSync(register, `import { register } from 'node:module';\nregister(${JSON.stringify('file://' + hooks)});\n`);
    for (const flag of ['--version', '--help']) {
      writeFileSync(log, '');
      const r = spawnSync(process.execPath, ['--import', register, resolve('bin/migration-lint.js'), flag], { encoding: 'utf8' });
      expect(r.status).toBe(0);
      const loaded = readFileSync(log, 'utf8').split('\n').filter(Boolean);
      expect(loaded.some((u) => u.endsWith('/dist/bundle/cli.js'))).toBe(true);
      expect(loaded.filter((u) => /libpg-query|pgsql-deparser|chalk|zod|oxc-parser|\/dist\/(rules|engine|schema|analysis|formatters|runner)\//.test(u))).toEqual([]);
      // The bundle's chunks have hashed names: what is loaded must be small, and hold no rule or parser code.
      const bundled = [...new Set(loaded.filter((u) => u.includes('/dist/bundle/')))].map((u) => readFileSync(new URL(u), 'utf8'));
      expect(bundled.reduce((n, text) => n + text.length, 0)).toBeLessThan(30_000);
      expect(bundled.filter((text) => /defineRule\(|loadParser|applyStatement/.test(text))).toEqual([]);
    }
  });
});
