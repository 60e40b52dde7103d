import { cpSync, mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { lint } from '../../src/runner/lint.js';
import { corpusIt } from '../helpers/corpus.js';

const temp = mkdtempSync(join(tmpdir(), 'ml-journal-files-'));
afterAll(() => rmSync(temp, { recursive: true, force: true }));

/** A copy of the example's real drizzle-kit folder, then `edit` applied to it. */
function folder(name: string, edit: (dir: string) => void): string {
  const dir = join(temp, name);
  cpSync('examples/shop/drizzle', dir, { recursive: true });
  edit(dir);
  return dir;
}

function editJournal(dir: string, change: (j: { entries: { tag: string; idx?: number }[] }) => void): void {
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

  it('valid: rollbacks drafted by `down --write` kept beside the migrations (<tag>.down.sql) are neither orphans nor duplicate prefixes', async () => {
    const dir = folder('rollbacks', (d) => {
      writeFileSync(join(d, '0005_orders_created_at_index.down.sql'), 'DROP INDEX "public"."orders_created_at_idx";');
      writeFileSync(join(d, '0004_user_role.down.sql'), 'ALTER TABLE "users" DROP COLUMN "role";');
    });
    expect(await findings(dir)).toEqual([]);
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
    expect(result.findings.filter((f) => f.rule === 'journal-files').map((f) => f.messageId).sort()).toEqual(['orphanFile', 'orphanSnapshot', 'unsafeTag']);
    expect([...result.sources.keys()].some((k) => k.includes('passwd'))).toBe(false);
  });
});

describe('journal-files (history integrity)', () => {
  it('invalid: a duplicate tag', async () => {
    const dir = folder('dup-tag', (d) => editJournal(d, (j) => j.entries.push({ ...j.entries[2] })));
    expect((await findings(dir)).map((f) => f.messageId)).toContain('duplicateTag');
  });

  it('invalid: two journal entries sharing a numeric prefix (one overwrote the other\'s snapshot)', async () => {
    const dir = folder('dup-prefix', (d) => {
      writeFileSync(join(d, '0002_other_branch.sql'), 'SELECT 1;');
      editJournal(d, (j) => j.entries.push({ ...j.entries[5], idx: 6, tag: '0002_other_branch', when: (j.entries[5] as unknown as { when: number }).when + 1 } as { tag: string; idx: number }));
    });
    expect((await findings(dir)).map((f) => f.messageId).sort()).toEqual(['duplicatePrefix']);
  });

  it('a .sql file outside the journal sharing a journal entry\'s prefix is one finding (the file never runs), not also a snapshot collision: the journal\'s snapshot is the one generate diffs against (simstudioai__sim 0091, Dokploy 0130, lmnr 0037)', async () => {
    const dir = folder('dup-prefix-orphan', (d) => writeFileSync(join(d, '0002_other_branch.sql'), 'SELECT 1;'));
    expect((await findings(dir)).map((f) => f.messageId).sort()).toEqual(['orphanFile']);
  });

  it('invalid: idx out of order, and an idx gap (warning)', async () => {
    const dir = folder('idx', (d) =>
      editJournal(d, (j) => {
        (j.entries[2] as unknown as { idx: number }).idx = 1;
        (j.entries[5] as unknown as { idx: number }).idx = 9;
      }),
    );
    expect((await findings(dir)).map((f) => [f.messageId, f.migration])).toEqual([
      ['idxOrder', '0002_product_sku'],
      ['idxGap', '0003_drop_refunded_status'],
      ['idxGap', '0005_orders_created_at_index'],
    ]);
  });

  it('an entry without a snapshot that a later snapshot follows is snapshot-drift\'s to judge (that snapshot either has its changes or the full-run comparison says what it lacks): one root cause, one finding', async () => {
    const dir = folder('meta-middle', (d) => rmSync(join(d, 'meta', '0003_snapshot.json')));
    expect(await findings(dir)).toEqual([]);
    const alone = await lint({ paths: [dir], rules: { 'snapshot-drift': 'off' } });
    expect(alone.findings.filter((f) => f.rule === 'journal-files').map((f) => [f.messageId, f.migration])).toEqual([['missingSnapshot', '0003_drop_refunded_status']]);
  });

  it('invalid: an entry without a snapshot, a snapshot without an entry, a stray file in meta/', async () => {
    const dir = folder('meta', (d) => {
      rmSync(join(d, 'meta', '0005_snapshot.json'));
      writeFileSync(join(d, 'meta', '0009_snapshot.json'), '{}');
      writeFileSync(join(d, 'meta', '.DS_Store'), '');
    });
    expect((await findings(dir)).map((f) => f.messageId).sort()).toEqual(['missingSnapshot', 'orphanSnapshot', 'strayMeta']);
  });

  it('invalid: several .sql files outside the journal are one finding listing them (one way of working), the others its related locations; a named file among them gets it', async () => {
    const dir = folder('orphans', (d) => {
      writeFileSync(join(d, '0006_hand_written.sql'), 'SELECT 1;');
      writeFileSync(join(d, '0007_more_by_hand.sql'), 'SELECT 2;');
    });
    const result = await lint({ paths: [dir] });
    const found = result.findings.filter((f) => f.rule === 'journal-files');
    expect(found.map((f) => [f.messageId, f.migration, f.file.replace(dir, '<dir>'), f.related?.map((r) => r.file.replace(dir, '<dir>'))])).toEqual([
      ['orphanFiles', '0006_hand_written', '<dir>/0006_hand_written.sql', ['<dir>/0007_more_by_hand.sql']],
    ]);
    expect(found[0].message).toBe("2 .sql files are not in meta/_journal.json: drizzle's migrate() never runs them, on any database (0006_hand_written.sql, 0007_more_by_hand.sql).");
    const named = (await lint({ paths: [join(dir, '0007_more_by_hand.sql')] })).findings.filter((f) => f.rule === 'journal-files');
    expect(named.map((f) => f.messageId)).toEqual(['orphanFiles']);
  });

  it('real world (fixtures/corpus-excerpts, from simstudioai/sim): an idx gap, and a .sql file outside the journal', async () => {
    const found = await findings('fixtures/corpus-excerpts/simstudioai__sim');
    expect(found.filter((f) => f.messageId !== 'missingSnapshot').map((f) => [f.messageId, f.migration, f.line])).toEqual([
      ['orphanFile', '0091_backfill_user_stats', 1],
      ['idxGap', '0030_happy_joseph', 16],
    ]);
  });

  corpusIt('real corpus: simstudioai__sim has an idx gap; Dokploy__dokploy a file outside the journal with the prefix 0130 of an entry; midday 39 files outside the journal', async () => {
    expect((await findings('../shared/corpus/simstudioai__sim')).map((f) => f.messageId)).toContain('idxGap');
    // 0130_abandoned_dagger.sql is outside the journal, beside the entry 0130_perpetual_screwball: one finding.
    expect((await findings('../shared/corpus/Dokploy__dokploy')).filter((f) => f.messageId === 'duplicatePrefix' || f.messageId === 'orphanFile').map((f) => [f.messageId, f.migration])).toEqual([['orphanFile', '0130_abandoned_dagger']]);
    // One finding for the files outside the journal, naming all 39.
    const midday = (await lint({ paths: ['../shared/corpus/midday-ai__midday'] })).findings.filter((f) => f.rule === 'journal-files' && f.messageId === 'orphanFiles');
    expect(midday).toHaveLength(1);
    expect(midday[0].message).toMatch(/^39 \.sql files are not in meta\/_journal\.json/);
    expect(midday[0].related).toHaveLength(38);
  });
});
