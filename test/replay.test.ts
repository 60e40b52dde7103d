import { beforeAll, describe, expect, it } from 'vitest';
import { loadParser, parseMigration, runEngine, type SchemaState } from '../src/index.js';
import { exprLabel } from '../src/schema/compare.js';

/** Replay SQL (one migration per string) into an empty model, with no rules. */
function replay(...migrations: string[]): SchemaState {
  const parsed = migrations.map((text, i) => parseMigration({ tag: `${String(i).padStart(4, '0')}_m`, file: `${i}.sql`, text }));
  for (const m of parsed) expect(m.parseFailures).toEqual([]);
  return runEngine({ migrations: parsed, rules: [], settings: { pgVersion: 16, rules: {} } }).state;
}

const col = (s: SchemaState, t: string, c: string) => s.tables.get(`public.${t}`)?.columns.get(c);
const cons = (s: SchemaState, t: string) => [...(s.tables.get(`public.${t}`)?.constraints.keys() ?? [])].sort();
const idx = (s: SchemaState) => [...s.indexes.keys()].sort();
const enumValues = (s: SchemaState, e: string) => s.enums.get(`public.${e}`)?.values;

interface Case {
  name: string;
  setup: string;
  statement: string;
  fragment: (s: SchemaState) => unknown;
  expected: unknown;
}

