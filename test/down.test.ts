import { beforeAll, describe, expect, it } from 'vitest';
import { loadParser, parseMigration } from '../src/engine/parse.js';
import { emptyState } from '../src/schema/model.js';
import { applyStatement } from '../src/schema/replay.js';
import { planDown, rollbackSql, type MigrationDown } from '../src/down/plan.js';
import { formatDownSql } from '../src/down/format.js';

/**
 * The inverse engine (src/down/), statement by statement: what SQL undoes each kind of change, and
 * what the verdict says. The round trip on PostgreSQL is test/down-proof.test.ts; here the exact
 * text is pinned. Hand-written SQL in drizzle-kit's spelling.
 */
beforeAll(async () => loadParser());

function plan(setup: string[], sql: string): MigrationDown {
  const state = emptyState();
  for (const text of setup) for (const s of parseMigration({ tag: 'setup', file: 'setup.sql', text }).statements) applyStatement(state, s.kind, s.ast, s.sql);
  return planDown(parseMigration({ tag: '0001_case', file: '0001_case.sql', text: sql }), state);
}

interface Case {
  name: string;
  setup?: string[];
  sql: string;
  down: string[];
  verdict: MigrationDown['verdict'];
  /** Substrings of the reasons. */
  reasons?: string[];
  notes?: string[];
  offered?: string[];
}

const USERS = `CREATE TABLE "users" ("id" serial PRIMARY KEY NOT NULL, "email" text NOT NULL, "name" varchar(50), "score" integer DEFAULT 0 NOT NULL, "bio" text);`;
const STATUS = `CREATE TYPE "public"."status" AS ENUM('active', 'banned');`;

