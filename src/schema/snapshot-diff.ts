import { compareSchemas, type SchemaDifference } from './compare.js';
import type { SchemaState } from './model.js';
import { fromSnapshot } from './snapshot.js';

/**
 * The model of a drizzle-kit 0.x PostgreSQL snapshot, or why it cannot be built (shared by
 * checkSnapshotAgreement and the snapshot-drift rule).
 */
export function snapshotState(snapshot: unknown): { state: SchemaState } | { reason: string } {
  const s = snapshot as { tables?: unknown; ddl?: unknown; version?: unknown } | undefined;
  if (!s || typeof s !== 'object' || !s.tables || Array.isArray(s.ddl)) return { reason: `unsupported snapshot format (version ${String(s?.version ?? '?')})` };
  return { state: fromSnapshot(s) };
}

/** What differs between a replayed schema (left, `sql`) and a snapshot (right, `snapshot`). */
export function differencesFromSnapshot(state: SchemaState, snapshot: unknown): { differences: SchemaDifference[] } | { reason: string } {
  const built = snapshotState(snapshot);
  if ('reason' in built) return built;
  return { differences: compareSchemas(state, built.state, { left: 'sql', right: 'snapshot' }) };
}
