import { describe, expect, it } from 'vitest';
import { createRequire } from 'node:module';
import { realpathSync } from 'node:fs';
import { dirname } from 'node:path';
import { direct, loadOxcParseSync } from '../src/runner/oxc.js';
import { installedPackageDir } from '../src/runtime.js';

/**
 * The drizzle config and the app's modules are parsed with oxc-parser's native binding required
 * directly (runner/oxc.ts), not through the package's ES modules: what it returns must be what
 * `import('oxc-parser')` returns.
 */
const sources: [string, string][] = [
  ['drizzle.config.ts', "import { defineConfig } from 'drizzle-kit';\nexport default defineConfig({ dialect: 'postgresql', out: './drizzle', schema: './src/db/schema.ts' });"],
  ['drizzle.config.js', "module.exports = { out: process.env.OUT ?? `./${'drizzle'}`, tablesFilter: [/^app_/i], big: 12345678901234567890n };"],
  ['schema.ts', "import { pgEnum, pgTable, text } from 'drizzle-orm/pg-core';\nexport const mood = pgEnum('mood', ['sad', 'ok']);\nexport const users = pgTable('users', { name: text('name').notNull() });"],
  ['broken.ts', 'export default { out: ;'],
  ['café.ts', "export default { out: './dossier-été' };"],
];

describe('oxc-parser loaded without its ES module wrapper', () => {
  it('on this platform the binding is required directly', () => {
    const supported = ['linux', 'darwin', 'win32'].includes(process.platform) && ['x64', 'arm64'].includes(process.arch);
    expect(direct() !== undefined).toBe(supported);
  });

  it.each(sources)('%s: the same program and errors as import("oxc-parser")', async (file, text) => {
    const { parseSync } = await import('oxc-parser');
    const expected = parseSync(file, text);
    const actual = (await loadOxcParseSync())(file, text);
    expect(actual.program).toEqual(expected.program);
    expect(actual.errors).toEqual(expected.errors);
  });
});

describe('installedPackageDir: a package beside the code, found as Node finds it, without require.resolve', () => {
  it.each(['oxc-parser', 'libpg-query', 'fast-glob', 'picomatch'])('%s: the folder require.resolve names', (name) => {
    const resolved = dirname(createRequire(import.meta.url).resolve(`${name}/package.json`));
    expect(installedPackageDir(name)).toBe(realpathSync.native(resolved));
  });

  it('undefined for a package that is not installed', () => {
    expect(installedPackageDir('no-such-package-migration-lint')).toBeUndefined();
  });
});
