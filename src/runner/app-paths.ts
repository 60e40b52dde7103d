import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { READ_NOFOLLOW } from './file-kind.js';

/**
 * Which paths the deploy-path rules read, by name alone: light enough for the CLI's front bundle,
 * which answers a pre-commit run that stages nothing they or the SQL rules read before the
 * linter loads (app-source.ts holds the full selection).
 */

/** TypeScript / JavaScript sources (declaration files are not). */
export const SOURCE_FILE = /\.(?:[mc]?[jt]s|[jt]sx)$/;
export const DECLARATION_FILE = /\.d\.[mc]?ts$/;
/** Folders the default `appFiles` leaves out: dependencies, build output, dot folders. */
export const IGNORED_SEGMENT = /(?:^|\/)(?:node_modules|dist|build|out|coverage|\.[^/]+)\//;
/** Files that hold deploy commands: package.json scripts, Dockerfiles, compose files, Procfiles, GitHub workflows. */
export const DEPLOY_FILE = /(?:^|\/)(?:package\.json|Procfile|Dockerfile(?:\.[^/]*)?|[^/]*\.[dD]ockerfile|(?:docker-)?compose[^/]*\.ya?ml|\.github\/workflows\/[^/]+\.ya?ml)$/;
/** drizzle.config.ts and its siblings: its `out` and `migrations` are what migrate() is compared with. */
const DRIZZLE_CONFIG = /(?:^|\/)drizzle\.config\.[mc]?[jt]s$/;
/** Bigger files are bundles or generated code, not a migrate script (app-source reads none of them either). */
export const MAX_SOURCE_BYTES = 512 * 1024;

/**
 * Whether a staged file (repository-relative, `/`-separated; `readText` gives its text) may change
 * what the deploy-path rules report: a deploy file, the drizzle config, or a source that names a
 * migrator or an advisory lock (the migrate script, a re-export of the migrator, a lock helper).
 * A source about something else cannot add or remove a migrate() call, so a commit of such files
 * keeps the pre-commit shortcut. Unreadable means yes.
 */
export function mayConcernDeployPath(path: string, readText: (path: string) => Buffer | undefined): boolean {
  if (DEPLOY_FILE.test(path) || DRIZZLE_CONFIG.test(path)) return true;
  if (!SOURCE_FILE.test(path) || DECLARATION_FILE.test(path)) return false;
  const text = readText(path);
  return text === undefined || text.includes('migrat') || text.includes('advisory');
}

/**
 * A descriptor for `file` when it is a regular file, else undefined (closed). The walk listed it
 * as one, but a pull request's file can be swapped between the listing and the open: never
 * through a symbolic link (O_NOFOLLOW), never waiting on a FIFO for a writer (O_NONBLOCK), and
 * checked on the open descriptor.
 */
function openRegular(file: string): number | undefined {
  const fd = openSync(file, READ_NOFOLLOW);
  if (fstatSync(fd).isFile()) return fd;
  closeSync(fd);
  return undefined;
}

/**
 * Reads a file into `buffer` (from its start, as much as fits) and returns how many bytes it
 * holds, undefined when it cannot be read: one buffer for a walk over hundreds of files costs
 * less than a readFileSync each (no allocation). Only a regular file is read (openRegular).
 */
export function readInto(file: string, buffer: Buffer): number | undefined {
  let fd: number | undefined;
  try {
    fd = openRegular(file);
    if (fd === undefined) return undefined;
    let length = 0;
    for (let n: number; length < buffer.length && (n = readSync(fd, buffer, length, buffer.length - length, null)) > 0; ) length += n;
    return length;
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** The first MAX_SOURCE_BYTES of a file (what the deploy-path analysis would read), undefined when it cannot be read. */
export function readHead(file: string): Buffer | undefined {
  let fd: number | undefined;
  try {
    fd = openRegular(file);
    if (fd === undefined) return undefined;
    const size = Math.min(fstatSync(fd).size, MAX_SOURCE_BYTES);
    const buffer = Buffer.alloc(size);
    const read = readSync(fd, buffer, 0, size, 0);
    return buffer.subarray(0, read);
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
