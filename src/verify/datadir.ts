import { fstatSync, readSync } from 'node:fs';

/**
 * PGlite's initialised data directory, kept in the user's cache between runs (see engine.ts
 * startPglite), and handed to PGlite without copying it, a file at a time as PostgreSQL opens it.
 *
 * PGlite's own way in, `loadDataDir: Blob`, copies the 24.6 MB three times before PostgreSQL
 * sees a byte (the Blob, its arrayBuffer(), each file written into the in-memory file system).
 * Here only the archive's headers are read at the start; each file of PostgreSQL's in-memory file
 * system (Emscripten's MEMFS) is read from the archive when PostgreSQL first reads or writes it.
 * A run touches a fraction of the data directory (the templates template0 and template1 are 15 MB
 * of it, and most catalogs are never opened), and every megabyte read costs page faults.
 */

export interface TarEntry {
  /** Path inside the archive, without a leading or trailing `/`. */
  path: string;
  directory: boolean;
  size: number;
  /** The file's bytes: a view into the archive held in memory, or read from the archive's file now. */
  read(): Uint8Array;
}

/** Where an archive's bytes are: in memory, or in a file read piece by piece. */
export interface TarSource {
  size: number;
  bytes(at: number, length: number): Uint8Array;
}

const BLOCK = 512;
/** `n` bytes rounded up to whole blocks (an entry's data is padded to them). */
const padded = (n: number) => Math.ceil(n / BLOCK) * BLOCK;

/** An archive in a file open as `fd` (kept open while its entries may be read). */
export function tarFile(fd: number): TarSource {
  return {
    size: fstatSync(fd).size,
    bytes(at, length) {
      const out = new Uint8Array(length);
      for (let done = 0; done < length; ) {
        const n = readSync(fd, out, done, length - done, at + done);
        if (n === 0) throw new Error(`damaged tar entry at byte ${at}: the file ends`);
        done += n;
      }
      return out;
    },
  };
}

const inMemory = (tar: Uint8Array): TarSource => ({ size: tar.length, bytes: (at, length) => tar.subarray(at, at + length) });

/** A NUL-terminated ASCII field of a tar header. */
function field(header: Uint8Array, at: number, length: number): string {
  let end = at;
  while (end < at + length && header[end] !== 0) end++;
  let out = '';
  for (let i = at; i < end; i++) out += String.fromCharCode(header[i]);
  return out;
}

/**
 * The name of the first entry of an archive writeTar made: where every other entry is (JSON), so a
 * start reads two blocks of the archive's headers instead of one per file (998 in PGlite's data
 * directory: 21-24 ms of 512-byte reads here). Not a file of the data directory.
 */
export const TAR_INDEX = '.migration-lint-index';

/** A ustar header's checksum, its own field counted as spaces. */
function headerSum(header: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : header[i];
  return sum;
}

/** A path as an entry holds it (no leading or trailing `/`), or an error when it could leave the directory. */
function entryPath(raw: string, at: number): string {
  const path = raw.split('/').filter((part) => part !== '');
  if (path.length === 0 || path.some((part) => part === '.' || part === '..')) throw new Error(`unexpected path in tar entry at byte ${at}`);
  return path.join('/');
}

/**
 * The entries of an uncompressed ustar archive (what PGlite's dumpDataDir('none') and writeTar
 * write). Only the headers are read here (or, in writeTar's archives, the index). Throws on
 * anything else: a bad header checksum, a size past the end, a path with `.` or `..` in it, an
 * entry that is neither a file nor a directory.
 */
export function readTar(archive: Uint8Array | TarSource): TarEntry[] {
  const source = archive instanceof Uint8Array ? inMemory(archive) : archive;
  const out: TarEntry[] = [];
  let at = 0;
  while (at + BLOCK <= source.size) {
    const header = source.bytes(at, BLOCK);
    if (header[0] === 0) break;
    const checksum = parseInt(field(header, 148, 8).trim(), 8);
    if (checksum !== headerSum(header)) throw new Error(`damaged tar header at byte ${at}`);
    const size = parseInt(field(header, 124, 12).trim() || '0', 8);
    const prefix = field(header, 345, 155);
    const type = String.fromCharCode(header[156]);
    const start = at + BLOCK;
    if (!Number.isSafeInteger(size) || size < 0 || start + size > source.size) throw new Error(`damaged tar entry at byte ${at}`);
    const path = entryPath(`${prefix}/${field(header, 0, 100)}`, at);
    if (type !== '0' && type !== '\0' && type !== '5') throw new Error(`unexpected tar entry type at byte ${at}`);
    if (at === 0 && path === TAR_INDEX) return indexed(source, source.bytes(start, size), start + padded(size));
    out.push({ path, directory: type === '5', size, read: () => source.bytes(start, size) });
    at = start + padded(size);
  }
  return out;
}

