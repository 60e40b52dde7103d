import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkSnapshotAgreement, compareSchemas, fromSnapshot, loadParser, type AgreementReport } from '../src/index.js';

/**
 * Snapshot-built and replay-built schema models must agree: on every fixture (real drizzle-kit
 * output) exactly, and on the real-world corpus up to the drift classified below.
 */

const ROOT = join(import.meta.dirname, '..');
const CORPUS = join(ROOT, '../shared/corpus');

function fixtureFolders(): string[] {
  const projects = join(ROOT, 'fixtures/projects');
  const found = existsSync(projects)
    ? readdirSync(projects)
        .map((name) => join('fixtures/projects', name, 'drizzle'))
        .filter((dir) => existsSync(join(ROOT, dir, 'meta/_journal.json')))
    : [];
  if (existsSync(join(ROOT, 'examples/shop/drizzle/meta/_journal.json'))) found.push('examples/shop/drizzle');
  return found.sort();
}

/** `first..last object name` per difference, grouped over the migrations where it persists. */
function driftSummary(report: AgreementReport): string[] {
  const groups = new Map<string, { first: string; last: string }>();
  for (const d of report.disagreements) {
    for (const x of d.differences) {
      const k = `${x.object} ${x.name}`;
      const g = groups.get(k);
      if (g) g.last = d.tag;
      else groups.set(k, { first: d.tag, last: d.tag });
    }
  }
  return [...groups].map(([k, g]) => `${g.first.split('_')[0]}..${g.last.split('_')[0]} ${k}`).sort();
}

describe('fixtures: snapshots and replayed SQL agree', () => {
  const folders = fixtureFolders();
  it('finds the fixture projects', () => {
    expect(folders).toContain('examples/shop/drizzle');
    expect(folders.length).toBeGreaterThanOrEqual(2);
  });
  // No fixture migration named `hand-edited` changes anything the snapshot models (features/0000
  // only creates an extension, reversal/0010 only comments), so every fixture must agree exactly, but for the drift a fixture
  // is made to show: in the name-collision fixtures, drizzle-kit's DROP CONSTRAINT of a 104-byte
  // foreign key name is truncated to the primary key's name and drops it (measured on
  // PostgreSQL 15), while the snapshot keeps the primary key. In reversal, 0006 removes notes.id's
  // primary key, but drizzle-kit cannot name it and writes the DROP CONSTRAINT commented out (the key
  // stays); and DROP IDENTITY leaves orders.n NOT NULL (measured on PostgreSQL 15) while the snapshot
  // says NULL-able.
  const EXPECTED: Record<string, string[]> = {
    'fixtures/projects/reversal/drizzle': ['0006..0011 constraint public.notes.notes_pkey', '0006..0016 column public.orders.n'],
    'fixtures/projects/name-collision/drizzle': ['0001..0001 constraint public.workspace_notification_delivery_subscriptions.workspace_notification_delivery_subscriptions_subscription_id_w'],
    'fixtures/projects/name-collision-legacy/drizzle': ['0001..0001 constraint public.workspace_notification_delivery_subscriptions.workspace_notification_delivery_subscriptions_subscription_id_w'],
  };
  it.each(folders)('%s', async (dir) => {
    const report = await checkSnapshotAgreement({ cwd: ROOT, paths: [dir] });
    expect(report.chainProblems).toEqual([]);
    expect(report.chainIntact).toBe(true);
    expect(report.skipped).toEqual([]);
    expect(report.compared).toBeGreaterThan(0);
    expect(driftSummary(report)).toEqual(EXPECTED[dir] ?? []);
  });
});

/**
 * Real drift in the corpus folders whose snapshot chain is intact. Every entry was checked against
 * the SQL and the snapshots; a change here means a model regression (or a fixed model bug).
 */
const CORPUS_DRIFT: Record<string, { compared: number; disagreements: number; drift: string[] }> = {
  'vercel__ai-chatbot': { compared: 9, disagreements: 0, drift: [] },
  'pages-cms__pages-cms': { compared: 12, disagreements: 0, drift: [] },
  'onlook-dev__onlook': {
    compared: 20,
    disagreements: 20,
    drift: [
      // 0000 is hand-edited: the DO block creates enum "message_role" ('user','assistant') for
      // messages.role; the snapshot has enum "role" ('user','assistant','system'). Ends at 0016.
      '0000..0015 enum public.message_role',
      '0000..0015 enum public.role',
      '0000..0015 column public.messages.role',
      // The schema declares Supabase's auth.users (and from 0015 the auth schema); no migration creates them.
      '0005..0019 table auth.users',
      '0015..0019 schema auth',
      // 0006_rls is a custom migration: hand-written policies never reach the snapshots.
      ...['canvas', 'frames', 'projects', 'users', 'user_settings', 'user_canvases', 'project_invitations'].flatMap((t) =>
        ['insert', 'select', 'update', 'delete'].map((op) => `0006..0019 policy public.${t}.${t}_${op}_policy`),
      ),
      ...['select', 'update', 'delete'].map((op) => `0006..0019 policy public.user_projects.user_projects_${op}_policy`),
      // 0009 is a custom migration that re-adds three columns; only 0010's snapshot has them.
      '0009..0009 column public.projects.preview_img_url',
      '0009..0009 column public.projects.preview_img_path',
      '0009..0009 column public.projects.preview_img_bucket',
      // 0010 was hand-edited to name the enum verification_request_status; its snapshot says "status".
      '0010..0010 enum public.verification_request_status',
      '0010..0010 enum public.status',
      '0010..0010 column public.custom_domain_verification.status',
      // 0011 creates subscription_status and types subscriptions.status with it; the snapshots keep
      // `text` without default until 0015.
      '0011..0014 enum public.subscription_status',
      '0011..0014 column public.subscriptions.status',
    ].sort(),
  },
};

