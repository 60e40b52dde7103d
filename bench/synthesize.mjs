#!/usr/bin/env node
/**
 * Synthesise a drizzle-kit migration history (PostgreSQL, journal format v7) for benchmarks.
 *
 *   node bench/synthesize.mjs <dir> [--migrations 1000] [--seed 1]
 *
 * or `import { synthesize } from './synthesize.mjs'; synthesize(dir, { migrations: 1000, seed: 1 })`.
 *
 * The SQL imitates what drizzle-kit 0.31 writes: statements joined with `--> statement-breakpoint`,
 * CREATE TABLE with many column types, ALTER TABLE ADD/DROP COLUMN, CREATE INDEX … USING btree,
 * ADD CONSTRAINT … FOREIGN KEY … ON DELETE cascade ON UPDATE no action, CREATE TYPE "public"."x" AS
 * ENUM(…), ALTER TYPE … ADD VALUE, SET DATA TYPE, SET DEFAULT, SET NOT NULL. A small schema model is
 * kept so every statement refers to tables, columns and enums that exist at that point. Output is
 * fully determined by (migrations, seed). No snapshots are written.
 *
 * Like a real project's, the schema levels off: past MAX_TABLES tables, new tables replace old ones
 * (DROP TABLE … CASCADE), so a longer history is more history, not a bigger schema. Journal `when`
 * values advance 1 minute to 6 hours apart, so 5,000 migrations stay in the past.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** mulberry32: tiny deterministic PRNG. */
function prng(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (min, max) => min + Math.floor(next() * (max - min + 1));
  const pick = (list) => list[Math.floor(next() * list.length)];
  const chance = (p) => next() < p;
  /** Pick a key of `weights` proportionally to its value. */
  const weighted = (weights) => {
    const entries = Object.entries(weights).filter(([, w]) => w > 0);
    let r = next() * entries.reduce((s, [, w]) => s + w, 0);
    for (const [key, w] of entries) if ((r -= w) < 0) return key;
    return entries[entries.length - 1][0];
  };
  return { next, int, pick, chance, weighted };
}

const ADJECTIVES = [
  'amazing', 'brave', 'calm', 'clever', 'cloudy', 'cool', 'dark', 'eager', 'famous', 'flat', 'fluffy',
  'funny', 'gentle', 'giant', 'glossy', 'happy', 'keen', 'lazy', 'lucky', 'mature', 'melodic', 'neat',
  'odd', 'old', 'perfect', 'petite', 'plain', 'quick', 'quiet', 'rapid', 'rare', 'red', 'rich', 'shiny',
  'silly', 'sleepy', 'slim', 'smooth', 'solid', 'sparkling', 'steady', 'swift', 'tense', 'thick', 'tidy',
  'tiny', 'tough', 'useful', 'violet', 'wandering', 'warm', 'white', 'wild', 'wise', 'wooden', 'young',
];
const NOUNS = [
  'avengers', 'banshee', 'beast', 'blob', 'cable', 'captain', 'colossus', 'cyclops', 'dagger', 'deadpool',
  'domino', 'echo', 'electro', 'falcon', 'gambit', 'groot', 'havok', 'hulk', 'iceman', 'jubilee',
  'juggernaut', 'karma', 'loki', 'magneto', 'mystique', 'nebula', 'nova', 'odin', 'phoenix', 'polaris',
  'psylocke', 'quicksilver', 'rogue', 'sabretooth', 'sentry', 'shadowcat', 'silk', 'storm', 'sunfire',
  'thor', 'titania', 'triton', 'ultron', 'venom', 'vision', 'warlock', 'wasp', 'wolverine', 'xavier', 'zodiac',
];
const ENTITIES = [
  'user', 'account', 'session', 'organization', 'member', 'project', 'task', 'comment', 'invoice', 'payment',
  'subscription', 'product', 'order', 'order_item', 'customer', 'address', 'document', 'file', 'folder',
  'message', 'chat', 'notification', 'webhook', 'api_key', 'audit_log', 'team', 'invitation', 'workspace',
  'tag', 'label', 'report', 'dashboard', 'integration', 'event', 'job', 'schedule', 'tenant', 'plan',
];
const FIELDS = [
  'name', 'title', 'description', 'status', 'email', 'slug', 'kind', 'amount', 'currency', 'note', 'url',
  'color', 'priority', 'position', 'score', 'count', 'metadata', 'settings', 'payload', 'archived',
  'enabled', 'verified', 'expires_at', 'starts_at', 'ends_at', 'locale', 'timezone', 'version', 'source',
  'external_id', 'display_name', 'avatar_url', 'phone', 'country', 'region', 'weight', 'ratio', 'total',
];
const ENUM_WORDS = [
  'draft', 'active', 'pending', 'archived', 'deleted', 'open', 'closed', 'paid', 'void', 'failed', 'queued',
  'running', 'done', 'low', 'medium', 'high', 'urgent', 'free', 'pro', 'enterprise', 'owner', 'admin',
  'viewer', 'editor', 'public', 'private', 'internal', 'success', 'error', 'warning', 'info', 'blocked',
];