const CASES: Case[] = [
  {
    name: 'CREATE TABLE ↔ DROP TABLE',
    sql: `CREATE TABLE "teams" ("id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL, "name" text NOT NULL);`,
    down: ['DROP TABLE "teams";'],
    verdict: 'reversible',
  },
  {
    name: 'DROP TABLE: the whole definition back (identity with its options, generated, check, unique), its foreign keys and indexes after; rows lost',
    setup: [
      USERS,
      `CREATE TABLE "posts" ("id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "posts_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 100 CACHE 1), "author_id" integer NOT NULL, "title" text NOT NULL, "slug" text GENERATED ALWAYS AS (lower("title")) STORED, CONSTRAINT "posts_title_check" CHECK (length("title") > 0), CONSTRAINT "posts_slug_unique" UNIQUE NULLS NOT DISTINCT("slug"));`,
      `ALTER TABLE "posts" ADD CONSTRAINT "posts_author_id_users_id_fk" FOREIGN KEY ("author_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;`,
      `CREATE INDEX "posts_author_idx" ON "posts" USING btree ("author_id" DESC NULLS LAST) WHERE "posts"."title" <> '';`,
    ],
    sql: `DROP TABLE "posts" CASCADE;`,
    down: [
      'CREATE TABLE "posts" (\n\t"id" integer GENERATED ALWAYS AS IDENTITY (SEQUENCE NAME "public"."posts_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 100 CACHE 1),\n\t"author_id" integer NOT NULL,\n\t"title" text NOT NULL,\n\t"slug" text GENERATED ALWAYS AS (lower(title)) STORED,\n\tCONSTRAINT "posts_pkey" PRIMARY KEY("id"),\n\tCONSTRAINT "posts_title_check" CHECK (length(title) > 0),\n\tCONSTRAINT "posts_slug_unique" UNIQUE NULLS NOT DISTINCT("slug")\n);',
      'ALTER TABLE "posts" ADD CONSTRAINT "posts_author_id_users_id_fk" FOREIGN KEY ("author_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;',
      `CREATE INDEX "posts_author_idx" ON "posts" USING btree ("author_id" DESC NULLS LAST) WHERE posts.title <> '';`,
    ],
    verdict: 'structure-only',
    reasons: ['DROP TABLE "posts" deleted its rows: the table comes back empty.'],
  },
  {
    name: 'DROP TABLE … CASCADE: the foreign keys of other tables it took are added back',
    setup: [USERS, `CREATE TABLE "posts" ("id" serial PRIMARY KEY NOT NULL, "author_id" integer REFERENCES "users"("id"));`],
    sql: `DROP TABLE "users" CASCADE;`,
    down: [
      'CREATE TABLE "users" (\n\t"id" serial NOT NULL,\n\t"email" text NOT NULL,\n\t"name" varchar(50),\n\t"score" integer DEFAULT 0 NOT NULL,\n\t"bio" text,\n\tCONSTRAINT "users_pkey" PRIMARY KEY("id")\n);',
      'ALTER TABLE "posts" ADD CONSTRAINT "posts_author_id_fkey" FOREIGN KEY ("author_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;',
    ],
    verdict: 'structure-only',
  },
  {
    name: 'ADD COLUMN ↔ DROP COLUMN, inline foreign key dropped first',
    setup: [USERS, `CREATE TABLE "teams" ("id" serial PRIMARY KEY NOT NULL);`],
    sql: `ALTER TABLE "users" ADD COLUMN "team_id" integer REFERENCES "teams"("id");`,
    down: ['ALTER TABLE "users" DROP CONSTRAINT "users_team_id_fkey";', 'ALTER TABLE "users" DROP COLUMN "team_id";'],
    verdict: 'reversible',
  },
  {
    name: 'DROP COLUMN with a default: back, filled with the default; its index and unique constraint after it',
    setup: [USERS, `CREATE INDEX "users_score_idx" ON "users" USING btree ("score");`, `ALTER TABLE "users" ADD CONSTRAINT "users_score_email_unique" UNIQUE("score", "email");`],
    sql: `ALTER TABLE "users" DROP COLUMN "score";`,
    down: ['ALTER TABLE "users" ADD COLUMN "score" integer DEFAULT 0 NOT NULL;', 'ALTER TABLE "users" ADD CONSTRAINT "users_score_email_unique" UNIQUE("score", "email");', 'CREATE INDEX "users_score_idx" ON "users" USING btree ("score");'],
    verdict: 'structure-only',
    reasons: ['the column comes back with its default (0) in every row'],
    notes: ['comes back as the last column of "users"'],
  },
  {
    name: 'DROP COLUMN NOT NULL without default: back NULL-able, SET NOT NULL offered, never faked',
    setup: [USERS],
    sql: `ALTER TABLE "users" DROP COLUMN "email";`,
    down: ['ALTER TABLE "users" ADD COLUMN "email" text;'],
    verdict: 'structure-only',
    reasons: ['the column comes back empty (NULL)', '"users"."email" comes back NULL-able'],
    offered: ['ALTER TABLE "users" ALTER COLUMN "email" SET NOT NULL;'],
  },
  {
    name: 'DROP COLUMN of a column this migration added: nothing lost',
    setup: [USERS],
    sql: `ALTER TABLE "users" ADD COLUMN "tmp" text NOT NULL;\nALTER TABLE "users" DROP COLUMN "tmp";`,
    down: ['ALTER TABLE "users" ADD COLUMN "tmp" text NOT NULL;', 'ALTER TABLE "users" DROP COLUMN "tmp";'],
    verdict: 'reversible',
  },
  {
    name: 'RENAME COLUMN / RENAME TO back',
    setup: [USERS],
    sql: `ALTER TABLE "users" RENAME COLUMN "name" TO "full_name";\nALTER TABLE "users" RENAME TO "members";`,
    down: ['ALTER TABLE "members" RENAME TO "users";', 'ALTER TABLE "users" RENAME COLUMN "full_name" TO "name";'],
    verdict: 'reversible',
  },
  {
    name: 'SET DATA TYPE, widening: back with a USING cast, nothing lost',
    setup: [USERS],
    sql: `ALTER TABLE "users" ALTER COLUMN "name" SET DATA TYPE varchar(100);`,
    down: ['ALTER TABLE "users" ALTER COLUMN "name" SET DATA TYPE varchar(50) USING "name"::varchar(50);'],
    verdict: 'reversible',
  },
  {
    name: 'SET DATA TYPE, lossy (text → integer): structure only; the default dropped around the cast and restored as it was',
    setup: [`CREATE TABLE "t" ("code" text DEFAULT '0' NOT NULL);`],
    sql: `ALTER TABLE "t" ALTER COLUMN "code" SET DATA TYPE integer USING "code"::integer;`,
    down: ['ALTER TABLE "t" ALTER COLUMN "code" DROP DEFAULT;', 'ALTER TABLE "t" ALTER COLUMN "code" SET DATA TYPE text USING "code"::text;', `ALTER TABLE "t" ALTER COLUMN "code" SET DEFAULT '0';`],
    verdict: 'structure-only',
    reasons: ['text values were parsed as integer'],
  },
  {
    name: 'SET DATA TYPE text → json keeps each value as written (json stores its input text, jsonb would normalise it): reversible',
    setup: [`CREATE TABLE "w" ("state" varchar(200))`],
    sql: `ALTER TABLE "w" ALTER COLUMN "state" SET DATA TYPE json USING state::json;`,
    down: ['ALTER TABLE "w" ALTER COLUMN "state" SET DATA TYPE varchar(200) USING "state"::varchar(200);'],
    verdict: 'reversible',
  },
  {
    name: 'SET DATA TYPE between enums: through text',
    setup: [STATUS, `CREATE TYPE "public"."state" AS ENUM('active', 'banned');`, `CREATE TABLE "t" ("s" "status");`],
    sql: `ALTER TABLE "t" ALTER COLUMN "s" SET DATA TYPE "public"."state" USING "s"::text::"public"."state";`,
    down: ['ALTER TABLE "t" ALTER COLUMN "s" SET DATA TYPE "public"."status" USING "s"::text::"public"."status";'],
    verdict: 'reversible',
  },
  {
    name: 'SET/DROP DEFAULT and NOT NULL restored as they were',
    setup: [USERS],
    sql: [
      `ALTER TABLE "users" ALTER COLUMN "score" SET DEFAULT 10;`,
      `ALTER TABLE "users" ALTER COLUMN "bio" SET DEFAULT '';`,
      `ALTER TABLE "users" ALTER COLUMN "score" DROP NOT NULL;`,
      `ALTER TABLE "users" ALTER COLUMN "bio" SET NOT NULL;`,
      `ALTER TABLE "users" ALTER COLUMN "email" SET NOT NULL;`,
    ].join('\n'),
    down: [
      'ALTER TABLE "users" ALTER COLUMN "bio" DROP NOT NULL;',
      'ALTER TABLE "users" ALTER COLUMN "score" SET NOT NULL;',
      'ALTER TABLE "users" ALTER COLUMN "bio" DROP DEFAULT;',
      'ALTER TABLE "users" ALTER COLUMN "score" SET DEFAULT 0;',
    ],
    verdict: 'reversible',
    notes: ['SET NOT NULL on "users"."score" fails if rows with NULL were written since'],
  },
  {
    name: 'DROP DEFAULT of a serial column: its nextval comes back',
    setup: [USERS],
    sql: `ALTER TABLE "users" ALTER COLUMN "id" DROP DEFAULT;`,
    down: [`ALTER TABLE "users" ALTER COLUMN "id" SET DEFAULT nextval(CAST('"users_id_seq"' AS regclass));`],
    verdict: 'reversible',
  },
  {
    name: 'ADD / DROP IDENTITY',
    setup: [`CREATE TABLE "t" ("id" integer NOT NULL, "n" integer GENERATED BY DEFAULT AS IDENTITY (sequence name "t_n_seq" START WITH 5));`],
    sql: `ALTER TABLE "t" ALTER COLUMN "id" ADD GENERATED ALWAYS AS IDENTITY (sequence name "t_id_seq" INCREMENT BY 1);\nALTER TABLE "t" ALTER COLUMN "n" DROP IDENTITY;`,
    down: [
      'ALTER TABLE "t" ALTER COLUMN "n" ADD GENERATED BY DEFAULT AS IDENTITY (SEQUENCE NAME "public"."t_n_seq" START WITH 5);',
      `SELECT setval(pg_get_serial_sequence('"t"', 'n'), coalesce(max("n"), 0) + 1, false) FROM "t";`,
      'ALTER TABLE "t" ALTER COLUMN "id" DROP IDENTITY;',
    ],
    verdict: 'reversible',
  },
  {
    name: 'constraints: ADD ↔ DROP with the definition (NOT VALID kept), RENAME back',
    setup: [USERS, `ALTER TABLE "users" ADD CONSTRAINT "users_score_check" CHECK ("score" >= 0) NOT VALID;`],
    sql: `ALTER TABLE "users" DROP CONSTRAINT "users_score_check";\nALTER TABLE "users" ADD CONSTRAINT "users_email_unique" UNIQUE("email");\nALTER TABLE "users" RENAME CONSTRAINT "users_email_unique" TO "users_email_key";`,
    down: [
      'ALTER TABLE "users" RENAME CONSTRAINT "users_email_key" TO "users_email_unique";',
      'ALTER TABLE "users" DROP CONSTRAINT "users_email_unique";',
      'ALTER TABLE "users" ADD CONSTRAINT "users_score_check" CHECK (score >= 0) NOT VALID;',
    ],
    verdict: 'reversible',
  },
  {
    name: 'indexes: CREATE ↔ DROP with method, opclass, include, options and predicate; RENAME back',
    setup: [USERS, `CREATE INDEX "users_bio_idx" ON "users" USING gin ("bio" gin_trgm_ops) WITH (fastupdate=off);`],
    sql: `DROP INDEX "users_bio_idx";\nCREATE UNIQUE INDEX CONCURRENTLY "users_email_idx" ON "users" USING btree (lower("email")) INCLUDE ("name") WHERE "bio" IS NOT NULL;\nALTER INDEX "users_email_idx" RENAME TO "users_email_lower_idx";`,
    down: [
      'ALTER INDEX "public"."users_email_lower_idx" RENAME TO "users_email_idx";',
      'DROP INDEX "public"."users_email_idx";',
      `CREATE INDEX "users_bio_idx" ON "users" USING gin ("bio" gin_trgm_ops) WITH (fastupdate='off');`,
    ],
    verdict: 'reversible',
  },
  {
    name: 'enums: CREATE ↔ DROP, RENAME back, RENAME VALUE back',
    setup: [STATUS],
    sql: `CREATE TYPE "public"."role" AS ENUM('a', 'b');\nALTER TYPE "public"."status" RENAME VALUE 'banned' TO 'blocked';\nALTER TYPE "public"."status" RENAME TO "user_status";`,
    down: ['ALTER TYPE "public"."user_status" RENAME TO "status";', `ALTER TYPE "public"."status" RENAME VALUE 'blocked' TO 'banned';`, 'DROP TYPE "public"."role";'],
    verdict: 'reversible',
  },
  {
    name: 'ADD VALUE: not reversible, the rebuild offered with its dangers',
    setup: [STATUS, `CREATE TABLE "users" ("s" "status" DEFAULT 'active' NOT NULL);`],
    sql: `ALTER TYPE "public"."status" ADD VALUE 'archived' BEFORE 'banned';`,
    down: [],
    verdict: 'irreversible',
    reasons: [`PostgreSQL cannot remove a value from an enum: 'archived' stays in "public"."status"`, 'fails if any row still holds'],
    offered: [
      'ALTER TYPE "public"."status" RENAME TO "status_old";',
      `CREATE TYPE "public"."status" AS ENUM('active', 'banned');`,
      'ALTER TABLE "users" ALTER COLUMN "s" DROP DEFAULT;',
      'ALTER TABLE "users" ALTER COLUMN "s" SET DATA TYPE "public"."status" USING "s"::text::"public"."status";',
      `ALTER TABLE "users" ALTER COLUMN "s" SET DEFAULT 'active';`,
      'DROP TYPE "public"."status_old";',
    ],
  },
  {
    name: 'ADD VALUE to an enum this migration creates: the DROP TYPE takes it',
    sql: `CREATE TYPE "public"."mood" AS ENUM('ok');\nALTER TYPE "public"."mood" ADD VALUE 'sad';`,
    down: ['DROP TYPE "public"."mood";'],
    verdict: 'reversible',
  },
  {
    name: 'DROP TYPE (enum) ↔ CREATE TYPE with its values in order',
    setup: [STATUS],
    sql: `DROP TYPE "public"."status";`,
    down: [`CREATE TYPE "public"."status" AS ENUM('active', 'banned');`],
    verdict: 'reversible',
  },
  {
    name: 'schemas, RLS, policies (create, drop with definition, alter, rename)',
    setup: [USERS, `ALTER TABLE "users" ENABLE ROW LEVEL SECURITY;`, `CREATE POLICY "own" ON "users" AS PERMISSIVE FOR SELECT TO "app" USING ("users"."id" = 1);`],
    sql: [
      `CREATE SCHEMA "billing";`,
      `ALTER TABLE "users" FORCE ROW LEVEL SECURITY;`,
      `ALTER POLICY "own" ON "users" TO public USING (true);`,
      `ALTER POLICY "own" ON "users" RENAME TO "mine";`,
      `DROP POLICY "mine" ON "users" CASCADE;`,
      `CREATE POLICY "ins" ON "users" AS RESTRICTIVE FOR INSERT TO public WITH CHECK (true);`,
      `ALTER TABLE "users" DISABLE ROW LEVEL SECURITY;`,
    ].join('\n'),
    down: [
      'ALTER TABLE "users" ENABLE ROW LEVEL SECURITY;',
      'DROP POLICY "ins" ON "users";',
      'CREATE POLICY "mine" ON "users" AS PERMISSIVE FOR SELECT TO public USING (true);',
      'ALTER POLICY "mine" ON "users" RENAME TO "own";',
      'DROP POLICY "own" ON "users";',
      'CREATE POLICY "own" ON "users" AS PERMISSIVE FOR SELECT TO "app" USING (users.id = 1);',
      'ALTER TABLE "users" NO FORCE ROW LEVEL SECURITY;',
      'DROP SCHEMA "billing";',
    ],
    verdict: 'reversible',
  },
  {
    name: 'sequences: CREATE ↔ DROP with options (position lost), ALTER back, RENAME back',
    setup: [`CREATE SEQUENCE "public"."inv_seq" INCREMENT BY 1 MINVALUE 1000 MAXVALUE 99999999 START WITH 1000 CACHE 10;`],
    sql: `ALTER SEQUENCE "public"."inv_seq" INCREMENT BY 1 MINVALUE 1000 MAXVALUE 99999999 START WITH 1000 CACHE 50;\nALTER SEQUENCE "public"."inv_seq" RENAME TO "invoice_seq";\nDROP SEQUENCE "public"."invoice_seq";`,
    down: [
      'CREATE SEQUENCE "public"."invoice_seq" INCREMENT BY 1 MINVALUE 1000 MAXVALUE 99999999 START WITH 1000 CACHE 50;',
      'ALTER SEQUENCE "public"."invoice_seq" RENAME TO "inv_seq";',
      'ALTER SEQUENCE "public"."inv_seq" CACHE 10;',
    ],
    verdict: 'structure-only',
    reasons: ['the position of sequence "public"."invoice_seq" is gone'],
  },
  {
    name: 'SET SCHEMA back: table, type, sequence, view',
    setup: [USERS, STATUS, `CREATE SCHEMA "archive";`, `CREATE SEQUENCE "public"."s";`, `CREATE VIEW "public"."v" AS (select 1);`],
    sql: [`ALTER TABLE "users" SET SCHEMA "archive";`, `ALTER TYPE "public"."status" SET SCHEMA "archive";`, `ALTER SEQUENCE "public"."s" SET SCHEMA "archive";`, `ALTER VIEW "public"."v" SET SCHEMA "archive";`].join('\n'),
    down: ['ALTER VIEW "archive"."v" SET SCHEMA "public";', 'ALTER SEQUENCE "archive"."s" SET SCHEMA "public";', 'ALTER TYPE "archive"."status" SET SCHEMA "public";', 'ALTER TABLE "archive"."users" SET SCHEMA "public";'],
    verdict: 'reversible',
  },
  {
    name: 'views: CREATE ↔ DROP, DROP ↔ CREATE with options and query, materialized refilled',
    setup: [USERS, `CREATE MATERIALIZED VIEW "public"."counts" AS (select count(*) from "users");`],
    sql: `CREATE VIEW "public"."active" WITH (security_invoker = true) AS (select "id" from "users" where "users"."score" > 0);\nDROP MATERIALIZED VIEW "public"."counts";`,
    down: ['CREATE MATERIALIZED VIEW public.counts AS SELECT count(*) FROM users;', 'DROP VIEW "public"."active";'],
    verdict: 'reversible',
    notes: ['materialized view "public"."counts" is filled again by its query'],
  },
  {
    name: 'view options: SET ↔ SET back or RESET, RESET ↔ SET as they were (drizzle-kit writes one statement per change)',
    setup: [USERS, `CREATE VIEW "public"."v" WITH (check_option = local, security_barrier = true) AS (select "id" from "users");`],
    sql: `ALTER VIEW "public"."v" RESET (security_barrier);\nALTER VIEW "public"."v" SET (security_invoker = true);\nALTER VIEW "public"."v" SET (check_option = cascaded);`,
    down: [`ALTER VIEW "public"."v" SET (check_option = 'local');`, 'ALTER VIEW "public"."v" RESET (security_invoker);', `ALTER VIEW "public"."v" SET (security_barrier = 'true');`],
    verdict: 'reversible',
  },
  {
    name: 'materialized view storage: SET TABLESPACE and SET ACCESS METHOD back to what it had (the defaults when its CREATE named none)',
    setup: [USERS, `CREATE MATERIALIZED VIEW "public"."counts" AS (select count(*) from "users") WITH NO DATA;`],
    sql: `ALTER MATERIALIZED VIEW "public"."counts" SET TABLESPACE pg_default;\nALTER MATERIALIZED VIEW "public"."counts" SET ACCESS METHOD "heap";`,
    down: ['ALTER MATERIALIZED VIEW "public"."counts" SET ACCESS METHOD heap;', 'ALTER MATERIALIZED VIEW "public"."counts" SET TABLESPACE pg_default;'],
    verdict: 'reversible',
    notes: ['heap, the default'],
  },
  {
    name: 'ADD PRIMARY KEY on a NULL-able column: PostgreSQL made it NOT NULL, and dropping the key keeps that: the rollback drops it too (drizzle-kit writes no SET NOT NULL)',
    setup: [`CREATE TABLE "tags" ("id" integer, "code" text NOT NULL, "label" text);`],
    sql: `ALTER TABLE "tags" ADD CONSTRAINT "tags_pk" PRIMARY KEY("id","code");`,
    down: ['ALTER TABLE "tags" DROP CONSTRAINT "tags_pk";', 'ALTER TABLE "tags" ALTER COLUMN "id" DROP NOT NULL;'],
    verdict: 'reversible',
  },
  {
    name: 'comments go with their column or table: DROP COLUMN / DROP TABLE undone with their comments back',
    setup: [USERS, `COMMENT ON TABLE "users" IS 'people';`, `COMMENT ON COLUMN "users"."bio" IS 'about them';`, `COMMENT ON COLUMN "users"."email" IS 'it''s unique';`],
    sql: `ALTER TABLE "users" DROP COLUMN "bio";\nDROP TABLE "users";`,
    down: [
      'CREATE TABLE "users" (\n\t"id" serial NOT NULL,\n\t"email" text NOT NULL,\n\t"name" varchar(50),\n\t"score" integer DEFAULT 0 NOT NULL,\n\tCONSTRAINT "users_pkey" PRIMARY KEY("id")\n);',
      `COMMENT ON TABLE "users" IS 'people';`,
      `COMMENT ON COLUMN "users"."email" IS 'it''s unique';`,
      'ALTER TABLE "users" ADD COLUMN "bio" text;',
      `COMMENT ON COLUMN "users"."bio" IS 'about them';`,
    ],
    verdict: 'structure-only',
  },
  {
    name: 'comments follow renames and moves: a comment changed after RENAME / SET SCHEMA is set back to the one it had',
    setup: [USERS, `CREATE SCHEMA "old";`, `COMMENT ON TABLE "users" IS 'people';`, `COMMENT ON COLUMN "users"."bio" IS 'about them';`],
    sql: [
      `ALTER TABLE "users" RENAME COLUMN "bio" TO "about";`,
      `COMMENT ON COLUMN "users"."about" IS 'who they are';`,
      `ALTER TABLE "users" RENAME TO "members";`,
      `ALTER TABLE "members" SET SCHEMA "old";`,
      `COMMENT ON TABLE "old"."members" IS NULL;`,
      `ALTER SCHEMA "old" RENAME TO "legacy";`,
      `ALTER TABLE "legacy"."members" DROP COLUMN "about";`,
    ].join('\n'),
    down: [
      'ALTER TABLE "legacy"."members" ADD COLUMN "about" text;',
      `COMMENT ON COLUMN "legacy"."members"."about" IS 'who they are';`,
      'ALTER SCHEMA "legacy" RENAME TO "old";',
      `COMMENT ON TABLE old.members IS 'people';`,
      'ALTER TABLE "old"."members" SET SCHEMA "public";',
      'ALTER TABLE "members" RENAME TO "users";',
      `COMMENT ON COLUMN users.about IS 'about them';`,
      'ALTER TABLE "users" RENAME COLUMN "about" TO "bio";',
    ],
    verdict: 'structure-only',
  },
  {
    name: 'functions and triggers: CREATE ↔ DROP; CREATE OR REPLACE ↔ the previous body',
    setup: [USERS, `CREATE FUNCTION "public"."touch"() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;`],
    sql: [
      `CREATE OR REPLACE FUNCTION "public"."touch"() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.score := 1; RETURN NEW; END $$;`,
      `CREATE TRIGGER "users_touch" BEFORE UPDATE ON "users" FOR EACH ROW EXECUTE FUNCTION "public"."touch"();`,
      `CREATE FUNCTION add_one(a integer) RETURNS integer LANGUAGE sql AS 'select a + 1';`,
    ].join('\n'),
    down: ['DROP FUNCTION "add_one"(integer);', 'DROP TRIGGER "users_touch" ON "users";', 'CREATE OR REPLACE FUNCTION "public"."touch"() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;'],
    verdict: 'reversible',
  },
  {
    name: 'data statements: what the rollback does not restore is said; on new tables and columns nothing is lost',
    setup: [USERS],
    sql: [
      `ALTER TABLE "users" ADD COLUMN "slug" text;`,
      `UPDATE "users" SET "slug" = lower("email");`,
      `UPDATE "users" SET "score" = 0 WHERE "score" < 0;`,
      `DELETE FROM "users" WHERE "email" IS NULL;`,
      `INSERT INTO "users" ("email") VALUES ('admin@example.com');`,
    ].join('\n'),
    down: ['ALTER TABLE "users" DROP COLUMN "slug";'],
    verdict: 'structure-only',
    reasons: ['UPDATE changed rows of "users" ("score")', 'DELETE removed rows of "users": they stay gone.', 'INSERT added rows to "users": the rollback does not remove them.'],
  },
  {
    name: 'privileges: GRANT ↔ REVOKE, said to assume what was held before',
    sql: `GRANT SELECT, INSERT ON TABLE "users" TO "app";\nREVOKE ALL ON SCHEMA "s" FROM public;\nGRANT "admin" TO "bob";`,
    down: ['REVOKE admin FROM bob;', 'GRANT ALL ON SCHEMA s TO PUBLIC;', 'REVOKE SELECT, INSERT ON users FROM app RESTRICT;'],
    verdict: 'reversible',
    notes: ['REVOKE undoes it assuming the privileges were not held before (the model does not track privileges).'],
  },
  {
    name: 'DO blocks: the drizzle-kit wrapper is transparent; an object that existed is a no-op; dynamic SQL is not reversible',
    setup: [STATUS],
    sql: [
      `DO $$ BEGIN CREATE TYPE "public"."status" AS ENUM('active', 'banned'); EXCEPTION WHEN duplicate_object THEN null; END $$;`,
      `DO $$ BEGIN CREATE TYPE "public"."kind" AS ENUM('a'); EXCEPTION WHEN duplicate_object THEN null; END $$;`,
      `DO $$ BEGIN EXECUTE 'DROP TABLE x'; END $$;`,
    ].join('\n'),
    down: ['DROP TYPE "public"."kind";'],
    verdict: 'irreversible',
    reasons: ['a DO block with dynamic SQL (EXECUTE), whose effect the model cannot see'],
    notes: ['type "public"."status" existed already'],
  },
  {
    name: 'DO block with IF on the catalog: the model decides what ran',
    setup: [USERS],
    sql: `DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'users_email_unique') THEN ALTER TABLE "users" ADD CONSTRAINT "users_email_unique" UNIQUE("email"); END IF; END $$;`,
    down: ['ALTER TABLE "users" DROP CONSTRAINT "users_email_unique";'],
    verdict: 'reversible',
  },
  {
    name: 'DO block with a loop over DDL: not reversible, inverses offered',
    setup: [USERS],
    sql: `DO $$ BEGIN FOR i IN 1..2 LOOP ALTER TABLE "users" ADD COLUMN "x" integer; END LOOP; END $$;`,
    down: [],
    verdict: 'irreversible',
    offered: ['ALTER TABLE "users" DROP COLUMN "x";'],
  },
  {
    name: 'statements the model does not track, and objects it does not know: said, never undone silently',
    sql: `ALTER TABLE "elsewhere" ADD COLUMN "x" integer;\nCREATE AGGREGATE my_sum (int) (sfunc = int4pl, stype = int);`,
    down: [],
    verdict: 'irreversible',
    reasons: ['the model does not know table "elsewhere"', 'the model does not track CREATE AGGREGATE statements'],
  },
  {
    name: 'no-ops: IF NOT EXISTS on an existing object, SET NOT NULL on a NOT NULL column, session settings',
    setup: [USERS, `CREATE INDEX "users_email_idx" ON "users" ("email");`],
    sql: `SET statement_timeout = 0;\nCREATE INDEX IF NOT EXISTS "users_email_idx" ON "users" ("email");\nALTER TABLE "users" ALTER COLUMN "email" SET NOT NULL;\nALTER TABLE "users" ADD COLUMN IF NOT EXISTS "bio" text;`,
    down: [],
    verdict: 'reversible',
  },
  {
    name: 'a column dropped after it was renamed: the declaration names it as it was before the migration',
    setup: [USERS],
    sql: `ALTER TABLE "users" RENAME COLUMN "email" TO "mail";\nALTER TABLE "users" DROP COLUMN "mail";`,
    down: ['ALTER TABLE "users" ADD COLUMN "mail" text;', 'ALTER TABLE "users" RENAME COLUMN "mail" TO "email";'],
    verdict: 'structure-only',
  },
];

