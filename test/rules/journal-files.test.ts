import { cpSync, mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { lint } from '../../src/runner/lint.js';

const temp = mkdtempSync(join(tmpdir(), 'ml-journal-files-'));
afterAll(() => rmSync(temp, { recursive: true, force: true }));

/** A copy of the example's real drizzle-kit folder, then `edit` applied to it. */
function folder(name: string, edit: (dir: string) => void): string {
  const dir = join(temp, name);
  cpSync('examples/shop/drizzle', dir, { recursive: true });
  edit(dir);
  return dir;
}

function editJournal(dir: string, change: (j: { entries: { tag: string }[] }) => void): void {
  const file = join(dir, 'meta', '_journal.json');
  const journal = JSON.parse(readFileSync(file, 'utf8'));
  change(journal);
  writeFileSync(file, JSON.stringify(journal, null, 2));
}

async function findings(dir: string) {
  const result = await lint({ paths: [dir] });
  return result.findings.filter((f) => f.rule === 'journal-files').map((f) => ({ messageId: f.messageId, migration: f.migration, line: f.line, file: f.file.replace(dir, '<dir>') }));
}

describe('journal-files', () => {
  it('valid: the drizzle-kit folder as generated', async () => {
    expect(await findings('examples/shop/drizzle')).toEqual([]);
  });

  it('invalid: a .sql file that is not in the journal', async () => {
    const dir = folder('orphan', (d) => writeFileSync(join(d, '0006_hand_written.sql'), 'SELECT 1;'));
    expect(await findings(dir)).toEqual([{ messageId: 'orphanFile', migration: '0006_hand_written', line: 1, file: '<dir>/0006_hand_written.sql' }]);
  });

  it('invalid: a journal entry whose file is missing (the migrator throws)', async () => {
    const dir = folder('missing', (d) => rmSync(join(d, '0002_product_sku.sql')));
    const [f] = await findings(dir);
    expect(f).toMatchObject({ messageId: 'missingFile', migration: '0002_product_sku', file: '<dir>/meta/_journal.json' });
    expect(f.line).toBeGreaterThan(1);
  });

  it('invalid: a tag that escapes the folder is refused, never read', async () => {
    const dir = folder('escape', (d) => editJournal(d, (j) => (j.entries[1].tag = '../../../etc/passwd')));
    const result = await lint({ paths: [dir] });
    expect(result.findings.filter((f) => f.rule === 'journal-files').map((f) => f.messageId).sort()).toEqual(['orphanFile', 'unsafeTag']);
    expect([...result.sources.keys()].some((k) => k.includes('passwd'))).toBe(false);
  });
});