describe.skipIf(!existsSync(CORPUS))('corpus: only classified drift remains', () => {
  it.each(Object.keys(CORPUS_DRIFT))('%s', async (folder) => {
    const expected = CORPUS_DRIFT[folder];
    const report = await checkSnapshotAgreement({ cwd: ROOT, paths: [join(CORPUS, folder)] });
    expect(report.chainIntact).toBe(true);
    expect(report.compared).toBe(expected.compared);
    expect(report.disagreements.length).toBe(expected.disagreements);
    expect(driftSummary(report)).toEqual(expected.drift);
  });
});

describe('compareSchemas: spellings PostgreSQL stores identically', () => {
  beforeAll(loadParser);
  const table = (over: Record<string, unknown>) => ({
    name: 't',
    schema: '',
    columns: { id: { name: 'id', type: 'integer', primaryKey: true, notNull: true } },
    indexes: {},
    foreignKeys: {},
    compositePrimaryKeys: {},
    uniqueConstraints: {},
    policies: {},
    checkConstraints: {},
    isRLSEnabled: false,
    ...over,
  });
  const snap = (tables: Record<string, unknown>, enums: Record<string, unknown> = {}) => fromSnapshot({ version: '7', tables, enums });

  it('a literal cast to the column type equals the bare literal', () => {
    const enums = { 'public.st': { name: 'st', schema: 'public', values: ['a', 'b'] } };
    const a = snap({ 'public.t': table({ columns: { s: { name: 's', type: 'st', typeSchema: 'public', notNull: false, default: "'a'::\"public\".\"st\"" }, j: { name: 'j', type: 'jsonb', notNull: false, default: "'{}'::jsonb" } } }) }, enums);
    const b = snap({ 'public.t': table({ columns: { s: { name: 's', type: 'st', typeSchema: 'public', notNull: false, default: "'a'" }, j: { name: 'j', type: 'jsonb', notNull: false, default: "'{}'" } } }) }, enums);
    expect(compareSchemas(a, b)).toEqual([]);
    const c = snap({ 'public.t': table({ columns: { s: { name: 's', type: 'st', typeSchema: 'public', notNull: false, default: "'b'" }, j: { name: 'j', type: 'jsonb', notNull: false, default: "'[]'::jsonb" } } }) }, enums);
    expect(compareSchemas(a, c).map((d) => d.name)).toEqual(['public.t.s', 'public.t.j']);
  });

  it('a column qualified by its own table equals the bare column (index predicate, generated column)', () => {
    const idx = (where: string) => ({ i: { name: 'i', columns: [{ expression: 'id', isExpression: false, asc: true, nulls: 'last' }], isUnique: false, where, method: 'btree' } });
    const a = snap({ 'public.t': table({ indexes: idx('"t"."id" IS NOT NULL') }) });
    const b = snap({ 'public.t': table({ indexes: idx('id IS NOT NULL') }) });
    expect(compareSchemas(a, b)).toEqual([]);
    const c = snap({ 'public.t': table({ indexes: idx('other.id IS NOT NULL') }) });
    expect(compareSchemas(a, c)).toHaveLength(1);
  });

  it('an index "expression" that is a column with an ordering is that column', () => {
    const a = snap({ 'public.t': table({ indexes: { i: { name: 'i', columns: [{ expression: '"id" DESC NULLS LAST', isExpression: true, asc: true, nulls: 'last' }], isUnique: false, method: 'btree' } } }) });
    const b = snap({ 'public.t': table({ indexes: { i: { name: 'i', columns: [{ expression: 'id', isExpression: false, asc: false, nulls: 'last' }], isUnique: false, method: 'btree' } } }) });
    expect(compareSchemas(a, b)).toEqual([]);
  });

  it('tables with policies have row level security enabled', () => {
    const policy = { p: { name: 'p', as: 'PERMISSIVE', for: 'SELECT', to: ['public'], using: 'true' } };
    const a = snap({ 'public.t': table({ policies: policy }) });
    expect(a.tables.get('public.t')!.rlsEnabled).toBe(true);
  });

  it('a primary key with no name in the snapshot matches the table primary key of any name', () => {
    const a = snap({ 'public.t': table({}) });
    const b = snap({ 'public.t': table({}) });
    const pk = b.tables.get('public.t')!.constraints.get('t_pkey')!;
    b.tables.get('public.t')!.constraints.delete('t_pkey');
    b.tables.get('public.t')!.constraints.set('old_pkey', { ...pk, name: 'old_pkey', implicitName: false });
    expect(compareSchemas(a, b)).toEqual([]);
    a.tables.get('public.t')!.constraints.get('t_pkey')!.implicitName = false;
    expect(compareSchemas(a, b).map((d) => d.detail)).toEqual(['only in left', 'only in right']);
  });
});
