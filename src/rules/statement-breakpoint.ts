import type { FixRequest, Statement } from '../engine/types.js';
import { defineRule } from '../engine/define-rule.js';
import { LineIndex, type Location, type Position } from '../engine/source.js';
import { BREAKPOINT, splitChunks, type Chunk } from '../engine/split.js';
import { eachRegion, type Region } from '../engine/lex.js';
import { nonTransactional, transactionAfter } from '../engine/transactions.js';
import type { HistoryFacts } from '../runner/history-facts.js';

/**
 * drizzle-orm's migrator splits every file on the literal `--> statement-breakpoint`, wherever it
 * is, and sends each chunk as one query. A marker inside a string or a dollar-quoted body cuts the
 * statement in half (error). A chunk with several statements is one query string: node-postgres
 * and postgres.js send it as a simple query, which runs them all; PostgreSQL then runs them in one
 * implicit transaction block, where CONCURRENTLY and VACUUM fail even after a COMMIT (error). A
 * driver that prepares each chunk (PGlite) fails on any such chunk (error, with
 * `preparedStatements`). Empty chunks are sent as empty queries, which every driver accepts.
 */
export default defineRule({
  id: 'statement-breakpoint',
  meta: {
    description: 'Breakpoint markers inside strings or dollar-quoted bodies (the migrator cuts the statement), and chunks with several statements where they fail: with CONCURRENTLY or VACUUM after a COMMIT, or on a driver that prepares each chunk (PGlite).',
    category: 'correctness',
    defaultSeverity: 'error',
    messages: {
      insideQuote: '`--> statement-breakpoint` inside {context}: drizzle\'s migrator splits on the marker wherever it is, so this statement is sent in two halves and the migration fails.',
      implicitBlock:
        '{what} shares its chunk with {others} other statement{s} (no `--> statement-breakpoint` between them{variant}), so they are sent as one query string, and PostgreSQL runs the statements of one query in an implicit transaction block: although it comes after a COMMIT, it fails with "… cannot run inside a transaction block" (25001).',
      multiple:
        'This chunk holds {count} statements with no `--> statement-breakpoint` between them{variant}, and the project\'s driver sends each chunk as a prepared statement (`preparedStatements`, or drizzle.config `driver: \'pglite\'`): the deploy fails here with "cannot insert multiple commands into a prepared statement" (42601).',
    },
    help: {
      insideQuote: 'Remove the marker from the {context}; put markers only between statements, never inside function bodies, DO blocks or strings.',
      implicitBlock: 'End the statement before it with `;--> statement-breakpoint` so that {what} is sent as a query of its own.',
      multiple: 'End every statement with `--> statement-breakpoint` (drizzle-kit writes `;--> statement-breakpoint`), except inside function bodies and DO blocks.',
    },
  },
  checkMigration({ folder, migration, settings, report }) {
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
    const chunks = groupByChunk(migration.statements);
    const variantIn = new Map<number, string>();
    if (scan.variants.length > 0) {
      const spans = splitChunks(text);
      for (const v of scan.variants) {
        const chunk = chunkAt(spans, v.offset);
        if (chunk && !variantIn.has(chunk.index)) variantIn.set(chunk.index, v.text);
      }
    }
    const variant = (chunk: number) => (variantIn.has(chunk) ? `: \`${variantIn.get(chunk)}\` is a comment, not the marker, which has one space after \`-->\`` : '');
    // Whether a transaction is open before each statement: worked out once, when a chunk needs it.
    let openAt: Map<Statement, boolean> | undefined;
    for (const [chunk, statements] of chunks) {
      if (statements.length < 2) continue;
      if (settings.preparedStatements) {
        const second = statements[1];
        const transactionControl = statements.some((s) => s.kind === 'TransactionStmt');
        report({
          messageId: 'multiple',
          data: { count: statements.length, variant: variant(chunk) },
          ...pointAt(second.location.start, second.location),
          statement: second,
          ...markersFix(text, statements, scan.variants),
          ...(transactionControl
            ? { help: 'End every statement with `--> statement-breakpoint` (drizzle-kit writes `;--> statement-breakpoint`), except inside function bodies and DO blocks, and remove the BEGIN / COMMIT: migrate() already runs every pending migration in one transaction (see transaction-control).' }
            : {}),
        });
        continue;
      }
      for (const s of statements) {
        const found = nonTransactional(s);
        if (!found || (openAt ??= transactionOpenBefore(migration.statements)).get(s)) continue; // in migrate()'s transaction: concurrently-in-transaction reports it
        const others = statements.length - 1;
        report({ messageId: 'implicitBlock', data: { what: found.what, others, s: others === 1 ? '' : 's', variant: variant(chunk) }, statement: s, ...markersFix(text, statements, scan.variants) });
      }

    }
  },
});