const CASES: Case[] = [
  {
    name: 'column PRIMARY KEY implies NOT NULL',
    setup: '',
    statement: 'CREATE TABLE "t" ("id" integer PRIMARY KEY, "x" text);',
    fragment: (s) => [col(s, 't', 'id')?.notNull, col(s, 't', 'x')?.notNull, cons(s, 't')],
    expected: [true, false, ['t_pkey']],
  },
  {
    name: 'table PRIMARY KEY constraint implies NOT NULL on every key column',
    setup: '',
    statement: 'CREATE TABLE "t" ("a" integer, "b" integer, "c" integer, CONSTRAINT "t_a_b_pk" PRIMARY KEY("a","b"));',
    fragment: (s) => [col(s, 't', 'a')?.notNull, col(s, 't', 'b')?.notNull, col(s, 't', 'c')?.notNull, cons(s, 't')],
    expected: [true, true, false, ['t_a_b_pk']],
  },
  {
    name: 'ALTER TABLE ADD PRIMARY KEY implies NOT NULL and names the constraint <table>_pkey',
    setup: 'CREATE TABLE "t" ("a" integer);',
    statement: 'ALTER TABLE "t" ADD PRIMARY KEY ("a");',
    fragment: (s) => [col(s, 't', 'a')?.notNull, cons(s, 't')],
    expected: [true, ['t_pkey']],
  },
  {
    name: 'unnamed UNIQUE gets PostgreSQL\'s default name <table>_<cols>_key',
    setup: 'CREATE TABLE "t" ("a" integer, "b" integer);',
    statement: 'ALTER TABLE "t" ADD UNIQUE ("a", "b");',
    fragment: (s) => cons(s, 't'),
    expected: ['t_a_b_key'],
  },
  {
    name: 'DROP COLUMN drops multi-column, expression and partial indexes and CHECKs using it',
    setup: [
      'CREATE TABLE "t" ("id" integer PRIMARY KEY, "email" text, "org" integer, "keep" integer, CONSTRAINT "t_email_check" CHECK (length("email") > 3));',
      'CREATE INDEX "t_org_email_idx" ON "t" ("org", "email");',
      'CREATE INDEX "t_lower_email_idx" ON "t" (lower("email"));',
      'CREATE INDEX "t_org_partial_idx" ON "t" ("org") WHERE "email" IS NOT NULL;',
      'CREATE INDEX "t_keep_idx" ON "t" ("keep");',
      'CREATE UNIQUE INDEX "t_emailish_idx" ON "t" (lower("emailx"));',
    ].join('\n'),
    statement: 'ALTER TABLE "t" DROP COLUMN "email";',
    fragment: (s) => [idx(s), cons(s, 't')],
    expected: [['public.t_emailish_idx', 'public.t_keep_idx'], ['t_pkey']],
  },
  {
    name: 'DROP COLUMN keeps expression indexes that only spell its name in a string or as a function (read from the syntax tree)',
    setup: [
      'CREATE TABLE "t" ("id" integer, "status" text, "data" jsonb);',
      'CREATE INDEX "t_data_status_idx" ON "t" (("data"->>\'status\'));',
      'CREATE INDEX "t_fn_idx" ON "t" ("status"("data"));',
      'CREATE INDEX "t_status_lower_idx" ON "t" (lower("status"));',
    ].join('\n'),
    statement: 'ALTER TABLE "t" DROP COLUMN "status";',
    fragment: (s) => idx(s),
    expected: ['public.t_data_status_idx', 'public.t_fn_idx'],
  },
  {
    name: 'RENAME COLUMN renames column references in an expression index, not strings that spell the name',
    setup: ['CREATE TABLE "t" ("id" integer, "mail" text, "data" jsonb);', 'CREATE INDEX "t_expr_idx" ON "t" (lower("mail"), ("data"->>\'mail\')) ;'].join('\n'),
    statement: 'ALTER TABLE "t" RENAME COLUMN "mail" TO "email";',
    fragment: (s) => s.indexes.get('public.t_expr_idx')?.columns.map((c) => c.expression),
    expected: ['lower(email)', "data ->> 'mail'"],
  },
  {
    name: 'DROP COLUMN drops unique and FK constraints on it; CASCADE drops FKs pointing at it',
    setup: [
      'CREATE TABLE "p" ("id" integer PRIMARY KEY, "code" text CONSTRAINT "p_code_unique" UNIQUE);',
      'CREATE TABLE "c" ("id" integer, "p_code" text, CONSTRAINT "c_p_code_fk" FOREIGN KEY ("p_code") REFERENCES "p"("code"));',
    ].join('\n'),
    statement: 'ALTER TABLE "p" DROP COLUMN "code" CASCADE;',
    fragment: (s) => [cons(s, 'p'), cons(s, 'c')],
    expected: [['p_pkey'], []],
  },
  {
    name: 'RENAME COLUMN updates indexes, expression indexes, predicates, CHECKs, FKs and referencing FKs',
    setup: [
      'CREATE TABLE "a" ("id" integer PRIMARY KEY, "mail" text, CONSTRAINT "a_mail_check" CHECK ("mail" <> \'\'));',
      'CREATE TABLE "b" ("a_id" integer REFERENCES "a"("id"));',
      'CREATE INDEX "a_mail_idx" ON "a" ("mail");',
      'CREATE INDEX "a_lower_idx" ON "a" (lower("mail")) WHERE "mail" IS NOT NULL;',
    ].join('\n'),
    statement: 'ALTER TABLE "a" RENAME COLUMN "mail" TO "email"; ALTER TABLE "a" RENAME COLUMN "id" TO "a_key";',
    fragment: (s) => [
      s.indexes.get('public.a_mail_idx')?.columns[0].expression,
      s.indexes.get('public.a_lower_idx')?.columns[0].expression,
      exprLabel(s.indexes.get('public.a_lower_idx')?.where),
      exprLabel(s.tables.get('public.a')?.constraints.get('a_mail_check')?.check),
      s.tables.get('public.a')?.constraints.get('a_pkey')?.columns,
      s.tables.get('public.b')?.constraints.get('b_a_id_fkey')?.references?.columns,
    ],
    expected: ['email', 'lower(email)', 'email IS NOT NULL', "email <> ''", ['a_key'], ['a_key']],
  },
  {
    name: 'ALTER TYPE ADD VALUE honours BEFORE / AFTER and appends otherwise',
    setup: 'CREATE TYPE "public"."st" AS ENUM(\'a\', \'c\');',
    statement: [
      'ALTER TYPE "public"."st" ADD VALUE \'b\' BEFORE \'c\';',
      'ALTER TYPE "public"."st" ADD VALUE \'z\';',
      'ALTER TYPE "public"."st" ADD VALUE \'a2\' AFTER \'a\';',
      'ALTER TYPE "public"."st" ADD VALUE IF NOT EXISTS \'b\';',
    ].join('--> statement-breakpoint\n'),
    fragment: (s) => enumValues(s, 'st'),
    expected: ['a', 'a2', 'b', 'c', 'z'],
  },
  {
    name: 'ALTER TYPE RENAME VALUE keeps the position',
    setup: 'CREATE TYPE "st" AS ENUM(\'draft\', \'archived\', \'live\');',
    statement: 'ALTER TYPE "st" RENAME VALUE \'archived\' TO \'hidden\';',
    fragment: (s) => enumValues(s, 'st'),
    expected: ['draft', 'hidden', 'live'],
  },
  {
    name: 'ALTER TYPE RENAME TO retypes every column of that type',
    setup: 'CREATE TYPE "public"."st" AS ENUM(\'a\');\nCREATE TABLE "t" ("s" "st", "ss" "public"."st"[]);',
    statement: 'ALTER TYPE "public"."st" RENAME TO "status";',
    fragment: (s) => [[...s.enums.keys()], col(s, 't', 's')?.type.name, col(s, 't', 'ss')?.type.name, col(s, 't', 'ss')?.type.arrayDims],
    expected: [['public.status'], 'status', 'status', 1],
  },
  {
    name: 'DROP TYPE CASCADE drops the columns of that type (and their indexes)',
    setup: 'CREATE TYPE "st" AS ENUM(\'a\');\nCREATE TABLE "t" ("id" integer, "s" "st");\nCREATE INDEX "t_s_idx" ON "t" ("s");',
    statement: 'DROP TYPE "public"."st" CASCADE;',
    fragment: (s) => [[...s.enums.keys()], [...(s.tables.get('public.t')?.columns.keys() ?? [])], idx(s)],
    expected: [[], ['id'], []],
  },
  {
    name: 'DROP TYPE without CASCADE leaves the columns alone (PostgreSQL would refuse)',
    setup: 'CREATE TYPE "st" AS ENUM(\'a\');\nCREATE TABLE "t" ("id" integer, "s" "st");',
    statement: 'DROP TYPE "st";',
    fragment: (s) => [...(s.tables.get('public.t')?.columns.keys() ?? [])],
    expected: ['id', 's'],
  },
  {
    name: 'CREATE TYPE and ADD CONSTRAINT inside legacy DO $$ … duplicate_object blocks',
    setup: 'CREATE TABLE "p" ("id" integer PRIMARY KEY);\nCREATE TABLE "c" ("p_id" integer);',
    statement: [
      'DO $$ BEGIN\n CREATE TYPE "public"."prio" AS ENUM(\'low\', \'high\');\nEXCEPTION\n WHEN duplicate_object THEN null;\nEND $$;',
      'DO $$ BEGIN\n ALTER TABLE "c" ADD CONSTRAINT "c_p_id_p_id_fk" FOREIGN KEY ("p_id") REFERENCES "public"."p"("id") ON DELETE cascade ON UPDATE no action;\nEXCEPTION\n WHEN duplicate_object THEN null;\nEND $$;',
    ].join('\n--> statement-breakpoint\n'),
    fragment: (s) => [enumValues(s, 'prio'), s.tables.get('public.c')?.constraints.get('c_p_id_p_id_fk')?.references],
    expected: [['low', 'high'], { schema: 'public', table: 'p', columns: ['id'], onDelete: 'cascade', onUpdate: 'no action' }],
  },
  {
    name: 'RENAME TABLE keeps the <old>_pkey and serial sequence names (PostgreSQL does not rename them)',
    setup: 'CREATE TABLE "tags" ("id" serial PRIMARY KEY NOT NULL);\nCREATE INDEX "tags_id_idx" ON "tags" ("id");',
    statement: 'ALTER TABLE "tags" RENAME TO "labels";',
    fragment: (s) => [cons(s, 'labels'), [...s.sequences.values()].map((q) => `${q.name} ${q.ownedBy}`), s.indexes.get('public.tags_id_idx')?.table],
    expected: [['tags_pkey'], ['tags_id_seq public.labels.id'], 'public.labels'],
  },
  {
    name: 'identity column: NOT NULL, and its SEQUENCE NAME option names the sequence',
    setup: '',
    statement: 'CREATE TABLE "t" ("id" integer GENERATED ALWAYS AS IDENTITY (sequence name "t_custom_seq" INCREMENT BY 1 START WITH 100), "n" bigint GENERATED BY DEFAULT AS IDENTITY);',
    fragment: (s) => [col(s, 't', 'id')?.identity, col(s, 't', 'id')?.notNull, col(s, 't', 'n')?.identity, [...s.sequences.keys()].sort()],
    expected: ['always', true, 'byDefault', ['public.t_custom_seq', 'public.t_n_seq']],
  },
  {
    name: 'ADD GENERATED … AS IDENTITY on an existing column names its sequence',
    setup: 'CREATE TABLE "t" ("id" bigint);',
    statement: 'ALTER TABLE "t" ALTER COLUMN "id" ADD GENERATED BY DEFAULT AS IDENTITY (sequence name "t_id_seq2" START WITH 1);',
    fragment: (s) => [col(s, 't', 'id')?.identity, col(s, 't', 'id')?.notNull, [...s.sequences.keys()]],
    expected: ['byDefault', true, ['public.t_id_seq2']],
  },
  {
    name: 'DROP TABLE CASCADE drops foreign keys of other tables pointing at it',
    setup: 'CREATE TABLE "p" ("id" integer PRIMARY KEY);\nCREATE TABLE "c" ("p_id" integer CONSTRAINT "c_fk" REFERENCES "p"("id"), "x" integer CONSTRAINT "c_x_check" CHECK ("x" > 0));',
    statement: 'DROP TABLE "p" CASCADE;',
    fragment: (s) => [[...s.tables.keys()], cons(s, 'c')],
    expected: [['public.c'], ['c_x_check']],
  },
  {
    name: 'temporary tables (data-fix helpers) are not part of the schema',
    setup: '',
    statement: 'CREATE TEMP TABLE "_tmp_ids" (id text) ON COMMIT DROP;\nCREATE TEMPORARY TABLE "_plan" AS SELECT 1 AS x;\nCREATE TABLE "kept" (id text);',
    fragment: (s) => [...s.tables.keys()],
    expected: ['public.kept'],
  },
  {
    name: 'CREATE POLICY records command, roles and expressions; ALTER POLICY changes roles',
    setup: 'CREATE TABLE "t" ("owner" text);\nALTER TABLE "t" ENABLE ROW LEVEL SECURITY;',
    statement: 'CREATE POLICY "own" ON "t" AS PERMISSIVE FOR SELECT TO "app", public USING ("t"."owner" = current_user);\nALTER POLICY "own" ON "t" TO "app", "admin";',
    fragment: (s) => {
      const p = s.tables.get('public.t')?.policies.get('own');
      return [s.tables.get('public.t')?.rlsEnabled, p?.command, p?.permissive, p?.roles];
    },
    expected: [true, 'select', true, ['app', 'admin']],
  },
];

