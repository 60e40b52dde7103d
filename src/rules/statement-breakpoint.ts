import type { Statement } from '../engine/types.js';
import { defineRule } from '../engine/define-rule.js';
import { LineIndex, type Location, type Position } from '../engine/source.js';
import { BREAKPOINT, splitChunks } from '../engine/split.js';
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
        const chunk = spans.find((c) => v.offset >= c.start && v.offset < c.end);
        if (chunk && !variantIn.has(chunk.index)) variantIn.set(chunk.index, v.text);
      }
    }
    const variant = (chunk: number) => (variantIn.has(chunk) ? `: \`${variantIn.get(chunk)}\` is a comment, not the marker, which has one space after \`-->\`` : '');
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
          ...(transactionControl
            ? { help: 'End every statement with `--> statement-breakpoint` (drizzle-kit writes `;--> statement-breakpoint`), except inside function bodies and DO blocks, and remove the BEGIN / COMMIT: migrate() already runs every pending migration in one transaction (see transaction-control).' }
            : {}),
        });
        continue;
      }
      for (const s of statements) {
        const found = nonTransactional(s);
        if (!found || transactionOpenAt(migration.statements, s)) continue; // in migrate()'s transaction: concurrently-in-transaction reports it
        const others = statements.length - 1;
        report({ messageId: 'implicitBlock', data: { what: found.what, others, s: others === 1 ? '' : 's', variant: variant(chunk) }, statement: s });
      }
    }
  },
});

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

/** Whether drizzle's migrate() transaction (or a BEGIN's) is still open when `statement` runs. */
function transactionOpenAt(statements: readonly Statement[], statement: Statement): boolean {
  let open = true;
  for (const s of statements) {
    if (s === statement) return open;
    open = transactionAfter(s, open);
  }
  return open;
}

/** A finding at one point of the file (where the marker, or the second statement, starts). */
function pointAt(offset: number, { line, column }: Position): { location: Location } {
  return { location: { start: offset, end: offset, line, column, endLine: line, endColumn: column } };
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
