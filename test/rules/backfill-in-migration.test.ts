import rule from '../../src/rules/backfill-in-migration.js';
import { testRule } from '../helpers/rule-tester.js';

// drizzle-kit never writes UPDATE, DELETE or INSERT: every case is a hand-edited (or --custom) migration.
const ORDERS = 'CREATE TABLE "orders" ("id" serial PRIMARY KEY, "code" text, "status" text, "note" text, "created_at" timestamp);--> statement-breakpoint\nCREATE UNIQUE INDEX "orders_code_idx" ON "orders" ("code");';
const LINES = 'CREATE TABLE "lines" ("order_id" integer, "n" integer, "qty" integer, CONSTRAINT "lines_pk" PRIMARY KEY ("order_id", "n"));';

testRule(rule, {
  valid: [
    { name: 'hand-edited: UPDATE by primary key', setup: [ORDERS], sql: 'UPDATE "orders" SET "status" = \'done\' WHERE "id" = 42;' },
    { name: 'hand-edited: UPDATE by a small IN list of primary keys, with another condition', setup: [ORDERS], sql: 'UPDATE "orders" SET "status" = \'done\' WHERE "id" IN (1, 2, 3) AND "status" IS NULL;' },
    { name: 'hand-edited: DELETE by a unique index column, cast constant', setup: [ORDERS], sql: 'DELETE FROM "orders" WHERE "code" = \'A-1\'::text;' },
    { name: 'hand-edited: UPDATE by every column of a composite primary key', setup: [LINES], sql: 'UPDATE "lines" SET "qty" = 0 WHERE "order_id" = 7 AND "n" = 1;' },
    { name: 'hand-edited: a table created in the same migration is empty', sql: `${ORDERS}--> statement-breakpoint\nUPDATE "orders" SET "status" = 'new';` },
    { name: 'hand-edited: after a COMMIT each statement commits on its own (transaction-control reports the COMMIT)', setup: [ORDERS], sql: 'COMMIT;--> statement-breakpoint\nUPDATE "orders" SET "status" = \'new\';' },
    { name: 'hand-edited: INSERT … VALUES', setup: [ORDERS], sql: 'INSERT INTO "orders" ("code") VALUES (\'A-1\'), (\'A-2\');' },
    { name: 'hand-edited: a table the history never created (managed elsewhere)', sql: 'DELETE FROM "storage"."objects" WHERE "bucket_id" = \'previews\';' },
    { name: 'hand-edited: a young table (created a day before, by journal `when`) holds few rows', setup: [ORDERS], sql: 'UPDATE "orders" SET "status" = \'new\';', days: [0, 1] },
    { name: 'drizzle-kit migrations have no DML', folder: 'examples/shop/drizzle', migration: '0002_product_sku' },
  ],
  invalid: [
    {
      name: 'hand-edited: a backfill of a column just added rewrites every row (simstudio 0132); the table is 60 days old',
      setup: [ORDERS],
      days: [0, 60],
      sql: 'ALTER TABLE "orders" ADD COLUMN "state" text DEFAULT \'open\' NOT NULL;--> statement-breakpoint\nUPDATE "orders" SET "state" = CASE WHEN "status" = \'x\' THEN \'closed\' ELSE \'open\' END;',
      errors: [
        {
          messageId: 'backfill',
          line: 2,
          severity: 'warn',
          message: ['UPDATE "orders" changes every row of "orders"', 'stays locked until all pending migrations have run'],
          help: ['UPDATE "orders" SET … WHERE "id" IN (SELECT "id" FROM "orders" WHERE <not yet done> LIMIT 1000);'],
        },
      ],
    },
    {
      name: 'hand-edited: IS NULL, a range and a non-key column are not narrow; one finding per migration lists the others',
      setup: [ORDERS],
      sql: 'UPDATE "orders" SET "note" = \'\' WHERE "note" IS NULL;--> statement-breakpoint\nDELETE FROM "orders" WHERE "created_at" < \'2020-01-01\';--> statement-breakpoint\nUPDATE "orders" SET "note" = \'x\' WHERE "status" = \'old\';',
      errors: [{ messageId: 'backfill', line: 1, message: ['(IS NULL / IS NOT NULL)', 'This migration has 2 more: DELETE FROM "orders" (line 2), UPDATE "orders" (line 3)'] }],
    },
    {
      name: 'hand-edited: a key compared with a column (UPDATE … FROM join), or an IN subquery, is not narrow',
      setup: [ORDERS, LINES],
      sql: 'UPDATE "lines" l SET "qty" = 1 FROM "orders" o WHERE l."order_id" = o."id";',
      errors: [{ messageId: 'backfill', line: 1, message: ['the rows of "lines" its WHERE matches'] }],
    },
    {
      name: 'hand-edited: a composite key pinned only in part is not narrow',
      setup: [LINES],
      sql: 'DELETE FROM "lines" WHERE "order_id" = 7;',
      errors: [{ messageId: 'backfill', line: 1, message: ['DELETE FROM "lines" deletes the rows of "lines" its WHERE matches ("order_id", not a primary or unique key)'], help: ['DELETE FROM "lines" WHERE ctid IN (SELECT ctid FROM "lines"'] }],
    },
    {
      name: 'hand-edited: INSERT … SELECT copying an existing table into a new one (a rename by copy)',
      setup: [ORDERS],
      sql: 'CREATE TABLE "purchases" ("id" integer PRIMARY KEY, "code" text);--> statement-breakpoint\nINSERT INTO "purchases" ("id", "code") SELECT "id", "code" FROM "orders";',
      errors: [{ messageId: 'copy', line: 2, message: ['INSERT INTO "purchases" … SELECT FROM "orders" writes a row for each row it reads from "orders"'], help: ['WHERE "id" > <last "id" copied> ORDER BY "id" LIMIT 1000'] }],
    },
    {
      name: 'hand-edited: an UPDATE inside a DO block runs in the same transaction',
      setup: [ORDERS],
      sql: 'DO $$ BEGIN\n  UPDATE "orders" SET "note" = \'\';\nEND $$;',
      errors: [{ messageId: 'backfill', line: 2 }],
    },
  ],
});