/** Column types drizzle-kit writes, with a plausible default for each. */
const TYPES = [
  { type: 'text', def: () => "''" },
  { type: 'varchar(255)', def: () => "'unknown'", widen: 'varchar(512)' },
  { type: 'varchar(64)', def: () => "''", widen: 'varchar(255)' },
  { type: 'integer', def: (r) => String(r.int(0, 10)), widen: 'bigint' },
  { type: 'bigint', def: () => '0' },
  { type: 'smallint', def: () => '0', widen: 'integer' },
  { type: 'boolean', def: (r) => (r.chance(0.5) ? 'true' : 'false') },
  { type: 'timestamp', def: () => 'now()' },
  { type: 'timestamp with time zone', def: () => 'now()' },
  { type: 'timestamp (3) with time zone', def: () => 'now()' },
  { type: 'date', def: () => 'now()' },
  { type: 'jsonb', def: () => "'{}'::jsonb" },
  { type: 'json', def: () => "'[]'::json" },
  { type: 'uuid', def: () => 'gen_random_uuid()' },
  { type: 'numeric(10, 2)', def: () => "'0'", widen: 'numeric(14, 2)' },
  { type: 'real', def: () => '0', widen: 'double precision' },
  { type: 'double precision', def: () => '0' },
  { type: 'text[]', def: () => "'{}'" },
  { type: 'interval', def: () => "'30 days'" },
  { type: 'char(2)', def: () => "'US'" },
];

/**
 * Write `migrations` drizzle-kit migrations into `dir` (created if needed): `<tag>.sql` files and
 * `meta/_journal.json`. Returns { dir, migrations, statements, tags }.
 */
/** Where the synthetic schema levels off (a mid-sized application). */
const MAX_TABLES = 60;

