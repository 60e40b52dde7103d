import { builtin } from '../runtime.js';

/** node:crypto on the first hash: most runs hash nothing (a pre-commit run without a lock file or a database). */
function createHash(algorithm: string): import('node:crypto').Hash {
  return builtin('node:crypto').createHash(algorithm);
}

/** sha256 of a migration's text, exactly as drizzle-orm's migrator stores it in `__drizzle_migrations.hash`. */
export function sha256(text: string | Buffer): string {
  return createHash('sha256').update(text).digest('hex');
}

/** The blob id git gives a file with this content (`git hash-object`), computed in process. */
export function gitBlobId(content: Buffer): string {
  return createHash('sha1').update(`blob ${content.length}\0`).update(content).digest('hex');
}

/** The `prevId` of the first snapshot drizzle-kit writes. */
export const ROOT_SNAPSHOT_ID = '00000000-0000-0000-0000-000000000000';
