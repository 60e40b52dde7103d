import type { MigrateCallFacts } from '../../engine/types.js';
import { MIGRATE_LOCK_WRAPPERS, type WrapperName } from './migrate-lock-wrappers.js';

/**
 * The lock wrapper for the driver a migrate() call uses, and the line that calls it: the help of
 * migrate-without-lock and of drizzle-kit-migrate-under-bun. The wrappers are
 * docs/migrate-lock/*.ts, the files the concurrent-migrate test runs on a real PostgreSQL.
 */
export function wrapperFor(call: Pick<MigrateCallFacts, 'driver' | 'connection'>): { name: WrapperName; text: string; use: string; note?: string } {
  const name = wrapperName(call);
  const use = name === 'node-postgres-pool' ? 'pool' : 'process.env.DATABASE_URL!';
  const note =
    call.driver === 'neon-http'
      ? 'neon-http has no session: run the migrations over the WebSocket driver (drizzle-orm/neon-serverless), for example from the deploy step:'
      : call.driver === 'bun-sql'
        ? "There is no tested wrapper for Bun's own SQL client: run the migrations with postgres.js, which Bun runs too (same database, same migrations folder):"
        : name === 'node-postgres-client' && call.driver !== 'node-postgres'
          ? `There is no tested wrapper for ${call.driver}: run the migrations from a deploy script with node-postgres (same database, same migrations folder):`
          : undefined;
  return { name, text: MIGRATE_LOCK_WRAPPERS[name].trimEnd(), use, ...(note ? { note } : {}) };
}

function wrapperName(call: Pick<MigrateCallFacts, 'driver' | 'connection'>): WrapperName {
  switch (call.driver) {
    case 'node-postgres':
      return call.connection === 'pool' ? 'node-postgres-pool' : 'node-postgres-client';
    case 'postgres-js':
    case 'bun-sql':
      return 'postgres-js';
    case 'neon-serverless':
    case 'neon-http':
    case 'vercel-postgres':
      return 'neon-serverless';
    default:
      return 'node-postgres-client';
  }
}

/** The wrapper and its call, as help text. */
export function wrapperHelp(call: Pick<MigrateCallFacts, 'driver' | 'connection'>, folder: string, intro: string): string {
  const wrapper = wrapperFor(call);
  const quoted = `'${folder.replace(/\\/g, '/').replace(/'/g, "\\'")}'`;
  return [intro, ...(wrapper.note ? [wrapper.note] : []), '', indent(wrapper.text), '', `and call it where migrate() was: await migrateWithLock(${wrapper.use}, ${quoted});`].join('\n');
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => (line ? `    ${line}` : line))
    .join('\n');
}
