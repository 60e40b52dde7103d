import { count } from '../formatters/count.js';
import { qualified } from '../schema/sql.js';
import { rollbackSql, type MigrationDown, type StatementDown } from './plan.js';
import type { Verdict } from './step.js';

/** Where a migration's rollback lives, for the header and drizzle's bookkeeping row. */
export interface DownTarget {
  down: MigrationDown;
  /** Journal `when` (what migrate() stores as created_at), when the layout has a journal. */
  when?: number;
  /** sha256 of the file, as migrate() stores it. */
  hash: string;
}

export interface FormatOptions {
  /** drizzle's bookkeeping table (`"drizzle"."__drizzle_migrations"`), or undefined to leave its row alone. */
  bookkeeping?: { schema: string; table: string };
}

const HEADLINE: Record<Verdict, string> = {
  reversible: 'fully reversible: the schema comes back as it was before the migration, and no data is lost',
  'structure-only': 'reversible in structure only: the schema comes back, data that is gone stays gone',
  irreversible: 'NOT reversible: part of the migration cannot be undone (see below)',
};

const LABEL: Record<Verdict, string> = { reversible: 'reversible', 'structure-only': 'structure only', irreversible: 'not reversible' };

/** A line of text safe inside a SQL `--` comment and on a terminal: control characters (newlines too) escaped. */
export function commentSafe(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (ch) => (ch === '\t' ? ' ' : `\\x${ch.charCodeAt(0).toString(16).padStart(2, '0')}`));
}

/**
 * A migration's rollback as a SQL file: a header that says what it restores and what it cannot
 * (per statement), then the statements, last one first, separated by drizzle's breakpoint marker so
 * the file can also serve as a `--custom` migration; SQL that is offered but not run is commented
 * out; last, the DELETE of the migration's row in drizzle's bookkeeping table.
 */
export function formatDownSql(target: DownTarget, options: FormatOptions = {}): string {
  const { down } = target;
  const out: string[] = [];
  out.push(`-- Rollback of ${commentSafe(down.tag)} (${commentSafe(down.file)}), drafted by migration-lint from the schema it replays.`);
  out.push(`-- ${HEADLINE[down.verdict]}.`);
  const remarkable = down.statements.filter((s) => s.verdict !== 'reversible' || s.notes.length > 0);
  if (remarkable.length) out.push('--');
  for (const s of remarkable) {
    out.push(`--   line ${s.line}  ${commentSafe(s.summary)}`);
    for (const r of s.reasons) out.push(...wrap(`${LABEL[s.verdict]}: ${r}`, '--     '));
    for (const n of s.notes) out.push(...wrap(`note: ${n}`, '--     '));
  }
  out.push('--', '-- Run it in one transaction (psql --single-transaction -f FILE) and review it first: it was drafted, not written by hand.');
  out.push('');
  // One statement per chunk; comments travel with the statement after them (a chunk of comments only would be empty).
  const pieces: string[] = [];
  let comments: string[] = [];
  const add = (sql: string) => {
    pieces.push([...comments, sql].join('\n'));
    comments = [];
  };
  for (const s of [...down.statements].reverse()) {
    if (s.sql.length === 0 && s.offered.length === 0) continue;
    comments.push(`-- undo line ${s.line}: ${commentSafe(s.summary)}`);
    for (const sql of s.sql) add(sql);
    if (s.offered.length) {
      comments.push(`-- not run (see ${s.verdict === 'irreversible' ? 'the header' : 'the notes'}); to run it, remove the "-- " in front of each line:`);
      for (const sql of s.offered) for (const line of sql.split('\n')) comments.push(`-- ${line}`);
    }
  }
  if (options.bookkeeping) {
    const table = qualified(options.bookkeeping.schema, options.bookkeeping.table);
    const where = target.when !== undefined ? `"created_at" = ${target.when}` : `"hash" = '${target.hash}'`;
    comments.push(`-- drizzle's migrate() recorded the migration here; without its row it applies the migration again if it comes back.`);
    add(`DELETE FROM ${table} WHERE ${where};`);
  }
  if (comments.length) pieces.push(comments.join('\n'));
  out.push(pieces.length ? pieces.join('\n--> statement-breakpoint\n') : '-- (nothing to undo)');
  return out.join('\n') + '\n';
}

/** Wrapped comment lines of about 110 characters. */
function wrap(text: string, prefix: string): string[] {
  const words = commentSafe(text).split(' ');
  const lines: string[] = [];
  let line = '';
  for (const word of words) {
    if (line && line.length + word.length + 1 > 110) {
      lines.push(prefix + line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(prefix + line);
  return lines;
}

/** One line per migration for a terminal or a CI log: `0042_x: structure only (2 statements lose data)`. */
export function summaryLine(down: MigrationDown): string {
  const counted = down.statements.filter((s) => s.verdict === down.verdict).length;
  const what = down.verdict === 'reversible' ? 'fully reversible' : `${LABEL[down.verdict]} (${count(counted, 'statement')})`;
  return `${commentSafe(down.tag)}: ${what}`;
}

export interface DownJson {
  tag: string;
  file: string;
  verdict: Verdict;
  statements: StatementDown[];
  /** The rollback, in the order to run (bookkeeping row not included). */
  sql: string[];
}

export function toJson(down: MigrationDown): DownJson {
  return { tag: down.tag, file: down.file, verdict: down.verdict, statements: down.statements, sql: rollbackSql(down) };
}