export function synthesize(dir, { migrations = 1000, seed = 1 } = {}) {
  const r = prng(seed);
  const root = resolve(dir);
  mkdirSync(join(root, 'meta'), { recursive: true });

  /** table name → { columns: Map<name, {type, notNull, hasDefault, enumName?, pk?, fk?}> } */
  const tables = new Map();
  /** enum name → values */
  const enums = new Map();
  const usedNames = new Set();
  const uniqueName = (base) => {
    let name = base;
    for (let i = 2; usedNames.has(name); i++) name = `${base}_${i}`;
    usedNames.add(name);
    return name;
  };

  // --- operations -------------------------------------------------------------------------------

  function randomTable() {
    return r.pick([...tables.keys()]);
  }

  function columnSql(name, col) {
    const type = col.enumName ? `"${col.enumName}"` : col.type;
    let sql = `"${name}" ${type}`;
    if (col.pk) sql += ' PRIMARY KEY';
    if (col.defaultSql) sql += ` DEFAULT ${col.defaultSql}`;
    if (col.notNull) sql += ' NOT NULL';
    return sql;
  }

  function newColumn(table, forCreate) {
    const name = uniqueColumn(table, r.pick(FIELDS));
    if (enums.size > 0 && r.chance(0.12)) {
      const enumName = r.pick([...enums.keys()]);
      const values = enums.get(enumName);
      const withDefault = r.chance(0.6);
      return [name, { type: enumName, enumName, notNull: withDefault, defaultSql: withDefault ? `'${values[0]}'` : undefined }];
    }
    const t = r.pick(TYPES);
    const withDefault = r.chance(forCreate ? 0.35 : 0.3);
    const notNull = forCreate ? r.chance(0.5) && (withDefault || r.chance(0.6)) : withDefault && r.chance(0.7);
    return [name, { type: t.type, widen: t.widen, notNull, defaultSql: withDefault ? t.def(r) : undefined }];
  }

  function uniqueColumn(table, base) {
    const columns = tables.get(table)?.columns;
    let name = base;
    for (let i = 2; columns?.has(name); i++) name = `${base}_${i}`;
    return name;
  }

  function fkStatement(table, column, target, onDelete) {
    const name = `${table}_${column}_${target}_id_fk`;
    return `ALTER TABLE "${table}" ADD CONSTRAINT "${name}" FOREIGN KEY ("${column}") REFERENCES "public"."${target}"("id") ON DELETE ${onDelete} ON UPDATE no action;`;
  }

  function indexStatement(table, columns, unique = false) {
    const name = uniqueName(`${table}_${columns.join('_')}_${unique ? 'unique' : 'idx'}`);
    return `CREATE ${unique ? 'UNIQUE ' : ''}INDEX "${name}" ON "${table}" USING btree (${columns.map((c) => `"${c}"`).join(',')});`;
  }

  function createEnum(statements) {
    const name = uniqueName(`${r.pick(ENTITIES)}_${r.pick(['status', 'kind', 'role', 'level', 'state'])}`);
    const pool = [...ENUM_WORDS];
    const values = [];
    for (let i = r.int(2, 5); i > 0; i--) values.push(pool.splice(r.int(0, pool.length - 1), 1)[0]);
    enums.set(name, values);
    statements.push(`CREATE TYPE "public"."${name}" AS ENUM(${values.map((v) => `'${v}'`).join(', ')});`);
    return name;
  }

  const OPS = {
    dropTable(statements) {
      const table = randomTable();
      tables.delete(table);
      statements.push(`DROP TABLE "${table}" CASCADE;`);
    },

    createTable(statements) {
      if (r.chance(0.25)) createEnum(statements);
      const table = uniqueName(r.pick(ENTITIES) + (r.chance(0.3) ? `_${r.pick(['history', 'settings', 'links', 'stats', 'items'])}` : ''));
      const columns = new Map();
      tables.set(table, { columns });
      const uuidPk = r.chance(0.6);
      columns.set('id', uuidPk
        ? { type: 'uuid', pk: true, notNull: true, defaultSql: 'gen_random_uuid()' }
        : { type: 'serial', pk: true, notNull: true });
      const followUps = [];
      // Foreign keys to existing tables (drizzle-kit emits them after all CREATE TABLEs).
      const others = [...tables.keys()].filter((t) => t !== table);
      for (let i = Math.min(others.length, r.int(0, 2)); i > 0; i--) {
        const target = r.pick(others);
        const targetPk = tables.get(target).columns.get('id');
        const column = uniqueColumn(table, `${target}_id`);
        columns.set(column, { type: targetPk.type === 'serial' ? 'integer' : 'uuid', notNull: r.chance(0.7), fk: true });
        followUps.push(fkStatement(table, column, target, r.pick(['cascade', 'cascade', 'set null', 'no action'])));
        if (r.chance(0.5)) followUps.push(indexStatement(table, [column]));
      }
      for (let i = r.int(2, 10); i > 0; i--) {
        const [name, col] = newColumn(table, true);
        columns.set(name, col);
      }
      columns.set('created_at', { type: 'timestamp', notNull: true, defaultSql: 'now()' });
      if (r.chance(0.6)) columns.set('updated_at', { type: 'timestamp', notNull: true, defaultSql: 'now()' });
      const lines = [...columns].map(([name, col]) => `\t${columnSql(name, col)}`);
      if (r.chance(0.15)) {
        const c = [...columns.keys()].find((k) => k !== 'id' && !columns.get(k).fk);
        if (c) lines.push(`\tCONSTRAINT "${table}_${c}_unique" UNIQUE("${c}")`);
      }
      statements.push(`CREATE TABLE "${table}" (\n${lines.join(',\n')}\n);\n`);
      statements.push(...followUps);
    },

    addColumn(statements) {
      const table = randomTable();
      const [name, col] = newColumn(table, false);
      tables.get(table).columns.set(name, col);
      statements.push(`ALTER TABLE "${table}" ADD COLUMN ${columnSql(name, col)};`);
    },

    dropColumn(statements) {
      const table = randomTable();
      const { columns } = tables.get(table);
      const candidates = [...columns].filter(([n, c]) => !c.pk && !c.fk && n !== 'created_at').map(([n]) => n);
      if (candidates.length === 0) return OPS.addColumn(statements);
      const name = r.pick(candidates);
      columns.delete(name);
      statements.push(`ALTER TABLE "${table}" DROP COLUMN "${name}";`);
    },

    createIndex(statements) {
      const table = randomTable();
      const names = [...tables.get(table).columns.keys()].filter((n) => n !== 'id');
      if (names.length === 0) return OPS.addColumn(statements);
      const first = r.pick(names);
      const cols = r.chance(0.25) && names.length > 1 ? [first, r.pick(names.filter((n) => n !== first))] : [first];
      statements.push(indexStatement(table, cols, r.chance(0.15)));
    },

    addForeignKey(statements) {
      const table = randomTable();
      const target = r.pick([...tables.keys()]);
      const targetPk = tables.get(target).columns.get('id');
      const column = uniqueColumn(table, `${target}_id`);
      const col = { type: targetPk.type === 'serial' ? 'integer' : 'uuid', fk: true };
      tables.get(table).columns.set(column, col);
      statements.push(`ALTER TABLE "${table}" ADD COLUMN ${columnSql(column, col)};`);
      statements.push(fkStatement(table, column, target, r.pick(['cascade', 'cascade', 'set null', 'no action', 'restrict'])));
      if (r.chance(0.5)) statements.push(indexStatement(table, [column]));
    },

    createEnum(statements) {
      const enumName = createEnum(statements);
      const table = randomTable();
      const column = uniqueColumn(table, enumName.split('_').pop());
      const col = { type: enumName, enumName, notNull: true, defaultSql: `'${enums.get(enumName)[0]}'` };
      tables.get(table).columns.set(column, col);
      statements.push(`ALTER TABLE "${table}" ADD COLUMN ${columnSql(column, col)};`);
    },

    addEnumValue(statements) {
      const name = r.pick([...enums.keys()]);
      const values = enums.get(name);
      const fresh = ENUM_WORDS.filter((w) => !values.includes(w));
      if (fresh.length === 0) return OPS.addColumn(statements);
      const value = r.pick(fresh);
      if (r.chance(0.3)) {
        const before = r.pick(values);
        values.splice(values.indexOf(before), 0, value);
        statements.push(`ALTER TYPE "public"."${name}" ADD VALUE '${value}' BEFORE '${before}';`);
      } else {
        values.push(value);
        statements.push(`ALTER TYPE "public"."${name}" ADD VALUE '${value}';`);
      }
    },

    setDataType(statements) {
      const table = randomTable();
      const candidates = [...tables.get(table).columns].filter(([, c]) => c.widen);
      if (candidates.length === 0) return OPS.setDefault(statements);
      const [name, col] = r.pick(candidates);
      col.type = col.widen;
      col.widen = undefined;
      statements.push(`ALTER TABLE "${table}" ALTER COLUMN "${name}" SET DATA TYPE ${col.type};`);
    },

    setDefault(statements) {
      const table = randomTable();
      const candidates = [...tables.get(table).columns].filter(([, c]) => !c.pk && !c.fk && !c.enumName);
      if (candidates.length === 0) return OPS.addColumn(statements);
      const [name, col] = r.pick(candidates);
      const t = TYPES.find((x) => x.type === col.type);
      col.defaultSql = t ? t.def(r) : "''";
      statements.push(`ALTER TABLE "${table}" ALTER COLUMN "${name}" SET DEFAULT ${col.defaultSql};`);
    },

    setNotNull(statements) {
      const table = randomTable();
      const candidates = [...tables.get(table).columns].filter(([, c]) => !c.notNull);
      if (candidates.length === 0) return OPS.addColumn(statements);
      const [name, col] = r.pick(candidates);
      col.notNull = true;
      statements.push(`ALTER TABLE "${table}" ALTER COLUMN "${name}" SET NOT NULL;`);
    },
  };

  // --- history ---------------------------------------------------------------------------------

  const entries = [];
  let when = 1_700_000_000_000 + r.int(0, 1e9);
  let statementTotal = 0;

  for (let idx = 0; idx < migrations; idx++) {
    const statements = [];
    // The first migrations lay out the schema; later ones mostly evolve it.
    const operations = idx === 0 ? r.int(4, 8) : r.int(1, 5);
    for (let op = 0; op < operations; op++) {
      const kind = idx === 0 || tables.size < 3 ? 'createTable' : r.weighted({
        createTable: tables.size < MAX_TABLES ? 14 : 0,
        dropTable: tables.size < MAX_TABLES ? 0 : 14,
        addColumn: 22,
        dropColumn: 6,
        createIndex: 12,
        addForeignKey: 8,
        createEnum: 5,
        addEnumValue: enums.size > 0 ? 5 : 0,
        setDataType: 6,
        setDefault: 7,
        setNotNull: 6,
      });
      OPS[kind](statements);
    }
    statementTotal += statements.length;

    const tag = `${String(idx).padStart(4, '0')}_${r.pick(ADJECTIVES)}_${r.pick(NOUNS)}`;
    when += r.int(60_000, 6 * 3_600_000);
    entries.push({ idx, version: '7', when, tag, breakpoints: true });
    writeFileSync(join(root, `${tag}.sql`), statements.join('--> statement-breakpoint\n'));
  }

  writeFileSync(join(root, 'meta', '_journal.json'), JSON.stringify({ version: '7', dialect: 'postgresql', entries }, null, 2));
  return { dir: root, migrations, statements: statementTotal, tags: entries.map((e) => e.tag) };

}

// Standalone: node bench/synthesize.mjs <dir> [--migrations N] [--seed S]
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const flag = (name, fallback) => {
    const i = args.indexOf(name);
    return i === -1 ? fallback : Number(args.splice(i, 2)[1]);
  };
  const migrations = flag('--migrations', 1000);
  const seed = flag('--seed', 1);
  const dir = args[0];
  if (!dir || !Number.isInteger(migrations) || migrations < 1 || !Number.isInteger(seed)) {
    process.stderr.write('usage: node bench/synthesize.mjs <dir> [--migrations 1000] [--seed 1]\n');
    process.exit(2);
  }
  const result = synthesize(dir, { migrations, seed });
  process.stdout.write(`wrote ${result.migrations} migrations (${result.statements} statements) to ${result.dir}\n`);
}