describe('down: the inverse of each change', () => {
  for (const c of CASES) {
    it(c.name, () => {
      const down = plan(c.setup ?? [], c.sql);
      expect(rollbackSql(down)).toEqual(c.down);
      expect(down.verdict).toBe(c.verdict);
      const reasons = down.statements.flatMap((s) => s.reasons).join('\n');
      for (const r of c.reasons ?? []) expect(reasons).toContain(r);
      const notes = down.statements.flatMap((s) => s.notes).join('\n');
      for (const n of c.notes ?? []) expect(notes).toContain(n);
      if (c.offered) expect(down.statements.flatMap((s) => s.offered)).toEqual(c.offered);
    });
  }

  it('a column dropped after a rename is declared under its old name', () => {
    const down = plan([USERS], `ALTER TABLE "users" RENAME COLUMN "email" TO "mail";\nALTER TABLE "users" DROP COLUMN "mail";`);
    expect(down.statements[1]!.declared).toContainEqual({ object: 'column', name: 'public.users.email' });
  });

  it('names with control characters are written as Unicode escapes, comments never break out of their line', () => {
    const down = plan([], `CREATE TABLE "a\u001b[31m\nDROP" ("x" integer);`);
    expect(rollbackSql(down)).toEqual(['DROP TABLE U&"a\\001b[31m\\000aDROP";']);
    const text = formatDownSql({ down, hash: 'h' });
    expect(text).not.toMatch(/[\u0000-\u0008\u000b-\u001f]/);
    for (const line of text.split('\n')) expect(line.startsWith('--') || line === '' || /^(DROP|DELETE)/.test(line)).toBe(true);
  });
});

