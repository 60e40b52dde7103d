import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A report held back until the run has its result, so that stdout gets the whole document or
 * nothing: a JSON consumer must never parse a cut document (a run that stops half-way with an
 * error would otherwise leave the findings so far, valid-looking up to the cut, with exit 2).
 *
 * The report is still made as the findings come (a long history's findings are never all in
 * memory): small reports wait in memory, and past `SPILL` characters the text goes to a file of
 * its own in the temporary folder, written through, and is copied to stdout at the end. The file
 * is unlinked as soon as it is open (nothing is left behind, even when the process is killed), or
 * at the end where a system will not unlink an open file. Where no temporary file can be made,
 * the report stays in memory: correct first, lean where it can be.
 */
export class Spool {
  private pieces: string[] = [];
  private held = 0;
  private file?: { fd: number; dir?: string; size: number };

  constructor(
    /** Characters held in memory before the report goes to a temporary file. */
    private readonly spillAt = SPILL,
    private readonly readBytes = READ_BYTES,
  ) {}

  add(report: string | Iterable<string>): void {
    if (typeof report === 'string') this.addPiece(report);
    else for (const piece of report) this.addPiece(piece);
  }

  private addPiece(piece: string): void {
    if (piece === '') return;
    if (this.file) {
      this.file.size += writeAll(this.file.fd, piece);
      return;
    }
    this.pieces.push(piece);
    this.held += piece.length;
    if (this.held > this.spillAt) this.spill();
  }

  /** The report, piece by piece, in order (then let go): its text, or its bytes once it went to the file. */
  *drain(): Generator<string | Uint8Array> {
    const file = this.file;
    if (!file) {
      const pieces = this.pieces;
      this.pieces = [];
      yield* pieces;
      return;
    }
    for (let at = 0; at < file.size; ) {
      // A new buffer each time: the stream may hold on to a piece until it is written.
      const buffer = Buffer.allocUnsafe(Math.min(this.readBytes, file.size - at));
      const read = readSync(file.fd, buffer, 0, buffer.length, at);
      if (read === 0) break;
      at += read;
      yield buffer.subarray(0, read);
    }
    this.discard();
  }

  /** Drop the report (the run failed: nothing of it is written). */
  discard(): void {
    this.pieces = [];
    const file = this.file;
    this.file = undefined;
    if (!file) return;
    closeSync(file.fd);
    if (file.dir) rmSync(file.dir, { recursive: true, force: true });
  }

  private spill(): void {
    let dir: string | undefined;
    try {
      dir = mkdtempSync(join(tmpdir(), 'migration-lint-report-'));
      const file: NonNullable<Spool['file']> = { fd: openSync(join(dir, 'report'), 'wx+', 0o600), dir, size: 0 };
      this.file = file;
      try {
        rmSync(dir, { recursive: true });
        delete file.dir;
      } catch {
        // removed by discard()
      }
      for (const piece of this.pieces) file.size += writeAll(file.fd, piece);
    } catch {
      // No temporary file here (a read-only or full disk): the report waits in memory.
      const file = this.file;
      this.file = undefined;
      if (file) closeSync(file.fd);
      if (dir) rmSync(dir, { recursive: true, force: true });
      this.held = -Infinity;
      return;
    }
    this.pieces = [];
    this.held = 0;
  }
}

/**
 * Characters held in memory before the report goes to a temporary file (~32–64 MB). Through the
 * file, a report is written, read back into fresh buffers and written again: 5,000 migrations'
 * 10 MB report cost ~130 ms of the main thread that way (cpu profile: writeString 91 ms, read 37
 * ms), ~5 ms held in memory. Larger reports (tens of thousands of findings) still never grow the
 * process without bound.
 */
const SPILL = 32 * 1024 * 1024;
/** Bytes copied from the temporary file to stdout at a time. */
const READ_BYTES = 1024 * 1024;

/** Write all of `text` at the file's position; the bytes written. */
function writeAll(fd: number, text: string): number {
  const size = Buffer.byteLength(text, 'utf8');
  // Encoded by the write itself (no buffer left for the collector); a short write finishes from a buffer.
  let done = writeSync(fd, text);
  if (done < size) {
    const bytes = Buffer.from(text, 'utf8');
    while (done < size) done += writeSync(fd, bytes, done, size - done);
  }
  return size;
}
