import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readTar, tarFile, TAR_INDEX, writeTar } from '../src/verify/datadir.js';
import { pgliteDataDirCache, startPglite } from '../src/verify/engine.js';

/** Set a ustar header's checksum: the sum of its bytes with its own field as spaces (or `checksum`, to damage it). */
function seal(header: Uint8Array, checksum?: number): void {
  const encoder = new TextEncoder();
  header.set(encoder.encode('        '), 148);
  const sum = checksum ?? header.reduce((a, b) => a + b, 0);
  header.set(encoder.encode(`${sum.toString(8).padStart(6, '0')}\0 `), 148);
}

/** A ustar header block + data, as PGlite's dumpDataDir writes them. */
function entry(name: string, type: '0' | '5', data = new Uint8Array(0), { checksum }: { checksum?: number } = {}): Uint8Array {
  const header = new Uint8Array(512);
  const put = (text: string, at: number) => header.set(new TextEncoder().encode(text), at);
  put(name, 0);
  put('0000644\0', 100);
  put(`${data.length.toString(8).padStart(11, '0')}\0`, 124);
  put(type, 156);
  put('ustar\x0000', 257);
  seal(header, checksum);
  const out = new Uint8Array(512 + Math.ceil(data.length / 512) * 512);
  out.set(header);
  out.set(data, 512);
  return out;
}

/** The same header under another name (checksum mended): readTar then reads it as an ordinary file, not as the index. */
function zeroName(header: Uint8Array): Uint8Array {
  const out = new Uint8Array(header);
  out.set(new TextEncoder().encode('x'.repeat(TAR_INDEX.length)), 0);
  seal(out);
  return out;
}

const archive = (...parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0) + 1024);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
};

describe('readTar: the cached data directory, read without copying', () => {
  const bytes = new TextEncoder().encode('18\n');
  const sample = () => archive(entry('/base', '5'), entry('/base/5', '5'), entry('/PG_VERSION', '0', bytes), entry('/base/5/1259', '0', new Uint8Array(700).fill(7)));

  it('lists directories and files, the data as views into the archive', () => {
    const tar = sample();
    const entries = readTar(tar);
    expect(entries.map((e) => [e.path, e.directory, e.size])).toEqual([
      ['base', true, 0],
      ['base/5', true, 0],
      ['PG_VERSION', false, 3],
      ['base/5/1259', false, 700],
    ]);
    expect(new TextDecoder().decode(entries[2].read())).toBe('18\n');
    expect(entries[3].read().buffer).toBe(tar.buffer); // a view, not a copy
  });

  it('from a file: only the headers are read until a file is asked for', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'ml-tar-')), 'data.tar');
    writeFileSync(file, sample());
    const fd = openSync(file, 'r');
    try {
      const source = tarFile(fd);
      const asked: number[] = [];
      const entries = readTar({ size: source.size, bytes: (at, length) => (asked.push(length), source.bytes(at, length)) });
      expect(asked.every((n) => n === 512)).toBe(true);
      expect(asked.length).toBe(5); // four headers and the end-of-archive block
      expect([...entries[3].read()]).toEqual(Array(700).fill(7));
      expect(asked.at(-1)).toBe(700);
    } finally {
      closeSync(fd);
      rmSync(dirname(file), { recursive: true, force: true });
    }
  });

  it('an archive writeTar made: any tar reads it, and readTar reads its index (two reads) instead of every header', () => {
    const tar = writeTar([
      { path: 'base', directory: true },
      { path: 'base/5', directory: true },
      { path: 'PG_VERSION', directory: false, data: bytes },
      { path: 'base/5/1259', directory: false, data: new Uint8Array(700).fill(7) },
      { path: 'empty', directory: false, data: new Uint8Array(0) },
    ]);
    const listed = (entries: ReturnType<typeof readTar>) => entries.map((e) => [e.path, e.directory, e.size, [...e.read()].slice(0, 3)]);
    const expected = [
      ['base', true, 0, []],
      ['base/5', true, 0, []],
      ['PG_VERSION', false, 3, [...bytes]],
      ['base/5/1259', false, 700, [7, 7, 7]],
      ['empty', false, 0, []],
    ];
    expect(listed(readTar(tar))).toEqual(expected);
    // The headers are all there: read one by one (as a tar reader does), the same entries after the index's.
    const headers = readTar({ size: tar.length, bytes: (at, length) => (at === 0 ? zeroName(tar.slice(0, 512)) : tar.subarray(at, at + length)) });
    expect(listed(headers).slice(1)).toEqual(expected);
    const file = join(mkdtempSync(join(tmpdir(), 'ml-tar-')), 'data.tar');
    writeFileSync(file, tar);
    const fd = openSync(file, 'r');
    try {
      const source = tarFile(fd);
      const asked: number[] = [];
      const entries = readTar({ size: source.size, bytes: (at, length) => (asked.push(at), source.bytes(at, length)) });
      expect(asked).toEqual([0, 512]); // the index's header and the index
      expect(entries.some((e) => e.path === TAR_INDEX)).toBe(false);
      expect([...entries[3].read()]).toEqual(Array(700).fill(7));
    } finally {
      closeSync(fd);
      rmSync(dirname(file), { recursive: true, force: true });
    }
  });

  it('refuses a damaged index: not JSON, an entry past the end, a path out of the directory', () => {
    const withIndex = (index: string) => {
      const tar = writeTar([{ path: 'PG_VERSION', directory: false, data: bytes }]);
      const body = new TextEncoder().encode(index);
      return archive(entry(TAR_INDEX, '0', body), tar.subarray(1024));
    };
    expect(readTar(withIndex('[["PG_VERSION","f",512,3]]')).map((e) => e.path)).toEqual(['PG_VERSION']);
    expect(() => readTar(withIndex('{not json'))).toThrow(/damaged tar index/);
    expect(() => readTar(withIndex('[["PG_VERSION","f",512,300000]]'))).toThrow(/damaged tar index entry 0/);
    expect(() => readTar(withIndex('[["PG_VERSION","f",-1,3]]'))).toThrow(/damaged tar index entry 0/);
    expect(() => readTar(withIndex('[["../../etc/passwd","f",512,3]]'))).toThrow(/unexpected path/);
    expect(() => readTar(withIndex('[["x","l",512,3]]'))).toThrow(/damaged tar index entry 0/);
  });

  it('refuses a damaged archive: a bad checksum, a size past the end, a path out of the directory, a link', () => {
    expect(() => readTar(archive(entry('/PG_VERSION', '0', new Uint8Array(3), { checksum: 1 })))).toThrow(/damaged tar header/);
    const cut = entry('/big', '0', new Uint8Array(2048));
    expect(() => readTar(cut.subarray(0, 1024))).toThrow(/damaged tar entry/);
    expect(() => readTar(archive(entry('/base/../../etc', '5')))).toThrow(/unexpected path/);
    expect(() => readTar(archive(entry('/link', '2' as '0')))).toThrow(/unexpected tar entry type/);
  });
});

