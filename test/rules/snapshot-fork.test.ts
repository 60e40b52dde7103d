import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import rule from '../../src/rules/snapshot-fork.js';
import { editJournal, editSnapshot, historyTester } from '../helpers/history.js';
import { readFileSync } from 'node:fs';

const t = historyTester(rule);
const idOf = (dir: string, prefix: string) => JSON.parse(readFileSync(join(dir, 'meta', `${prefix}_snapshot.json`), 'utf8')).id as string;

describe('snapshot-fork', () => {
  it.each(['examples/shop/drizzle', 'fixtures/projects/safe/drizzle', '../shared/corpus/vercel__ai-chatbot', '../shared/corpus/pages-cms__pages-cms'])('valid: %s as generated', async (dir) => {
    expect(await t.findings(dir)).toEqual([]);
  });

  it('invalid: two snapshots share a parent (two branches generated from one parent, merged)', async () => {
    // 0005 generated on a branch from 0003: it lacks 0004's users.role column (the other branch).
    const dir = t.folder('fork', (d) =>
      editSnapshot(d, '0005', (s) => {
        s.prevId = idOf(d, '0003');
        (s.tables as Record<string, unknown>)['public.users'] = JSON.parse(readFileSync(join(d, 'meta', '0003_snapshot.json'), 'utf8')).tables['public.users'];
      }),
    );
    const found = await t.findings(dir);
    expect(found.map((f) => f.messageId)).toEqual(['fork']);
    expect(found[0].message).toContain('0004_snapshot.json and');
    expect(found[0].message).toContain('collision');
    // 0004 (the other branch) adds the role enum and column, which 0005 (what generate diffs against) lacks.
    expect(found[0].message).toMatch(/lacks what .*0004_snapshot\.json recorded: .*role/);
  });

  it('invalid: a prevId that matches no snapshot', async () => {
    const dir = t.folder('dangling', (d) => editSnapshot(d, '0003', (s) => (s.prevId = '11111111-2222-3333-4444-555555555555')));
    expect((await t.findings(dir)).map((f) => [f.messageId, f.migration])).toEqual([['dangling', '0003_drop_refunded_status']]);
  });

  it('invalid: a copied snapshot (same id)', async () => {
    const dir = t.folder('copy', (d) => editSnapshot(d, '0004', (s) => (s.id = idOf(d, '0003'))));
    expect((await t.findings(dir)).map((f) => f.messageId)).toContain('duplicateId');
  });

  it('invalid: snapshot chain order differs from journal order', async () => {
    const dir = t.folder('order', (d) =>
      editJournal(d, (j) => {
        [j.entries[3], j.entries[4]] = [j.entries[4], j.entries[3]];
      }),
    );
    const found = await t.findings(dir);
    expect(found.map((f) => f.messageId)).toContain('order');
  });

  it('valid: an entry without a snapshot does not break the chain check (journal-files reports it)', async () => {
    const dir = t.folder('no-snapshot', (d) => rmSync(join(d, 'meta', '0005_snapshot.json')));
    expect(await t.findings(dir)).toEqual([]);
  });
});
