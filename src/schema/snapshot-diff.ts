import { compareSchemas, type SchemaDifference } from './compare.js';
import { cloneState, type SchemaState } from './model.js';
import { fromSnapshot } from './snapshot.js';

/**
 * The model of a drizzle-kit 0.x PostgreSQL snapshot, or why it cannot be built (shared by
 * checkSnapshotAgreement and the snapshot-drift rule).
 */
export function snapshotState(snapshot: unknown): { state: SchemaState } | { reason: string } {
  const built = builtState(snapshot);
  // Each caller replays onto its own copy.
  return 'reason' in built ? built : { state: cloneState(built.state) };
}

/**
 * A pre-commit run builds the previous snapshot's schema twice (the context, and snapshot-drift's
 * base): it is built once per parsed snapshot, and callers that change it get a copy.
 */
const builtStates = new WeakMap<object, SchemaState>();

function builtState(snapshot: unknown): { state: Readonly<SchemaState> } | { reason: string } {
  const s = snapshot as { tables?: unknown; ddl?: unknown; version?: unknown } | undefined;
  if (!s || typeof s !== 'object' || !s.tables || Array.isArray(s.ddl)) return { reason: `unsupported snapshot format (version ${String(s?.version ?? '?')})` };
  let state = builtStates.get(s);
  if (!state) builtStates.set(s, (state = fromSnapshot(s)));
  return { state };
}

/** What differs between a replayed schema (left, `sql`) and a snapshot (right, `snapshot`). */
export function differencesFromSnapshot(state: SchemaState, snapshot: unknown): { differences: SchemaDifference[] } | { reason: string } {
  const built = builtState(snapshot);
  if ('reason' in built) return built;
  return { differences: compareSchemas(state, built.state, { left: 'sql', right: 'snapshot' }) };
}
