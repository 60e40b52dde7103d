import type { Statement } from '../engine/types.js';
import { defineRule } from '../engine/define-rule.js';
import { LineIndex, type Location, type Position } from '../engine/source.js';
import { BREAKPOINT, splitChunks } from '../engine/split.js';
import type { HistoryFacts } from '../runner/history-facts.js';

/**
 * drizzle-orm's migrator splits every file on the literal `--> statement-breakpoint`, wherever it
 * is, and sends each chunk as one query. A marker inside a string or a dollar-quoted body cuts the
 * statement in half (error); a chunk with several statements fails on drivers that use the
 * extended protocol; a misspelt marker is just a comment; empty chunks are noise (warnings).
 */
export default defineRule({
  id: 'statement-breakpoint',
  meta: {
    description: 'Breakpoint markers inside strings or dollar-quoted bodies (the migrator cuts the statement), misspelt markers, chunks with several statements, and empty chunks.',
    category: 'correctness',
    defaultSeverity: 'error',
    messages: {
      insideQuote: '`--> statement-breakpoint` inside {context}: drizzle\'s migrator splits on the marker wherever it is, so this statement is sent in two halves and the migration fails.',
      variant: '`{marker}` is not the marker drizzle splits on (`--> statement-breakpoint`, with one space): it is only a comment, so the statements around it run as one query ({count} statements in this chunk).',
      multiple: 'This chunk holds {count} statements with no `--> statement-breakpoint` between them, in a folder that uses breakpoints: drivers that run each chunk as a prepared statement (pglite, postgres.js with prepare, the extended protocol) fail with "cannot insert multiple commands into a prepared statement".',
      empty: 'Empty chunk: nothing between two `--> statement-breakpoint` markers{where}; drizzle sends an empty query.',
    },
    help: {
      insideQuote: 'Remove the marker from the {context}; put markers only between statements, never inside function bodies, DO blocks or strings.',
      variant: 'Write the marker exactly as `--> statement-breakpoint` (one space after `-->`).',
      multiple: 'End every statement with `--> statement-breakpoint` (drizzle-kit writes `;--> statement-breakpoint`), except inside function bodies and DO blocks.',
      empty: 'Delete the duplicate marker.',
    },
  },
  checkMigration({ folder, migration, report }) {
    const facts = folder.integrity as HistoryFacts | undefined;
    // Checked while the migration's statements are at hand (the engine lets go of them after).
    if (!facts || !migration.selected) return;
    const file = facts.files.get(migration.tag);
    if (!file) return;
    const text = file.text;
    let lines: LineIndex | undefined; // only when something is reported
    const at = (offset: number) => pointAt(offset, (lines ??= new LineIndex(text)).position(offset));
    const scan = scanMarkers(text);
    for (const m of scan.inside) {
      report({ messageId: 'insideQuote', data: { context: m.context }, ...at(m.offset) });
    }
    const chunks = splitChunks(text);
    const perChunk = new Map<number, number>();
    // The second top-level statement of each chunk (where a multi-statement chunk is reported), in one pass.
    const secondOf = new Map<number, Statement>();
    for (const s of migration.statements) {
      if (s.origin !== 'top-level') continue;
      const count = (perChunk.get(s.chunk) ?? 0) + 1;
      perChunk.set(s.chunk, count);
      if (count === 2) secondOf.set(s.chunk, s);
    }
    const variantChunks = new Set<number>();
    for (const v of scan.variants) {
      const chunk = chunks.find((c) => v.offset >= c.start && v.offset < c.end);
      if (chunk) variantChunks.add(chunk.index);
      report({ messageId: 'variant', data: { marker: v.text, count: perChunk.get(chunk?.index ?? -1) ?? 0 }, ...at(v.offset), severity: 'warn' });
    }
    if (usesBreakpoints(facts)) {
      for (const [chunk, count] of perChunk) {
        if (count < 2 || variantChunks.has(chunk)) continue;
        const second = secondOf.get(chunk)!; // count ≥ 2, so it was recorded
        report({ messageId: 'multiple', data: { count }, ...pointAt(second.location.start, second.location), severity: 'warn' });
      }
    }
    if (chunks.length > 1) {
      for (const c of chunks) {
        if (c.text.trim() !== '') continue;
        const last = c.index === chunks.length - 1;
        const where = c.index === 0 ? ' (before the first marker)' : last ? ' (after the last marker)' : '';
        report({ messageId: 'empty', data: { where }, ...at(last ? c.start - BREAKPOINT.length : c.end), severity: 'warn' });
      }
    }
  },
});

