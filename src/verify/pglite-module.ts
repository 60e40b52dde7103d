import { createRequire } from 'node:module';
import { join } from 'node:path';
import { importExternal } from '../runtime.js';

/**
 * PGlite, the embedded PostgreSQL `verify` runs migrations in, is not a dependency of
 * migration-lint: it is 26 of the 46 MB that `npm i -D migration-lint` would add, and only
 * `verify` without `--database-url` uses it (measured in docs/performance.md). A project that
 * wants it installs it, and it is found from migration-lint's own location (npm puts it beside
 * migration-lint), else from the project's (pnpm's strict node_modules, `npx` from its cache).
 */
export const PGLITE = '@electric-sql/pglite';

/** The one line verify prints when PGlite is not installed. */
export const PGLITE_MISSING = `verify runs the migrations in PGlite, an embedded PostgreSQL that is not installed here: npm i -D ${PGLITE} (or pass --database-url postgres://… to use a server)`;

export class PgliteMissing extends Error {
  constructor() {
    super(PGLITE_MISSING);
    this.name = 'PgliteMissing';
  }
}

/** `@electric-sql/pglite` or one of its subpaths (`/contrib/pgcrypto`); PgliteMissing when it is not installed. */
export async function importPglite<T>(subpath = '', cwd = process.cwd()): Promise<T> {
  const name = `${PGLITE}${subpath}`;
  try {
    return (await importExternal(name)) as T;
  } catch (error) {
    if (!notFound(error)) throw error;
  }
  let fromProject: unknown;
  try {
    fromProject = createRequire(join(cwd, 'package.json'))(name);
  } catch (error) {
    if (notFound(error)) throw new PgliteMissing();
    throw error;
  }
  return fromProject as T;
}

/** The package (or its subpath) is not there, as opposed to a package that fails while loading. */
function notFound(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException)?.code;
  return (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') && String((error as Error).message).includes(PGLITE);
}
