import { closeSync, fstatSync, lstatSync, openSync, readdirSync, readFileSync, readSync, realpathSync, statSync, type Dirent, type Stats } from 'node:fs';
import { dirname, join, sep } from 'node:path';
import { displayPath } from './drizzle-config.js';
import { UsageError } from './errors.js';
import { READ, READ_NOFOLLOW } from './file-kind.js';
import { enclosingGit } from './git-folder.js';

/**
 * What migration-lint reads of the repository it lints: regular files inside the project, and
 * no more than `maxBytes` of each. Everything in it is untrusted (pull requests from strangers
 * carry symbolic links): a migration, journal, snapshot, drizzle config or schema file that is a
 * link to `/proc/self/environ`, `../../secret.env` or `/dev/zero`, a FIFO or a device is refused
 * before it is opened, by name, and its content never reaches a finding or a message.
 *
 * The project is the git repository the target is in (its top-level folder), or, outside git,
 * the folder being linted. A file is opened without following a final symbolic link
 * (O_NOFOLLOW): a plain file in a folder already known to be inside costs what reading it always
 * cost; a link, or a folder not seen yet, is resolved to its real path first. It is opened
 * non-blocking (a FIFO does not wait for a writer), and read only when fstat says it is a regular
 * file no larger than the limit.
 */
export class ProjectFiles {
  /** Folders whose real path is inside the project (by the path they were reached by). */
  private readonly inside = new Set<string>();
  /** Plain regular files (not links) inside the project, within the limit, as `refusal` found them. */
  private readonly vetted = new Set<string>();
  /** Files `refusal` passed whose mode says this process may read them (see readableBy). */
  private readonly readable = new Set<string>();

  constructor(
    /** Real path of the project's top folder. */
    readonly root: string,
    /** The most bytes read of one file. */
    readonly maxBytes: number,
    /** Where paths in messages are relative to. */
    private readonly cwd: string,
  ) {}

  /** The project around `anchor` (a folder): its git repository, or the folder itself. */
  static around(anchor: string, cwd: string, maxBytes = DEFAULT_MAX_FILE_BYTES): ProjectFiles {
    return new ProjectFiles(projectRoot(anchor), maxBytes, cwd);
  }

  /**
   * A file's text (as `readFileSync(path, 'utf8')` gives it). A refused file throws `FileRefused`,
   * one that cannot be read `FileUnreadable` (its errno `code`: ENOENT, EACCES…): both usage errors
   * that name it.
   */
  read(path: string): string {
    // A migration `refusal` found to be a regular file inside the project, within the limit (the
    // history's files are all looked at when its folder is loaded): read by path in Node's one
    // call (open, read, decode, close), without opening and checking it again, ~15 µs a file
    // here (5,000 migrations: ~70 ms).
    if (this.vetted.has(path)) return this.withinLimit(path, this.readPath(path));
    return this.withChecked(path, (fd) => this.withinLimit(path, readFileSync(fd, 'utf8')));
  }

  /**
   * A file that grew past the limit after it was checked (a writer at work): as refused as one
   * that was. Node's one-call read and decode: reading into a Buffer and decoding it after cost
   * twice as much on the corpus's snapshots (~30 ms a run).
   */
  private withinLimit(path: string, text: string): string {
    if (text.length > this.maxBytes) throw new FileRefused(this.shown(path), tooLarge(text.length, this.maxBytes));
    return text;
  }

  private readPath(path: string): string {
    try {
      return readFileSync(path, 'utf8');
    } catch (error) {
      throw new FileUnreadable(this.shown(path), (error as NodeJS.ErrnoException).code ?? (error as Error).message);
    }
  }

  /** A file's bytes, under the same rules as `read`. */
  bytes(path: string): Buffer {
    return this.withChecked(path, (fd, size) => readAll(fd, Buffer.allocUnsafe(size), size));
  }

  /**
   * A file's bytes, under the same rules as `read`, read into `scratch.buffer` (grown when too
   * small): a view that the next read into the same scratch overwrites. Reading megabytes into
   * memory already touched costs a fraction of a fresh buffer's page faults, or of a string.
   */
  bytesInto(path: string, scratch: { buffer?: Buffer }): Buffer {
    return this.withChecked(path, (fd, size) => {
      // With room to grow: a history's snapshots grow a little each, and a buffer reallocated for
      // every one would be fresh memory (page faults) every time.
      if ((scratch.buffer?.length ?? 0) < size) scratch.buffer = Buffer.allocUnsafeSlow(Math.ceil((size * 1.25) / 65_536) * 65_536);
      return readAll(fd, scratch.buffer!, size);
    });
  }

