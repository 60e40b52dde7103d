import type { Engine } from './engine.js';

/** One relation lock a statement acquired (pg_locks, inside the migration's transaction). */
export interface LockEntry {
  /** `schema.name`, or `oid 12345 (dropped)` when the relation is gone after the statement. */
  relation: string;
  /** r table, i index, S sequence, v view, m matview, p partitioned table, I partitioned index… */
  kind: string;
  /** PostgreSQL's name: AccessExclusiveLock, ShareLock, … */
  mode: string;
  oid: number;
}

export interface TraceState {
  locks: Set<string>;
  files: Map<number, { name: string; kind: string; relfilenode: number }>;
}

const USER_NAMESPACE = `n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%'`;

/** Relation locks held by this backend in the current database, catalog relations filtered out. */
async function readLocks(engine: Engine): Promise<Map<string, LockEntry>> {
  const rows = await engine.query<{ oid: number; nspname: string | null; relname: string | null; relkind: string | null; mode: string }>(
    `SELECT l.relation::int8 AS oid, n.nspname, c.relname, c.relkind::text AS relkind, l.mode
       FROM pg_locks l
       LEFT JOIN pg_class c ON c.oid = l.relation
       LEFT JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE l.locktype = 'relation' AND l.pid = pg_backend_pid() AND l.granted
        AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
        AND (c.oid IS NULL OR (${USER_NAMESPACE}))`,
  );
  const out = new Map<string, LockEntry>();
  for (const r of rows) {
    const relation = r.relname ? `${r.nspname}.${r.relname}` : `oid ${r.oid} (dropped)`;
    out.set(`${r.oid}/${r.mode}`, { relation, kind: r.relkind ?? '?', mode: r.mode, oid: Number(r.oid) });
  }
  return out;
}

async function readFiles(engine: Engine): Promise<TraceState['files']> {
  const rows = await engine.query<{ oid: number; nspname: string; relname: string; relkind: string; relfilenode: number }>(
    `SELECT c.oid::int8 AS oid, n.nspname, c.relname, c.relkind::text AS relkind, c.relfilenode::int8 AS relfilenode
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'i', 'm', 'S', 'v', 'p', 'I', 'f') AND ${USER_NAMESPACE}`,
  );
  return new Map(rows.map((r) => [Number(r.oid), { name: `${r.nspname}.${r.relname}`, kind: r.relkind, relfilenode: Number(r.relfilenode) }]));
}

export async function snapshot(engine: Engine): Promise<{ state: TraceState; locks: Map<string, LockEntry> }> {
  const locks = await readLocks(engine);
  return { state: { locks: new Set(locks.keys()), files: await readFiles(engine) }, locks };
}

/**
 * What a statement did, from the state before it: relation locks it newly acquired (a mode the
 * transaction already held on that relation is not repeated), and relations it rewrote (same oid,
 * new relfilenode).
 */
export async function diff(engine: Engine, before: TraceState): Promise<{ state: TraceState; locks: LockEntry[]; rewrites: string[] }> {
  const now = await snapshot(engine);
  // Relations the statement created are invisible to other sessions until commit: their locks are noise.
  const locks = [...now.locks].filter(([key, v]) => !before.locks.has(key) && before.files.has(v.oid))
    .map(([, v]) => (v.relation.endsWith('(dropped)') ? { ...v, relation: `${before.files.get(v.oid)!.name} (dropped)`, kind: before.files.get(v.oid)!.kind } : v));
  locks.sort((a, b) => a.relation.localeCompare(b.relation) || a.mode.localeCompare(b.mode));
  const rewrites: string[] = [];
  for (const [oid, after] of now.state.files) {
    const prior = before.files.get(oid);
    if (prior && prior.relfilenode !== 0 && after.relfilenode !== 0 && prior.relfilenode !== after.relfilenode && after.kind !== 'S') rewrites.push(after.name);
  }
  rewrites.sort();
  return { state: now.state, locks, rewrites };
}

/** `AccessExclusiveLock` → `ACCESS EXCLUSIVE`, as the docs and the static rules write it. */
export function modeName(mode: string): string {
  return mode
    .replace(/Lock$/, '')
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .toUpperCase();
}
