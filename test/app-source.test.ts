import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { MAX_SOURCE_BYTES } from '../src/runner/app-paths.js';
import { analyzeAppSource } from '../src/runner/app-source.js';

/** The deploy path's file reading: which files the shared-buffer read keeps, on a project of its own. */
describe('analyzeAppSource: reading the app', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ml-app-read-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const script = (pad: number) =>
    `import { drizzle } from 'drizzle-orm/node-postgres';\nimport { migrate } from 'drizzle-orm/node-postgres/migrator';\nawait migrate(drizzle(process.env.DATABASE_URL!), { migrationsFolder: './drizzle' });\n${'/'.repeat(pad)}\n`;

  it('reads a migrate script up to the size limit, leaves out a bigger one, one without "migrat", node_modules and build output', async () => {
    const files: Record<string, string> = {
      'src/at-limit.ts': script(0),
      'src/over-limit.ts': script(MAX_SOURCE_BYTES),
      'src/other.ts': 'export const one = 1;\n',
      'node_modules/dep/migrate.js': script(0),
      'dist/migrate.js': script(0),
      // Multi-byte text after the call: the byte search and the decoding agree.
      'src/unicode.ts': script(0) + '// Migration für Zürich ✓\n',
    };
    const limit = files['src/at-limit.ts'];
    files['src/at-limit.ts'] = limit + '/'.repeat(MAX_SOURCE_BYTES - Buffer.byteLength(limit));
    for (const [file, text] of Object.entries(files)) {
      mkdirSync(join(dir, file, '..'), { recursive: true });
      writeFileSync(join(dir, file), text);
    }
    expect(Buffer.byteLength(files['src/at-limit.ts'])).toBe(MAX_SOURCE_BYTES);
    const facts = await analyzeAppSource({ cwd: dir });
    expect(facts.migrateCalls.map((c) => [c.file, c.line])).toEqual([
      ['src/at-limit.ts', 3],
      ['src/unicode.ts', 3],
    ]);
    expect(facts.scanned).toBe(4);
  });
});

describe('the deploy-path scan opens what it read as a regular file, and nothing else (a file swapped after the listing)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ml-app-read-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  /** readInto and readHead of the built module, in a child process: a blocking open of a FIFO would hang this one. */
  const readBoth = (file: string) =>
    execFileSync(
      process.execPath,
      ['--input-type=module', '-e', `const m = await import(${JSON.stringify(pathToFileURL(join(process.cwd(), 'dist/runner/app-paths.js')).href)}); const f = ${JSON.stringify(file)}; const r = m.readInto(f, Buffer.alloc(64)); const h = m.readHead(f); console.log(JSON.stringify([r ?? null, h ? h.toString() : null]));`],
      { encoding: 'utf8', timeout: 10_000 },
    ).trim();

  it('a FIFO, a link to a file outside, a folder: not read (undefined), at once; a regular file is', () => {
    const outside = join(mkdtempSync(join(tmpdir(), 'ml-app-outside-')), 'secret.ts');
    writeFileSync(outside, 'export const token = "ML-SECRET";');
    const fifo = join(dir, 'migrate.ts');
    execFileSync('mkfifo', [fifo]);
    const link = join(dir, 'migrate-link.ts');
    symlinkSync(outside, link);
    mkdirSync(join(dir, 'folder.ts'));
    const plain = join(dir, 'plain.ts');
    writeFileSync(plain, 'migrate();');
    expect(readBoth(fifo)).toBe('[null,null]');
    expect(readBoth(link)).toBe('[null,null]');
    expect(readBoth(join(dir, 'folder.ts'))).toBe('[null,null]');
    expect(readBoth(plain)).toBe('[10,"migrate();"]');
  });
});

describe('fast-glob (~20 ms to load) is loaded only by a run that globs', () => {
  const temp = mkdtempSync(join(tmpdir(), 'ml-glob-load-'));
  afterAll(() => rmSync(temp, { recursive: true, force: true }));
  /** The npm modules a real CLI run in the project `dir` loaded (require.cache at exit). */
  function run(dir: string): string[] {
    const log = join(temp, 'modules.json');
    const preload = join(temp, 'preload.cjs');
    writeFileSync(preload, `process.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(log)}, JSON.stringify(Object.keys(require.cache))));\n`);
    const r = spawnSync(process.execPath, ['-r', preload, join(process.cwd(), 'bin/migration-lint.js'), '--format', 'json'], { cwd: dir, stdio: 'ignore' });
    // 1: the example has findings.
    expect(r.status).toBe(1);
    return JSON.parse(readFileSync(log, 'utf8')) as string[];
  }

  it('the example (schema a plain path, no appFiles): not loaded; a schema glob: loaded', () => {
    const plain = join(temp, 'plain');
    cpSync('examples/shop', plain, { recursive: true });
    expect(run(plain).filter((m) => m.includes(`${sep}fast-glob${sep}`))).toEqual([]);
    const globbed = join(temp, 'globbed');
    cpSync('examples/shop', globbed, { recursive: true });
    const config = join(globbed, 'drizzle.config.ts');
    writeFileSync(config, readFileSync(config, 'utf8').replace("'./src/db/schema.ts'", "'./src/db/*.ts'"));
    expect(run(globbed).some((m) => m.includes(`${sep}fast-glob${sep}`))).toBe(true);
  });
});
