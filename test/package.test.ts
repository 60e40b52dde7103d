import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.js';
import { installedCopy, packedFiles } from './helpers/installed.js';

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

describe('the package (npm pack) looks finished', () => {
  const files = packedFiles();
  const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { license: string; scripts: Record<string, string>; files: string[] };

  it('ships the MIT LICENSE that package.json names, the README, the CLI, the bundle, types and rule docs', () => {
    expect(pkg.license).toBe('MIT');
    expect(readFileSync('LICENSE', 'utf8')).toMatch(/^MIT License\n\nCopyright \(c\) \d{4} /);
    for (const file of ['LICENSE', 'README.md', 'package.json', 'bin/migration-lint.js', 'dist/bundle/cli.cjs', 'dist/bundle/cli-main.cjs', 'dist/bundle/index.js', 'dist/index.d.ts', 'docs/rules/hash-drift.md', 'docs/verify.md']) {
      expect(files).toContain(file);
    }
  });

  it('no source maps (they would point at src/, which is not shipped), and not the compiled tree the bundle was made from', () => {
    expect(files.filter((f) => f.endsWith('.map'))).toEqual([]);
    expect(files.filter((f) => f.startsWith('dist/') && !f.startsWith('dist/bundle/') && !f.endsWith('.d.ts'))).toEqual([]);
    expect(files.some((f) => f.startsWith('src/'))).toBe(false);
  });

  it('every link of the README works from the package page: relative links point at shipped files, the rest are absolute', () => {
    const readme = readFileSync('README.md', 'utf8');
    const links = [...readme.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]).filter((l) => !/^(https?:|mailto:|#)/.test(l));
    expect(links.length).toBeGreaterThan(20);
    for (const link of links) expect(files, link).toContain(link.replace(/#.*$/, '').replace(/\/$/, '') || 'README.md');
  });

  it('installing it runs no script (no prepare, install or postinstall warning); the tarball is built by prepack', () => {
    for (const script of ['preinstall', 'install', 'postinstall', 'prepare']) expect(pkg.scripts[script], script).toBeUndefined();
    expect(pkg.scripts.prepack).toBe('npm run build');
  });

  it('a clone\'s npm ci reviews every install script it runs (npm 11.16+ lists the others after the install; npm 12 skips them)', () => {
    const lock = JSON.parse(readFileSync('package-lock.json', 'utf8')) as { packages: Record<string, { hasInstallScript?: boolean }> };
    const allowed = (pkg as { allowScripts?: Record<string, boolean> }).allowScripts ?? {};
    const withScripts = Object.entries(lock.packages).filter(([, p]) => p.hasInstallScript).map(([path]) => path.replace(/^.*node_modules\//, ''));
    expect(withScripts.length).toBeGreaterThan(0);
    for (const name of withScripts) expect(allowed[name], name).toBe(true);
  });

  it('the installed files alone run the CLI: lint, --help, rules, explain', () => {
    const { bin } = installedCopy(join(temp, 'installed'));
    const project = join(temp, 'installed-shop');
    cpSync('examples/shop', project, { recursive: true });
    const lint = runCli(['--format', 'json'], { cwd: project, bin });
    expect([lint.code, lint.stderr]).toEqual([1, '']);
    expect(runCli(['--help'], { bin }).code).toBe(0);
    expect(runCli(['rules'], { bin }).stdout).toContain('hash-drift');
    expect(runCli(['explain', 'hash-drift'], { bin }).stdout).toContain('# hash-drift');
  });
});