/**
 * The markers a chunk lacks, as drizzle-kit writes them (`;--> statement-breakpoint`): between each
 * two of its statements, a misspelt marker there is corrected, else the marker goes right after the
 * `;`. None when a statement does not end with `;` where the parser says it ends.
 */
function markersFix(text: string, statements: readonly Statement[], variants: readonly { offset: number; text: string }[]): { fix?: FixRequest } {
  const edits: FixRequest['edits'] = [];
  for (let i = 1; i < statements.length; i++) {
    const end = statements[i - 1].location.end;
    const next = statements[i].location.start;
    // The statement's text ends with its `;` (or the `;` follows it).
    const semicolon = text[end - 1] === ';' ? '' : /^\s*;/.exec(text.slice(end, next))?.[0];
    if (semicolon === undefined) return {};
    const misspelt = variants.find((v) => v.offset >= end && v.offset < next);
    if (misspelt) edits.push({ at: { start: misspelt.offset, end: misspelt.offset + misspelt.text.length }, text: BREAKPOINT });
    else edits.push({ at: { start: end + semicolon.length, end: end + semicolon.length }, text: BREAKPOINT });
  }
  return edits.length ? { fix: { description: `End each statement of this chunk with \`;${BREAKPOINT}\` (${misspeltOrMissing(edits, variants)})`, edits } } : {};
}

function misspeltOrMissing(edits: FixRequest['edits'], variants: readonly { offset: number }[]): string {
  const corrected = edits.filter((e) => 'at' in e && variants.some((v) => v.offset === e.at.start)).length;
  const added = edits.length - corrected;
  return [added ? `${added} marker${added === 1 ? '' : 's'} added` : '', corrected ? `${corrected} misspelt marker${corrected === 1 ? '' : 's'} corrected` : ''].filter(Boolean).join(', ');
}

/** The top-level statements of each chunk, in order (DO-block statements run inside their DO). */
function groupByChunk(statements: readonly Statement[]): Map<number, Statement[]> {
  const out = new Map<number, Statement[]>();
  for (const s of statements) {
    if (s.origin !== 'top-level') continue;
    const list = out.get(s.chunk);
    if (list) list.push(s);
    else out.set(s.chunk, [s]);
  }
  return out;
}

/** Whether drizzle's migrate() transaction (or a BEGIN's) is still open when each statement runs, in one pass. */
function transactionOpenBefore(statements: readonly Statement[]): Map<Statement, boolean> {
  const out = new Map<Statement, boolean>();
  let open = true;
  for (const s of statements) {
    out.set(s, open);
    open = transactionAfter(s, open);
  }
  return out;
}

/** The chunk holding `offset` (chunks are in file order; a marker's own characters are in none). */
function chunkAt(chunks: readonly Chunk[], offset: number): Chunk | undefined {
  let low = 0;
  let high = chunks.length - 1;
  while (low <= high) {
    const middle = (low + high) >>> 1;
    const c = chunks[middle];
    if (offset < c.start) high = middle - 1;
    else if (offset >= c.end) low = middle + 1;
    else return c;
  }
  return undefined;
}

/** A finding at one point of the file (where the marker, or the second statement, starts). */
function pointAt(offset: number, { line, column }: Position): { location: Location } {
  return { location: { start: offset, end: offset, line, column, endLine: line, endColumn: column } };
}

const VARIANT = /^--\s*>\s*statement[-_ ]?breakpoint/i;

const CONTEXT: Partial<Record<Region['kind'], string>> = { 'block comment': 'a block comment', string: 'a string literal', identifier: 'a quoted identifier' };

/**
 * Lex the file as PostgreSQL does (strings, E-strings, quoted identifiers, dollar quotes, nested
 * block comments, line comments) and find markers that sit inside a token, and misspelt markers.
 * Linear: the next marker is looked for once from where the last search stopped, not from every
 * quoted token to the end of the file (300,000 quoted values without a marker took 46 s).
 */
export function scanMarkers(text: string): { inside: { offset: number; context: string }[]; variants: { offset: number; text: string }[] } {
  const inside: { offset: number; context: string }[] = [];
  const variants: { offset: number; text: string }[] = [];
  let marker = text.indexOf(BREAKPOINT);
  eachRegion(text, (kind, start, end, tag) => {
    if (kind === 'line comment') {
      if (!text.startsWith(BREAKPOINT, start)) {
        const m = VARIANT.exec(text.slice(start, end));
        if (m) variants.push({ offset: start, text: m[0] });
      }
      return;
    }
    if (marker === -1) return;
    if (marker < start) marker = text.indexOf(BREAKPOINT, start);
    if (marker === -1 || marker >= end) return;
    const context = CONTEXT[kind] ?? `a dollar-quoted body (${tag} … ${tag})`;
    for (; marker !== -1 && marker < end; marker = text.indexOf(BREAKPOINT, marker + 1)) inside.push({ offset: marker, context });
  });
  return { inside, variants };
}
