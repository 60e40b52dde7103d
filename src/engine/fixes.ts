import { LineIndex } from './source.js';
import { BREAKPOINT, splitChunks, type Chunk } from './split.js';
import type { Edit, EditRequest, Fix, FixRequest, Statement } from './types.js';

/**
 * Fixes as edits of a file's text. Rules ask for changes in terms of statements (remove this one,
 * replace it by these, insert these before it); the engine resolves them here against the
 * migration's text, where the chunks, the `--> statement-breakpoint` markers and the line endings
 * are known, so a fix reads like what drizzle-kit would have written. Pure: no file system.
 */

/** What drizzle-kit writes between two statements (`;` ends each). */
const SEPARATOR = `${BREAKPOINT}\n`;

/** A span of a text to replace, by offsets. */
interface Span {
  start: number;
  end: number;
  text: string;
}

/** Resolves the fix requests of one migration (its text and statements). */
export class FixResolver {
  private chunks?: Chunk[];
  private lines?: LineIndex;
  private readonly crlf: boolean;

  constructor(
    private readonly file: string,
    private readonly text: string,
    private readonly statements: readonly Statement[],
  ) {
    this.crlf = text.includes('\r\n');
  }

  resolve(request: FixRequest): Fix {
    const spans: Span[] = [];
    const edits: Edit[] = [];
    const removed = new Set(request.edits.flatMap((e) => ('remove' in e ? [e.remove] : [])));
    for (const e of request.edits) {
      if ('file' in e) edits.push(e);
      else spans.push(this.span(e, removed));
    }
    const lines = (this.lines ??= new LineIndex(this.text));
    for (const s of merged(spans)) edits.push({ file: this.file, ...position(lines, s.start, s.end), text: this.crlf ? s.text.replace(/\r?\n/g, '\r\n') : s.text });
    return { description: request.description, edits: sortEdits(edits) };
  }

  private span(e: Exclude<EditRequest, Edit>, removed: ReadonlySet<Statement>): Span {
    if ('at' in e) return { start: e.at.start, end: e.at.end, text: e.text };
    if ('replace' in e) {
      const s = e.replace;
      return { start: s.location.start, end: s.location.end, text: statementsText(e.with, this.alone(s) ? SEPARATOR : '\n') };
    }
    if ('before' in e) {
      const s = e.before;
      if (!this.alone(s)) return { start: s.location.start, end: s.location.start, text: e.insert.map((sql) => `${bare(sql)};\n`).join('') };
      const at = this.codeStart(this.chunkOf(s));
      return { start: at, end: at, text: e.insert.map((sql) => `${bare(sql)};${SEPARATOR}`).join('') };
    }
    return this.removal(e.remove, removed);
  }

  /**
   * A statement's text and its marker, leaving the statements around it as drizzle-kit lays them
   * out: the marker after it, or the one before it when nothing stays after it (`removed`: the
   * statements the same fix removes).
   */
  private removal(s: Statement, removed: ReadonlySet<Statement>): Span {
    if (!this.alone(s)) {
      // Several statements share the chunk: the statement, and the blanks after it up to the line's end.
      let end = s.location.end;
      while (end < this.text.length && (this.text[end] === ' ' || this.text[end] === '\t')) end++;
      if (this.text.startsWith('\r\n', end)) end += 2;
      else if (this.text[end] === '\n') end++;
      return { start: s.location.start, end, text: '' };
    }
    const chunks = this.chunkList();
    const chunk = this.chunkOf(s);
    const next = chunks[chunk.index + 1];
    const staysAfter = this.statements.some((o) => o.origin === 'top-level' && o.chunk > chunk.index && !removed.has(o));
    // From the chunk's first word (its leading comments go with it) to the next chunk's.
    if (next && staysAfter) return { start: this.codeStart(chunk), end: this.codeStart(next), text: '' };
    // Nothing stays after it: from the marker before it to the statement's end (what follows it stays).
    if (chunk.index > 0) return { start: chunk.start - BREAKPOINT.length, end: s.location.end, text: '' };
    return { start: this.codeStart(chunk), end: s.location.end, text: '' };
  }

  /** True when the statement is the only top-level statement of its chunk (drizzle-kit's layout). */
  private alone(s: Statement): boolean {
    if (s.origin !== 'top-level') throw new Error('a fix can only change top-level statements');
    return !this.statements.some((o) => o !== s && o.origin === 'top-level' && o.chunk === s.chunk);
  }

