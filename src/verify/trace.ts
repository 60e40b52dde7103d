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

interface RelationFile {
  name: string;
  kind: string;
  relfilenode: number;
}

export interface TraceState {
  /** Keys (see KEY) of the relation locks the transaction holds. */
  locks: Set<number>;
  /** Their sum. */
  sum: number;
  /** The traced relations (user schemas, TRACED_KINDS), by oid. */
  files: Map<number, RelationFile>;
  /** Every relation made after initdb (pg_class oid ≥ 16384, traced or not): fewer of them than expected means one was dropped. */
  oids: Set<number>;
  /**
   * The highest relation oid seen (pg_class, locks): every key in `locks` is on a relation at or
   * below it. A relation made later has a higher oid (until the oid counter wraps around, when
   * the check below only costs more), so a new lock above it is on a relation the statement made.
   */
  top: number;
  /**
   * age() of the newest pg_class row (of relations made after initdb) at the last read: a row
   * written since (a new relation, a rename, a rewrite's relfilenode) is newer, its age(xmin)
   * lower. age() counts from a point fixed for the whole transaction, so two ages of one
   * transaction compare (a snapshot starts every transaction: see StepOptions.trace).
   */
  since: number;
  /** pg_class rows written by the transaction at the last read (see WRITES). */
  writes: number;
  /**
   * Relations in `files` whose row left the traced set since (moved to a non-user schema): as
   * pg_class names them now. `files` keeps them until the next snapshot, as reading every
   * relation after each statement did.
   */
  moved: Map<number, { name: string; kind: string }>;
}

/** What the trace reads with: `execLast` runs several statements (no parameters) in one call and answers with the rows of the last. */
type Reader = Pick<Engine, 'query'> & { execLast<T>(sql: string): Promise<T[]> };

const USER_NAMESPACE = `n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%'`;
const TRACED_KINDS = `('r', 'i', 'm', 'S', 'v', 'p', 'I', 'f')`;
/** PostgreSQL's relation lock modes. */
const MODES = ['AccessShareLock', 'RowShareLock', 'RowExclusiveLock', 'ShareUpdateExclusiveLock', 'ShareLock', 'ShareRowExclusiveLock', 'ExclusiveLock', 'AccessExclusiveLock', 'SIReadLock'];
/**
 * A relation lock's key: oid × 32 + the length of the mode's name (numbers travel to and from the
 * engine cheaply). The nine names have nine lengths, all below 32, and octet_length() costs
 * nothing (finding the name in a list cost a fifth of a read).
 */
const KEY = `l.relation::int8 * 32 + octet_length(l.mode)`;
const MODE_BY_LENGTH = new Map(MODES.map((m) => [m.length, m]));
const relationOf = (key: number) => Math.floor(key / 32);
const modeOf = (key: number) => MODE_BY_LENGTH.get(key % 32);

/**
 * Relation locks this backend holds in this database on objects made after initdb (oid ≥ 16384:
 * the catalogs are left out), as a WHERE clause on pg_lock_status() `l`. verify's own reads are
 * among them: they only take ACCESS SHARE on catalogs. pg_lock_status() lists every lock of the
 * transaction (thousands in a long history: catalogs, types, relations): reading it is what a
 * trace read costs, so it is read once per read. `alone`: the only backend, in one database
 * (PGlite: single-user PostgreSQL), where every lock is this backend's, granted, in this database
 * (the three checks cost a fifth of the read there).
 */
const held = (alone: boolean) => `l.locktype = 'relation' AND l.relation >= 16384${alone ? '' : `
        AND l.pid = pg_backend_pid() AND l.granted AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())`}`;
/**
 * Rows of pg_class this transaction inserted, updated or deleted so far (the statistics counters
 * PostgreSQL keeps per transaction, on every heap write: they only grow), or -1 when they are not
 * kept (track_counts off). The same number as at the last read: pg_class was not written since,
 * and is not read again.
 */
