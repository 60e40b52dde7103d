import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * The built CLI loads cli-main.cjs through scripts/load-main.cjs, with the V8 code cache the build
 * made (see that file). What must hold: the cache is used, a cache V8 rejects changes nothing, and
 * the bundle never calls `import()` itself (code compiled that way cannot).
 */
const BUNDLE = 'dist/bundle';
const example = ['examples/shop/drizzle', '--format', 'json'];

/** `node <cli.cjs> …` as the bin runs it: stdout, and whether V8 took the code cache. */
function runFront(bundle: string, args: string[]): { stdout: string; rejected: unknown } {
  const script = `
    const cli = require(${JSON.stringify(join(process.cwd(), bundle, 'cli.cjs'))});
    Promise.resolve(cli.run(${JSON.stringify(args)})).then(() => {
      const main = globalThis[Symbol.for('migration-lint.main-script')];
      process.stderr.write('\\nREJECTED=' + JSON.stringify(main ? main.cachedDataRejected ?? null : 'not loaded') + '\\n');
    });`;
  let stdout = '';
  let stderr = '';
  try {
    stdout = execFileSync(process.execPath, ['-e', script], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    // Exit 1: the example has findings.
    const e = error as { status: number; stdout: string; stderr: string };
    if (e.status !== 1) throw error;
    stdout = e.stdout;
    stderr = e.stderr;
  }
  const rejected = /REJECTED=(.*)/.exec(stderr)?.[1];
  return { stdout, rejected: rejected === undefined ? undefined : JSON.parse(rejected) };
}

describe('cli-main.cjs is compiled with the code cache made by the build', () => {
  const copy = join('dist', `bundle-load-main-test-${process.pid}`);
  afterAll(() => rmSync(copy, { recursive: true, force: true }));

  it('the cache is there and V8 takes it', () => {
    expect(readFileSync(join(BUNDLE, 'cli-main.cjs.cache')).length).toBeGreaterThan(100_000);
    expect(runFront(BUNDLE, example).rejected).toBe(false);
  });

  it('verify takes it too: the WASM flags its front sets before the bundle loads are the ones the cache was made with', () => {
    expect(runFront(BUNDLE, ['verify', 'examples/shop/drizzle', '--format', 'json']).rejected).toBe(false);
  }, 60_000);

  it('a cache V8 rejects (damaged, or made for another build) gives the same report; none at all too', () => {
    const expected = runFront(BUNDLE, example).stdout;
    expect(JSON.parse(expected).findings.length).toBeGreaterThan(0);
    cpSync(BUNDLE, copy, { recursive: true });
    writeFileSync(join(copy, 'cli-main.cjs.cache'), Buffer.alloc(4096, 7));
    const damaged = runFront(copy, example);
    expect(damaged.rejected).toBe(true);
    expect(damaged.stdout).toBe(expected);
    rmSync(join(copy, 'cli-main.cjs.cache'));
    const none = runFront(copy, example);
    expect(none.rejected).toBeNull();
    expect(none.stdout).toBe(expected);
  });

  it('worker threads take the cache too: the flags it is checked against are set before any thread compiles the bundle (v8-flags.cjs), also for the thread the front starts early', () => {
    const copy = join('dist', `bundle-threads-test-${process.pid}`);
    try {
      cpSync(BUNDLE, copy, { recursive: true });
      const loader = join(copy, 'load-main.cjs');
      const source = readFileSync(loader, 'utf8');
      expect(source).toContain('  loaded.loaded = true;');
      // Each thread says whether V8 took the cache.
      writeFileSync(loader, source.replace('  loaded.loaded = true;', "  loaded.loaded = true; process.stderr.write('THREAD ' + !!globalThis[Symbol.for('migration-lint.worker-thread')] + ' ' + script.cachedDataRejected + '\\n');"));
      const folders = ['fixtures/projects/safe/drizzle', 'examples/shop/drizzle', 'fixtures/projects/features/drizzle'];
      for (const jobs of [[], ['--jobs', '3']]) {
        // TurboFan is turned on after the first second (v8-flags.cjs), which changes the flags a
        // thread started later is checked against: not during this run, however slow the machine.
        const env = { ...process.env, MIGRATION_LINT_TURBOFAN_AFTER_MS: '600000' };
        const run = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(join(process.cwd(), copy, 'cli.cjs'))}).run(${JSON.stringify([...folders, '--format', 'json', ...jobs])})`], { encoding: 'utf8', env });
        const threads = run.stderr.split('\n').filter((l) => l.startsWith('THREAD '));
        // Main thread always; with --jobs 3, two workers (the first started early by the front).
        expect(threads.sort()).toEqual(jobs.length ? ['THREAD false false', 'THREAD true false', 'THREAD true false'] : ['THREAD false false']);
      }
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  });

  it('the bundle is ASCII (a non-ASCII character makes Node decode the whole file into a two-byte string)', () => {
    const bytes = readFileSync(join(BUNDLE, 'cli-main.cjs'));
    expect(bytes.findIndex((b) => b > 0x7f)).toBe(-1);
  });

  it('the bundle calls import() only through importExternal, which the loader lends it', () => {
    const source = readFileSync(join(BUNDLE, 'cli-main.cjs'), 'utf8');
    const calls = [...source.matchAll(/(?<![\w.$])import\(/g)].map((m) => source.slice(source.lastIndexOf('\n', m.index) + 1, source.indexOf('\n', m.index)).trim());
    expect(calls.filter((line) => !line.startsWith('//'))).toEqual(['return lent ? lent(specifier) : import(specifier);']);
  });
});