  /** `use` of the open file, checked (regular, inside, within the limit) and closed after. */
  private withChecked<T>(path: string, use: (fd: number, size: number) => T): T {
    const fd = this.open(path);
    try {
      return use(fd, this.checkOpen(path, fd).size);
    } finally {
      closeSync(fd);
    }
  }

  /**
   * A file descriptor for `path`, checked as `read` checks it (the caller closes it), and its
   * size: for reading a few bytes of a large file (a snapshot's header).
   */
  openChecked(path: string): { fd: number; size: number } {
    const fd = this.open(path);
    try {
      return { fd, size: this.checkOpen(path, fd).size };
    } catch (error) {
      closeSync(fd);
      throw error;
    }
  }

  /**
   * Why `path` would be refused, without opening it (a migration is then a finding and the rest
   * of the history is linted), or undefined. `entry` is its entry in a listing of its folder,
   * when there is one (a plain file then needs only a stat, for its size). Errors other than a
   * refusal (no such file, no permission) are thrown.
   */
  refusal(path: string, entry?: Dirent): string | undefined {
    try {
      if (!this.insideFolder(dirname(path))) return this.outside();
      let real = path;
      if (!entry?.isFile()) {
        const link = entry ? entry.isSymbolicLink() : lstatSync(path).isSymbolicLink();
        if (link) {
          try {
            real = this.realInside(path);
          } catch (error) {
            // A link to nothing, or a loop: nothing to read (drizzle's migrator fails on it too).
            const code = (error as FileUnreadable).code;
            if (code === 'ENOENT' || code === 'ELOOP') return `a symbolic link that leads to no file (${code})`;
            throw error;
          }
        }
      }
      const stat = statSync(real);
      if (!stat.isFile()) return notRegular(stat);
      if (stat.size > this.maxBytes) return tooLarge(stat.size, this.maxBytes);
      if (real === path) this.vetted.add(path);
      if (readableBy(stat, USER_ID)) this.readable.add(path);
      return undefined;
    } catch (error) {
      if (error instanceof FileRefused) return error.reason;
      if (error instanceof UsageError) throw error;
      throw new FileUnreadable(this.shown(path), (error as NodeJS.ErrnoException).code ?? (error as Error).message);
    }
  }

  /**
   * Whether `refusal` passed the file and its stat already says this process may read it: asking
   * the system again (access(2), texts.ts) is then not needed.
   */
  knownReadable(path: string): boolean {
    return this.readable.has(path);
  }

  /** Throws `FileRefused` when the folder `dir` is outside the project (a link, or a path through one). */
  folderInside(dir: string): void {
    if (!this.insideFolder(dir)) throw new FileRefused(this.shown(dir), `a folder outside the project (${this.root})`);
  }

  /** Whether the folder's real path is inside the project (remembered by the path it was reached by). */
  private insideFolder(dir: string): boolean {
    if (this.inside.has(dir)) return true;
    let real: string;
    try {
      real = realpathSync.native(dir);
    } catch (error) {
      throw new FileUnreadable(this.shown(dir), (error as NodeJS.ErrnoException).code ?? (error as Error).message, 'folder');
    }
    if (!this.contains(real)) return false;
    this.inside.add(dir);
    return true;
  }

  private outside(): string {
    return `outside the project (${this.root})`;
  }

  /** The entries of a folder inside the project, with their types (readdir's); `FileUnreadable` when it cannot be listed. */
  list(dir: string): Dirent[] {
    this.folderInside(dir);
    try {
      return readdirSync(dir, { withFileTypes: true });
    } catch (error) {
      if (error instanceof UsageError) throw error;
      throw new FileUnreadable(this.shown(dir), (error as NodeJS.ErrnoException).code ?? (error as Error).message, 'folder');
    }
  }

  /**
   * Whether something is at `path` (a dangling link is something: reading it then says what is
   * wrong). Only "no such file" is no; anything else (no permission to look) is `FileUnreadable`,
   * never taken for absence.
   */
  exists(path: string): boolean {
    try {
      lstatSync(path);
      return true;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return false;
      throw new FileUnreadable(this.shown(path), code ?? (error as Error).message);
    }
  }

  /** Display path (relative to the working directory when inside it). */
  shown(path: string): string {
    return displayPath(path, this.cwd);
  }

  private contains(real: string): boolean {
    return real === this.root || real.startsWith(this.root.endsWith(sep) ? this.root : this.root + sep);
  }

  private open(path: string): number {
    if (!this.insideFolder(dirname(path))) throw new FileRefused(this.shown(path), this.outside());
    try {
      try {
        return openSync(path, READ_NOFOLLOW);
      } catch (error) {
        // The path is a symbolic link (O_NOFOLLOW): open what it points to, if that is inside.
        if (!isLinkError(error)) throw error;
      }
      return openSync(this.realInside(path), READ);
    } catch (error) {
      if (error instanceof UsageError) throw error;
      throw new FileUnreadable(this.shown(path), (error as NodeJS.ErrnoException).code ?? (error as Error).message);
    }
  }

