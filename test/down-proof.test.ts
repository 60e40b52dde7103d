import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emptyDatabase, proveDowns, rolesCreated, type ProofReport } from '../src/down/prove.js';
import { startPglite, extensionsUsed, type Engine } from '../src/verify/engine.js';
import { loadHistory, type LoadedHistory } from '../src/verify/load.js';

/**
 * The round-trip proof of `down` on PostgreSQL (PGlite), over every fixture project made by real
 * drizzle-kit: for each migration N, the schema after N-1 is introspected, N applied, its drafted
 * rollback applied, the schema introspected again and compared. A migration called fully
 * reversible must compare equal; any other difference must be one its header declared. One PGlite
 * for all projects (emptied between them).
 *
 * Pinned per project: the verdict of every migration, and the migrations PGlite refuses to apply
 * (the lint examples that fail on any database; pgvector, which PGlite does not ship).
 */
const temp = mkdtempSync(join(tmpdir(), 'ml-down-proof-'));
afterAll(() => rmSync(temp, { recursive: true, force: true }));

interface Expected {
  folder: string;
  /** Verdict per migration tag, in history order ('-' for one PGlite cannot apply). */
  verdicts: Record<string, 'reversible' | 'structure-only' | 'irreversible' | '-'>;
  /** Adapt a copy before proving (features, for PGlite). */
  edit?: (dir: string) => void;
}

/**
 * features as test/verify-introspect.test.ts adapts it: without pgvector (not in PGlite) `vector(3)`
 * is `real[]` and its hnsw indexes btree; 0003 drops and re-adds the generated `full_name` around
 * the type change of a column it reads (PostgreSQL refuses it otherwise, on any server).
 */
function featuresForPglite(dir: string): void {
  for (const f of readdirSync(dir).filter((f) => f.endsWith('.sql'))) {
    const file = join(dir, f);
    const text = readFileSync(file, 'utf8')
      .replace('CREATE EXTENSION IF NOT EXISTS vector;', '')
      .replaceAll('vector(3)', 'real[]')
      .replaceAll('USING hnsw ("embedding" vector_cosine_ops)', 'USING btree ("embedding")')
      .replace('ALTER TABLE "members" ALTER COLUMN "first_name" SET DATA TYPE varchar(100);', () =>
        [
          'ALTER TABLE "members" DROP COLUMN "full_name";',
          'ALTER TABLE "members" ALTER COLUMN "first_name" SET DATA TYPE varchar(100);',
          `ALTER TABLE "members" ADD COLUMN "full_name" text GENERATED ALWAYS AS (coalesce(first_name, '') || ' ' || coalesce(last_name, '')) STORED;`,
        ].join('--> statement-breakpoint\n'),
      );
    writeFileSync(file, text);
  }
}

const R = 'reversible' as const;
const S = 'structure-only' as const;
const I = 'irreversible' as const;
/** PGlite refuses it, as any PostgreSQL would (the lint examples), or lacks what it needs. */
const X = '-' as const;

