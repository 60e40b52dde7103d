import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import rule from '../../src/rules/journal-order.js';
import { editJournal, gitInit, historyTester } from '../helpers/history.js';

const t = historyTester(rule);

describe('journal-order', () => {
  it.each(['examples/shop/drizzle', 'fixtures/projects/safe/drizzle', '../shared/corpus/vercel__ai-chatbot'])('valid: %s as generated', async (dir) => {
    expect(await t.findings(dir)).toEqual([]);
  });

  it('invalid: an entry whose `when` goes backwards (merged from an older branch)', async () => {
    const dir = t.folder('backwards', (d) => editJournal(d, (j) => (j.entries[3].when = j.entries[1].when - 1000)));
    const found = await t.findings(dir);
    expect(found.map((f) => [f.messageId, f.migration])).toEqual([['backwards', '0003_drop_refunded_status']]);
    expect(found[0].message).toContain('skips 0003_drop_refunded_status forever');
    expect(found[0].message).toContain('0002_product_sku');
    expect(found[0].line).toBeGreaterThan(1);
    expect(found[0].help).toContain('regenerate');
  });

  it('invalid: a `when` in the future raises the high-water mark', async () => {
    const dir = t.folder('future', (d) => editJournal(d, (j) => (j.entries[5].when = Date.now() + 30 * 24 * 3600 * 1000)));
    expect((await t.findings(dir)).map((f) => f.messageId)).toEqual(['future']);
  });

  it('invalid with a git base: a new entry older than the newest entry at the base', async () => {
    const dir = t.folder('git-base', (d) => editJournal(d, (j) => (j.entries = j.entries.slice(0, 5))));
    const git = gitInit(dir);
    git('checkout', '-q', '-b', 'feature');
    // The feature branch's migration was generated before main's newest one (0004) but merged after it.
    writeFileSync(join(dir, '0005_orders_created_at_index.sql'), 'CREATE INDEX "orders_created_at_idx" ON "orders" USING btree ("created_at");');
    editJournal(dir, (j) => j.entries.push({ idx: 5, version: '7', when: j.entries[3].when + 1, tag: '0005_orders_created_at_index', breakpoints: true } as never));
    const found = await t.findings(dir, { since: 'main', cwd: dir, paths: ['.'] });
    expect(found.map((f) => [f.messageId, f.migration])).toEqual([['olderThanBase', '0005_orders_created_at_index']]);
    expect(found[0].message).toContain('0004_user_role');
    expect(found[0].message).toContain('newest entry at main');
    // Without the base, the journal alone is out of order too (reported as backwards).
    expect((await t.findings(dir)).map((f) => f.messageId)).toEqual(['backwards']);
  });

  it('real corpus: usekaneo__kaneo has three backwards `when`', async () => {
    const found = await t.findings('../shared/corpus/usekaneo__kaneo');
    expect(found.filter((f) => f.messageId === 'backwards')).toHaveLength(3);
  });
});
