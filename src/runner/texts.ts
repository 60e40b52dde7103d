import { isUtf8 } from 'node:buffer';
import { accessSync, constants } from 'node:fs';
import type { MigrationInput, ParsedMigration } from '../engine/types.js';
import { isUsageError, UsageError } from './errors.js';
import type { MigrationFile, TextReader } from './project.js';

/**
 * The migrations' texts. A run that keeps its report (the API's result, with every text for code
 * frames) reads them all at once, as before. A run that hands its findings on as they come reads
 * a text when something needs it and keeps only the last few (the migration being checked, its
 * neighbours): the history's texts are never all in memory, so memory does not grow with its
 * length. A text needed again later (a hash, a code frame) is read again.
 */
export interface MigrationTexts {
  /** The inputs, in history order; in a streaming run their `text` is read on each access. */
  inputs: MigrationInput[];
  /** The text of a migration file by display path, when it is one. */
  textOf(file: string): string | undefined;
  /** Every text by display path (kept runs), or none (streaming runs). */
  kept: Map<string, string>;
}

/** How many texts a streaming run keeps: the current migration's is read several times in a row (parse, rules, code frames). */
const RECENT = 4;

export function migrationTexts(
  migrations: readonly MigrationFile[],
  read: TextReader,
  {
    keepAll,
    staged,
    bytes,
    knownReadable,
  }: {
    keepAll: boolean;
    staged?: ReadonlyMap<string, string>;
    /** The files' bytes, when `read` reads the working tree (not the index): invalid UTF-8 is found in them. */
    bytes?: (path: string) => Buffer;
    /** Files already known to be readable (their stat said so: files.ts), not asked about again. */
    knownReadable?: (path: string) => boolean;
  },
): MigrationTexts {
  if (keepAll) {
    const kept = new Map<string, string>();
    const inputs = migrations.map((m) => {
      const text = readMigration(m, read);
      kept.set(m.file, text);
      return { tag: m.tag, file: m.file, text, idx: m.idx, when: m.when, ...invalidUtf8(text, m.path, bytes) };
    });
    return { inputs, textOf: (file) => kept.get(file), kept };
  }
  // A file that cannot be read stops the run before any finding is written, as when all are read first.
  for (const m of migrations) if (!staged?.has(m.path) && !knownReadable?.(m.path)) checkReadable(m);
  const byFile = new Map(migrations.map((m) => [m.file, m]));
  const recent = new RecentTexts(read, bytes, migrations);
  const inputs = migrations.map((m) => new StreamedInput(m, recent));
  return {
    inputs,
    textOf(file) {
      const m = byFile.get(file);
      return m ? recent.get(m) : undefined;
    },
    kept: new Map(),
  };
}

/**
 * The last few texts read, most recent last, and the next few of the history read ahead. A lint
 * reads the history in order; reading the files one at a time between rules cost twice what
 * reading them a batch at a time does (5,000 migrations: ~160 ms against ~85 ms; the system's
 * caches stay warm through a batch), so a text that was not read yet brings the next ones with
 * it, up to READ_AHEAD_FILES files or READ_AHEAD_CHARS characters: memory stays bounded.
 */
export class RecentTexts {
  private readonly texts = new Map<string, string>();
  private readonly ahead = new Map<string, string>();
  private readonly positions: Map<string, number>;
  /** Position of the text asked for last. */
  private last: number | undefined;
  constructor(
    readonly read: TextReader,
    readonly bytes?: (path: string) => Buffer,
    private readonly order: readonly MigrationFile[] = [],
  ) {
    this.positions = new Map(order.map((m, i) => [m.path, i]));
  }

  get(m: MigrationFile): string {
    const at = this.positions.get(m.path);
    let text = this.texts.get(m.path);
    if (text !== undefined) {
      this.texts.delete(m.path);
    } else {
      text = this.ahead.get(m.path);
      if (text !== undefined) this.ahead.delete(m.path);
      else {
        text = readMigration(m, this.read);
        // A batch for a reader going through the history in order (the first text asked, or the
        // one after the last): a text asked out of order (a code frame of an earlier migration)
        // brings none, and a batch read for one that was is let go.
        if (at !== undefined && (this.last === undefined || at === this.last + 1)) {
          this.ahead.clear();
          this.readAhead(at);
        }
      }
      if (this.texts.size >= RECENT) this.texts.delete(this.texts.keys().next().value!);
    }
    this.last = at;
    this.texts.set(m.path, text);
    return text;
  }