const PROJECTS: Expected[] = [
  // 0002: text → integer without USING; 0004: the enum that is not exported has no CREATE TYPE.
  { folder: 'examples/shop/drizzle', verdicts: { '0000_init': R, '0001_rename_user_name': S, '0002_product_sku': X, '0003_drop_refunded_status': R, '0004_user_role': X, '0005_orders_created_at_index': R } },
  // The same change answered "create" and "rename" (test/fix-proof.test.ts): ADD/DROP COLUMN and CREATE/DROP TABLE lose data; drizzle-kit's RENAME output loses the column changes.
  { folder: 'fixtures/projects/fix-renames/drizzle', verdicts: { '0000_init': R, '0001_orders': R } },
  { folder: 'fixtures/projects/fix-renames/answered-create/drizzle', verdicts: { '0000_init': R, '0001_orders': R, '0002_renames': S } },
  { folder: 'fixtures/projects/fix-renames/answered-rename/drizzle', verdicts: { '0000_init': R, '0001_orders': R, '0002_renames': R } },
  // The example with the pgEnum exported: 0002 casts without USING (as the example); 0004 has its CREATE TYPE.
  { folder: 'fixtures/projects/shop-enum-exported/drizzle', verdicts: { '0000_init': R, '0001_rename_user_name': S, '0002_product_sku': X, '0003_drop_refunded_status': R, '0004_user_role': R, '0005_orders_created_at_index': R } },
  { folder: 'fixtures/projects/branch-merge/drizzle', verdicts: { '0000_init': R, '0001_posts': R, '0002_display_name': R } },
  { folder: 'fixtures/projects/branch-merge/branch-a/drizzle', verdicts: { '0000_init': R, '0001_posts': R, '0002_display_name': R, '0003_comments': R } },
  { folder: 'fixtures/projects/branch-merge/branch-b/drizzle', verdicts: { '0000_init': R, '0001_posts': R, '0002_display_name': R, '0003_avatar_url': R } },
  { folder: 'fixtures/projects/branch-merge/merged-skip/drizzle', verdicts: { '0000_init': R, '0001_posts': R, '0002_display_name': R, '0003_avatar_url': R, '0004_comments': R } },
  { folder: 'fixtures/projects/branch-merge/merged-restamped/drizzle', verdicts: { '0000_init': R, '0001_posts': R, '0002_display_name': R, '0003_avatar_url': R, '0004_comments': R } },
  // 0001: casts without USING, serial → identity with the sequence still there.
  { folder: 'fixtures/projects/column-changes/drizzle', verdicts: { '0000_init': R, '0001_column_changes': X, '0002_long_names': R } },
  // 0007: ADD GENERATED … AS IDENTITY on the bigserial column that keeps its sequence.
  {
    folder: 'fixtures/projects/features/drizzle',
    edit: featuresForPglite,
    verdicts: { '0000_hand-edited-extensions': R, '0001_init': R, '0002_views_rls_sequence': R, '0003_alter_columns': R, '0004_drop_objects': I, '0005_renames': R, '0006_constraints': R, '0007_identity_and_cleanup': X },
  },
  // Every other kind of statement drizzle-kit 0.31 writes: schema, role, sequence, views with options, identity, policies; altered, renamed, dropped, moved.
  {
    folder: 'fixtures/projects/reversal/drizzle',
    verdicts: {
      '0000_init': R, '0001_alter': I, '0002_renames': R, '0003_drops': S, '0004_move_and_drop_schema': R, '0005_more_objects': R, '0006_more_changes': I, '0007_more_moves': R, '0008_view_back': R, '0009_rename_schema': R,
      '0010_hand-edited-comments': R, '0011_drop_commented': S, '0012_drop_notes': S, '0013_matview_options_and_identity': R, '0014_primary_key_and_identity_added': R,
      '0015_matview_rename': R, '0016_matview_move': R,
    },
  },
  // 0000: the foreign key whose name, truncated to 63 bytes, is the primary key's (42710, on any server).
  { folder: 'fixtures/projects/name-collision/drizzle', verdicts: { '0000_init': X, '0001_name_the_foreign_key': R } },
  // The same with drizzle-kit 0.24's DO … duplicate_object wrapper: the failure is swallowed, then 0001 drops the primary key.
  { folder: 'fixtures/projects/name-collision-legacy/drizzle', verdicts: { '0000_init': R, '0001_name_the_foreign_key': R } },
  { folder: 'fixtures/projects/unrelated-rename/drizzle', verdicts: { '0000_init': R, '0001_description_to_summary': S } },
  // The clean history the deploy-path rules' app files and the concurrent-migrate test use.
  { folder: 'fixtures/projects/deploy-path/drizzle', verdicts: { '0000_init': R, '0001_invoice_status': R, '0002_payments': R } },
  { folder: 'fixtures/projects/young-tables/drizzle', verdicts: { '0000_init': R, '0001_invoices': R, '0002_rename_invoices': R, '0003_indexes_and_constraints': R } },
  { folder: 'fixtures/projects/legacy-do-blocks/drizzle', verdicts: { '0000_init': R, '0001_status_and_comments': R, '0002_urgent_priority': I } },
  // 0002: drizzle-kit's DROP CONSTRAINT after DROP TABLE … CASCADE took it; 0004: a new enum value used in the same transaction.
  {
    folder: 'fixtures/projects/locks/drizzle',
    verdicts: { '0000_init': R, '0001_index_unique_fk_check': R, '0002_drop_column_and_table': X, '0003_remove_last_policy': R, '0004_enum_value_as_default': X, '0005_renames': R, '0006_new_column_constraints': R, '0007_unique_index': R, '0008_unique_index_to_constraint': R },
  },
  {
    folder: 'fixtures/projects/renames/drizzle',
    verdicts: {
      '0000_init': R, '0001_rename_post_body': R, '0002_rename_author_bio': S, '0003_rename_tags_table': R, '0004_rename_comments_table': S, '0005_rename_post_status_enum': R,
      '0006_rename_archived_value': R, '0007_recreate_comment_enum': R, '0008_replace_author_links': S,
    },
  },
  { folder: 'fixtures/projects/safe/drizzle', verdicts: { '0000_init': R, '0001_profile_and_plan_columns': R, '0002_viewer_role': I, '0003_projects': R } },
  // 0002 and 0003: the pgSchema and schema enum that are not exported never get created.
  { folder: 'fixtures/projects/schemas/drizzle', verdicts: { '0000_init': R, '0001_payments': R, '0002_audit_events': X, '0003_payment_method': X } },
  { folder: 'fixtures/projects/v1-folders/drizzle', verdicts: { '20250106090000_init': R, '20250106100000_isbn': R, '20250106110000_archived_status': I } },
];

