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
const TRACED_KINDS = `('r', 'i', 'm', 'S', 'v', 'p', 'I', 'f')`;
/** A relation lock's key: oid × 16 + the mode's position here (numbers travel to and from the engine cheaply). */
const MODES = ['AccessShareLock', 'RowShareLock', 'RowExclusiveLock', 'ShareUpdateExclusiveLock', 'ShareLock', 'ShareRowExclusiveLock', 'ExclusiveLock', 'AccessExclusiveLock', 'SIReadLock'];
/** A relation's key: what a statement can change of it (a rewrite, a rename, SET SCHEMA). */
const fileKey = (oid: number, f: { relfilenode: number; name: string }) => `${oid}/${f.relfilenode}/${f.name}`;

/**
 * Relation locks this backend holds in this database on objects made after initdb (oid ≥ 16384:
 * the catalogs are left out), with their key. verify's own reads are among them: they only take
 * ACCESS SHARE on catalogs.
 */
const HELD = `SELECT l.relation, l.mode, l.relation::int8 * 16 + array_position($1::text[], l.mode) AS key
       FROM pg_lock_status() l
      WHERE l.locktype = 'relation' AND l.pid = pg_backend_pid() AND l.granted AND l.relation >= 16384
        AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())`;
/** User relations (name, kind, relfilenode), each as [oid, schema, name, kind, relfilenode]. */
const RELATIONS = `SELECT c.oid::int8 AS oid, n.nspname, c.relname, c.relkind::text AS relkind, c.relfilenode::int8 AS relfilenode,
            c.oid || '/' || c.relfilenode || '/' || n.nspname || '.' || c.relname AS key
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.oid >= 16384 AND c.relkind IN ${TRACED_KINDS} AND ${USER_NAMESPACE}`;
const asJson = (alias: string) => `coalesce(json_agg(json_build_array(${alias}.oid, ${alias}.nspname, ${alias}.relname, ${alias}.relkind, ${alias}.relfilenode)), '[]')`;
type FileRow = [oid: number, nspname: string, relname: string, relkind: string, relfilenode: number];

/** Everything, read once per migration: the locks held and every user relation. One JSON value each (PGlite's protocol parser allocates a buffer per field it reads). */
const SNAPSHOT = `WITH held AS MATERIALIZED (${HELD}), rel AS (${RELATIONS})
SELECT (SELECT coalesce(json_agg(key), '[]') FROM held) AS keys, (SELECT ${asJson('rel')} FROM rel) AS files`;

/**
 * What changed since the state in $2 (lock keys), $3 (relation keys) and $4 (relation oids): the
 * locks not held before (with their relation's name now, or none when it is gone), the relations
 * that are new or changed, those that are gone, and how many locks are held. The engine compares
 * (hashed anti-joins), so what comes back is as small as what the statement did, whatever the
 * number of relations and of locks the transaction holds.
 */
const CHANGES = `WITH held AS MATERIALIZED (${HELD}), rel AS (${RELATIONS})
SELECT (SELECT count(*) FROM held) AS held,
       (SELECT coalesce(json_agg(json_build_array(h.key, h.relation::int8, n.nspname, c.relname, c.relkind::text, h.mode)), '[]')
          FROM held h LEFT JOIN pg_class c ON c.oid = h.relation LEFT JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE h.key NOT IN (SELECT unnest($2::int8[]))) AS locks,
       (SELECT ${asJson('rel')} FROM rel WHERE rel.key NOT IN (SELECT unnest($3::text[]))) AS files,
       (SELECT coalesce(json_agg(gone.oid), '[]') FROM (SELECT unnest($4::int8[]) AS oid EXCEPT SELECT oid::int8 FROM pg_class) gone) AS dropped`;
type NewLock = [key: number, oid: number, nspname: string | null, relname: string | null, relkind: string | null, mode: string];

const fileOf = (r: FileRow) => ({ name: `${r[1]}.${r[2]}`, kind: r[3], relfilenode: Number(r[4]) });

/** The state before a migration's first statement: the locks held, and every user relation. */
export async function snapshot(engine: Reader): Promise<{ state: TraceState }> {
  const [row] = await engine.query<{ keys: number[]; files: FileRow[] }>(SNAPSHOT, [MODES]);
  return { state: { locks: new Set(row.keys.map(String)), files: new Map(row.files.map((r) => [Number(r[0]), fileOf(r)])) } };
}

/**
 * What a statement did, from the state before it: relation locks it newly acquired (a mode the
 * transaction already held on that relation is not repeated), and relations it rewrote (same oid,
 * new relfilenode). `before` is updated in place and returned as the new state.
 */
export async function diff(engine: Reader, before: TraceState): Promise<{ state: TraceState; locks: LockEntry[]; rewrites: string[] }> {
  const fileKeys = [...before.files].map(([oid, f]) => fileKey(oid, f));
  const [row] = await engine.query<{ held: number | string; locks: NewLock[]; files: FileRow[]; dropped: number[] }>(CHANGES, [MODES, [...before.locks].map(Number), fileKeys, [...before.files.keys()]]);
  const locks: LockEntry[] = [];
  for (const [key, oid, nspname, relname, relkind, mode] of row.locks) {
    before.locks.add(String(key));
    const prior = before.files.get(Number(oid));
    // Relations the statement created are invisible to other sessions until commit: their locks are noise.
    if (!prior) continue;
    locks.push(relname !== null ? { relation: `${nspname}.${relname}`, kind: relkind ?? '?', mode, oid: Number(oid) } : { relation: `${prior.name} (dropped)`, kind: prior.kind, mode, oid: Number(oid) });
  }
  // A statement that let a lock go (rare: PostgreSQL keeps them to the end of the transaction): read them all again.
  if (Number(row.held) !== before.locks.size) before.locks = (await snapshot(engine)).state.locks;
  const rewrites: string[] = [];
  for (const r of row.files) {
    const oid = Number(r[0]);
    const prior = before.files.get(oid);
    const now = fileOf(r);
    if (prior && prior.relfilenode !== 0 && now.relfilenode !== 0 && prior.relfilenode !== now.relfilenode && now.kind !== 'S') rewrites.push(now.name);
    before.files.set(oid, now);
  }
  for (const oid of row.dropped) before.files.delete(Number(oid));
  locks.sort((a, b) => a.relation.localeCompare(b.relation) || a.mode.localeCompare(b.mode));
  return { state: before, locks, rewrites: rewrites.sort() };
}

/** `AccessExclusiveLock` → `ACCESS EXCLUSIVE`, as the docs and the static rules write it. */
export function modeName(mode: string): string {
  return mode
    .replace(/Lock$/, '')
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .toUpperCase();
}
