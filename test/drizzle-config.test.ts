import { cpSync, existsSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { displayPath, readDrizzleConfig } from '../src/runner/drizzle-config.js';
import { runCli } from './helpers/cli.js';

const temp = mkdtempSync(join(tmpdir(), 'ml-config-'));
afterAll(() => rmSync(temp, { recursive: true, force: true }));

function config(name: string, text: string, env?: NodeJS.ProcessEnv) {
  const file = join(temp, name);
  writeFileSync(file, text);
  return env ? withEnv(env, () => readDrizzleConfig(file)) : readDrizzleConfig(file);
}

async function withEnv<T>(env: NodeJS.ProcessEnv, run: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  Object.assign(process.env, env);
  try {
    return await run();
  } finally {
    for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
}

/** The one-line error a config gives (a UsageError: message and hint). */
async function refused(name: string, text: string): Promise<{ message: string; hint?: string }> {
  try {
    await config(name, text);
  } catch (error) {
    return { message: (error as Error).message, hint: (error as { hint?: string }).hint };
  }
  throw new Error(`${name} was read`);
}

describe('readDrizzleConfig (static: never runs the file, needs no env vars)', () => {
  it('the example project config, with process.env.DATABASE_URL!', async () => {
    const c = await readDrizzleConfig('examples/shop/drizzle.config.ts');
    expect(c.out.endsWith('examples/shop/drizzle')).toBe(true);
    expect(c.schema).toEqual(['./src/db/schema.ts']);
    expect(c.dialect).toBe('postgresql');
    expect([c.migrationsSchema, c.migrationsTable]).toEqual(['drizzle', '__drizzle_migrations']);
  });

  it('driver: a literal is read (pglite prepares each chunk), a computed one is unknown, not an error', async () => {
    expect((await config('pglite.ts', `export default defineConfig({ dialect: 'postgresql', driver: 'pglite', dbCredentials: { url: './db' } });`)).driver).toBe('pglite');
    expect((await config('computed-driver.ts', `export default defineConfig({ dialect: 'postgresql', driver: process.env.DRIVER as 'pglite' });`)).driver).toBeUndefined();
    expect((await config('driver.json', JSON.stringify({ dialect: 'postgresql', driver: 'pglite' }))).driver).toBe('pglite');
    expect((await config('no-driver.ts', `export default defineConfig({ dialect: 'postgresql' });`)).driver).toBeUndefined();
  });

  const cases: { name: string; text: string; out: string; schema?: string[]; table?: string; schemaName?: string; env?: NodeJS.ProcessEnv }[] = [
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
    { name: 'a shorthand property for a const of the file', text: `import { defineConfig } from 'drizzle-kit';\nconst out = './migrations';\nexport default defineConfig({ out, dialect: 'postgresql' });`, out: 'migrations' },
    { name: 'a const, a template literal over it, and a typed const config exported by name', text: "import type { Config } from 'drizzle-kit';\nconst base = './db';\nconst config: Config = { out: `${base}/migrations`, schema: `${base}/schema.ts`, dialect: 'postgresql' };\nexport default config;", out: 'db/migrations', schema: ['./db/schema.ts'] },
    { name: 'path.join and path.resolve of __dirname and literals', text: `import path from 'node:path';\nexport default defineConfig({ out: path.join(__dirname, 'drizzle', 'migrations'), schema: path.resolve('src', 'schema.ts'), dialect: 'postgresql' });`, out: 'drizzle/migrations', schema: [join(temp, 'src/schema.ts')] },
    { name: 'named imports of join, CommonJS require, import.meta.dirname', text: `const { join } = require('path');\nmodule.exports = defineConfig({ out: join(import.meta.dirname, 'm'), dialect: 'postgresql' });`, out: 'm' },
    { name: 'process.env.X ?? a default, X not set', text: `export default defineConfig({ out: process.env.ML_TEST_OUT ?? './fallback', dialect: 'postgresql' });`, out: 'fallback' },
    { name: 'process.env.X ?? a default, X set: X (as drizzle-kit would)', text: `export default defineConfig({ out: process.env.ML_TEST_OUT ?? './fallback', dialect: 'postgresql' });`, out: 'from-env', env: { ML_TEST_OUT: './from-env' } },
    { name: "process.env['X'] || a default", text: `export default defineConfig({ out: process.env['ML_TEST_OUT'] || \`./\${'x'}\`, dialect: 'postgresql' });`, out: 'x', env: { ML_TEST_OUT: '' } },
    { name: 'a spread of a const object, a key after it wins', text: `const shared = { out: './shared', dialect: 'postgresql' } as const;\nexport default { ...shared, out: './mine' } satisfies Config;`, out: 'mine' },
    { name: 'a spread of a const object sets out', text: `const shared = { out: './shared', dialect: 'postgresql' };\nexport default { ...shared };`, out: 'shared' },
    { name: 'an unknown spread before out does not matter', text: `export default defineConfig({ ...other(), out: './known', dialect: 'postgresql' });`, out: 'known' },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const got = await config(`${c.name.replace(/\W+/g, '-')}.ts`, c.text, c.env);
      expect(got.out).toBe(join(temp, c.out));
      if (c.schema) expect(got.schema).toEqual(c.schema);
      if (c.table) expect(got.migrationsTable).toBe(c.table);
      if (c.schemaName) expect(got.migrationsSchema).toBe(c.schemaName);
    });
  }

  it('JSON configs', async () => {
    const got = await config('drizzle.config.json', JSON.stringify({ out: './m', dialect: 'postgresql', migrations: { table: 't' } }));
    expect([got.out, got.migrationsTable]).toEqual([join(temp, 'm'), 't']);
  });

  it('`out` written but not understood: exit 2 quoting the whole expression and saying what to pass; never ./drizzle', async () => {
    const UNDERSTOOD = "it reads literals, consts of this file, template literals, path.join/resolve and process.env.X ?? '…'";
    const hint = 'pass the migrations folder instead: npx migration-lint path/to/drizzle';
    expect(await refused('call.ts', `export default { dialect: 'postgresql', out: getMigrationsFolder({ app: 'api',\n  env: 'prod' }) }`)).toEqual({
      message: `${join(temp, 'call.ts')}: \`out\` is \`getMigrationsFolder({ app: 'api', env: 'prod' })\`, which migration-lint cannot evaluate without running the config (${UNDERSTOOD})`,
      hint,
    });
    // Through a const: the whole expression written, and the part that is not understood with its place.
    expect((await refused('let.ts', `let base = './db';\nconst out = \`\${base}/m\`;\nexport default defineConfig({ out, dialect: 'postgresql' });`)).message).toBe(
      `${join(temp, 'let.ts')}: \`out\` is \`out\` (\`base\` at 2:16), which migration-lint cannot evaluate without running the config (${UNDERSTOOD})`,
    );
    expect((await refused('env.ts', `export default defineConfig({ out: process.env.OUT!, dialect: 'postgresql' });`)).message).toContain('`out` is `process.env.OUT!`, which');
    // A spread that could hold `out`, with no `out` after it.
    expect((await refused('spread.ts', `export default defineConfig({ dialect: 'postgresql', ...shared });`)).message).toContain('`out` may be set by `...shared`, which');
    expect((await refused('number.ts', `export default defineConfig({ out: 42 });`)).message).toBe(`${join(temp, 'number.ts')}: \`out\` is \`42\`, not a string`);
  });

  it('the config itself not understood, not found, or not valid: exit 2 saying so', async () => {
    expect(await refused('factory.ts', `export default makeConfig('api');`)).toEqual({ message: `${join(temp, 'factory.ts')}: the config is \`makeConfig('api')\`, which migration-lint cannot evaluate without running it`, hint: 'pass the migrations folder instead: npx migration-lint path/to/drizzle' });
    expect((await refused('none.ts', `const config = { out: './x' };`)).message).toBe(`${join(temp, 'none.ts')}: the config has no \`export default\` (or \`module.exports =\`)`);
    expect((await refused('syntax.ts', `export default { out: './x', }}`)).message).toMatch(/syntax\.ts: cannot parse the drizzle config \(.+ at 1:\d+\)$/);
  });

  it('`schema` not understood is an error only for the rule that reads it', async () => {
    const got = await config('schema.ts', `export default defineConfig({ out: './m', dialect: 'postgresql', schema: globSync('src/**/schema.ts') });`);
    expect(got.schema).toEqual([]);
    expect(got.schemaProblem).toContain("`schema` is `globSync('src/**/schema.ts')`, which migration-lint cannot evaluate");
  });

  it('rejects other dialects and a missing file with a one-line reason', async () => {
    await expect(config('mysql.ts', `export default { dialect: 'mysql', out: './x' }`)).rejects.toThrow(/dialect "mysql" is not supported/);
    await expect(readDrizzleConfig(join(temp, 'missing.ts'))).rejects.toThrow(/cannot read the drizzle config \(ENOENT\)/);
  });

  it('is never executed', async () => {
    const marker = join(temp, 'ran');
    await config('side-effect.ts', `require('fs').writeFileSync(${JSON.stringify(marker)}, 'x');\nexport default { out: './x', dialect: 'postgresql' };`);
    expect(existsSync(marker)).toBe(false);
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

describe('the drizzle config through the CLI (temp drizzle projects)', () => {
  /** The example project, its config replaced, with a stale ./drizzle that lints clean. */
  function project(name: string, configText: string): string {
    const dir = join(temp, name);
    cpSync('examples/shop', dir, { recursive: true });
    renameSync(join(dir, 'drizzle'), join(dir, 'migrations'));
    cpSync('fixtures/projects/safe/drizzle', join(dir, 'drizzle'), { recursive: true });
    writeFileSync(join(dir, 'drizzle.config.ts'), configText);
    return dir;
  }

  it('`const out = …; defineConfig({ out })` lints ./migrations, not a stale ./drizzle that passes', () => {
    const dir = project('shorthand', `import { defineConfig } from 'drizzle-kit';\nconst out = './migrations';\nexport default defineConfig({ out, schema: './src/db/schema.ts', dialect: 'postgresql', dbCredentials: { url: process.env.DATABASE_URL! } });\n`);
    const r = runCli(['--format', 'json'], { cwd: dir });
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.stdout) as { findings: { file: string }[]; summary: { migrations: number } };
    expect(doc.summary.migrations).toBe(6);
    expect(doc.findings.some((f) => f.file.startsWith('migrations/'))).toBe(true);
  });

  it('`out: base` with a const of the file, and path.join(__dirname, …)', () => {
    for (const [name, text] of [
      ['const', `const base = 'migrations';\nexport default { out: base, dialect: 'postgresql' };\n`],
      ['join', `import * as path from 'path';\nexport default { out: path.join(__dirname, 'migrations'), dialect: 'postgresql' };\n`],
    ]) {
      const r = runCli(['--format', 'json', '--rule', 'enum-not-exported=off'], { cwd: project(name, text) });
      expect([name, r.code, JSON.parse(r.stdout).summary.migrations]).toEqual([name, 1, 6]);
    }
  });

  it('`out` not understood: exit 2, one line quoting it and the hint, nothing linted (no fallback to ./drizzle)', () => {
    const dir = project('unknown', `import { defineConfig } from 'drizzle-kit';\nimport { dirs } from './dirs';\nexport default defineConfig({ out: dirs.migrations, dialect: 'postgresql' });\n`);
    const r = runCli([], { cwd: dir });
    expect([r.code, r.stdout]).toEqual([2, '']);
    expect(r.stderr).toBe(
      "migration-lint: drizzle.config.ts: `out` is `dirs.migrations`, which migration-lint cannot evaluate without running the config (it reads literals, consts of this file, template literals, path.join/resolve and process.env.X ?? '…')\n  hint: pass the migrations folder instead: npx migration-lint path/to/drizzle\n",
    );
    // What the hint says works.
    expect(runCli(['migrations'], { cwd: dir }).code).toBe(1);
    // A long expression over several lines: quoted whole, on one line (it was cut off).
    const long = project('long', `import { defineConfig } from 'drizzle-kit';\nexport default defineConfig({\n  dialect: 'postgresql',\n  out: resolveWorkspace({\n    package: '@acme/database-migrations-for-the-orders-service',\n    environment: process.env.NODE_ENV === 'production' ? 'prod' : 'dev',\n  }).migrationsFolder,\n});\n`);
    const refused = runCli([], { cwd: long });
    expect([refused.code, refused.stdout]).toEqual([2, '']);
    expect(refused.stderr.split('\n')[0]).toBe(
      "migration-lint: drizzle.config.ts: `out` is `resolveWorkspace({ package: '@acme/database-migrations-for-the-orders-service', environment: process.env.NODE_ENV === 'production' ? 'prod' : 'dev', }).migrationsFolder`, which migration-lint cannot evaluate without running the config (it reads literals, consts of this file, template literals, path.join/resolve and process.env.X ?? '…')",
    );
  });
});
