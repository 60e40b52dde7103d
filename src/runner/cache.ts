import { packageVersion } from '../package-info.js';
import { sha256 } from '../engine/hash.js';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import type { SerializedParse } from '../engine/parse.js';
import type { Finding } from '../engine/types.js';

/**
 * `--cache` (ESLint-like): results kept between runs in `--cache-location` (default
 * `node_modules/.cache/migration-lint`), one JSON file per linted target. Two levels:
 *
 * - **run**: the findings of the whole run, under a sha256 of everything the engine is given
 *   (tool and parser versions, rule set and severities, config, selection, every migration text,
 *   journal, folder listings, snapshot headers, schema-source facts, git/lock/database facts),
 *   plus the sha256 of every file the engine read on its own (full snapshots). Any change → miss.
 * - **parse**: each migration's statements by the sha256 of its text (and the versions), so a run
 *   that misses (one new migration) parses only what changed.
 *
 * A cache file that cannot be read is ignored (and rewritten), and so is an entry of the wrong
 * shape (a damaged or hand-edited file must not crash every run until it is deleted); one that
 * cannot be written is skipped silently: the cache never changes findings, only how fast they come.
 */
export interface CacheOptions {
  /** Folder of the cache files (relative paths: to the working directory). */
  location: string;
  /** Overrides the tool version in the keys (tests). */
  version?: string;
}

interface RunFile {
  format: typeof FORMAT;
  versions: string;
  key: string;
  /** sha256 of each file the engine read on its own (full snapshots). */
  deps: Record<string, string>;
  findings: Finding[];
}

interface ParseFile {
  format: typeof FORMAT;
  versions: string;
  parse: Record<string, SerializedParse>;
}

/** Bumped when what is stored changes (2: findings carry `fix` and `suggestions`). */
const FORMAT = 2;

export class LintCache {
  /** Two files: the run's findings (small, read on every run) and the parses (read only on a miss). */
  private readonly runFile: string;
  private readonly parseFile: string;
  private readonly versions: string;
  private parses: Record<string, SerializedParse> | undefined;
  private run: RunFile | undefined;
  private runDirty = false;
  private parseDirty = false;
  private readonly used = new Set<string>();
  /** Parse entries computed in this run, as JSON text (serialised before the engine touches the ASTs). */
  private readonly fresh = new Map<string, string>();

  constructor(options: CacheOptions, cwd: string, target: string) {
    const base = join(resolve(cwd, options.location), `lint-${sha256(target).slice(0, 16)}`);
    this.runFile = `${base}.run.json`;
    this.parseFile = `${base}.parse.json`;
    this.versions = `${options.version ?? packageVersion()}|libpg-query ${parserVersion()}|node-abi ${process.versions.modules}`;
  }

  private readJson<T extends { format: number; versions: string }>(file: string): T | undefined {
    try {
      const data = JSON.parse(readFileSync(file, 'utf8')) as T;
      return data?.format === FORMAT && data.versions === this.versions ? data : undefined;
    } catch {
      return undefined;
    }
  }

  /** The key of a run: a hash of the versions and of `inputs` (Maps, Sets and nested objects; functions skipped). */
  runKey(inputs: unknown): string {
    return sha256(this.versions + '\0' + stableJson(inputs));
  }

  /** The findings stored for `key`, when every file the engine read then still has the same content. */
  findings(key: string): Finding[] | undefined {
    const run = this.readJson<RunFile>(this.runFile);
    if (!run || run.key !== key || !Array.isArray(run.findings) || !run.findings.every(isFinding)) return undefined;
    for (const [path, hash] of Object.entries(run.deps ?? {})) {
      if (fileHash(path) !== hash) return undefined;
    }
    return run.findings;
  }

  storeFindings(key: string, findings: Finding[], deps: Iterable<string>): void {
    const hashes: Record<string, string> = {};
    for (const path of deps) hashes[path] = fileHash(path) ?? '';
    this.run = { format: FORMAT, versions: this.versions, key, deps: hashes, findings };
    this.runDirty = true;
  }

  /** The cached parse of a migration text, if any. */
  parsed(textHash: string): SerializedParse | undefined {
    if (!this.parses) {
      const file = this.readJson<ParseFile>(this.parseFile);
      this.parses = file && typeof file.parse === 'object' && file.parse !== null ? file.parse : {};
    }
    this.used.add(textHash);
    const entry = this.parses[textHash];
    if (entry === undefined || isParse(entry)) return entry;
    delete this.parses[textHash]; // a miss: parsed again, and the entry rewritten
    return undefined;
  }

