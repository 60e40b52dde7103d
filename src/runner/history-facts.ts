import { ROOT_SNAPSHOT_ID, sha256 } from '../engine/hash.js';
import { closeSync, readSync, statSync } from 'node:fs';
import type { ProjectFiles } from './files.js';
import { join } from 'node:path';
import { displayPath } from './drizzle-config.js';
import { isRollbackFile, readJson, type MigrationFile, type Project } from './project.js';
import type { GitBaseFacts } from './git.js';
import type { DatabaseFacts } from './database.js';
import type { MigrationInput } from '../engine/types.js';
import { utf8Text, type SearchableText } from '../schema/snapshot-diff.js';

/**
 * Everything the history-integrity rules (hash-drift, journal-order, journal-files, snapshot-fork,
 * snapshot-drift, statement-breakpoint) need, gathered once per run. Cheap by construction:
 * snapshots are never parsed here (their `id`/`prevId` are read from the first few KB, where
 * drizzle-kit writes them), git is asked only for blobs that differ, and the database only when
 * a URL is given. Full snapshots are parsed on demand (`readSnapshot`), by snapshot-drift only.
 */
export interface HistoryFacts {
  layout: Project['layout'];
  /** Absolute migrations folder, and its display path. */
  dir?: string;
  displayDir?: string;
  journal?: {
    file: string;
    text: string;
    entries: JournalEntryFact[];
  };
  /** Names of the entries of `meta/` (journal layout). */
  metaFiles: string[];
  /** Names of the .sql files directly in the folder. */
  sqlFiles: string[];
  /** Every snapshot header: `meta/*_snapshot.json` (journal layout) or `<tag>/snapshot.json` (1.0 folders), in name order. */
  snapshots: SnapshotHeader[];
  /** Migration files by tag (only the ones that exist). */
  files: Map<string, MigrationFileFact>;
  /** Set with `--since` (or the CI base) when hash-drift or journal-order is on. */
  base?: GitBaseFacts;
  /** The lock file written by `migration-lint lock`, when present. */
  lock?: { file: string; migrations: Record<string, string>; problem?: string };
  /** drizzle's bookkeeping rows, with `--database-url`. */
  database?: DatabaseFacts;
  /** Parse a snapshot fully (cached). Expensive on big projects: only snapshot-drift and snapshot-fork (on a fork) call it. */
  readSnapshot(file: string): unknown;
  /** A snapshot's size in bytes, without reading it (what parsing it would cost); 0 when it cannot be found. */
  snapshotSize(file: string): number;
  /** A snapshot's text, not parsed and not kept (a cheap look at many snapshots); undefined when it cannot be read. */
  readSnapshotText(file: string): string | undefined;
  /**
   * A snapshot's text to search (snapshotTextHas), the cheapest way: its bytes, not decoded, read
   * into `scratch` (valid until the next read into it), or a staged snapshot's text; undefined
   * when it cannot be read.
   */
  searchSnapshot(file: string, scratch: { buffer?: Buffer }): string | SearchableText | undefined;
}

export interface JournalEntryFact {
  /** 0-based position in `entries`. */
  position: number;
  idx: number;
  when: number;
  tag: string;
  breakpoints: boolean;
  /** 1-based line of the entry's tag in the journal text. */
  line?: number;
}

export interface SnapshotHeader {
  /** Absolute path and display path. */
  path: string;
  file: string;
  /** `0012_snapshot.json`, or the 1.0 folder name. */
  name: string;
  /** Numeric prefix (`0012`) for journal snapshots, the folder name for 1.0. */
  prefix: string;
  id?: string;
  prevId?: string;
  prevIds?: string[];
}

export interface MigrationFileFact {
  readonly tag: string;
  readonly path: string;
  readonly file: string;
  readonly text: string;
  /** sha256 of the text as drizzle-orm's migrator computes it (`readFileSync(path).toString()`). */
  readonly hash: string;
  readonly crlf: boolean;
  readonly bom: boolean;
  /** Absolute path of its snapshot, when it has one. */
  readonly snapshot?: string;
}

/**
 * A migration file's facts, from its text when first asked for: the text is the input's (read on
 * demand in a run that streams its findings, see texts.ts), and only a recorded hash (lock file,
 * git base, database) needs the digest. A class: a history has thousands, with no closures each.
 */
class FileFact implements MigrationFileFact {
  readonly tag: string;
  readonly path: string;
  readonly file: string;
  readonly snapshot?: string;
  private digest?: string;
  constructor(
    m: MigrationFile,
    private readonly input: MigrationInput,
  ) {
    this.tag = m.tag;
    this.path = m.path;
    this.file = m.file;
    if (m.snapshot) this.snapshot = m.snapshot;
  }

