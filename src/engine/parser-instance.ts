import { createRequire } from 'node:module';
import { processWide } from '../runtime.js';

/**
 * Making an instance of libpg-query's WASM build, in a module of its own: small, so the CLI's
 * front bundle can start one (`startParserInstance`) before it loads the linter. Requiring the
 * glue, reading and instantiating the WASM then overlap the ~60 ms of loading the linter's
 * bundle, where a pre-commit run used to wait ~15-20 ms for them at its first parse. pg-query.ts
 * takes that instance (`takeStartedInstance`) the first time it needs one.
 */

/** The emscripten module's exports pg-query.ts uses (names as libpg-query 18 builds them). */
export interface PgQueryModule {
  HEAPU8: Uint8Array;
  HEAPU32: Uint32Array;
  _malloc(size: number): number;
  _free(ptr: number): void;
  _wasm_parse_query_raw(query: number): number;
  _wasm_free_parse_result(result: number): void;
  _wasm_parse_plpgsql(query: number): number;
  _wasm_scan(query: number): number;
  _wasm_free_string(text: number): void;
}

export interface Instance {
  module: PgQueryModule;
  /** Set when the instance printed PostgreSQL's FATAL line during the current call. */
  fatal: boolean;
}

export const GLUE = 'libpg-query/wasm/libpg-query.js';

export async function createInstance(): Promise<Instance> {
  const factory = createRequire(import.meta.url)(GLUE) as (options: object) => Promise<PgQueryModule>;
  const instance = { fatal: false } as Instance;
  // PostgreSQL's messages (a FATAL error, a dump of its memory contexts) are the instance's own: never ours to print.
  instance.module = await factory({ print: (text: string) => (instance.fatal ||= isFatal(text)), printErr: () => undefined });
  return instance;
}

export function isFatal(text: unknown): boolean {
  return String(text).includes('FATAL');
}

/** The instance the front started, until taken: one per thread (the front runs on the main one). */
const started = processWide('started-parser', () => ({ instance: undefined as Promise<Instance> | undefined }));

/** Start making an instance now (the WASM flags must be set first: verify/wasm-flags.ts baselineWasm). */
export function startParserInstance(): void {
  if (started.instance) return;
  started.instance = createInstance();
  started.instance.catch(() => undefined); // taken and awaited later; a failure surfaces there, or a fresh one is made
}

/** The instance startParserInstance started, once; undefined when none was. */
export function takeStartedInstance(): Promise<Instance> | undefined {
  const instance = started.instance;
  started.instance = undefined;
  return instance;
}