  /** The migrations after position `from`, as many as the limits allow; one that cannot be read ends the batch (its error comes when it is asked for). */
  private readAhead(from: number): void {
    let chars = 0;
    for (let i = from + 1; i < this.order.length && this.ahead.size < READ_AHEAD_FILES && chars < READ_AHEAD_CHARS; i++) {
      const next = this.order[i];
      if (this.texts.has(next.path)) continue;
      let text: string;
      try {
        text = readMigration(next, this.read);
      } catch {
        return;
      }
      this.ahead.set(next.path, text);
      chars += text.length;
    }
  }
}

/** At most this many texts read ahead of the one asked for… */
const READ_AHEAD_FILES = 64;
/** …and no more text than this (characters) once one is read. */
const READ_AHEAD_CHARS = 1024 * 1024;

/** A migration whose text is read when asked for (a class: thousands of them, no closures each). */
class StreamedInput implements MigrationInput {
  readonly tag: string;
  readonly file: string;
  readonly idx?: number;
  readonly when?: number;
  constructor(
    private readonly source: MigrationFile,
    private readonly texts: RecentTexts,
  ) {
    this.tag = source.tag;
    this.file = source.file;
    this.idx = source.idx;
    this.when = source.when;
  }

  get text(): string {
    return this.texts.get(this.source);
  }

  get invalidUtf8At(): number | undefined {
    return invalidUtf8(this.text, this.source.path, this.texts.bytes).invalidUtf8At;
  }
}

/**
 * An input that stands for a migration not parsed yet (the engine's `load` parses it when it gets
 * there): no statements, and its text read only when asked for (never copied).
 */
export function unparsed(input: MigrationInput): ParsedMigration {
  return new Unparsed(input);
}

const NONE: never[] = Object.freeze([]) as never[];

/** A class, not `Object.create(input)`: thousands of objects that each became a prototype would each get their own hidden class. */
class Unparsed implements ParsedMigration {
  readonly tag: string;
  readonly file: string;
  readonly idx?: number;
  readonly when?: number;
  readonly statements = NONE;
  readonly parseFailures = NONE;
  readonly chunkCount = 0;
  constructor(private readonly input: MigrationInput) {
    this.tag = input.tag;
    this.file = input.file;
    this.idx = input.idx;
    this.when = input.when;
  }

  get text(): string {
    return this.input.text;
  }

  get invalidUtf8At(): number | undefined {
    return this.input.invalidUtf8At;
  }
}

function readMigration(m: MigrationFile, read: TextReader): string {
  try {
    return read(m.path);
  } catch (error) {
    // A refusal (outside the project, not a regular file, too large) says so itself.
    if (isUsageError(error)) throw error;
    throw cannotRead(m, error);
  }
}

/**
 * What a read would find wrong without reading: no such file, no permission. (What is not a
 * regular file inside the project was left out of the history, with a finding: see files.ts.)
 */
function checkReadable(m: MigrationFile): void {
  try {
    accessSync(m.path, constants.R_OK);
  } catch (error) {
    throw cannotRead(m, error);
  }
}

function cannotRead(m: MigrationFile, error: unknown): UsageError {
  return new UsageError(`${m.file}: cannot read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
}

/**
 * Text read as UTF-8 has U+FFFD where the bytes were invalid, as drizzle's migrator sees it too.
 * Only when U+FFFD appears are the bytes checked (a file may contain a real U+FFFD).
 */
function invalidUtf8(text: string, path: string, bytes: ((path: string) => Buffer) | undefined): { invalidUtf8At?: number } {
  const at = text.indexOf('\ufffd');
  if (at < 0 || !bytes) return {};
  try {
    return isUtf8(bytes(path)) ? {} : { invalidUtf8At: at };
  } catch {
    return {};
  }
}