/** An index entry: path, `d` (directory) or `f` (file), the data's offset from the end of the index, its size. */
type IndexRow = [path: string, kind: 'd' | 'f', offset: number, size: number];

/** The entries writeTar's index lists, each checked against the archive as readTar checks headers. */
function indexed(source: TarSource, index: Uint8Array, dataStart: number): TarEntry[] {
  let rows: unknown;
  try {
    rows = JSON.parse(new TextDecoder().decode(index));
  } catch {
    throw new Error('damaged tar index');
  }
  if (!Array.isArray(rows)) throw new Error('damaged tar index');
  return rows.map((row: unknown, i): TarEntry => {
    const [raw, kind, offset, size] = (Array.isArray(row) ? row : []) as Partial<IndexRow>;
    if (typeof raw !== 'string' || (kind !== 'd' && kind !== 'f') || !Number.isSafeInteger(offset) || !Number.isSafeInteger(size)) throw new Error(`damaged tar index entry ${i}`);
    const start = dataStart + offset!;
    if (offset! < 0 || size! < 0 || start + size! > source.size) throw new Error(`damaged tar index entry ${i}`);
    return { path: entryPath(raw, start), directory: kind === 'd', size: size!, read: () => source.bytes(start, size!) };
  });
}

const utf8 = new TextEncoder();

/** A ustar header for `path` (at most 100 bytes: PostgreSQL's data directory paths are short). */
function header(path: string, size: number, directory: boolean): Uint8Array {
  const name = utf8.encode(path);
  if (name.length > 100) throw new Error(`tar path too long: ${path}`);
  const out = new Uint8Array(BLOCK);
  const put = (text: string, at: number) => out.set(utf8.encode(text), at);
  out.set(name, 0);
  put(directory ? '0000755\0' : '0000644\0', 100);
  put('0000000\0', 108);
  put('0000000\0', 116);
  put(`${size.toString(8).padStart(11, '0')}\0`, 124);
  put('00000000000\0', 136);
  put(directory ? '5' : '0', 156);
  put('ustar\x0000', 257);
  put(`${headerSum(out).toString(8).padStart(6, '0')}\0 `, 148);
  return out;
}

/** A file or directory to archive (writeTar). */
export interface TarInput {
  path: string;
  directory: boolean;
  data?: Uint8Array;
}

/**
 * A ustar archive of `entries` (any tar reads it), its first entry an index of the others
 * (TAR_INDEX) that readTar reads instead of every header.
 */
export function writeTar(entries: readonly TarInput[]): Uint8Array {
  // Each entry's data offset from the end of the index, as the index says it: the archive's layout.
  const rows: IndexRow[] = [];
  let offset = 0;
  for (const e of entries) {
    const size = e.directory ? 0 : (e.data?.length ?? 0);
    rows.push([e.path, e.directory ? 'd' : 'f', offset + BLOCK, size]);
    offset += BLOCK + padded(size);
  }
  const index = utf8.encode(JSON.stringify(rows));
  const dataStart = BLOCK + padded(index.length);
  const out = new Uint8Array(dataStart + offset + 2 * BLOCK);
  out.set(header(TAR_INDEX, index.length, false), 0);
  out.set(index, BLOCK);
  entries.forEach((e, i) => {
    const [, , at, size] = rows[i];
    out.set(header(e.path, size, e.directory), dataStart + at - BLOCK);
    if (size > 0) out.set(e.data!, dataStart + at);
  });
  return out;
}

