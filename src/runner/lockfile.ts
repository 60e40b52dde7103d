import { writeFileSync } from 'node:fs';
import type { ProjectFiles } from './files.js';
import { join } from 'node:path';

/**
 * `migration-lint.lock.json`, in the migrations folder (next to the .sql files, never in meta/,
 * where drizzle-kit would take it for a snapshot): one sha256 per journal tag, computed as
 * drizzle-orm's migrator computes the hash it stores in `__drizzle_migrations`. Keys are sorted
 * and written one per line, so a merge of two branches that each add a migration is readable.
 */
export const LOCK_FILE = 'migration-lint.lock.json';
export const LOCK_VERSION = 1;

export interface LockFile {
  version: number;
  /** tag → sha256 (hex) of the file text. */
  migrations: Record<string, string>;
}

export function lockPath(dir: string): string {
  return join(dir, LOCK_FILE);
}

/**
 * Read the lock file; undefined when there is none, `{ problem }` when it is not a lock file. One
 * that is refused (a link out of the project, a FIFO…) or cannot be read is an error (files.ts).
 */
export function readLock(dir: string, files: ProjectFiles): { lock?: LockFile; problem?: string } | undefined {
  const file = lockPath(dir);
  if (!files.exists(file)) return undefined;
  const text = files.read(file);
  try {
    const json = JSON.parse(text) as Partial<LockFile>;
    if (!json || typeof json !== 'object' || typeof json.migrations !== 'object' || json.migrations === null || Array.isArray(json.migrations)) {
      return { problem: '"migrations" is missing or not an object' };
    }
    const migrations: Record<string, string> = {};
    for (const [tag, hash] of Object.entries(json.migrations)) {
      if (typeof hash !== 'string' || !/^[0-9a-f]{64}$/.test(hash)) return { problem: `"${tag}" is not a sha256 hex digest` };
      migrations[tag] = hash;
    }
    return { lock: { version: Number(json.version ?? LOCK_VERSION), migrations } };
  } catch (error) {
    return { problem: `not valid JSON (${(error as Error).message})` };
  }
}

/** The lock file's text: stable key order, one migration per line, trailing newline. */
export function formatLock(migrations: Record<string, string>): string {
  const keys = Object.keys(migrations).sort();
  const lines = keys.map((k, i) => `    ${JSON.stringify(k)}: ${JSON.stringify(migrations[k])}${i < keys.length - 1 ? ',' : ''}`);
  return `{\n  "version": ${LOCK_VERSION},\n  "hash": "sha256 of each migration file as drizzle-orm's migrator reads it; written by \`migration-lint lock\`",\n  "migrations": {\n${lines.join('\n')}${keys.length ? '\n' : ''}  }\n}\n`;
}

export interface LockUpdate {
  added: string[];
  unchanged: string[];
  /** Recorded hash differs from the file now: kept unless `force`. */
  conflicts: { tag: string; recorded: string; current: string }[];
  /** Recorded tags that are no longer migrations: kept unless `force`. */
  stale: string[];
  next: Record<string, string>;
}

/** Merge the current hashes into the recorded ones. A recorded hash is replaced only with `force`. */
export function updateLock(recorded: Record<string, string>, current: Map<string, string>, force: boolean): LockUpdate {
  const update: LockUpdate = { added: [], unchanged: [], conflicts: [], stale: [], next: {} };
  for (const [tag, hash] of current) {
    const old = recorded[tag];
    if (old === undefined) update.added.push(tag);
    else if (old === hash) update.unchanged.push(tag);
    else update.conflicts.push({ tag, recorded: old, current: hash });
    update.next[tag] = old !== undefined && old !== hash && !force ? old : hash;
  }
  for (const tag of Object.keys(recorded)) {
    if (current.has(tag)) continue;
    update.stale.push(tag);
    if (!force) update.next[tag] = recorded[tag];
  }
  return update;
}

export function writeLock(dir: string, migrations: Record<string, string>): void {
  writeFileSync(lockPath(dir), formatLock(migrations));
}