/** A finding at one point of the file (where the marker, or the second statement, starts). */
function pointAt(offset: number, { line, column }: Position): { location: Location } {
  return { location: { start: offset, end: offset, line, column, endLine: line, endColumn: column } };
}

const breakpointUse = new WeakMap<HistoryFacts, boolean>();

/** Whether the folder uses breakpoints at all (the journal says so per entry): asked once per migration, answered once per run. */
function usesBreakpoints(facts: HistoryFacts): boolean {
  let uses = breakpointUse.get(facts);
  if (uses === undefined) {
    uses = facts.journal ? facts.journal.entries.some((e) => e.breakpoints) : [...facts.files.values()].some((f) => f.text.includes(BREAKPOINT));
    breakpointUse.set(facts, uses);
  }
  return uses;
}

const VARIANT = /^--\s*>\s*statement[-_ ]?breakpoint/i;
const SPECIAL = /--|\/\*|['"$]/g;

/**
 * Lex the file as PostgreSQL does (strings, E-strings, quoted identifiers, dollar quotes, nested
 * block comments, line comments) and find markers that sit inside a token, and misspelt markers.
 */
export function scanMarkers(text: string): { inside: { offset: number; context: string }[]; variants: { offset: number; text: string }[] } {
  const inside: { offset: number; context: string }[] = [];
  const variants: { offset: number; text: string }[] = [];
  const n = text.length;
  const markersIn = (from: number, to: number, context: string) => {
    for (let at = text.indexOf(BREAKPOINT, from); at !== -1 && at < to; at = text.indexOf(BREAKPOINT, at + 1)) inside.push({ offset: at, context });
  };
  let i = 0;
  while (i < n) {
    // Jump to the next character that can start a comment, string or quoted name (plain SQL text
    // in between needs no look: a character-by-character walk of every file was most of this rule's time).
    SPECIAL.lastIndex = i;
    const next = SPECIAL.exec(text);
    if (!next) break;
    i = next.index;
    const c = text[i];
    if (c === '-' && text[i + 1] === '-') {
      const end = text.indexOf('\n', i);
      const stop = end === -1 ? n : end;
      if (!text.startsWith(BREAKPOINT, i)) {
        const m = VARIANT.exec(text.slice(i, stop));
        if (m) variants.push({ offset: i, text: m[0] });
      }
      i = stop;
    } else if (c === '/' && text[i + 1] === '*') {
      let depth = 1;
      let j = i + 2;
      while (j < n && depth > 0) {
        if (text[j] === '/' && text[j + 1] === '*') (depth++, (j += 2));
        else if (text[j] === '*' && text[j + 1] === '/') (depth--, (j += 2));
        else j++;
      }
      markersIn(i, j, 'a block comment');
      i = j;
    } else if (c === "'") {
      const escapes = /[eE]/.test(text[i - 1] ?? '') && !/[A-Za-z0-9_]/.test(text[i - 2] ?? '');
      let j = i + 1;
      while (j < n) {
        if (escapes && text[j] === '\\') j += 2;
        else if (text[j] === "'" && text[j + 1] === "'") j += 2;
        else if (text[j] === "'") break;
        else j++;
      }
      markersIn(i, j, 'a string literal');
      i = j + 1;
    } else if (c === '"') {
      const end = text.indexOf('"', i + 1);
      const j = end === -1 ? n : end;
      markersIn(i, j, 'a quoted identifier');
      i = j + 1;
    } else if (c === '$' && !/[A-Za-z0-9_]/.test(text[i - 1] ?? '')) {
      const m = /^\$([A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*)?\$/.exec(text.slice(i, i + 64));
      if (!m) {
        i++;
        continue;
      }
      const close = text.indexOf(m[0], i + m[0].length);
      const j = close === -1 ? n : close;
      markersIn(i, j, `a dollar-quoted body (${m[0]} … ${m[0]})`);
      i = j + m[0].length;
    } else i++;
  }
  return { inside, variants };
}
