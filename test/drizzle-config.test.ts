import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { displayPath, readDrizzleConfig } from '../src/runner/drizzle-config.js';

const temp = mkdtempSync(join(tmpdir(), 'ml-config-'));
afterAll(() => rmSync(temp, { recursive: true, force: true }));

function config(name: string, text: string) {
  const file = join(temp, name);
  writeFileSync(file, text);
  return readDrizzleConfig(file);
}

describe('readDrizzleConfig (static: never runs the file, needs no env vars)', () => {
  it('the example project config, with process.env.DATABASE_URL!', () => {
    const c = readDrizzleConfig('examples/shop/drizzle.config.ts');
    expect(c.out.endsWith('examples/shop/drizzle')).toBe(true);
    expect(c.schema).toEqual(['./src/db/schema.ts']);
    expect(c.dialect).toBe('postgresql');
    expect([c.migrationsSchema, c.migrationsTable]).toEqual(['drizzle', '__drizzle_migrations']);
  });

  it('driver: a literal is read (pglite prepares each chunk), a computed one is unknown, not an error', () => {
    expect(config('pglite.ts', `export default defineConfig({ dialect: 'postgresql', driver: 'pglite', dbCredentials: { url: './db' } });`).driver).toBe('pglite');
    expect(config('computed-driver.ts', `export default defineConfig({ dialect: 'postgresql', driver: process.env.DRIVER as 'pglite' });`).driver).toBeUndefined();
    expect(config('driver.json', JSON.stringify({ dialect: 'postgresql', driver: 'pglite' })).driver).toBe('pglite');
    expect(config('no-driver.ts', `export default defineConfig({ dialect: 'postgresql' });`).driver).toBeUndefined();
  });

  const cases: { name: string; text: string; out: string; schema?: string[]; table?: string; schemaName?: string }[] = [
    {
      name: 'defineConfig with dotenv, comments and a migrations block',
      text: `import 'dotenv/config';\nimport { defineConfig } from 'drizzle-kit';\n// out: './wrong'\nexport default defineConfig({\n  /* schema: 'nope' */\n  schema: './src/schema/*',\n  out: "./migrations",\n  dialect: 'postgresql',\n  migrations: { table: 'my_migrations', schema: 'public' },\n  dbCredentials: { url: process.env.DATABASE_URL! },\n});\n`,
      out: 'migrations',
      schema: ['./src/schema/*'],
      table: 'my_migrations',
      schemaName: 'public',
    },
    { name: 'schema array, out omitted (drizzle default)', text: `export default { dialect: "postgresql", schema: ["./a.ts", './b.ts'] } satisfies Config;`, out: 'drizzle', schema: ['./a.ts', './b.ts'] },
    { name: 'template literal out', text: 'module.exports = { out: `./db/migrations`, dialect: "postgresql" };', out: 'db/migrations' },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const got = config(`${c.name.replace(/\W+/g, '-')}.ts`, c.text);
      expect(got.out).toBe(join(temp, c.out));
      if (c.schema) expect(got.schema).toEqual(c.schema);
      if (c.table) expect(got.migrationsTable).toBe(c.table);
      if (c.schemaName) expect(got.migrationsSchema).toBe(c.schemaName);
    });
  }

  it('JSON configs', () => {
    const got = config('drizzle.config.json', JSON.stringify({ out: './m', dialect: 'postgresql', migrations: { table: 't' } }));
    expect([got.out, got.migrationsTable]).toEqual([join(temp, 'm'), 't']);
  });

  it('rejects other dialects and computed `out` with a one-line reason', () => {
    expect(() => config('mysql.ts', `export default { dialect: 'mysql', out: './x' }`)).toThrow(/dialect "mysql" is not supported/);
    expect(() => config('computed.ts', `export default { dialect: 'postgresql', out: path.join(__dirname, 'x') }`)).toThrow(/`out` is not a string literal \(path\.join\(__dirname/);
    expect(() => readDrizzleConfig(join(temp, 'missing.ts'))).toThrow(/cannot read the drizzle config \(ENOENT\)/);
  });
});

describe('displayPath: relative to the working directory when inside it, else as given', () => {
  const cases: [path: string, cwd: string, shown: string][] = [
    ['/repo/drizzle/0000_a.sql', '/repo', 'drizzle/0000_a.sql'],
    ['/repo/drizzle/0000_a.sql', '/', 'repo/drizzle/0000_a.sql'],
    ['/repo', '/repo', '/repo'],
    ['/repository/x.sql', '/repo', '/repository/x.sql'],
    ['/other/x.sql', '/repo/app', '/other/x.sql'],
    ['/repo/app/../drizzle/x.sql', '/repo', 'drizzle/x.sql'],
    ['/repo/./drizzle//x.sql', '/repo', 'drizzle/x.sql'],
    ['/repo/drizzle/x.sql', '/repo/app/..', 'drizzle/x.sql'],
    ['/repo/drizzle/', '/repo', 'drizzle'],
    ['/repo/..data/x.sql', '/repo', '..data/x.sql'],
  ];
  it.each(cases)('%s from %s → %s', (path, cwd, shown) => {
    expect(displayPath(path, cwd)).toBe(shown);
  });
});
