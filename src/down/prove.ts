import type { ParsedMigration, Statement } from '../engine/types.js';
import { compareSchemas, type SchemaDifference } from '../schema/compare.js';
import { emptyState, type SchemaState } from '../schema/model.js';
import { applyStatement } from '../schema/replay.js';
import { isServerError, toPgError, type Engine } from '../verify/engine.js';
import { introspect, type QueryClient } from '../verify/introspect.js';
import { ident } from '../schema/sql.js';
import { planDown, rollbackSql, type MigrationDown } from './plan.js';
import type { Declared } from './step.js';

/**
 * The round trip that proves a drafted rollback on a real PostgreSQL: for each migration N of the
 * history, the schema after N-1 is introspected (the `verify --against --schema` introspection),
 * N applied (one transaction, committed), its drafted down applied in a transaction, the schema
 * introspected again and compared with the one after N-1, and the transaction rolled back (so N
 * stays applied for N+1). A migration called fully reversible must compare equal; every other
 * difference must be one its header declared.
 *
 * Besides the model's comparison, a catalog fingerprint (pg_get_indexdef, pg_get_constraintdef,
 * pg_get_viewdef, sequence parameters, functions, triggers, column order) catches what the model
 * does not compare; its differences must be declared too.
 */
export interface ProvedMigration {
  tag: string;
  verdict: MigrationDown['verdict'];
  /** equal: the schema came back exactly; declared: only differences the header declared; failed: the down failed or left an undeclared difference. */
  outcome: 'equal' | 'declared' | 'failed';
  /** Differences between the schema after N-1 and after N + down (model comparison, then catalog). */
  differences: SchemaDifference[];
  /** Those the header did not declare. */
  undeclared: SchemaDifference[];
  /** The model's comparison (introspection, as `verify --against --schema`) found no difference; catalog details (column order) aside. */
  modelEqual: boolean;
  /** The down statement PostgreSQL refused. */
  error?: { sql: string; message: string; code?: string };
}

export interface ProofReport {
  /** The migrations that applied on this engine, each with its proof. */
  migrations: ProvedMigration[];
  /**
   * Migrations with statements this engine refused (an extension it lacks, a migration that fails
   * on any database): not proved. Their refused statements are left out of the database and of the
   * model alike, so the migrations after them are still proved.
   */
  notApplied: { tag: string; failures: { sql: string; message: string; code?: string }[] }[];
}

export interface ProofOptions {
  /** drizzle's bookkeeping table, left out of the comparison. */
  migrationsTable?: { schema: string; table: string };
  /** Called after each migration (progress). */
  onMigration?: (proved: ProvedMigration, index: number, total: number) => void;
}

export async function proveDowns(engine: Engine, migrations: readonly ParsedMigration[], options: ProofOptions = {}): Promise<ProofReport> {
  const client: QueryClient = { query: async (text, values) => ({ rows: await engine.query(text, values) }) };
  const read = async (): Promise<Snapshot> => ({ model: await introspect(client, options.migrationsTable ? { migrationsTable: options.migrationsTable } : {}), catalog: await fingerprint(engine) });
  const inTransaction = async <T>(f: () => Promise<T>): Promise<T> => {
    await engine.exec('BEGIN');
    try {
      return await f();
    } finally {
      await engine.exec('ROLLBACK');
    }
  };
  const report: ProofReport = { migrations: [], notApplied: [] };
  const model: SchemaState = emptyState();
  let previous = await inTransaction(read);
  for (const [i, m] of migrations.entries()) {
    const down = planDown(m, model);
    const { applied, failures } = await applyMigration(engine, m);
    for (const s of applied) applyStatement(model, s.kind, s.ast, s.sql);
    if (failures.length) {
      report.notApplied.push({ tag: m.tag, failures });
      previous = await inTransaction(read);
      continue;
    }
    const proved = await inTransaction(async () => {
      for (const sql of rollbackSql(down)) {
        try {
          await engine.exec(sql);
        } catch (error) {
          if (!isServerError(error)) throw error;
          const e = toPgError(error);
          return { tag: m.tag, verdict: down.verdict, outcome: 'failed' as const, differences: [], undeclared: [], modelEqual: false, error: { sql, message: e.message, ...(e.code ? { code: e.code } : {}) } };
        }
      }
      const after = await read();
      return judge(m.tag, down, previous, after);
    });
    report.migrations.push(proved);
    options.onMigration?.(proved, i, migrations.length);
    previous = await inTransaction(read);
  }
  return report;
}

interface Snapshot {
  model: SchemaState;
  catalog: Map<string, string>;
}

