import { createRequire } from 'node:module';
import { realpathSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * How this code lives in a Node process, in one place: the built CLI is CommonJS and two bundles
 * (a small front, cli.cjs, and the rest, cli-main.cjs), each with its own copy of every module.
 */

interface Builtins {
  'node:child_process': typeof import('node:child_process');
  'node:crypto': typeof import('node:crypto');
  'node:os': typeof import('node:os');
  'node:v8': typeof import('node:v8');
  'node:worker_threads': typeof import('node:worker_threads');
}

const requireHere = createRequire(import.meta.url);

/**
 * A Node built-in loaded when a run first needs it, not with the CLI: these cost start-up
 * (node:crypto ~10 ms, child_process and v8 load Node's stream modules) that `--version`,
 * `--help` and most lints never use. Required, not imported: `import()` would start Node's ES
 * module loader in the CommonJS CLI.
 */
export function builtin<N extends keyof Builtins>(name: N): Builtins[N] {
  return requireHere(name) as Builtins[N];
}

/**
 * One value for the whole process, whichever bundle asks first (under a registered symbol):
 * phase timings both bundles add to, the git query the front starts and the rest reads.
 */
export function processWide<T>(name: string, create: () => T): T {
  const slots = globalThis as Record<symbol, unknown>;
  const slot = Symbol.for(`migration-lint.${name}`);
  return (slots[slot] ??= create()) as T;
}

/**
 * Worker threads started before the code that uses them is loaded (the CLI's front starts them
 * while the rest loads: a thread takes ~75 ms to start here), kept under a name until taken.
 * Unref'd meanwhile, so a run that stops early does not wait for one; one that ends first is
 * forgotten. Its workerData is `PARKED`: what it is to do comes in its first message.
 */
const parked = processWide('parked-threads', () => new Map<string, import('node:worker_threads').Worker>());

/** The workerData of a parked thread. */
export const PARKED = { early: true } as const;

export function parkThread(name: string, worker: import('node:worker_threads').Worker): void {
  worker.unref();
  worker.once('exit', () => {
    if (parked.get(name) === worker) parked.delete(name);
  });
  parked.set(name, worker);
}

export function hasParkedThread(name: string): boolean {
  return parked.has(name);
}

/** The thread parked under `name`, once, ref'd again (undefined when none is, or it ended). */
export function takeParkedThread(name: string): import('node:worker_threads').Worker | undefined {
  const worker = parked.get(name);
  parked.delete(name);
  worker?.ref();
  return worker;
}

/**
 * `import(specifier)` of a package or file outside the bundles (ES-module-only packages such as
 * zod, oxc-parser and PGlite, a user's `.mjs` config). The built CLI compiles cli-main.cjs itself,
 * with V8's code cache (scripts/load-main.cjs), and code compiled that way cannot run `import()`
 * without an experimental Node flag: the loader lends its own (a plain CommonJS module of the same
 * folder, so specifiers resolve as they would here). Elsewhere (the library, tests) it is the
 * ordinary `import()`.
 */
export function importExternal<T = unknown>(specifier: string): Promise<T> {
  const lent = (globalThis as Record<symbol, unknown>)[Symbol.for('migration-lint.import')] as ((s: string) => Promise<T>) | undefined;
  return lent ? lent(specifier) : (import(specifier) as Promise<T>);
}

/**
 * The optimising compiler once a run has lasted a second (scripts/v8-flags.cjs turns it off at
 * the start): asked between migrations by work that keeps the thread for longer than that. A no-op
 * where the loader did not run (the library, tests).
 */
export function tierUpIfLong(): void {
  ((globalThis as Record<symbol, unknown>)[Symbol.for('migration-lint.tier-up')] as (() => void) | undefined)?.();
}

/**
 * The folder of a package installed beside this code (`node_modules/<name>` in this folder or one
 * above, as Node looks for it; its real path), found without `require.resolve`: resolving through
 * a package's `exports` map loads part of Node's ES module resolver on first use, ~3–5 ms of a
 * pre-commit run here. Undefined when it is not found that way (the caller then asks Node).
 */
export function installedPackageDir(name: string): string | undefined {
  try {
    for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
      const candidate = join(dir, 'node_modules', name);
      if (statSync(join(candidate, 'package.json'), { throwIfNoEntry: false })?.isFile()) return realpathSync.native(candidate);
      if (dirname(dir) === dir) return undefined;
    }
  } catch {
    return undefined;
  }
}
