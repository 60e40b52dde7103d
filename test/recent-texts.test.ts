import { describe, expect, it } from 'vitest';
import { UsageError } from '../src/runner/errors.js';
import type { MigrationFile } from '../src/runner/project.js';
import { RecentTexts } from '../src/runner/texts.js';

/**
 * A streaming lint reads each migration's text when it gets there, and the next ones of the
 * history with it (a batch of reads costs half what reads spread between rules do): bounded in
 * files and characters, each file read once, and a file that cannot be read still fails where
 * it is asked for.
 */
function history(count: number, size = 10): { files: MigrationFile[]; reads: string[]; read: (path: string) => string } {
  const files = Array.from({ length: count }, (_, i) => ({ tag: `m${i}`, path: `/p/m${i}.sql`, file: `m${i}.sql` }));
  const reads: string[] = [];
  return {
    files,
    reads,
    read: (path) => {
      reads.push(path);
      if (path.includes('broken')) throw new UsageError(`${path}: cannot read (EACCES)`);
      return `-- ${path}\n`.padEnd(size, 'x');
    },
  };
}

describe('RecentTexts: the history read in batches, in order', () => {
  it('the first text brings the next 64; reading them in order reads each file once', () => {
    const h = history(200);
    const texts = new RecentTexts(h.read, undefined, h.files);
    expect(texts.get(h.files[0])).toBe('-- /p/m0.sql\n'.padEnd(10, 'x'));
    expect(h.reads).toEqual(h.files.slice(0, 65).map((f) => f.path));
    for (const f of h.files) expect(texts.get(f)).toContain(f.path);
    expect(h.reads).toEqual(h.files.map((f) => f.path));
  });

  it('no more than 1 MB of text ahead: large files come one or two at a time', () => {
    const h = history(10, 700_000);
    const texts = new RecentTexts(h.read, undefined, h.files);
    texts.get(h.files[0]);
    expect(h.reads).toEqual(['/p/m0.sql', '/p/m1.sql', '/p/m2.sql']);
  });

  it('starting part-way (a pre-commit run parses the last migrations): only what follows is read', () => {
    const h = history(100);
    const texts = new RecentTexts(h.read, undefined, h.files);
    texts.get(h.files[97]);
    expect(h.reads).toEqual(['/p/m97.sql', '/p/m98.sql', '/p/m99.sql']);
  });

  it('a file that cannot be read ends the batch, and its error comes when it is asked for', () => {
    const h = history(10);
    h.files[3] = { ...h.files[3], path: '/p/broken.sql' };
    const texts = new RecentTexts(h.read, undefined, h.files);
    texts.get(h.files[0]);
    expect(h.reads).toEqual(['/p/m0.sql', '/p/m1.sql', '/p/m2.sql', '/p/broken.sql']);
    texts.get(h.files[1]);
    texts.get(h.files[2]);
    expect(() => texts.get(h.files[3])).toThrow(/broken\.sql: cannot read \(EACCES\)/);
  });

  it('reading in order elsewhere in the history: a batch left from an earlier text does not stop the next ones', () => {
    const h = history(300);
    const texts = new RecentTexts(h.read, undefined, h.files);
    texts.get(h.files[250]); // a look at one migration out of order: 251…299 read with it, never asked for
    for (const f of h.files.slice(0, 101)) texts.get(f);
    // From the second text on, the reads come in batches again: 0, then 1 with 2…65, 66 with 67…130.
    expect(h.reads.slice(50)).toEqual(h.files.slice(0, 131).map((f) => f.path));
  });

  it('a text asked for again (a code frame of an earlier migration) is read again, without a new batch', () => {
    const h = history(200);
    const texts = new RecentTexts(h.read, undefined, h.files);
    for (const f of h.files.slice(0, 30)) texts.get(f);
    const before = h.reads.length;
    texts.get(h.files[0]);
    expect(h.reads.slice(before)).toEqual(['/p/m0.sql']);
  });
});