function judge(tag: string, down: MigrationDown, before: Snapshot, after: Snapshot): ProvedMigration {
  const modelDifferences = compareSchemas(before.model, after.model, { left: 'before', right: 'after down' });
  const catalogDifferences = compareCatalogs(before.catalog, after.catalog);
  const differences = [...modelDifferences, ...catalogDifferences];
  const declared = down.statements.flatMap((s) => s.declared);
  const undeclared = differences.filter((d) => !declared.some((x) => covers(x, d)));
  // Fully reversible: the model compares equal. Column order is a note, not a declaration.
  const fullyBroken = down.verdict === 'reversible' && modelDifferences.length > 0;
  const outcome = undeclared.length > 0 || fullyBroken ? 'failed' : differences.length === 0 ? 'equal' : 'declared';
  return { tag, verdict: down.verdict, outcome, differences, undeclared: fullyBroken && undeclared.length === 0 ? modelDifferences : undeclared, modelEqual: modelDifferences.length === 0 };
}

/** Whether a declaration covers a difference: same object kind (or `*`), same name or a name under the declared prefix; a table covers its parts, a column its table's column order. */
export function covers(d: Declared, diff: SchemaDifference): boolean {
  const under = (name: string) => d.name === '*' || name === d.name || name.startsWith(d.name.endsWith('.') ? d.name : `${d.name}.`);
  if (d.object === '*' || d.object === diff.object) return under(diff.name);
  if (d.object === 'table') return diff.name.startsWith(`${d.name}.`);
  if (d.object === 'column' && diff.object === 'column-order') return d.name === '*' || d.name.startsWith(`${diff.name}.`);
  return false;
}

type Failure = { sql: string; message: string; code?: string };

/**
 * Apply one migration as drizzle's migrate() does (statements in order, one transaction; a bare
 * COMMIT in the file ends it and the rest runs on its own), CREATE INDEX CONCURRENTLY after the
 * commit. A statement the engine refuses is rolled back (a savepoint each) and reported; the
 * others stay. Returns the statements that applied (a DO block with the statements in it).
 */
async function applyMigration(engine: Engine, m: ParsedMigration): Promise<{ applied: Statement[]; failures: Failure[] }> {
  const failures: Failure[] = m.parseFailures.map((f) => ({ sql: f.sql, message: `does not parse: ${f.message}` }));
  const applied: Statement[] = [];
  const ran = new Set<number>();
  const run = async (s: Statement): Promise<void> => {
    const { error: e } = await engine.step(s.sql, { savepoint: 'migration_lint_proof' });
    if (!e) ran.add(s.index);
    else failures.push({ sql: s.sql, message: e.message, ...(e.code ? { code: e.code } : {}) });
  };
  const deferred: Statement[] = [];
  await engine.exec('BEGIN');
  for (const s of m.statements) {
    if (s.origin !== 'top-level') continue;
    if (s.kind === 'TransactionStmt') {
      const kind = s.ast.kind as string;
      if (kind === 'TRANS_STMT_COMMIT' || kind === 'TRANS_STMT_ROLLBACK') {
        await engine.exec(kind === 'TRANS_STMT_COMMIT' ? 'COMMIT' : 'ROLLBACK');
        await engine.exec('BEGIN');
      }
      continue;
    }
    if (s.ast.concurrent === true && (s.kind === 'IndexStmt' || s.kind === 'DropStmt')) deferred.push(s);
    else await run(s);
  }
  await engine.exec('COMMIT');
  for (const s of deferred) {
    try {
      await engine.exec(s.sql);
      ran.add(s.index);
    } catch (error) {
      if (!isServerError(error)) throw error;
      const e = toPgError(error);
      failures.push({ sql: s.sql, message: e.message, ...(e.code ? { code: e.code } : {}) });
    }
  }
  for (const s of m.statements) if (ran.has(s.origin === 'do-block' ? s.doBlock!.parent : s.index)) applied.push(s);
  return { applied, failures };
}

/**
 * What pg_catalog prints for every user object the model's comparison does not look at closely:
 * index and constraint definitions, view queries, sequence parameters, functions, triggers,
 * comments and the order of each table's columns. Keys are `kind:name`.
 */