describe('replay: data table of PostgreSQL semantics', () => {
  beforeAll(loadParser);
  it.each(CASES)('$name', ({ setup, statement, fragment, expected }) => {
    const state = setup ? replay(setup, statement) : replay(statement);
    expect(fragment(state)).toEqual(expected);
  });
});

describe('cloneState: replay onto a copy leaves the original as it was', () => {
  it('on every fixture history: the snapshot schema is unchanged after its successors are replayed onto copies', async () => {
    const { readdirSync, readFileSync, existsSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { cloneState } = await import('../src/schema/model.js');
    const { fromSnapshot } = await import('../src/schema/snapshot.js');
    const { applyStatement } = await import('../src/schema/replay.js');
    const view = (s: SchemaState) => JSON.stringify(s, (_k, v) => (v instanceof Map ? [...v] : v instanceof Set ? [...v] : v));
    let replayed = 0;
    for (const project of readdirSync('fixtures/projects')) {
      const dir = join('fixtures/projects', project, 'drizzle');
      if (!existsSync(join(dir, 'meta', '_journal.json'))) continue;
      const journal = JSON.parse(readFileSync(join(dir, 'meta', '_journal.json'), 'utf8')) as { entries: { tag: string }[] };
      const tags = journal.entries.map((e) => e.tag);
      for (let i = 0; i + 1 < tags.length; i++) {
        const snapshot = join(dir, 'meta', `${tags[i].split('_')[0]}_snapshot.json`);
        if (!existsSync(snapshot)) continue;
        const original = fromSnapshot(JSON.parse(readFileSync(snapshot, 'utf8')));
        const before = view(original);
        const copy = cloneState(original);
        // Everything after it, onto the copy: renames, drops, enum values, constraints.
        for (const tag of tags.slice(i + 1)) {
          for (const s of parseMigration({ tag, file: `${tag}.sql`, text: readFileSync(join(dir, `${tag}.sql`), 'utf8') }).statements) {
            applyStatement(copy, s.kind, s.ast);
            replayed++;
          }
        }
        expect({ project, snapshot: tags[i], state: view(original) }).toEqual({ project, snapshot: tags[i], state: before });
      }
    }
    expect(replayed).toBeGreaterThan(100);
  });
});

describe('dependentsOf: what a dropped column takes with it', () => {
  it('lists the indexes whose expression uses the column, not those that only spell its name', async () => {
    const { dependentsOf } = await import('../src/analysis/dependents.js');
    const s = replay(
      [
        'CREATE TABLE "t" ("id" integer, "status" text, "data" jsonb);',
        'CREATE INDEX "t_data_status_idx" ON "t" (("data"->>\'status\'));',
        'CREATE INDEX "t_status_lower_idx" ON "t" (lower("status"));',
        'CREATE INDEX "t_status_idx" ON "t" ("status");',
      ].join('\n'),
    );
    expect(dependentsOf(s, 'public.t', 'status').indexes.sort()).toEqual(['"t_status_idx"', '"t_status_lower_idx"']);
  });
});
