import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve, sep } from 'node:path';
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

describe('--cache: damaged entries and odd locations', () => {
  const cacheFile = (cache: string, suffix: string) => join(cache, readdirSync(cache).find((f) => f.endsWith(suffix))!);
  const edit = (file: string, change: (data: Record<string, any>) => void) => {
    const data = JSON.parse(readFileSync(file, 'utf8'));
    change(data);
    writeFileSync(file, JSON.stringify(data));
  };

  it('a stored finding of the wrong shape is a miss, not a crash', async () => {
    const { dir, cache } = project('bad-finding');
    const plain = await run({ cwd: dir });
    await run({ cwd: dir, cache: { location: cache } });
    for (const bad of [{ rule: 1 }, null, { ...plain[0], help: ['x'] }, { ...plain[0], line: '1' }]) {
      edit(cacheFile(cache, '.run.json'), (data) => (data.findings = [bad]));
      expect(await run({ cwd: dir, cache: { location: cache } })).toEqual(plain);
    }
  });

  it('a stored parse of the wrong shape is a miss (it gave `data.statements.map is not a function` on every run)', async () => {
    const { dir, cache } = project('bad-parse');
    const plain = await run({ cwd: dir });
    await run({ cwd: dir, cache: { location: cache } });
    const damages: ((entry: Record<string, any>) => void)[] = [
      (e) => (e.statements = {}),
      (e) => (e.parseFailures = 'x'),
      (e) => e.statements.length && (e.statements[0].recipe = null),
      (e) => e.statements.length && (e.statements[0].location = { line: 1 }),
      (e) => e.statements.length && (e.statements[0].recipe.piece = [0, 1e9]),
    ];
    for (const damage of damages) {
      edit(cacheFile(cache, '.run.json'), (data) => (data.key = 'another run'));
      edit(cacheFile(cache, '.parse.json'), (data) => Object.values(data.parse).forEach((entry) => damage(entry as Record<string, any>)));
      expect(await run({ cwd: dir, cache: { location: cache } })).toEqual(plain);
    }
  });

  it('--cache-location where no folder can be made: the cache is skipped, the run ends (/proc/self/x spun forever)', () => {
    const r = spawnSync(process.execPath, [resolve('bin/migration-lint.js'), 'examples/shop/drizzle', '--cache', '--cache-location', '/proc/self/x', '--format', 'json'], { encoding: 'utf8', timeout: 30_000 });
    expect(r.status).toBe(1);
    expect(JSON.parse(r.stdout).summary.migrations).toBe(6);
  });

  it('--cache-location "" is refused (it wrote into the working directory)', async () => {
    const { dir } = project('empty-location');
    const r = spawnSync(process.execPath, [resolve('bin/migration-lint.js'), '--cache', '--cache-location', ''], { cwd: dir, encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe('migration-lint: --cache-location needs a folder (got "")');
    expect(readdirSync(dir).filter((f) => f.startsWith('lint-'))).toEqual([]);
    await expect(lint({ cwd: dir, cache: { location: '' } })).rejects.toThrow('the cache location needs a folder');
  });
});

describe('start-up', () => {
  it('--version and --help load no heavy module (parser, deparser, zod, oxc-parser, node:crypto, node:child_process) and no ES module loader', () => {
    const log = join(temp, 'modules.json');
    const preload = join(temp, 'preload.cjs');
    writeFileSync(preload, `process.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(log)}, JSON.stringify({ files: Object.keys(require.cache), builtins: process.moduleLoadList })));\n`);
    for (const flag of ['--version', '--help']) {
      const r = spawnSync(process.execPath, ['-r', preload, resolve('bin/migration-lint.js'), flag], { encoding: 'utf8' });
      expect(r.status).toBe(0);
      const { files, builtins } = JSON.parse(readFileSync(log, 'utf8')) as { files: string[]; builtins: string[] };
      // The bin is CommonJS and requires the one-file CLI bundle; nothing else of ours or of node_modules.
      expect(files.map((f) => relative(process.cwd(), f).split(sep).join('/')).filter((f) => f !== relative(process.cwd(), preload).split(sep).join('/'))).toEqual(['bin/migration-lint.js', 'dist/bundle/cli.cjs']);
      // Rule, engine and parser code would load these; import() would start the ES module loader.
      expect(builtins.filter((b) => /^NativeModule (crypto|child_process|v8|internal\/modules\/esm\/(translators|module_job))$/.test(b))).toEqual([]);
    }
  });

  it('a lint that hashes nothing (no cache, lock file or database) does not load node:crypto (~10 ms)', () => {
    const log = join(temp, 'lint-modules.json');
    const preload = join(temp, 'lint-preload.cjs');
    writeFileSync(preload, `process.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(log)}, JSON.stringify(process.moduleLoadList)));\n`);
    // The example without its lock file (which records 0000_init: a lock is hashed against the files).
    const folder = join(temp, 'no-lock', 'drizzle');
    cpSync('examples/shop/drizzle', folder, { recursive: true });
    rmSync(join(folder, 'migration-lint.lock.json'));
    const r = spawnSync(process.execPath, ['-r', preload, resolve('bin/migration-lint.js'), folder, '--format', 'json'], { encoding: 'utf8', env: { ...process.env, NODE_EXTRA_CA_CERTS: '' } });
    expect(JSON.parse(r.stdout).summary.migrations).toBeGreaterThan(0);
    expect((JSON.parse(readFileSync(log, 'utf8')) as string[]).filter((b) => b === 'NativeModule crypto')).toEqual([]);
  });
});