describe('PGlite starts from the cached data directory', { timeout: 300_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'ml-datadir-'));
  const saved = process.env.MIGRATION_LINT_CACHE_DIR;
  beforeEach(() => {
    process.env.MIGRATION_LINT_CACHE_DIR = dir;
  });
  afterEach(() => {
    if (saved === undefined) delete process.env.MIGRATION_LINT_CACHE_DIR;
    else process.env.MIGRATION_LINT_CACHE_DIR = saved;
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const roundTrip = async () => {
    const { engine } = await startPglite([]);
    try {
      await engine.exec('CREATE TABLE "t" ("id" serial PRIMARY KEY, "v" text NOT NULL); INSERT INTO "t" ("v") VALUES (\'a\'), (\'b\')');
      return await engine.query<{ n: number }>('SELECT count(*)::int AS n FROM "t"');
    } finally {
      await engine.close();
    }
  };

  it('the first start makes the cache file, the next ones start from it (and do not change it)', async () => {
    const file = pgliteDataDirCache();
    expect(file.startsWith(dir)).toBe(true);
    expect(await roundTrip()).toEqual([{ n: 2 }]);
    expect(existsSync(file)).toBe(true);
    const made = readFileSync(file);
    expect(readTar(made).some((e) => e.path === 'PG_VERSION')).toBe(true);
    const mtime = statSync(file).mtimeMs;
    expect(await roundTrip()).toEqual([{ n: 2 }]); // "t" is not in the cache: each run starts from initdb's state
    expect(statSync(file).mtimeMs).toBe(mtime);
    expect(readFileSync(file).equals(made)).toBe(true);
  });

  it('the cached data directory is one PostgreSQL shut down cleanly (no crash recovery at each start), its postgresql.conf without comments', async () => {
    await roundTrip();
    const entries = readTar(readFileSync(pgliteDataDirCache()));
    const control = entries.find((e) => e.path === 'global/pg_control')!.read();
    // ControlFileData.state (after the system identifier and two version numbers): 1 is DB_SHUTDOWNED, 6 DB_IN_PRODUCTION.
    expect(new DataView(control.buffer, control.byteOffset).getUint32(16, true)).toBe(1);
    expect(entries.some((e) => e.path === 'postmaster.pid')).toBe(false);
    const conf = new TextDecoder().decode(entries.find((e) => e.path === 'postgresql.conf')!.read()).split('\n').filter(Boolean);
    expect(conf.length).toBeGreaterThan(3);
    expect(conf.every((line) => !line.trim().startsWith('#'))).toBe(true);
    expect(conf.some((line) => /^datestyle\s*=/.test(line))).toBe(true);
  });

  it('a damaged cache file is replaced', async () => {
    const file = pgliteDataDirCache();
    writeFileSync(file, 'not a tar file at all'.repeat(100));
    expect(await roundTrip()).toEqual([{ n: 2 }]);
    expect(readTar(readFileSync(file)).some((e) => e.path === 'PG_VERSION')).toBe(true);
  });
});
