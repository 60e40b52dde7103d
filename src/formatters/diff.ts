import { escapeControls } from './safe-text.js';

/**
 * Unified diffs of fixed files (`--fix`, `--fix-dry-run`, and under a finding's help). Lines are
 * compared after the common head and tail are set aside (a fix changes a few lines of a file that
 * can be a megabyte of snapshot), with Myers' algorithm on what is left. Every line is made safe
 * for a terminal: the text comes from the repository.
 */

export interface DiffOptions {
  /** Unchanged lines shown around each change (default 3). */
  context?: number;
}

type Op = { kind: ' ' | '-' | '+'; text: string; oldLine: number; newLine: number };

/** `--- a/file` / `+++ b/file` and the hunks; '' when the texts are equal. */
export function unifiedDiff(file: string, before: string, after: string, options: DiffOptions = {}): string {
  const hunks = diffHunks(before, after, options);
  if (hunks.length === 0) return '';
  const name = terminalSafe(file);
  return [`--- a/${name}`, `+++ b/${name}`, ...hunks].join('\n') + '\n';
}

/** The hunks (`@@ -a,b +c,d @@` and their lines) of a line diff. */
export function diffHunks(before: string, after: string, { context = 3 }: DiffOptions = {}): string[] {
  if (before === after) return [];
  const a = splitLines(before);
  const b = splitLines(after);
  const ops = lineDiff(a, b, context);
  const out: string[] = [];
  // Group changes that are at most 2 × context lines apart into one hunk.
  let i = 0;
  while (i < ops.length) {
    while (i < ops.length && ops[i].kind === ' ') i++;
    if (i >= ops.length) break;
    const start = Math.max(0, i - context);
    let end = i;
    for (let j = i; j < ops.length; j++) {
      if (ops[j].kind !== ' ') end = j;
      else if (j - end > 2 * context) break;
    }
    const stop = Math.min(ops.length, end + context + 1);
    const slice = ops.slice(start, stop);
    const oldCount = slice.filter((o) => o.kind !== '+').length;
    const newCount = slice.filter((o) => o.kind !== '-').length;
    const oldStart = oldCount === 0 ? slice[0].oldLine - 1 : slice.find((o) => o.kind !== '+')!.oldLine;
    const newStart = newCount === 0 ? slice[0].newLine - 1 : slice.find((o) => o.kind !== '-')!.newLine;
    out.push(`@@ -${oldStart},${oldCount} +${newStart},${newCount} @@`);
    for (const o of slice) {
      const last = o.text.endsWith(NO_NEWLINE);
      out.push(`${o.kind}${terminalSafe(last ? o.text.slice(0, -NO_NEWLINE.length) : o.text)}`);
      if (last) out.push('\\ No newline at end of file');
    }
    i = stop;
  }
  return out;
}

/** Lines without their terminators; a missing final newline is kept as git shows it. */
function splitLines(text: string): string[] {
  if (text === '') return [];
  // split('\n') is several times faster than a regular expression on megabytes of snapshot.
  const lines = text.split('\n');
  if (text.includes('\r')) for (let i = 0; i < lines.length; i++) if (lines[i].endsWith('\r')) lines[i] = lines[i].slice(0, -1);
  if (lines[lines.length - 1] === '') lines.pop();
  else lines[lines.length - 1] += NO_NEWLINE;
  return lines;
}

/** Marks a last line without a terminator (it then differs from the same line with one, as in git). */
const NO_NEWLINE = '\u{10FFFF}';

/**
 * Edit script from `a` to `b`: Myers' shortest edit script between the common head and tail, of
 * which only the `context` lines next to it are kept (the hunks show no more).
 */
function lineDiff(a: string[], b: string[], context: number): Op[] {
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (tail < a.length - head && tail < b.length - head && a[a.length - 1 - tail] === b[b.length - 1 - tail]) tail++;
  const ops: Op[] = [];
  for (let k = Math.max(0, head - context); k < head; k++) ops.push({ kind: ' ', text: a[k], oldLine: k + 1, newLine: k + 1 });
  for (const o of myers(a.slice(head, a.length - tail), b.slice(head, b.length - tail))) {
    ops.push({ ...o, oldLine: o.oldLine + head, newLine: o.newLine + head });
  }
  for (let k = tail; k > Math.max(0, tail - context); k--) ops.push({ kind: ' ', text: a[a.length - k], oldLine: a.length - k + 1, newLine: b.length - k + 1 });
  return ops;
}

/** Myers' O(ND) diff; lines numbered from 1 within the slices (a removal's newLine is the next new line). */
function myers(a: string[], b: string[]): Op[] {
  const n = a.length;
  const m = b.length;
  const max = n + m;
  const v = new Int32Array(2 * max + 2);
  const trace: Int32Array[] = [];
  let found = false;
  for (let d = 0; d <= max && !found; d++) {
    trace.push(v.slice());
    for (let k = -d; k <= d; k += 2) {
      let x = k === -d || (k !== d && v[max + k - 1] < v[max + k + 1]) ? v[max + k + 1] : v[max + k - 1] + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x++;
        y++;
      }
      v[max + k] = x;
      if (x >= n && y >= m) {
        found = true;
        break;
      }
    }
  }
  // Walk back through the saved frontiers.
  const ops: Op[] = [];
  let x = n;
  let y = m;
  for (let d = trace.length - 1; d >= 0 && (x > 0 || y > 0); d--) {
    const frontier = trace[d];
    const k = x - y;
    const prevK = k === -d || (k !== d && frontier[max + k - 1] < frontier[max + k + 1]) ? k + 1 : k - 1;
    const prevX = frontier[max + prevK];
    const prevY = prevX - prevK;
    while (x > prevX && y > prevY) {
      ops.push({ kind: ' ', text: a[x - 1], oldLine: x, newLine: y });
      x--;
      y--;
    }
    if (d === 0) break;
    if (x === prevX) ops.push({ kind: '+', text: b[y - 1], oldLine: x + 1, newLine: y });
    else ops.push({ kind: '-', text: a[x - 1], oldLine: x, newLine: y + 1 });
    x = prevX;
    y = prevY;
  }
  return ops.reverse();
}

/**
 * Text from the repository, made safe to print (see safe-text.ts): control characters escaped,
 * tabs kept (a diff is read, and may be applied, as it is).
 */
export function terminalSafe(text: string): string {
  return text.includes('\t') ? text.split('\t').map(escapeControls).join('\t') : escapeControls(text);
}
