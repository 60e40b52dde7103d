import { closeSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { Streams } from '../cli.js';
import { UsageError } from '../runner/errors.js';

/**
 * Where the report goes. Pieces written while the lint runs (`now`, called from the engine's
 * synchronous loop) do not wait; the rest (`rest`) is written piece by piece, waiting when the
 * stream asks to (a pipe), so a report of tens of thousands of findings is never in memory twice
 * over. A reader that goes away early (`migration-lint … | head`) closes the pipe: stop writing,
 * quietly, as git and grep do; the exit code is still the lint's.
 */
export function reportOutput(io: Streams): { now(report: string | Iterable<string>): void; rest(report: string | Iterable<string | Uint8Array>): Promise<void> } {
  type Stream = Streams['stdout'] & { once?: (event: string, listener: () => void) => unknown; on?: (event: string, listener: (e: NodeJS.ErrnoException) => void) => unknown };
  const out = io.stdout as Stream;
  let failure: NodeJS.ErrnoException | undefined;
  let wake: (() => void) | undefined;
  // Stays attached: the last piece's error arrives after everything was written.
  out.on?.('error', (error) => {
    failure ??= error;
    wake?.();
  });
  writeThrough(out);
  return {
    now(report) {
      for (const piece of typeof report === 'string' ? [report] : report) if (piece !== '' && !failure) out.write(piece);
    },
    async rest(report) {
      for (const piece of typeof report === 'string' ? [report] : report) {
        if (failure) break;
        if (out.write(piece) === false && typeof out.once === 'function') {
          await new Promise<void>((resolve) => {
            wake = resolve;
            out.once!('drain', resolve);
          });
        }
      }
      if (failure && !readerGone(failure)) throw failure;
    },
  };
}

/**
 * The reader closed its end: EPIPE on a pipe; ECONNRESET on a socket pair (what a Node parent's
 * `stdio: 'pipe'` is) when the reader closed with data not yet taken.
 */
function readerGone(error: NodeJS.ErrnoException): boolean {
  return error.code === 'EPIPE' || error.code === 'ECONNRESET';
}

/**
 * Node writes to a pipe asynchronously: what the reader has not taken yet waits in memory, and
 * the lint's loop is synchronous, so a report written while it runs (`now`) would pile up there
 * whole. Block on the pipe instead, as a file or a terminal is written (and as most CLIs write a
 * pipe): a slow reader then slows the lint, and the report is never all in memory.
 */
function writeThrough(out: object): void {
  const handle = (out as { _handle?: { setBlocking?: (blocking: boolean) => unknown } })._handle;
  if (out === process.stdout && typeof handle?.setBlocking === 'function') handle.setBlocking(true);
}

/**
 * `--output-file FILE`: the report is written to a temporary file beside FILE and moved onto it
 * once the run has its result (`commit`), so FILE is never a cut report: CI uploads it (SARIF)
 * only when it is whole, and a run that stops with an error leaves FILE as it was.
 */
export function outputFile(path: string): { stream: Streams['stdout']; commit(): void; discard(): void } {
  const target = resolve(path);
  const temporary = join(dirname(target), `.${basename(target)}.${process.pid}.tmp`);
  let fd: number;
  try {
    fd = openSync(temporary, 'w');
  } catch (error) {
    throw new UsageError(`--output-file ${path}: cannot write there (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  let open = true;
  const close = () => {
    if (open) closeSync(fd);
    open = false;
  };
  return {
    stream: {
      write(text: string) {
        for (let buffer = Buffer.from(text); buffer.length > 0; ) buffer = buffer.subarray(writeSync(fd, buffer));
        return true;
      },
    },
    commit() {
      close();
      renameSync(temporary, target);
    },
    discard() {
      close();
      rmSync(temporary, { force: true });
    },
  };
}

