/**
 * Positions in a migration file. Offsets are JavaScript string indexes into the file text as read
 * (BOM included, line endings untouched), so every reported line and column points into the
 * original file, whatever its line endings.
 */

export interface Position {
  /** 1-based line. */
  line: number;
  /** 1-based column, in characters. */
  column: number;
}

export interface Span {
  /** Offset of the first character (inclusive). */
  start: number;
  /** Offset after the last character (exclusive). */
  end: number;
}

export interface Location extends Span {
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
}

/** Maps offsets to lines and columns; built once per file. */
export class LineIndex {
  private readonly starts: number[] = [0];

  constructor(readonly text: string) {
    if (!text.includes('\r')) {
      // The usual case, with native searches: the loop below runs ~10x slower while still cold.
      for (let at = text.indexOf('\n'); at !== -1; at = text.indexOf('\n', at + 1)) this.starts.push(at + 1);
      return;
    }
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      // \r\n counts once; a lone \r (old Mac) also ends a line.
      if (c === 10 || (c === 13 && text.charCodeAt(i + 1) !== 10)) this.starts.push(i + 1);
    }
  }

  position(offset: number): Position {
    const o = Math.max(0, Math.min(offset, this.text.length));
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid] <= o) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: o - this.starts[lo] + 1 };
  }

  locate(span: Span): Location {
    const a = this.position(span.start);
    const b = this.position(Math.max(span.start, span.end));
    // Fields spelt out: an object spread here cost 4x the whole call while the code is cold.
    return { start: span.start, end: span.end, line: a.line, column: a.column, endLine: b.line, endColumn: b.column };
  }

  /** The offset of a 1-based line and column (the inverse of `position`), clamped to the line's end or the text's. */
  offset(line: number, column: number): number {
    const start = this.starts[line - 1];
    if (start === undefined) return this.text.length;
    const next = this.starts[line] ?? this.text.length;
    return Math.min(start + column - 1, next);
  }

  /** The text of 1-based line `n` without its line terminator. */
  lineText(n: number): string {
    const start = this.starts[n - 1] ?? this.text.length;
    const next = this.starts[n] ?? this.text.length;
    return this.text.slice(start, next).replace(/\r?\n$|\r$/, '');
  }

  get lineCount(): number {
    return this.starts.length;
  }
}

/**
 * libpg-query reports AST locations as UTF-8 byte offsets. For ASCII text they equal string
 * indexes; otherwise convert through a table built on first use.
 */
export class ByteOffsets {
  private table?: Int32Array;
  private readonly ascii: boolean;

  constructor(private readonly text: string) {
    // eslint-disable-next-line no-control-regex
    this.ascii = !/[^\x00-\x7f]/.test(text);
  }

  /** String index of UTF-8 byte offset `byte`. */
  toIndex(byte: number): number {
    if (this.ascii) return byte;
    if (!this.table) this.table = buildTable(this.text);
    return this.table[Math.max(0, Math.min(byte, this.table.length - 1))];
  }
}

function buildTable(text: string): Int32Array {
  const bytes = Buffer.byteLength(text, 'utf8');
  const table = new Int32Array(bytes + 1);
  let b = 0;
  for (let i = 0; i < text.length; i++) {
    const cp = text.codePointAt(i)!;
    const n = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    for (let k = 0; k < n; k++) table[b + k] = i;
    b += n;
    if (cp >= 0x10000) i++; // surrogate pair: two string indexes, one code point
  }
  table[bytes] = text.length;
  return table;
}