  get text(): string {
    return this.input.text;
  }

  get hash(): string {
    return (this.digest ??= sha256(this.text));
  }

  get crlf(): boolean {
    return this.text.includes('\r\n');
  }

  get bom(): boolean {
    return this.text.charCodeAt(0) === 0xfeff;
  }
}

export interface GatherOptions {
  project: Project;
  cwd: string;
  /** The migrations being linted (their text: working tree or staged content), by tag. */
  inputs: readonly MigrationInput[];
  /** Rule ids that are on. */
  active: ReadonlySet<string>;
  /** The git base (`--since`, or the PR base in CI): journal-order compares with its journal. */
  since?: string;
  /** The merge base of `since` and HEAD: hash-drift compares files with it (defaults to `since`). */
  mergeBase?: string;
  databaseUrl?: string;
  /** `--staged`: the index content of files whose working copy differs (the journal, snapshots). */
  staged?: ReadonlyMap<string, string>;
}

/** The rules that read these facts. */
export const HISTORY_RULES = ['hash-drift', 'snapshot-drift', 'journal-order', 'journal-files', 'snapshot-fork', 'statement-breakpoint'];

export { ROOT_SNAPSHOT_ID } from '../engine/hash.js';
/** drizzle-kit writes `id` and `prevId` in a snapshot's first ~120 bytes; converted ones have them at the end. */
const HEAD_BYTES = 512;
const TAIL_BYTES = 4096;

export { sha256 };

export async function gatherHistoryFacts(options: GatherOptions): Promise<HistoryFacts> {
  const { project, cwd, inputs, active, staged } = options;
  const dir = project.dir;
  const cache = new Map<string, unknown>();
  // What a --staged run reads is the index's version, where the working copy differs from it.
  const files = project.files;
  const readText = (path: string) => staged?.get(path) ?? files.read(path);
  const facts: HistoryFacts = {
    layout: project.layout,
    ...(dir ? { dir, displayDir: displayPath(dir, cwd) } : {}),
    metaFiles: [],
    sqlFiles: [],
    snapshots: [],
    files: new Map(),
    readSnapshot(file: string) {
      if (!cache.has(file)) cache.set(file, readJson(readText, file));
      return cache.get(file);
    },
    readSnapshotText(file: string) {
      try {
        return readText(file);
      } catch {
        return undefined;
      }
    },
    searchSnapshot(file: string, scratch: { buffer?: Buffer }) {
      const text = staged?.get(file);
      if (text !== undefined) return text;
      try {
        return utf8Text(files.bytesInto(file, scratch));
      } catch {
        return undefined;
      }
    },
    snapshotSize(file: string) {
      const text = staged?.get(file);
      if (text !== undefined) return Buffer.byteLength(text);
      try {
        return statSync(file).size;
      } catch {
        return 0;
      }
    },
  };

  const inputOf = new Map(inputs.map((input) => [input.tag, input]));
  for (const m of project.migrations) {
    const input = inputOf.get(m.tag);
    if (input !== undefined) facts.files.set(m.tag, new FileFact(m, input));
  }

  if (dir) facts.sqlFiles = list(files, dir).filter((n) => n.endsWith('.sql') && !isRollbackFile(n)).sort();

  if (project.layout === 'journal' && project.journal && dir) {
    const text = readText(project.journal.file);
    facts.journal = {
      file: displayPath(project.journal.file, cwd),
      text,
      entries: project.journal.entries.map((e, position) => ({ position, idx: e.idx, when: e.when, tag: e.tag, breakpoints: e.breakpoints, line: e.line })),
    };
    facts.metaFiles = list(files, join(dir, 'meta')).sort();
    if (active.has('snapshot-fork') || active.has('snapshot-drift')) {
      for (const name of facts.metaFiles) {
        const m = /^(.*)_snapshot\.json$/.exec(name);
        if (!m) continue;
        const path = join(dir, 'meta', name);
        facts.snapshots.push({ path, file: displayPath(path, cwd), name, prefix: m[1], ...headerOf(path, staged, files) });
      }
    }
  } else if (project.layout === 'folders' && (active.has('snapshot-fork') || active.has('snapshot-drift'))) {
    for (const m of project.migrations) {
      if (!m.snapshot) continue;
      facts.snapshots.push({ path: m.snapshot, file: displayPath(m.snapshot, cwd), name: m.tag, prefix: m.tag, ...headerOf(m.snapshot, staged, files) });
    }
  }

  const wantsHashes = active.has('hash-drift');
  if (options.since && dir && (wantsHashes || active.has('journal-order'))) {
    const { gitBaseFacts } = await import('./git.js');
    facts.base = await gitBaseFacts(
      options.since,
      dir,
      wantsHashes ? [...facts.files.values()].map((f) => ({ path: f.path, text: f.text })) : [],
      options.mergeBase,
    );
  }

  if (dir && wantsHashes && project.layout !== 'files') {
    const { readLock, lockPath } = await import('./lockfile.js');
    const read = readLock(dir, files);
    if (read) facts.lock = { file: displayPath(lockPath(dir), cwd), migrations: read.lock?.migrations ?? {}, ...(read.problem ? { problem: read.problem } : {}) };
  }

  if (options.databaseUrl && wantsHashes) {
    const { readMigrationRows } = await import('./database.js');
    facts.database = await readMigrationRows(options.databaseUrl, project.config?.migrationsSchema, project.config?.migrationsTable);
  }
  return facts;
}

