/**
 * PostgreSQL's lexical structure, as far as finding statement boundaries and breakpoint markers
 * needs it: where comments, string literals (E-strings too), quoted identifiers and dollar-quoted
 * bodies start and end, and the semicolons outside them. One pass, left to right, linear in the
 * text: each region is found with a sticky search from where the last one ended, never by
 * scanning ahead from every token.
 */
export interface Region {
  kind: 'line comment' | 'block comment' | 'string' | 'identifier' | 'dollar' | 'semicolon';
  /** Offset of its first character. */
  start: number;
  /** Offset just past it (past the closing quote; the end of the text when it is never closed; a line comment stops before its newline). */
  end: number;
  /** A dollar quote's delimiter (`$$`, `$body$`). */
  tag?: string;
}

const WORD_CHARACTER = /[A-Za-z0-9_]/;
const DOLLAR_TAG = /\$([A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*)?\$/y;

/** Where the next region can start at or after `from` (`--`, `/*`, a quote, `$`, and `;` when asked), or -1. */
function nextSpecial(text: string, from: number, semicolons: boolean): number {
  const n = text.length;
  for (let i = from; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 39 || c === 34 || c === 36) return i; // ' " $
    if (c === 45) {
      if (text.charCodeAt(i + 1) === 45) return i; // --
    } else if (c === 47) {
      if (text.charCodeAt(i + 1) === 42) return i; // /*
    } else if (c === 59 && semicolons) return i; // ;
  }
  return -1;
}

/** What `eachRegion` hands its visitor: a region's kind, start, end and (dollar quotes) delimiter. */
export type RegionVisitor = (kind: Region['kind'], start: number, end: number, tag?: string) => void;

/**
 * The comments, quoted regions (and, when asked, top-level semicolons) of `text`, in order, handed
 * to `visit` one at a time, with no object made for each: a drizzle-kit migration is mostly quoted
 * identifiers, and statement-breakpoint lexes every file (a generator step and an object per
 * identifier were ~5 ms of simstudioai__sim's run).
 */
export function eachRegion(text: string, visit: RegionVisitor, { semicolons = false }: { semicolons?: boolean } = {}): void {
  const n = text.length;
  let i = 0;
  while (i < n) {
    // Plain SQL text between regions needs no look: on to the next character that can start one
    // (a loop over char codes: a regular expression's search per region cost twice as much).
    i = nextSpecial(text, i, semicolons);
    if (i === -1) return;
    const c = text[i];
    if (c === ';') {
      visit('semicolon', i, i + 1);
      i++;
    } else if (c === '-') {
      const newline = text.indexOf('\n', i);
      const end = newline === -1 ? n : newline;
      visit('line comment', i, end);
      i = end;
    } else if (c === '/') {
      let depth = 1;
      let j = i + 2;
      while (j < n && depth > 0) {
        if (text[j] === '/' && text[j + 1] === '*') (depth++, (j += 2));
        else if (text[j] === '*' && text[j + 1] === '/') (depth--, (j += 2));
        else j++;
      }
      visit('block comment', i, j);
      i = j;
    } else if (c === "'") {
      const escapes = /[eE]/.test(text[i - 1] ?? '') && !WORD_CHARACTER.test(text[i - 2] ?? '');
      let j = i + 1;
      while (j < n) {
        if (escapes && text[j] === '\\') j += 2;
        else if (text[j] === "'" && text[j + 1] === "'") j += 2;
        else if (text[j] === "'") break;
        else j++;
      }
      const end = Math.min(j + 1, n);
      visit('string', i, end);
      i = end;
    } else if (c === '"') {
      const close = text.indexOf('"', i + 1);
      const end = close === -1 ? n : close + 1;
      visit('identifier', i, end);
      i = end;
    } else {
      // `$`: a dollar quote, unless it ends a word (`a$b`) or is a parameter (`$1`).
      DOLLAR_TAG.lastIndex = i;
      const m = WORD_CHARACTER.test(text[i - 1] ?? '') ? null : DOLLAR_TAG.exec(text);
      if (!m) {
        i++;
        continue;
      }
      const close = text.indexOf(m[0], i + m[0].length);
      const end = close === -1 ? n : close + m[0].length;
      visit('dollar', i, end, m[0]);
      i = end;
    }
  }
}

/**
 * `text` cut after each top-level semicolon (outside comments, strings and dollar quotes): the
 * statements PostgreSQL's scanner would see, found without the scanner (whose token list for a
 * text of tens of megabytes is larger than the text many times over).
 */
export function splitStatements(text: string): { start: number; text: string }[] {
  const pieces: { start: number; text: string }[] = [];
  let from = 0;
  eachRegion(
    text,
    (kind, _start, end) => {
      if (kind !== 'semicolon') return;
      pieces.push({ start: from, text: text.slice(from, end) });
      from = end;
    },
    { semicolons: true },
  );
  if (from < text.length) pieces.push({ start: from, text: text.slice(from) });
  return pieces;
}
