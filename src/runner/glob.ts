import { createRequire } from 'node:module';
import type FastGlob from 'fast-glob';

/**
 * fast-glob, loaded on first use: it brings micromatch and picomatch (~20 ms to load), and most
 * runs glob nothing (`appFiles` unset, a drizzle config whose `schema` is a plain path). Required,
 * not imported: it is CommonJS, and `import()` would start Node's ES module loader in the CLI.
 */
let loaded: typeof FastGlob | undefined;
export function fastGlob(): typeof FastGlob {
  return (loaded ??= createRequire(import.meta.url)('fast-glob') as typeof FastGlob);
}

/**
 * fast-glob's `isDynamicPattern`, asked only of a pattern with a character a glob needs: a plain
 * path (`./src/db/schema.ts`) is static without loading it.
 */
export function isGlob(pattern: string): boolean {
  return /[*?[\]{}()!@+\\]/.test(pattern) && fastGlob().isDynamicPattern(pattern);
}