let engine: Engine;
const histories = new Map<string, LoadedHistory>();

beforeAll(async () => {
  for (const p of PROJECTS) {
    const dir = join(temp, p.folder.replaceAll('/', '_'));
    cpSync(p.folder, dir, { recursive: true });
    p.edit?.(dir);
    histories.set(p.folder, await loadHistory({ cwd: process.cwd(), paths: [dir], env: {} }));
  }
  const texts = [...histories.values()].flatMap((h) => h.migrations.map((m) => m.text));
  engine = (await startPglite(extensionsUsed(texts))).engine;
}, 180_000);
afterAll(async () => engine?.close());

/** Every migrations folder under fixtures/projects (branch copies and merges included) and the example's. */
function fixtureFolders(): string[] {
  const found = ['examples/shop/drizzle'];
  const walk = (dir: string, depth: number) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (!entry.isDirectory()) continue;
      const path = `${dir}/${entry.name}`;
      if (entry.name === 'drizzle') found.push(path);
      else if (depth < 2 && entry.name !== 'steps') walk(path, depth + 1);
    }
  };
  walk('fixtures/projects', 0);
  return found.sort();
}

/**
 * Every kind of statement drizzle-kit 0.31 writes for PostgreSQL (one per Pg convertor of its
 * bin.cjs, several for those that write more than one), as it spells them.
 */
