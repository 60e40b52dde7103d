import { cpSync, mkdtempSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.js';

/** Broken environments: one line, exit 2 or a finding that says why, never a hang or a stack trace. */
const temp = mkdtempSync(join(tmpdir(), 'ml-robust-'));
afterAll(() => rmSync(temp, { recursive: true, force: true }));

function shop(name: string): string {
  const dir = join(temp, name);
  cpSync('examples/shop', dir, { recursive: true });
  return dir;
}

function bounded(args: string[], cwd?: string) {
  const started = Date.now();
  const r = runCli(args, { cwd, timeout: 60_000 });
  expect(Date.now() - started).toBeLessThan(45_000);
  expect(r.stderr).not.toMatch(/\n\s+at /);
  return r;
}

describe('files', () => {
  it('a migration that is a symlink loop is reported as missing, and the rest is linted', () => {
    const dir = shop('loop');
    const file = join(dir, 'drizzle/0002_product_sku.sql');
    unlinkSync(file);
    symlinkSync(file, file); // points at itself: ELOOP
    const r = bounded(['--format', 'json'], dir);
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.stdout);
    expect(doc.findings.some((f: { rule: string; migration: string }) => f.rule === 'journal-files' && f.migration === '0002_product_sku')).toBe(true);
    expect(doc.summary.migrations).toBe(5);
  });

  it('a migrations folder reached through a symlink is linted like the real one', () => {
    const dir = shop('linked');
    symlinkSync(join(dir, 'drizzle'), join(temp, 'drizzle-link'));
    const r = bounded([join(temp, 'drizzle-link'), '--format', 'json']);
    expect(JSON.parse(r.stdout).summary.migrations).toBe(6);
  });

  it('a snapshot that is not JSON does not stop the lint', () => {
    const dir = shop('bad-snapshot');
    writeFileSync(join(dir, 'drizzle/meta/0005_snapshot.json'), '{ not json');
    const r = bounded(['--format', 'json'], dir);
    expect([0, 1]).toContain(r.code);
    expect(JSON.parse(r.stdout).summary.migrations).toBe(6);
  });
});

describe('configs that fail to load', () => {
  const cases: [string, string, RegExp][] = [
    ['throws', "throw new Error('boom from config');\n", /migration-lint\.config\.mjs: cannot load \(boom from config\)/],
    ['imports a package that is not installed', "import 'no-such-package-ml';\nexport default {};\n", /migration-lint\.config\.mjs: cannot load \(Cannot find package 'no-such-package-ml'/],
    ['exports something that is not an object', 'export default 42;\n', /migration-lint\.config\.mjs: /],
  ];
  for (const [name, text, pattern] of cases) {
    it(name, () => {
      const dir = shop(`config-${name.replace(/\W+/g, '-')}`);
      writeFileSync(join(dir, 'migration-lint.config.mjs'), text);
      const r = bounded([], dir);
      expect(r.code).toBe(2);
      expect(r.stderr.split('\n')[0]).toMatch(pattern);
    });
  }

  it('a drizzle.config that needs env vars or imports what is missing is still read (statically, never run)', () => {
    const dir = shop('drizzle-config-env');
    writeFileSync(join(dir, 'drizzle.config.ts'), "import 'dotenv/config';\nimport { missing } from 'not-installed-anywhere';\nif (!process.env.DATABASE_URL) throw new Error('DATABASE_URL is required');\nexport default { dialect: 'postgresql', schema: './src/db/schema.ts', out: './drizzle', dbCredentials: { url: process.env.DATABASE_URL! } };\n");
    const r = bounded(['--format', 'json'], dir);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).summary.migrations).toBe(6);
  });
});