const WRITES = `CASE WHEN current_setting('track_counts')::bool THEN pg_stat_get_xact_tuples_inserted('pg_catalog.pg_class'::regclass) + pg_stat_get_xact_tuples_updated('pg_catalog.pg_class'::regclass) + pg_stat_get_xact_tuples_deleted('pg_catalog.pg_class'::regclass) ELSE -1 END`;
/**
 * age() of the newest pg_class row among relations made after initdb (see TraceState.since):
 * transaction ids are handed out in increasing order, and every statement runs in a
 * subtransaction of its own, which gets its id when it first writes.
 */
const SINCE = `coalesce(min(age(c.xmin)), 2147483647)`;
/** [oid, schema, name, kind, relfilenode, traced] of a pg_class row `c` (its schema `n`). */
const ROW = `json_build_array(c.oid::int8, n.nspname, c.relname, c.relkind::text, c.relfilenode::int8, c.relkind IN ${TRACED_KINDS} AND ${USER_NAMESPACE})`;
/** The same, its schema looked up for this row only (for the few rows that changed, not a join over all). */
const ROW_ALONE = `(SELECT ${ROW} FROM pg_namespace n WHERE n.oid = c.relnamespace)`;
type Row = [oid: number, nspname: string, relname: string, relkind: string, relfilenode: number, traced: boolean];

/** Everything, read at a migration's start: the locks held, every relation made after initdb, and where the transaction ids are. */
const snapshotSql = (alone: boolean) => `SELECT (SELECT coalesce(json_agg(${KEY}), '[]') FROM pg_lock_status() l WHERE ${held(alone)}) AS keys, r.rows, r.since, ${WRITES} AS writes
  FROM (SELECT coalesce(json_agg(${ROW}), '[]') AS rows, ${SINCE} AS since FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid >= 16384) r`;

/** Names of the prepared statements (PREPARE is per session and outlives a rolled-back transaction: prepared once per engine). */
const PREPARED = 'migration_lint_trace';
const PREPARED_KEYS = 'migration_lint_trace_keys';
/**
 * After a statement, from the state before it ($1 since, $2 top, $3 writes), in one pass over the
 * lock table and at most one over pg_class, sending no state: how many locks are held on
 * relations at or below top and the sum of their keys (locks are held to the end of the
 * transaction, so the same number means none is new there, and one more means one new lock: the
 * difference of the sums), the keys above top (relations the statement made); and when pg_class
 * was written since: the rows written since (relations made, renamed, moved or rewritten), how
 * many relations there are (fewer than known plus made: one was dropped), and where the
 * transaction ids are now. In the common case what comes back is as small as what the statement did.
 */
const changesSql = (alone: boolean) => `PREPARE ${PREPARED}(int4, int8, int8) AS
WITH h AS (SELECT count(*) FILTER (WHERE l.relation <= $2) AS below, coalesce(sum(${KEY}) FILTER (WHERE l.relation <= $2), 0) AS sum,
                  coalesce(json_agg(${KEY}) FILTER (WHERE l.relation > $2), '[]') AS above
             FROM pg_lock_status() l WHERE ${held(alone)}),
     w AS (SELECT ${WRITES} AS writes),
     r AS (SELECT coalesce(json_agg(${ROW_ALONE}) FILTER (WHERE age(c.xmin) < $1), '[]') AS rows, count(*) AS relations, ${SINCE} AS since FROM pg_class c WHERE c.oid >= 16384)
SELECT h.below, h.sum, h.above, w.writes,
       CASE WHEN w.writes < 0 OR w.writes <> $3 THEN (SELECT json_build_array(r.rows, r.relations, r.since) FROM r) END AS relations
  FROM h, w`;
/** The keys at or below $1 (top), when more than one is new there (or one was let go). */
const keysSql = (alone: boolean) => `PREPARE ${PREPARED_KEYS}(int8) AS
SELECT coalesce(json_agg(${KEY}), '[]') AS keys FROM pg_lock_status() l WHERE ${held(alone)} AND l.relation <= $1`;
/** Which of the relations $1 are gone. */
const DROPPED = `SELECT coalesce(json_agg(gone.oid), '[]') AS dropped FROM (SELECT unnest($1::int8[]) AS oid EXCEPT SELECT oid::int8 FROM pg_class) gone`;