async function fingerprint(engine: Engine): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const userSchemas = `n.nspname NOT IN ('pg_catalog', 'information_schema', 'drizzle') AND n.nspname !~ '^pg_'`;
  const notExtension = (classid: string, objid: string) => `NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d WHERE d.classid = '${classid}'::regclass AND d.objid = ${objid} AND d.deptype = 'e')`;
  const rows = async (sql: string) => engine.query<{ k: string; v: string }>(sql);
  const queries = [
    `SELECT 'index' AS kind, n.nspname || '.' || c.relname AS k, pg_catalog.pg_get_indexdef(c.oid) AS v FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind = 'i' AND ${userSchemas} AND ${notExtension('pg_catalog.pg_class', 'c.oid')}`,
    `SELECT 'constraint' AS kind, n.nspname || '.' || t.relname || '.' || con.conname AS k, pg_catalog.pg_get_constraintdef(con.oid) AS v FROM pg_catalog.pg_constraint con JOIN pg_catalog.pg_class t ON t.oid = con.conrelid JOIN pg_catalog.pg_namespace n ON n.oid = t.relnamespace WHERE ${userSchemas} AND con.contype <> 'n'`,
    `SELECT 'view' AS kind, n.nspname || '.' || c.relname AS k, c.relkind::text || ' ' || pg_catalog.pg_get_viewdef(c.oid) || coalesce(' ' || array_to_string(c.reloptions, ','), '') AS v FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind IN ('v', 'm') AND ${userSchemas} AND ${notExtension('pg_catalog.pg_class', 'c.oid')}`,
    `SELECT 'sequence' AS kind, n.nspname || '.' || c.relname AS k, concat_ws(' ', s.seqtypid::regtype, s.seqstart, s.seqincrement, s.seqmin, s.seqmax, s.seqcache, s.seqcycle) AS v FROM pg_catalog.pg_sequence s JOIN pg_catalog.pg_class c ON c.oid = s.seqrelid JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE ${userSchemas} AND ${notExtension('pg_catalog.pg_class', 'c.oid')}`,
    `SELECT 'function' AS kind, n.nspname || '.' || p.proname || '(' || pg_catalog.pg_get_function_identity_arguments(p.oid) || ')' AS k, pg_catalog.pg_get_functiondef(p.oid) AS v FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace WHERE ${userSchemas} AND p.prokind IN ('f', 'p') AND ${notExtension('pg_catalog.pg_proc', 'p.oid')}`,
    `SELECT 'trigger' AS kind, n.nspname || '.' || c.relname || '.' || t.tgname AS k, pg_catalog.pg_get_triggerdef(t.oid) AS v FROM pg_catalog.pg_trigger t JOIN pg_catalog.pg_class c ON c.oid = t.tgrelid JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE NOT t.tgisinternal AND ${userSchemas}`,
    `SELECT 'column-order' AS kind, n.nspname || '.' || c.relname AS k, string_agg(a.attname, ', ' ORDER BY a.attnum) AS v FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_class c ON c.oid = a.attrelid JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped AND ${userSchemas} GROUP BY n.nspname, c.relname`,
    `SELECT 'role' AS kind, rolname AS k, concat_ws(' ', rolsuper, rolinherit, rolcreaterole, rolcreatedb, rolcanlogin, rolreplication, rolbypassrls, rolconnlimit) AS v FROM pg_catalog.pg_roles WHERE rolname !~ '^pg_' AND rolname <> current_user AND oid >= 16384`,
    `SELECT 'comment' AS kind, pg_catalog.pg_describe_object(d.classoid, d.objoid, d.objsubid) AS k, d.description AS v FROM pg_catalog.pg_description d JOIN pg_catalog.pg_class c ON c.oid = d.objoid AND d.classoid = 'pg_catalog.pg_class'::regclass JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE ${userSchemas}`,
  ];
  for (const sql of queries) {
    for (const r of (await rows(sql)) as unknown as { kind: string; k: string; v: string }[]) out.set(`${r.kind}:${r.k}`, String(r.v));
  }
  return out;
}

function compareCatalogs(a: Map<string, string>, b: Map<string, string>): SchemaDifference[] {
  const out: SchemaDifference[] = [];
  const split = (k: string) => ({ object: k.slice(0, k.indexOf(':')), name: k.slice(k.indexOf(':') + 1) });
  for (const [k, v] of a) {
    const w = b.get(k);
    if (w === undefined) out.push({ ...split(k), detail: 'only before (catalog)' });
    else if (w !== v) out.push({ ...split(k), detail: `catalog: ${v} ≠ ${w}` });
  }
  for (const k of b.keys()) if (!a.has(k)) out.push({ ...split(k), detail: 'only after down (catalog)' });
  return out;
}

/**
 * Empty the database for the next history on the same engine (a PGlite start costs more than a
 * whole fixture's proof): every user schema dropped with what is in it, `public` made again, and
 * the roles the history created (roles belong to the whole server: only those named) dropped.
 */
export async function emptyDatabase(engine: Engine, roles: readonly string[] = []): Promise<void> {
  const schemas = await engine.query<{ n: string }>(`SELECT nspname AS n FROM pg_catalog.pg_namespace WHERE nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast') AND nspname !~ '^pg_'`);
  for (const { n } of schemas) await engine.exec(`DROP SCHEMA ${ident(n)} CASCADE`);
  await engine.exec('CREATE SCHEMA public');
  for (const r of roles) await engine.exec(`DROP ROLE IF EXISTS ${ident(r)}`);
}

/** Roles a history creates (CREATE ROLE), to drop with emptyDatabase. */
export function rolesCreated(migrations: readonly ParsedMigration[]): string[] {
  const out = new Set<string>();
  for (const m of migrations) for (const s of m.statements) if (s.kind === 'CreateRoleStmt' && typeof s.ast.role === 'string') out.add(s.ast.role);
  return [...out];
}