describe('down: the file', () => {
  it('header per migration, statements last first with breakpoints, offered SQL commented out, bookkeeping row last', () => {
    const down = plan([`CREATE TYPE "public"."status" AS ENUM('a');`, `CREATE TABLE "users" ("id" integer, "email" text NOT NULL, "s" "status");`], `ALTER TABLE "users" DROP COLUMN "email";\nALTER TYPE "public"."status" ADD VALUE 'b';`);
    const text = formatDownSql({ down, hash: 'abc', when: 1736157600000 }, { bookkeeping: { schema: 'drizzle', table: '__drizzle_migrations' } });
    expect(text).toMatch(/^-- Rollback of 0001_case \(0001_case\.sql\)/);
    expect(text).toContain('-- NOT reversible: part of the migration cannot be undone (see below).');
    expect(text).toContain('--   line 1  ALTER TABLE "users" DROP COLUMN "email";');
    expect(text).toContain('-- -- ALTER TYPE'.slice(3));
    const body = text.slice(text.indexOf('\n\n') + 2);
    expect(body.split('\n--> statement-breakpoint\n').map((chunk) => chunk.split('\n').filter((l) => l !== '' && !l.startsWith('--')))).toEqual([
      ['ALTER TABLE "users" ADD COLUMN "email" text;'],
      ['DELETE FROM "drizzle"."__drizzle_migrations" WHERE "created_at" = 1736157600000;'],
    ]);
    expect(body).toContain('-- ALTER TYPE "public"."status" RENAME TO "status_old";');
  });
});
