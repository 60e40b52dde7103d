import type { Span } from './source.js';

/** The literal marker drizzle-orm's migrator splits on (`readMigrationFiles`: `query.split(...)`). */
export const BREAKPOINT = '--> statement-breakpoint';

export interface Chunk extends Span {
  /** 0-based position of the chunk in the file. */
  index: number;
  text: string;
}

/**
 * Split a migration exactly as drizzle-orm's migrator does: on every occurrence of the literal
 * marker, wherever it is (inside strings and dollar quotes too — that is the production
 * behaviour, and the statement-breakpoint rule reports it). Spans exclude the marker itself.
 */
export function splitChunks(text: string): Chunk[] {
  const chunks: Chunk[] = [];
  let start = 0;
  for (;;) {
    const at = text.indexOf(BREAKPOINT, start);
    const end = at === -1 ? text.length : at;
    chunks.push({ index: chunks.length, start, end, text: text.slice(start, end) });
    if (at === -1) return chunks;
    start = at + BREAKPOINT.length;
  }
}