  private chunkList(): Chunk[] {
    return (this.chunks ??= splitChunks(this.text));
  }

  private chunkOf(s: Statement): Chunk {
    const chunk = this.chunkList()[s.chunk];
    if (!chunk) throw new Error(`statement ${s.index} is in no chunk`);
    return chunk;
  }

  /** The chunk's first character that is not a blank (a comment counts as code here). */
  private codeStart(chunk: Chunk): number {
    let at = chunk.start;
    while (at < chunk.end && /\s/.test(this.text[at])) at++;
    return at;
  }
}

/** Statements as drizzle-kit joins them: each ends with `;`, separated by `separator`. */
export function statementsText(sqls: readonly string[], separator = SEPARATOR): string {
  return sqls.map((sql) => `${bare(sql)};`).join(separator);
}

function bare(sql: string): string {
  return sql.replace(/;\s*$/, '');
}

/** Deletions that touch are one; anything else that overlaps is a rule's mistake. */
function merged(spans: Span[]): Span[] {
  const sorted = [...spans].sort((a, b) => a.start - b.start || a.end - b.end);
  const out: Span[] = [];
  for (const s of sorted) {
    const last = out[out.length - 1];
    if (last && s.start < last.end) {
      if (last.text !== '' || s.text !== '') throw new Error('a fix has overlapping edits');
      last.end = Math.max(last.end, s.end);
    } else out.push({ ...s });
  }
  return out;
}

function position(lines: LineIndex, start: number, end: number): Pick<Edit, 'line' | 'column' | 'endLine' | 'endColumn'> {
  const l = lines.locate({ start, end });
  return { line: l.line, column: l.column, endLine: l.endLine, endColumn: l.endColumn };
}

function sortEdits(edits: Edit[]): Edit[] {
  return edits.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line || a.column - b.column));
}

/** An edit of `text` (a file's content) by offsets: for rules that change files other than the migration. */
export function textEdit(file: string, text: string, start: number, end: number, replacement: string, lines = new LineIndex(text)): Edit {
  return { file, ...position(lines, start, end), text: text.includes('\r\n') ? replacement.replace(/\r?\n/g, '\r\n') : replacement };
}

/** Edits as offsets of `text`, checked: each lies in the text, and none overlaps another (file order). */
export function editSpans(text: string, edits: readonly Edit[], lines = new LineIndex(text)): Span[] {
  const spans = edits.map((e) => {
    const start = lines.offset(e.line, e.column);
    const end = lines.offset(e.endLine, e.endColumn);
    const a = lines.position(start);
    const b = lines.position(end);
    if (a.line !== e.line || a.column !== e.column || b.line !== e.endLine || b.column !== e.endColumn || end < start) {
      throw new Error(`edit ${e.line}:${e.column}-${e.endLine}:${e.endColumn} lies outside ${e.file}`);
    }
    return { start, end, text: e.text };
  });
  spans.sort((a, b) => a.start - b.start || a.end - b.end);
  for (let i = 1; i < spans.length; i++) {
    if (spans[i].start < spans[i - 1].end) throw new Error(`overlapping edits in ${edits[0].file}`);
  }
  return spans;
}

/** The text with the edits made (they must not overlap). */
export function applyEdits(text: string, edits: readonly Edit[]): string {
  if (edits.length === 0) return text;
  let out = '';
  let at = 0;
  for (const s of editSpans(text, edits)) {
    out += text.slice(at, s.start) + s.text;
    at = s.end;
  }
  return out + text.slice(at);
}

/** True when two edits change overlapping text (an insertion at the same point as another edit counts). */
export function overlaps(a: Edit, b: Edit): boolean {
  if (a.file !== b.file) return false;
  const before = (l1: number, c1: number, l2: number, c2: number) => l1 < l2 || (l1 === l2 && c1 < c2);
  const aEndsBeforeB = before(a.endLine, a.endColumn, b.line, b.column) || (a.endLine === b.line && a.endColumn === b.column && !(isInsertion(a) && isInsertion(b)));
  const bEndsBeforeA = before(b.endLine, b.endColumn, a.line, a.column) || (b.endLine === a.line && b.endColumn === a.column && !(isInsertion(a) && isInsertion(b)));
  return !aEndsBeforeB && !bEndsBeforeA;
}

function isInsertion(e: Edit): boolean {
  return e.line === e.endLine && e.column === e.endColumn;
}