const DRIZZLE_KIT_KINDS: [string, RegExp][] = [
  ['CREATE SCHEMA', /^CREATE SCHEMA/], ['ALTER SCHEMA … RENAME TO', /^ALTER SCHEMA \S+ RENAME TO/], ['DROP SCHEMA', /^DROP SCHEMA/],
  ['CREATE ROLE', /^CREATE ROLE/], ['ALTER ROLE … WITH', /^ALTER ROLE \S+ WITH/], ['ALTER ROLE … RENAME TO', /^ALTER ROLE \S+ RENAME TO/], ['DROP ROLE', /^DROP ROLE/],
  ['CREATE TYPE … AS ENUM', /^CREATE TYPE .* AS ENUM/], ['ALTER TYPE … ADD VALUE', /^ALTER TYPE .* ADD VALUE/], ['ALTER TYPE … RENAME TO', /^ALTER TYPE \S+ RENAME TO/],
  ['ALTER TYPE … SET SCHEMA', /^ALTER TYPE \S+ SET SCHEMA/], ['DROP TYPE', /^DROP TYPE/], ['an enum value removed (column through text, type rebuilt)', /SET DATA TYPE "[^"]+"\."[^"]+" USING "\w+"::"/],
  ['CREATE SEQUENCE', /^CREATE SEQUENCE/], ['ALTER SEQUENCE … options', /^ALTER SEQUENCE \S+ (?!RENAME|SET SCHEMA)/], ['ALTER SEQUENCE … RENAME TO', /^ALTER SEQUENCE \S+ RENAME TO/],
  ['ALTER SEQUENCE … SET SCHEMA', /^ALTER SEQUENCE \S+ SET SCHEMA/], ['DROP SEQUENCE', /^DROP SEQUENCE/],
  ['CREATE TABLE', /^CREATE TABLE/], ['ALTER TABLE … RENAME TO', /^ALTER TABLE \S+ RENAME TO/], ['ALTER TABLE … SET SCHEMA', /^ALTER TABLE \S+ SET SCHEMA/], ['DROP TABLE', /^DROP TABLE/],
  ['ADD COLUMN', /ADD COLUMN/], ['RENAME COLUMN', /RENAME COLUMN/], ['DROP COLUMN', /DROP COLUMN/], ['SET DATA TYPE', /SET DATA TYPE/],
  ['SET DEFAULT', /SET DEFAULT/], ['DROP DEFAULT', /DROP DEFAULT/], ['SET NOT NULL', /SET NOT NULL/], ['DROP NOT NULL', /DROP NOT NULL/], ['DROP EXPRESSION', /DROP EXPRESSION/],
  ['ADD GENERATED … AS IDENTITY', /ALTER COLUMN \S+ ADD GENERATED/], ['DROP IDENTITY', /DROP IDENTITY/], ['SET GENERATED ALWAYS | BY DEFAULT', /ALTER COLUMN \S+ SET GENERATED/],
  ['identity SET MINVALUE', /ALTER COLUMN \S+ SET MINVALUE/], ['identity SET MAXVALUE', /ALTER COLUMN \S+ SET MAXVALUE/], ['identity SET INCREMENT BY', /ALTER COLUMN \S+ SET INCREMENT BY/],
  ['identity SET START WITH', /ALTER COLUMN \S+ SET START WITH/], ['identity SET CACHE', /ALTER COLUMN \S+ SET CACHE/], ['identity SET CYCLE', /ALTER COLUMN \S+ SET (NO )?CYCLE/],
  ['ADD PRIMARY KEY (a column)', /ADD PRIMARY KEY/], ['ADD CONSTRAINT … PRIMARY KEY', /ADD CONSTRAINT \S+ PRIMARY KEY/], ['ADD CONSTRAINT … UNIQUE', /ADD CONSTRAINT \S+ UNIQUE/],
  ['ADD CONSTRAINT … CHECK', /ADD CONSTRAINT \S+ CHECK/], ['ADD CONSTRAINT … FOREIGN KEY', /ADD CONSTRAINT \S+ FOREIGN KEY/], ['DROP CONSTRAINT', /^ALTER TABLE .* DROP CONSTRAINT/],
  ['CREATE INDEX', /^CREATE (UNIQUE )?INDEX/], ['CREATE INDEX CONCURRENTLY', /INDEX CONCURRENTLY/], ['DROP INDEX', /^DROP INDEX/],
  ['ENABLE ROW LEVEL SECURITY', /ENABLE ROW LEVEL SECURITY/], ['DISABLE ROW LEVEL SECURITY', /DISABLE ROW LEVEL SECURITY/],
  ['CREATE POLICY', /^CREATE POLICY/], ['ALTER POLICY … TO / USING', /^ALTER POLICY (?!.*RENAME TO)/], ['ALTER POLICY … RENAME TO', /^ALTER POLICY .* RENAME TO/], ['DROP POLICY', /^DROP POLICY/],
  ['CREATE VIEW', /^CREATE VIEW/], ['ALTER VIEW … SET (…)', /^ALTER VIEW \S+ SET \(/], ['ALTER VIEW … RESET (…)', /^ALTER VIEW \S+ RESET \(/],
  ['ALTER VIEW … RENAME TO', /^ALTER VIEW \S+ RENAME TO/], ['ALTER VIEW … SET SCHEMA', /^ALTER VIEW \S+ SET SCHEMA/], ['DROP VIEW', /^DROP VIEW/],
  ['CREATE MATERIALIZED VIEW', /^CREATE MATERIALIZED VIEW/], ['ALTER MATERIALIZED VIEW … SET (…)', /^ALTER MATERIALIZED VIEW \S+ SET \(/],
  ['ALTER MATERIALIZED VIEW … RESET (…)', /^ALTER MATERIALIZED VIEW \S+ RESET \(/], ['ALTER MATERIALIZED VIEW … SET TABLESPACE', /^ALTER MATERIALIZED VIEW \S+ SET TABLESPACE/],
  ['ALTER MATERIALIZED VIEW … SET ACCESS METHOD', /^ALTER MATERIALIZED VIEW \S+ SET ACCESS METHOD/], ['ALTER MATERIALIZED VIEW … RENAME TO', /^ALTER MATERIALIZED VIEW \S+ RENAME TO/],
  ['ALTER MATERIALIZED VIEW … SET SCHEMA', /^ALTER MATERIALIZED VIEW \S+ SET SCHEMA/], ['DROP MATERIALIZED VIEW', /^DROP MATERIALIZED VIEW/],
];

/** The statements of the migrations the proof applies and undoes (not those PGlite refuses, not hand-edited ones). */
function provedStatements(): string[] {
  const out: string[] = [];
  for (const p of PROJECTS) {
    for (const [tag, verdict] of Object.entries(p.verdicts)) {
      if (verdict === X || tag.includes('hand-edited')) continue;
      const file = existsSync(join(p.folder, `${tag}.sql`)) ? join(p.folder, `${tag}.sql`) : join(p.folder, tag, 'migration.sql');
      for (const chunk of readFileSync(file, 'utf8').split('--> statement-breakpoint')) out.push(...chunk.split(/;\s*\n/).map((s) => s.trim()));
    }
  }
  return out;
}

describe('down: drafted rollbacks round-trip on PostgreSQL (PGlite), every fixture project', () => {
  it('proves every fixture project', () => {
    expect(PROJECTS.map((p) => p.folder).sort()).toEqual(fixtureFolders());
  });
  it('every kind of statement drizzle-kit 0.31 writes is in a migration it proves', () => {
    const statements = provedStatements();
    expect(DRIZZLE_KIT_KINDS.filter(([, kind]) => !statements.some((s) => kind.test(s))).map(([name]) => name)).toEqual([]);
  });
  for (const p of PROJECTS) {
    it(p.folder, async () => {
      const history = histories.get(p.folder)!;
      let report: ProofReport;
      try {
        report = await proveDowns(engine, history.migrations, { migrationsTable: history.migrationsTable });
      } finally {
        await emptyDatabase(engine, rolesCreated(history.migrations));
      }
      const failed = report.migrations.filter((m) => m.outcome === 'failed');
      expect(failed.map((m) => ({ tag: m.tag, error: m.error, undeclared: m.undeclared }))).toEqual([]);
      const verdicts = Object.fromEntries(history.migrations.map((m) => [m.tag, report.migrations.find((r) => r.tag === m.tag)?.verdict ?? '-']));
      expect(verdicts).toEqual(p.verdicts);
      // Fully reversible ones came back exactly (a column dropped and added back is last: a declared catalog detail).
      for (const m of report.migrations.filter((r) => r.verdict === 'reversible')) expect(m.modelEqual, m.tag).toBe(true);
      expect(report.migrations.filter((m) => m.outcome === 'equal').length).toBeGreaterThan(0);
    });
  }
});