/**
 * `--staged`: HEAD as the base (Selection.head), when no `since` is given and a rule compares with
 * it. Set apart from gatherHistoryFacts because git is still reading HEAD's texts then: the
 * run awaits them last, before the cache key or the engine.
 */
export async function attachStagedHead(facts: HistoryFacts | undefined, head: Promise<GitBaseFacts | undefined> | undefined, options: { since?: string; active: ReadonlySet<string> }): Promise<void> {
  if (!facts || !head || options.since || !(options.active.has('hash-drift') || options.active.has('journal-order'))) return;
  const base = await head;
  if (base) facts.base = base;
}

/** A folder's names; none when it is not there, an error when it cannot be read (never taken for an empty one). */
function list(files: ProjectFiles, dir: string): string[] {
  if (!files.exists(dir)) return [];
  return files.list(dir).map((e) => e.name);
}

/** A staged snapshot's header comes from its index text, as the rest of a `--staged` run does. */
function headerOf(path: string, staged: ReadonlyMap<string, string> | undefined, files: ProjectFiles): { id?: string; prevId?: string; prevIds?: string[] } {
  const text = staged?.get(path);
  return text === undefined ? readHeader(path, files) : parseHeader(text);
}

/**
 * `id`, `prevId` (or 1.0's `prevIds`) of a snapshot without parsing it: drizzle-kit writes them as
 * top-level keys (two-space indent) at the top of the file, or at the bottom in snapshots that
 * `drizzle-kit up` converted. Only when neither end has them is the whole text scanned.
 */
/** One buffer for every header read (synchronous reads, one at a time). */
const headBuffer = Buffer.allocUnsafe(TAIL_BYTES);

export function readHeader(path: string, files: ProjectFiles): { id?: string; prevId?: string; prevIds?: string[] } {
  // A regular file inside the project, within the size limit (checked on the open file): else an
  // error naming it (refused, no permission, a link to nothing), never a snapshot without an id.
  const { fd, size } = files.openChecked(path);
  try {
    // drizzle-kit writes id and prevId first: one read of the head is the usual case.
    const read = readSync(fd, headBuffer, 0, HEAD_BYTES, 0);
    let header = parseHeader(headBuffer.toString('utf8', 0, read));
    if ((header.id !== undefined && (header.prevId !== undefined || header.prevIds !== undefined)) || read < HEAD_BYTES) return header;
    const tail = readSync(fd, headBuffer, 0, TAIL_BYTES, Math.max(0, size - TAIL_BYTES));
    header = { ...parseHeader(headBuffer.toString('utf8', 0, tail)), ...header };
    if (header.id !== undefined && (header.prevId !== undefined || header.prevIds !== undefined)) return header;
    return { ...parseHeader(files.read(path)), ...header };
  } finally {
    closeSync(fd);
  }
}

function parseHeader(text: string): { id?: string; prevId?: string; prevIds?: string[] } {
  const out: { id?: string; prevId?: string; prevIds?: string[] } = {};
  const id = /(?:^|\n) {2}"id": "([^"]*)"/.exec(text) ?? /^\{"id":"([^"]*)"/.exec(text);
  if (id) out.id = id[1];
  const prev = /(?:^|\n) {2}"prevId": "([^"]*)"/.exec(text) ?? /"prevId":"([^"]*)"/.exec(text.slice(0, 200));
  if (prev) out.prevId = prev[1];
  // drizzle-kit 1.0 writes `prevIds`, 0.x `prevId`: a head that has the one is not searched for the other.
  const prevs = prev ? null : /(?:^|\n) {2}"prevIds": (\[[^\]]*\])/.exec(text);
  if (prevs) {
    try {
      out.prevIds = JSON.parse(prevs[1]) as string[];
    } catch {
      /* ignore */
    }
  }
  return out;
}