const fileOf = (r: Row): RelationFile => ({ name: `${r[1]}.${r[2]}`, kind: r[3], relfilenode: Number(r[4]) });

/** A copy to keep (a diff updates its state in place; the relations' entries are replaced, never changed). */
export function copyState(s: TraceState): TraceState {
  return { locks: new Set(s.locks), sum: s.sum, files: new Map(s.files), oids: new Set(s.oids), top: s.top, since: s.since, writes: s.writes, moved: new Map(s.moved) };
}

/** The state before a migration's first statement: the locks held, and every user relation. */
export async function snapshot(engine: Reader, alone = false): Promise<{ state: TraceState }> {
  const [row] = await engine.query<{ keys: (number | string)[]; rows: Row[]; since: number | string; writes: number | string }>(snapshotSql(alone));
  const files = new Map<number, RelationFile>();
  let top = 0;
  for (const r of row.rows) {
    if (r[5]) files.set(Number(r[0]), fileOf(r));
    top = Math.max(top, Number(r[0]));
  }
  const locks = new Set(row.keys.map(Number));
  let sum = 0;
  for (const key of locks) {
    top = Math.max(top, relationOf(key));
    sum += key;
  }
  return { state: { locks, sum, files, oids: new Set(row.rows.map((r) => Number(r[0]))), top, since: Number(row.since), writes: Number(row.writes), moved: new Map() } };
}

/**
 * The trace's reader for one engine session: prepares changesSql there on first use. `alone`: see
 * `held` (PGlite).
 */
export function tracer(engine: Reader, alone = false): { recheck: () => void; snapshot: () => Promise<{ state: TraceState }>; diff: (before: TraceState, first?: string) => ReturnType<typeof diff>; absorb: (before: TraceState) => Promise<{ state: TraceState }> } {
  let prepared: 'no' | 'yes' | 'check' = 'no';
  const prepare = async () => {
    if (prepared === 'yes') return;
    // After a DEALLOCATE: PREPARE again what is gone (a PREPARE of a name that exists, or an EXECUTE of one that does not, would fail the transaction).
    const present = prepared === 'check' ? new Set((await engine.query<{ name: string }>(`SELECT name FROM pg_prepared_statements WHERE name IN ('${PREPARED}', '${PREPARED_KEYS}')`)).map((r) => r.name)) : new Set<string>();
    if (!present.has(PREPARED)) await engine.query(changesSql(alone));
    if (!present.has(PREPARED_KEYS)) await engine.query(keysSql(alone));
    prepared = 'yes';
  };
  // Integers this side computed, so written into the statements (EXECUTE takes no bind parameters).
  const args = (...n: number[]) => n.map((x) => String(Math.trunc(x))).join(', ');
  const reader = (first?: string): ChangesReader => ({
    changes: async (state) => {
      await prepare();
      const [row] = await engine.execLast<ChangesRow>(`${first ? `${first}; ` : ''}EXECUTE ${PREPARED}(${args(state.since, state.top, state.writes)})`);
      return row;
    },
    keys: async (top) => (await engine.query<{ keys: (number | string)[] }>(`EXECUTE ${PREPARED_KEYS}(${args(top)})`))[0].keys.map(Number),
  });
  const read = reader();
  return {
    /** A statement that can have dropped prepared statements ran (DEALLOCATE, DISCARD): see that they are there before the next read. */
    recheck: () => {
      if (prepared === 'yes') prepared = 'check';
    },
    snapshot: () => snapshot(engine, alone),
    /** `first`: SQL to run just before the read, in the same call (the statement's RELEASE). */
    diff: (before, first) => diff(engine, before, first ? reader(first) : read),
    /**
     * The state at a migration's start from the state after the previous migration's last
     * statement, in the same transaction with nothing rolled back since (the seeding in between
     * only adds locks and rows): what a snapshot would read, for the cost of a statement's read.
     */
    absorb: async (before) => ({ state: settle((await diff(engine, before, read)).state) }),
  };
}

/** A state as a snapshot would read it at a migration's start: it reads only the relations traced now, so those that left the set are forgotten. */
export function settle(state: TraceState): TraceState {
  for (const oid of state.moved.keys()) state.files.delete(oid);
  state.moved.clear();
  return state;
}

