import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import rule from '../../src/rules/snapshot-drift.js';
import { addMigration, gitInit, historyTester } from '../helpers/history.js';
import { corpusIt } from '../helpers/corpus.js';

const t = historyTester(rule);
const edit = (dir: string, file: string, change: (sql: string) => string) => writeFileSync(join(dir, file), change(readFileSync(join(dir, file), 'utf8')));

describe('snapshot-drift', () => {
  it.each(['examples/shop/drizzle', 'fixtures/projects/safe/drizzle'])('valid: %s as generated', async (dir) => {
    expect(await t.findings(dir)).toEqual([]);
  });

  corpusIt.each(['../shared/corpus/vercel__ai-chatbot'])('valid: %s as generated', async (dir) => {
    expect(await t.findings(dir)).toEqual([]);
  });

  it('full run: a hand edit to an older migration that the newest snapshot still disagrees with is reported on that migration, once', async () => {
    const dir = t.folder('older', (d) => edit(d, '0002_product_sku.sql', (s) => s.replace(/varchar\(64\)/g, 'varchar(128)')));
    const found = await t.findings(dir);
    expect(found.map((f) => [f.messageId, f.migration, f.line])).toEqual([['history', '0005_orders_created_at_index', 1]]);
    expect(found[0].message).toContain("this migration's snapshot (meta/0005_snapshot.json), the newest, disagree on 1 object since 0002_product_sku (line 2: its SQL made them so)");
    expect(found[0].message).toContain('column public.products.sku (type: varchar(128) [varchar(128)] (migrations) ≠ varchar(64) [varchar(64)] (snapshot))');
  });

  it('full run: hand edits to two older migrations are one finding (one comparison), each origin listed', async () => {
    const dir = t.folder('older-two', (d) => {
      edit(d, '0002_product_sku.sql', (s) => s.replace(/varchar\(64\)/g, 'varchar(128)'));
      edit(d, '0001_rename_user_name.sql', (s) => `${s}\n--> statement-breakpoint\nCREATE INDEX "users_tmp_idx" ON "users" ("email");`);
    });
    const found = await t.findings(dir);
    expect(found.map((f) => [f.messageId, f.migration, f.line, f.severity])).toEqual([['historyMany', '0005_orders_created_at_index', 1, 'error']]);
    expect(found[0].message).toContain('disagree on objects since 2 different migrations');
    expect(found[0].message).toMatch(/since 0001_rename_user_name \(line \d+: its SQL made them so\), 1 object: index public\.users_tmp_idx \(only in the migrations\)/);
    expect(found[0].message).toContain('since 0002_product_sku (line 2: its SQL made them so), 1 object: column public.products.sku');
  });

  it('full run: drift repaired by a later migration is history, not a finding', async () => {
    const dir = t.folder('repaired', (d) => {
      edit(d, '0001_rename_user_name.sql', (s) => `${s}\n--> statement-breakpoint\nCREATE INDEX "users_tmp_idx" ON "users" ("email");`);
      edit(d, '0003_drop_refunded_status.sql', (s) => `${s}\n--> statement-breakpoint\nDROP INDEX "users_tmp_idx";`);
    });
    expect(await t.findings(dir)).toEqual([]);
  });

  it('full run: objects only the snapshot has in a schema the config says exists outside the migrations are expected', async () => {
    const dir = t.folder('external', (d) => edit(d, '0005_orders_created_at_index.sql', () => 'SELECT 1;'));
    expect((await t.findings(dir)).map((f) => f.messageId)).toEqual(['onlyInSnapshot']);
    expect(await t.findings(dir, { lintConfig: { schemas: ['public'] } })).toEqual([]);
  });

  corpusIt('real corpus, full run: simstudio\'s older drift, traced to where it began', async () => {
    const found = await t.findings('../shared/corpus/simstudioai__sim');
    // One comparison, one finding: every origin listed in it.
    expect(found.map((f) => [f.messageId, f.migration])).toEqual([['historyMany', '0298_nosy_ken_ellis']]);
    // 0079 adds billing_blocked nullable; the snapshots say NOT NULL.
    expect(found[0].message).toContain('since 0079_shocking_shriek (line 4: its SQL made them so), 1 object: column public.user_stats.billing_blocked (not null: false (migrations) ≠ true (snapshot))');
    // 0224 adds five import_* columns with their snapshot; 0233's snapshot drops them, its SQL does not.
    expect(found[0].message).toContain('since 0233_table_jobs_and_keyset (its snapshot made them so), 5 objects');
  }, 60_000);

  it('invalid: the newest migration edited by hand (index on another column)', async () => {
    const dir = t.folder('edited', (d) => edit(d, '0005_orders_created_at_index.sql', (s) => s.replace('("created_at")', '("status")')));
    const found = await t.findings(dir);
    expect(found.map((f) => f.messageId)).toEqual(['differs']);
    expect(found[0].message).toContain('orders_created_at_idx');
    expect(found[0].message).toContain('meta/0005_snapshot.json');
  });

  it('invalid: past the eight differences a migration lists, one line counts the rest (one more object, in the singular)', async () => {
    const extra = Array.from({ length: 9 }, (_, i) => `CREATE INDEX "extra_${i + 1}_idx" ON "orders" ("status");`).join('\n--> statement-breakpoint\n');
    const dir = t.folder('nine', (d) => edit(d, '0005_orders_created_at_index.sql', (s) => `${s}\n--> statement-breakpoint\n${extra}`));
    const found = await t.findings(dir);
    expect(found).toHaveLength(9);
    expect(found[8].messageId).toBe('more');
    expect(found[8].message).toBe('0005_orders_created_at_index.sql and meta/0005_snapshot.json disagree on 1 more object: public.extra_9_idx.');
  });

  it('still runs when it is the only rule on (its facts are gathered by rule id, not by hook)', async () => {
    const dir = t.folder('alone', (d) => edit(d, '0005_orders_created_at_index.sql', (s) => s.replace('("created_at")', '("status")')));
    const { ruleList } = await import('../../src/rules/index.js');
    const rules = Object.fromEntries(ruleList.map((r) => [r.id, r.id === 'snapshot-drift' ? ('error' as const) : ('off' as const)]));
    expect((await t.findings(dir, { rules })).map((f) => f.messageId)).toEqual(['differs']);
  });

  it('invalid: a statement removed from the SQL (the snapshot has the index, the SQL never creates it)', async () => {
    const dir = t.folder('removed', (d) => writeFileSync(join(d, '0005_orders_created_at_index.sql'), 'SELECT 1;'));
    const found = await t.findings(dir);
    expect(found.map((f) => f.messageId)).toEqual(['onlyInSnapshot']);
    expect(found[0].message).toMatch(/has index .*orders_created_at_idx, but 0005_orders_created_at_index\.sql never creates it/);
  });

  it('with a git base, every changed migration is compared (not only the newest)', async () => {
    const dir = t.folder('since');
    gitInit(dir);
    edit(dir, '0002_product_sku.sql', (s) => s.replace(/varchar\(64\)/g, 'varchar(128)'));
    const found = await t.findings(dir, { since: 'main', cwd: dir, paths: ['.'] });
    expect(found.map((f) => [f.messageId, f.migration])).toEqual([['differs', '0002_product_sku']]);
    expect(found[0].message).toContain('varchar(128)');
  });

  it('valid: a `generate --custom` migration with data changes only', async () => {
    const dir = t.folder('custom-data', (d) => addMigration(d, '0006_backfill', '-- Custom SQL migration file, put your code below! --\nUPDATE "users" SET "email" = lower("email");'));
    expect(await t.findings(dir)).toEqual([]);
  });

  it('invalid (warn): a `generate --custom` migration that changes a tracked table', async () => {
    const dir = t.folder('custom-ddl', (d) => addMigration(d, '0006_nickname', '-- Custom SQL migration file, put your code below! --\nALTER TABLE "users" ADD COLUMN "nickname" text;'));
    const found = await t.findings(dir);
    expect(found.map((f) => f.messageId)).toEqual(['custom']);
    expect(found[0].message).toContain('users.nickname');
    expect(found[0].message).toContain('undoes the change');
  });
});
