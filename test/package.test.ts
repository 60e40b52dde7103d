import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.js';
import { installedCopy } from './helpers/installed.js';

const temp = mkdtempSync(join(tmpdir(), 'ml-package-'));
afterAll(() => rmSync(temp, { recursive: true, force: true }));

describe('PGlite is not a dependency: verify finds it in the project, or says how to install it', { timeout: 180_000 }, () => {
  // A project that installed migration-lint without PGlite.
  const store = installedCopy(join(temp, 'store'), ['@electric-sql/pglite']);

  it('missing: one line saying what to install (or pass --database-url), exit 2; linting never needs it', () => {
    const project = join(temp, 'no-pglite');
    cpSync('examples/shop', project, { recursive: true });
    const run = runCli(['verify'], { cwd: project, bin: store.bin });
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe('migration-lint: verify runs the migrations in PGlite, an embedded PostgreSQL that is not installed here: npm i -D @electric-sql/pglite (or pass --database-url postgres://… to use a server)\n');
    expect(run.code).toBe(2);
    const lint = runCli(['--format', 'json'], { cwd: project, bin: store.bin });
    expect([lint.code, lint.stderr]).toEqual([1, '']);
    expect(JSON.parse(lint.stdout).summary.migrations).toBe(6);
  });

  it('installed in the project only (pnpm, npx): verify loads it from there', () => {
    const project = join(temp, 'with-pglite');
    cpSync('fixtures/projects/safe', project, { recursive: true });
    mkdirSync(join(project, 'node_modules', '@electric-sql'), { recursive: true });
    symlinkSync(resolve('node_modules/@electric-sql/pglite'), join(project, 'node_modules', '@electric-sql', 'pglite'));
    const run = runCli(['verify', '--no-color'], { cwd: project, bin: store.bin, timeout: 120_000 });
    expect(run.stderr).toBe('');
    expect(run.stdout).toMatch(/✔ 0 of 4 migrations failed, 4 applied/);
    expect(run.code).toBe(0);
  });
});
