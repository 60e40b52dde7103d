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

/** What the trace reads with. */
type Reader = Pick<Engine, 'query'>;

const USER_NAMESPACE = `n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%'`;

/**
 * Relation locks held by this backend in the current database (catalog relations filtered out),
 * with the relation's name, kind and relfilenode now (null: dropped). One JSON value, not a row
 * per lock: PGlite's protocol parser allocates a buffer for every field it reads, and on a long
 * history these reads ran after every statement.
 */
const LOCKS = `SELECT coalesce(json_agg(json_build_array(l.relation::int8, n.nspname, c.relname, c.relkind::text, l.mode, c.relfilenode::int8)), '[]') AS locks
       FROM pg_locks l
       LEFT JOIN pg_class c ON c.oid = l.relation
       LEFT JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE l.locktype = 'relation' AND l.pid = pg_backend_pid() AND l.granted
        AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
        AND (c.oid IS NULL OR (${USER_NAMESPACE}))`;
type LockRow = [oid: number, nspname: string | null, relname: string | null, relkind: string | null, mode: string, relfilenode: number | null];

/** Every user relation's name, kind and relfilenode (one JSON value). */
const FILES = `SELECT coalesce(json_agg(json_build_array(c.oid::int8, n.nspname, c.relname, c.relkind::text, c.relfilenode::int8)), '[]') AS files
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'i', 'm', 'S', 'v', 'p', 'I', 'f') AND ${USER_NAMESPACE}`;
type FileRow = [oid: number, nspname: string, relname: string, relkind: string, relfilenode: number];

const lockKey = (r: LockRow) => `${r[0]}/${r[4]}`;
const TRACED_KINDS = new Set(['r', 'i', 'm', 'S', 'v', 'p', 'I', 'f']);

/** The state before a migration's first statement: every user relation, and the locks held. */
export async function snapshot(engine: Reader): Promise<{ state: TraceState }> {
  const [row] = await engine.query<{ locks: LockRow[]; files: FileRow[] }>(`SELECT (${LOCKS}) AS locks, (${FILES}) AS files`);
  const files: TraceState['files'] = new Map(row.files.map((r) => [Number(r[0]), { name: `${r[1]}.${r[2]}`, kind: r[3], relfilenode: Number(r[4]) }]));
  return { state: { locks: new Set(row.locks.map(lockKey)), files } };
}

/**
 * What a statement did, from the state before it: relation locks it newly acquired (a mode the
 * transaction already held on that relation is not repeated), and relations it rewrote (same oid,
 * new relfilenode). Only the relations this transaction holds a lock on are read again: a
 * relation's relfilenode changes only under a lock, and locks are held to the end of the
 * transaction (a statement that failed was rolled back, its locks with it), so the others are as
 * they were. `before` is updated in place and returned as the new state.
 */
export async function diff(engine: Reader, before: TraceState): Promise<{ state: TraceState; locks: LockEntry[]; rewrites: string[] }> {
  const [{ locks: rows }] = await engine.query<{ locks: LockRow[] }>(LOCKS);
  const locks: LockEntry[] = [];
  const rewrites = new Set<string>();
  const now = new Set<string>();
  for (const r of rows) {
    const key = lockKey(r);
    now.add(key);
    const oid = Number(r[0]);
    const prior = before.files.get(oid);
    // Relations the statement created are invisible to other sessions until commit: their locks are noise.
    if (!before.locks.has(key) && prior) {
      locks.push(r[2] !== null ? { relation: `${r[1]}.${r[2]}`, kind: r[3] ?? '?', mode: r[4], oid } : { relation: `${prior.name} (dropped)`, kind: prior.kind, mode: r[4], oid });
    }
    if (r[2] === null || !TRACED_KINDS.has(r[3] ?? '')) continue;
    const relfilenode = Number(r[5]);
    if (prior && prior.relfilenode !== 0 && relfilenode !== 0 && prior.relfilenode !== relfilenode && r[3] !== 'S') rewrites.add(`${r[1]}.${r[2]}`);
  }
  // The state after it: the locked relations as they are now (created, renamed, rewritten, dropped).
  for (const r of rows) {
    const oid = Number(r[0]);
    if (r[2] === null) before.files.delete(oid);
    else if (TRACED_KINDS.has(r[3] ?? '')) before.files.set(oid, { name: `${r[1]}.${r[2]}`, kind: r[3]!, relfilenode: Number(r[5]) });
  }
  before.locks = now;
  locks.sort((a, b) => a.relation.localeCompare(b.relation) || a.mode.localeCompare(b.mode));
  return { state: before, locks, rewrites: [...rewrites].sort() };
}

/** `AccessExclusiveLock` → `ACCESS EXCLUSIVE`, as the docs and the static rules write it. */
export function modeName(mode: string): string {
  return mode
    .replace(/Lock$/, '')
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .toUpperCase();
}