  private realInside(path: string): string {
    let real: string;
    try {
      real = realpathSync.native(path);
    } catch (error) {
      throw new FileUnreadable(this.shown(path), (error as NodeJS.ErrnoException).code ?? (error as Error).message);
    }
    if (!this.contains(real)) throw new FileRefused(this.shown(path), `a symbolic link to a file ${this.outside()}`);
    return real;
  }

  private checkOpen(path: string, fd: number): Stats {
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw new FileRefused(this.shown(path), notRegular(stat));
    if (stat.size > this.maxBytes) throw new FileRefused(this.shown(path), tooLarge(stat.size, this.maxBytes));
    return stat;
  }
}

/** Up to `size` bytes of the open file into the start of `buffer`: the part read. */
function readAll(fd: number, buffer: Buffer, size: number): Buffer {
  let done = 0;
  for (let n = 1; done < size && n > 0; done += n) n = readSync(fd, buffer, done, size - done, done);
  return buffer.subarray(0, done);
}

/** A file migration-lint does not read (outside the project, not a regular file, too large): a usage error naming it (exit 2). */
export class FileRefused extends UsageError {
  constructor(
    readonly file: string,
    /** Why, without the file's name: "a FIFO, not a regular file". */
    readonly reason: string,
  ) {
    super(`${file}: not read: ${reason}`, reason.includes('maxFileSizeMb') ? undefined : 'migration-lint reads only regular files inside the project (the git repository, or the folder linted)');
  }
}

/** A file or folder that cannot be read (no such file, no permission): a usage error naming it (exit 2). */
export class FileUnreadable extends UsageError {
  constructor(
    readonly file: string,
    /** errno code: ENOENT, EACCES, … */
    readonly code: string,
    what: 'file' | 'folder' = 'file',
  ) {
    super(`${file}: cannot read${what === 'folder' ? ' folder' : ''} (${code})`, code === 'EACCES' || code === 'EPERM' ? 'fix the permissions: migration-lint must read every file of the migrations folder' : undefined);
  }
}

/** Default of the config's `maxFileSizeMb`: far above any real migration or snapshot (the corpus's largest file is 565 KB). */
export const DEFAULT_MAX_FILE_MB = 64;
export const DEFAULT_MAX_FILE_BYTES = DEFAULT_MAX_FILE_MB * 1024 * 1024;

/** The limit a migration-lint config sets (`maxFileSizeMb`), in bytes. */
export function maxFileBytes(config: { maxFileSizeMb?: number }): number {
  return Math.floor((config.maxFileSizeMb ?? DEFAULT_MAX_FILE_MB) * 1024 * 1024);
}


function isLinkError(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'ELOOP' || code === 'EMLINK' || code === 'EFTYPE';
}

function notRegular(stat: Stats): string {
  const kind = stat.isDirectory() ? 'a folder' : stat.isFIFO() ? 'a FIFO (named pipe)' : stat.isCharacterDevice() || stat.isBlockDevice() ? 'a device' : stat.isSocket() ? 'a socket' : 'not a file';
  return `${kind}, not a regular file`;
}

function tooLarge(size: number, max: number): string {
  return `${amount(size)}, larger than the ${amount(max)} migration-lint reads of a file (raise "maxFileSizeMb" in migration-lint.config.json if it is meant to be this large)`;
}

function amount(bytes: number): string {
  if (bytes < 1024 * 1024) return `${bytes.toLocaleString('en-US')} bytes`;
  const value = bytes / (1024 * 1024);
  return `${Number.isInteger(value) ? value : value.toFixed(1)} MB`;
}

/** The top folder of the git repository holding `anchor` (a `.git` folder or file), or `anchor` itself, as real paths. */
export function projectRoot(anchor: string): string {
  let real: string;
  try {
    real = realpathSync.native(anchor);
  } catch {
    return anchor; // not there (yet): whatever is read under it is checked when it is read
  }
  return enclosingGit(real)?.dir ?? real;
}

/** This process's user id (undefined where the system has none: Windows). */
const USER_ID = process.getuid?.();

/**
 * Whether a file's stat alone proves that user `uid` may read it: root reads any regular file, an
 * owner is allowed by the owner's read bit (ACLs never take it away). Anything else (group and
 * other bits, which ACL entries can override) is left to the system to answer.
 */
export function readableBy(stat: Pick<Stats, 'uid' | 'mode'>, uid: number | undefined): boolean {
  if (uid === undefined) return false;
  return uid === 0 || (stat.uid === uid && (stat.mode & 0o400) !== 0);
}
