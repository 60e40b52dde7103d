import { eachRegion } from '../engine/lex.js';
import type { Span } from '../engine/source.js';
import type { Statement } from '../engine/types.js';

/**
 * Where a keyword is written in a statement, as file offsets (the syntax tree says a statement is
 * CONCURRENTLY, not where the word is): the whole word, case-insensitively, outside comments,
 * strings and quoted identifiers, with the blanks after it (so removing the span leaves one
 * space). Fixes edit the text there.
 */
export function keywordSpans(statement: Statement, word: string): Span[] {
  const sql = statement.sql;
  const masked = maskQuoted(sql);
  const out: Span[] = [];
  const pattern = new RegExp(`(?<![A-Za-z0-9_$])${word}(?![A-Za-z0-9_$])\\s*`, 'gi');
  for (const m of masked.matchAll(pattern)) {
    out.push({ start: statement.location.start + m.index, end: statement.location.start + m.index + m[0].length });
  }
  return out;
}

/** The text with comments, strings, quoted identifiers and dollar-quoted bodies masked (same length; neither a blank nor a word character). */
function maskQuoted(sql: string): string {
  let out = '';
  let at = 0;
  eachRegion(sql, (_kind, start, end) => {
    out += sql.slice(at, start) + '\u0001'.repeat(end - start);
    at = end;
  });
  return out + sql.slice(at);
}
