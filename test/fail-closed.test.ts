import { cpSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { spawnSync } from 'node:child_process';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli, type CliRun } from './helpers/cli.js';
import { Spool } from '../src/cli/spool.js';

/**
 * Fail closed: a run that ends without its result exits 2 with one line, never 0, and a JSON
 * report is whole or absent. The faults are injected from outside the linter with a module
 * Node loads first (`--import`), so the real CLI runs unchanged: a parser (WASM) that never
 * finishes loading, and a read that fails with EIO half-way through a run.
 */
const temp = mkdtempSync(join(tmpdir(), 'ml-fail-closed-'));
afterAll(() => rmSync(temp, { recursive: true, force: true }));

function shop(name: string): string {
  const dir = join(temp, name);
  cpSync('examples/shop', dir, { recursive: true });
  return dir;
}

function preload(name: string, code: string): string {
  const file = join(temp, `${name}.mjs`);
  writeFileSync(file, code);
  return `--import=${pathToFileURL(file).href}`;
}

/** Every WebAssembly module (libpg-query's parser, PGlite) waits forever: nothing else is left to do. */
const STALL_WASM = 'WebAssembly.instantiate = () => new Promise(() => {});\nWebAssembly.instantiateStreaming = () => new Promise(() => {});\n';

/** Opening the file named by ML_TEST_EIO fails as a dying disk does. */
const EIO = `import fs from 'node:fs';
for (const name of ['readFileSync', 'openSync']) {
  const original = fs[name];
  fs[name] = function (path, ...rest) {
    if (String(path).endsWith(process.env.ML_TEST_EIO)) throw Object.assign(new Error('i/o error'), { code: 'EIO' });
    return original.call(this, path, ...rest);
  };
}
`;

function oneLine(r: CliRun, pattern: RegExp): void {
  expect(r.stderr.trim().split('\n')).toHaveLength(1);
  expect(r.stderr.trim()).toMatch(pattern);
  expect(r.stderr).not.toMatch(/\n\s+at /);
}

describe('a run that ends without a result exits 2', () => {
  const stalled = /^migration-lint: the run ended without a result: something it waited for never finished/;

  it('lint: the parser never loads (exit 0 with no output before)', () => {
    const r = runCli(['--format', 'json'], { cwd: shop('stall-lint'), env: { NODE_OPTIONS: preload('stall', STALL_WASM) } });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    oneLine(r, stalled);
  });

  it('--staged: the same', () => {
    const dir = shop('stall-staged');
    const git = (...args: string[]) => spawnSync('git', args, { cwd: dir, encoding: 'utf8' });
    git('init', '-q');
    git('add', '.');
    const r = runCli(['--staged'], { cwd: dir, env: { NODE_OPTIONS: preload('stall', STALL_WASM) } });
    expect(r.code).toBe(2);
    oneLine(r, stalled);
  });

  it('verify: PGlite never starts', () => {
    const r = runCli(['verify'], { cwd: shop('stall-verify'), env: { NODE_OPTIONS: preload('stall', STALL_WASM) } });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    oneLine(r, stalled);
  });

  it('code the run loads calls process.exit(0) before the result', () => {
    const r = runCli([], { cwd: shop('exit-0'), env: { NODE_OPTIONS: preload('exit', "WebAssembly.instantiate = () => process.exit(0);\nWebAssembly.instantiateStreaming = () => process.exit(0);\n") } });
    expect(r.code).toBe(2);
    oneLine(r, /^migration-lint: the run was ended \(process\.exit\) before it had a result/);
  });

  it('a run that finishes keeps its own exit code and prints no such line', () => {
    const r = runCli(['--format', 'json'], { cwd: shop('normal') });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('');
  });
});

describe('-f json: the whole document or nothing', () => {
  it('an error half-way through a streamed report leaves stdout empty (a cut document before)', () => {
    // The last migration cannot be read: the findings of the five before it were already made.
    const r = runCli(['--format', 'json'], { cwd: shop('eio'), env: { NODE_OPTIONS: preload('eio', EIO), ML_TEST_EIO: '0005_orders_created_at_index.sql' } });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    oneLine(r, /^migration-lint: drizzle\/0005_orders_created_at_index\.sql: cannot read \(EIO\)$/);
  });

  it('pretty output still shows what was found before the error', () => {
    const r = runCli([], { cwd: shop('eio-pretty'), env: { NODE_OPTIONS: preload('eio', EIO), ML_TEST_EIO: '0005_orders_created_at_index.sql' } });
    expect(r.code).toBe(2);
    expect(r.stdout).toContain('0001_rename_user_name.sql');
  });
});

describe('Spool: a report held until the run has its result', () => {
  let spoolTemp: string;
  let saved: string | undefined;
  beforeEach(() => {
    spoolTemp = mkdtempSync(join(temp, 'tmpdir-'));
    saved = process.env.TMPDIR;
    process.env.TMPDIR = spoolTemp;
  });
  afterEach(() => {
    if (saved === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = saved;
  });

  const text = (drained: Iterable<string | Uint8Array>) => Buffer.concat([...drained].map((p) => (typeof p === 'string' ? Buffer.from(p) : p))).toString('utf8');
  // Multi-byte characters of every width, so reads back from the file end inside characters.
  const pieces = Array.from({ length: 200 }, (_, i) => `{"n":${i},"s":"é€😀 ${'x'.repeat(i % 7)}"}\n`);

  for (const [name, spillAt, readBytes] of [
    ['in memory', 1e9, 1024],
    ['spilled to a temporary file, read back in small pieces', 100, 5],
    ['spilled at once', 0, 4096],
  ] as const) {
    it(`gives the same text, piece by piece (${name}), and leaves no file behind`, () => {
      const spool = new Spool(spillAt, readBytes);
      spool.add(pieces.slice(0, 50));
      for (const p of pieces.slice(50)) spool.add(p);
      expect(readdirSync(spoolTemp)).toEqual([]); // unlinked as soon as it is open
      expect(text(spool.drain())).toBe(pieces.join(''));
      spool.discard();
      expect(readdirSync(spoolTemp)).toEqual([]);
    });
  }

  it('discarded: nothing is written and nothing is left', () => {
    const spool = new Spool(10);
    spool.add(pieces);
    spool.discard();
    expect([...spool.drain()]).toEqual([]);
    expect(readdirSync(spoolTemp)).toEqual([]);
  });

  it('no temporary folder: the report waits in memory', () => {
    process.env.TMPDIR = join(spoolTemp, 'missing');
    const spool = new Spool(10);
    spool.add(pieces);
    expect(text(spool.drain())).toBe(pieces.join(''));
  });
});