/** What of Emscripten's FS (and its MEMFS nodes) this needs. */
interface FsNode {
  node_ops: { mknod(parent: FsNode, name: string, mode: number, dev: number): FsNode };
  usedBytes: number;
  contents: Uint8Array | null;
}
interface EmscriptenFs {
  mkdirTree(path: string): void;
  lookupPath(path: string): { node: FsNode };
}

const DIRECTORY = 0o40000 | 0o777;
const FILE = 0o100000 | 0o666;

/**
 * A MEMFS file whose contents are read when first used: MEMFS reads and writes `node.contents`
 * (and the size from `usedBytes`), so the first access, read or write, fills it in, and from then
 * on it is a plain property again, as MEMFS made it.
 */
function lazyContents(node: FsNode, size: number, read: () => Uint8Array): void {
  const settle = (value: Uint8Array | null) => Object.defineProperty(node, 'contents', { value, writable: true, enumerable: true, configurable: true });
  node.usedBytes = size;
  Object.defineProperty(node, 'contents', {
    enumerable: true,
    configurable: true,
    get() {
      const data = read();
      settle(data);
      return data;
    },
    set: settle,
  });
}

/** PGlite's data directory in its file system. */
export const PGDATA = '/pglite/data';

/** PGlite's in-memory file system class (`MemoryFS`, exported by PGlite), as seen from here. */
export type MemoryFsClass = new () => { initialSyncFs(): Promise<void> };

/**
 * A PGlite in-memory file system (pass as PGlite's `fs` option) whose data directory (`root`)
 * holds `entries` when PostgreSQL starts. PGlite calls initialSyncFs() once its module exists and
 * before it looks for a database, finds one, and starts it (no initdb, no loadDataDir). The nodes
 * are made directly under their parent's (no path lookup per file).
 */
export function memoryFsWith(MemoryFS: MemoryFsClass, entries: readonly TarEntry[], root = PGDATA): InstanceType<MemoryFsClass> {
  return new (class extends MemoryFS {
    override async initialSyncFs(): Promise<void> {
      const fs = (this as unknown as { pg: { Module: { FS: EmscriptenFs } } }).pg.Module.FS;
      fs.mkdirTree(root);
      const nodes = new Map<string, FsNode>([['', fs.lookupPath(root).node]]);
      const directory = (path: string): FsNode => {
        const known = nodes.get(path);
        if (known) return known;
        const cut = path.lastIndexOf('/');
        const parent = directory(path.slice(0, Math.max(0, cut)));
        const node = parent.node_ops.mknod(parent, path.slice(cut + 1), DIRECTORY, 0);
        nodes.set(path, node);
        return node;
      };
      for (const entry of entries) {
        if (entry.directory) {
          directory(entry.path);
          continue;
        }
        const cut = entry.path.lastIndexOf('/');
        const parent = directory(entry.path.slice(0, Math.max(0, cut)));
        const node = parent.node_ops.mknod(parent, entry.path.slice(cut + 1), FILE, 0);
        if (entry.size > 0) lazyContents(node, entry.size, entry.read);
      }
    }
  })();
}

/** What dumpFs reads of Emscripten's FS. */
export interface EmscriptenFsReader {
  readdir(path: string): string[];
  stat(path: string): { mode: number };
  isDir(mode: number): boolean;
  readFile(path: string): Uint8Array;
}

/**
 * The directories and files under `root` of an Emscripten file system (PGlite's data directory
 * once PostgreSQL has shut down), parents first and names sorted, as writeTar takes them. `edit`
 * gets each file's path and bytes and returns what to keep (undefined: leave the file out).
 */
export function dumpFs(fs: EmscriptenFsReader, root: string, edit: (path: string, data: Uint8Array) => Uint8Array | undefined = (_, data) => data): TarInput[] {
  const out: TarInput[] = [];
  const walk = (dir: string, rel: string) => {
    for (const name of fs.readdir(dir).sort()) {
      if (name === '.' || name === '..') continue;
      const full = `${dir}/${name}`;
      const path = rel ? `${rel}/${name}` : name;
      if (fs.isDir(fs.stat(full).mode)) {
        out.push({ path, directory: true });
        walk(full, path);
        continue;
      }
      const data = edit(path, fs.readFile(full));
      if (data) out.push({ path, directory: false, data });
    }
  };
  walk(root, '');
  return out;
}