interface ChangesRow {
  below: number | string;
  sum: number | string;
  above: (number | string)[];
  writes: number | string;
  /** [rows written since, how many relations, since], when pg_class was written. */
  relations: [rows: Row[], count: number | string, since: number | string] | null;
}
interface ChangesReader {
  changes(state: TraceState): Promise<ChangesRow>;
  /** The keys held at or below `top`. */
  keys(top: number): Promise<number[]>;
}

/**
 * What a statement did, from the state before it: relation locks it newly acquired (a mode the
 * transaction already held on that relation is not repeated), and relations it rewrote (same oid,
 * new relfilenode). `before` is updated in place and returned as the new state.
 */
export async function diff(engine: Reader, before: TraceState, read: ChangesReader): Promise<{ state: TraceState; locks: LockEntry[]; rewrites: string[] }> {
  const row = await read.changes(before);
  const [rows, relations, since] = row.relations ?? [[], before.oids.size, before.since];
  const changed = new Map(rows.map((r) => [Number(r[0]), r]));
  // Relations gone since the last read: fewer are there than those known plus those made since.
  let made = 0;
  for (const oid of changed.keys()) if (!before.oids.has(oid)) made++;
  let dropped = new Set<number>();
  if (Number(relations) !== before.oids.size + made) {
    const [d] = await engine.query<{ dropped: (number | string)[] }>(DROPPED, [[...before.oids]]);
    dropped = new Set(d.dropped.map(Number));
  }
  // The locks held now: those at or below top as before, or one more (the difference of the sums),
  // or else read whole (several new, or one let go); and those above top (relations made since).
  const below = Number(row.below);
  const sum = Number(row.sum);
  let held = before.locks;
  const fresh: number[] = [];
  if (below !== before.locks.size || sum !== before.sum) {
    const one = sum - before.sum;
    if (below === before.locks.size + 1 && !held.has(one) && modeOf(one) && relationOf(one) >= 16384 && relationOf(one) <= before.top) {
      fresh.push(one);
      held.add(one);
    } else {
      held = new Set(await read.keys(before.top));
      for (const key of held) if (!before.locks.has(key)) fresh.push(key);
    }
  }
  let heldSum = sum;
  for (const k of row.above) {
    const key = Number(k);
    if (held.has(key)) continue;
    fresh.push(key);
    held.add(key);
    heldSum += key;
  }
  const locks: LockEntry[] = [];
  for (const key of fresh) {
    const oid = relationOf(key);
    before.top = Math.max(before.top, oid);
    const prior = before.files.get(oid);
    // Relations the statement created are invisible to other sessions until commit: their locks are noise.
    if (!prior) continue;
    const mode = modeOf(key) ?? '?';
    const now = changed.get(oid);
    const moved = before.moved.get(oid);
    const entry = now
      ? { relation: `${now[1]}.${now[2]}`, kind: now[3] }
      : dropped.has(oid)
        ? { relation: `${prior.name} (dropped)`, kind: prior.kind }
        : { relation: moved?.name ?? prior.name, kind: moved?.kind ?? prior.kind };
    locks.push({ ...entry, mode, oid });
  }
  before.locks = held;
  before.sum = heldSum;
  const rewrites: string[] = [];
  for (const [oid, r] of changed) {
    before.oids.add(oid);
    before.top = Math.max(before.top, oid);
    if (!r[5]) {
      if (before.files.has(oid)) before.moved.set(oid, { name: `${r[1]}.${r[2]}`, kind: r[3] });
      continue;
    }
    before.moved.delete(oid);
    const prior = before.files.get(oid);
    const now = fileOf(r);
    if (prior && prior.relfilenode !== 0 && now.relfilenode !== 0 && prior.relfilenode !== now.relfilenode && now.kind !== 'S') rewrites.push(now.name);
    before.files.set(oid, now);
  }
  for (const oid of dropped) {
    before.oids.delete(oid);
    before.files.delete(oid);
    before.moved.delete(oid);
  }
  before.since = Number(since);
  before.writes = Number(row.writes);
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