  storeParsed(textHash: string, parsed: SerializedParse | undefined): void {
    this.used.add(textHash);
    if (!parsed) return;
    this.fresh.set(textHash, JSON.stringify(parsed));
    this.parseDirty = true;
  }

  /** Write what changed (parses of migrations no longer linted are dropped); errors are ignored. */
  save(): void {
    try {
      if (this.parseDirty || (this.parses && this.used.size !== Object.keys(this.parses).length)) {
        const parts: string[] = [];
        for (const hash of this.used) {
          const json = this.fresh.get(hash) ?? (this.parses?.[hash] ? JSON.stringify(this.parses[hash]) : undefined);
          if (json !== undefined) parts.push(`${JSON.stringify(hash)}:${json}`);
        }
        write(this.parseFile, `{"format":${FORMAT},"versions":${JSON.stringify(this.versions)},"parse":{${parts.join(',')}}}`);
        this.parseDirty = false;
      }
      if (this.runDirty && this.run) {
        write(this.runFile, JSON.stringify(this.run));
        this.runDirty = false;
      }
    } catch {
      /* a read-only or full disk: run without a cache */
    }
  }
}

function write(file: string, text: string): void {
  makeFolder(dirname(file));
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, text);
  renameSync(temp, file);
}

export { sha256 };

/**
 * `mkdir -p`, one level at a time: Node's recursive mkdir loops forever where mkdir answers
 * ENOENT under a folder that exists (`--cache-location /proc/self/x` spun at 100 % CPU).
 */
function makeFolder(dir: string): void {
  const missing: string[] = [];
  for (let d = dir; !existsSync(d); d = dirname(d)) {
    missing.push(d);
    if (dirname(d) === d) break;
  }
  for (let i = missing.length - 1; i >= 0; i--) mkdirSync(missing[i]);
}

const isNumber = (v: unknown) => typeof v === 'number' && Number.isFinite(v);
const isText = (v: unknown) => typeof v === 'string';
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isLocation = (v: unknown) => isObject(v) && isNumber(v.start) && isNumber(v.end) && isNumber(v.line) && isNumber(v.column) && isNumber(v.endLine) && isNumber(v.endColumn);

/** A stored finding as the formatters read it (a cheap structural check, not a schema: this runs on every hit). */
function isFinding(f: unknown): boolean {
  return (
    isObject(f) &&
    isText(f.rule) &&
    (f.severity === 'error' || f.severity === 'warn') &&
    isText(f.message) &&
    (f.help === undefined || isText(f.help)) &&
    isText(f.file) &&
    isNumber(f.line) &&
    isNumber(f.column) &&
    isNumber(f.endLine) &&
    isNumber(f.endColumn) &&
    isText(f.migration) &&
    (f.statement === undefined || isText(f.statement))
  );
}

/** A stored parse as restoreParsed and the rules read it. */
function isParse(p: unknown): boolean {
  if (!isObject(p) || !isNumber(p.chunkCount) || !Array.isArray(p.statements) || !Array.isArray(p.parseFailures)) return false;
  for (const s of p.statements as unknown[]) {
    if (!isObject(s) || !isNumber(s.index) || !isNumber(s.chunk) || !isText(s.kind) || !isObject(s.ast) || !isText(s.sql) || !isLocation(s.location) || !isText(s.origin)) return false;
    const r = s.recipe;
    if (!isObject(r) || !isNumber(r.fileOffset) || !isNumber(r.shift) || (r.piece !== undefined && !(Array.isArray(r.piece) && r.piece.length === 2 && r.piece.every(isNumber)))) return false;
  }
  for (const f of p.parseFailures as unknown[]) {
    if (!isObject(f) || !isNumber(f.chunk) || !isText(f.message) || !isLocation(f.location) || !isLocation(f.at) || !isText(f.sql)) return false;
  }
  return true;
}

function fileHash(path: string): string | undefined {
  try {
    return sha256(readFileSync(path));
  } catch {
    return undefined;
  }
}

/** JSON with Maps and Sets as entry arrays, functions dropped: stable for the same inputs. */
function stableJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    // Long texts (the newest snapshot, a journal) by their hash: escaping them into the JSON costs
    // more than hashing them, and the key changes all the same when they do.
    if (typeof v === 'string' && v.length > 4096) return `sha256:${sha256(v)}`;
    if (v instanceof Map) return { $map: [...v.entries()] };
    if (v instanceof Set) return { $set: [...v] };
    if (typeof v === 'function') return undefined;
    if (typeof v === 'bigint') return String(v);
    return v;
  });
}

function parserVersion(): string {
  try {
    return (createRequire(import.meta.url)('libpg-query/package.json') as { version: string }).version;
  } catch {
    return 'unknown';
  }
}
