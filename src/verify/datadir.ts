/**
 * PGlite's initialised data directory, kept in the user's cache between runs (see engine.ts
 * startPglite), and handed to PGlite without copying it.
 *
 * PGlite's own way in, `loadDataDir: Blob`, copies the 24.6 MB three times before PostgreSQL
 * sees a byte (the Blob, its arrayBuffer(), each file written into the in-memory file system)
 * and takes ~0.5 s of CPU and ~75 MB of peak memory doing it. Here the cached tarball is read
 * once, and each file of PostgreSQL's in-memory file system (Emscripten's MEMFS) is a view into
 * that buffer (`canOwn`): a file PostgreSQL writes past its end gets its own copy then, as MEMFS
 * does for any file.
 */

export interface TarEntry {
  /** Path inside the archive, without a leading or trailing `/`. */
  path: string;
  directory: boolean;
  /** The file's bytes: a view into the archive, not a copy. */
  data: Uint8Array;
}

const BLOCK = 512;

/** A NUL-terminated ASCII field of a tar header. */
function field(tar: Uint8Array, at: number, length: number): string {
  let end = at;
  while (end < at + length && tar[end] !== 0) end++;
  let out = '';
  for (let i = at; i < end; i++) out += String.fromCharCode(tar[i]);
  return out;
}

/**
 * The entries of an uncompressed ustar archive (what PGlite's dumpDataDir('none') writes), file
 * data as views into `tar`. Throws on anything else: a bad header checksum, a size past the end,
 * a path with `.` or `..` in it, an entry that is neither a file nor a directory.
 */
export function readTar(tar: Uint8Array): TarEntry[] {
  const out: TarEntry[] = [];
  let at = 0;
  while (at + BLOCK <= tar.length && tar[at] !== 0) {
    let sum = 0;
    for (let i = at; i < at + BLOCK; i++) sum += i >= at + 148 && i < at + 156 ? 0x20 : tar[i];
    const checksum = parseInt(field(tar, at + 148, 8).trim(), 8);
    if (checksum !== sum) throw new Error(`damaged tar header at byte ${at}`);
    const size = parseInt(field(tar, at + 124, 12).trim() || '0', 8);
    const prefix = field(tar, at + 345, 155);
    const path = `${prefix}/${field(tar, at + 0, 100)}`.split('/').filter((part) => part !== '');
    const type = String.fromCharCode(tar[at + 156]);
    const start = at + BLOCK;
    if (!Number.isSafeInteger(size) || size < 0 || start + size > tar.length) throw new Error(`damaged tar entry at byte ${at}`);
    if (path.length === 0 || path.some((part) => part === '.' || part === '..')) throw new Error(`unexpected path in tar entry at byte ${at}`);
    if (type !== '0' && type !== '\0' && type !== '5') throw new Error(`unexpected tar entry type at byte ${at}`);
    out.push({ path: path.join('/'), directory: type === '5', data: tar.subarray(start, start + size) });
    at = start + Math.ceil(size / BLOCK) * BLOCK;
  }
  return out;
}

/** What of Emscripten's FS this needs. */
interface EmscriptenFs {
  mkdir(path: string): void;
  mkdirTree(path: string): void;
  writeFile(path: string, data: Uint8Array, options: { canOwn: boolean }): void;
}

/** PGlite's in-memory file system class (`MemoryFS`, exported by PGlite), as seen from here. */
export type MemoryFsClass = new () => { initialSyncFs(): Promise<void> };

/**
 * A PGlite in-memory file system (pass as PGlite's `fs` option) whose data directory (`root`)
 * holds `entries` when PostgreSQL starts. PGlite calls initialSyncFs() once its module exists and
 * before it looks for a database, finds one, and starts it (no initdb, no loadDataDir).
 */
export function memoryFsWith(MemoryFS: MemoryFsClass, entries: readonly TarEntry[], root = '/pglite/data'): InstanceType<MemoryFsClass> {
  return new (class extends MemoryFS {
    override async initialSyncFs(): Promise<void> {
      const fs = (this as unknown as { pg: { Module: { FS: EmscriptenFs } } }).pg.Module.FS;
      const made = new Set<string>(['']);
      const makeDirectory = (path: string) => {
        if (made.has(path)) return;
        makeDirectory(path.slice(0, Math.max(0, path.lastIndexOf('/'))));
        fs.mkdir(`${root}/${path}`);
        made.add(path);
      };
      fs.mkdirTree(root);
      for (const entry of entries) {
        if (entry.directory) makeDirectory(entry.path);
        else {
          makeDirectory(entry.path.slice(0, Math.max(0, entry.path.lastIndexOf('/'))));
          fs.writeFile(`${root}/${entry.path}`, entry.data, { canOwn: true });
        }
      }
    }
  })();
}
