import { builtin } from '../runtime.js';

/**
 * PostgreSQL's WASM (9 MB) runs on V8's baseline compiler only (Liftoff). By default V8 also
 * recompiles every function that gets warm with its optimising compiler (TurboFan), on background
 * threads: for PGlite that was most of verify's CPU time on a short history (examples/shop: 4.0 s
 * of CPU and ~300 MB peak RSS with it, 1.7 s and ~210 MB without), and a long history gained
 * nothing from it (simstudioai__sim: 59 s with, 61 s without). The flag is V8's, for the whole
 * process, and only changes how WASM compiled after it is compiled. The parser's WASM (libpg-query)
 * gains too: a lint's first parse pass over simstudioai__sim took ~450 ms with tier-up, ~95 ms
 * without; verify's reading and parsing of its 298 migrations 660-716 ms, 317-342 ms with the flag.
 * The built CLI sets these flags before it compiles its bundle (scripts/v8-flags.cjs, its twin in
 * CommonJS: a code cache is checked against the flags, so the two lists must agree); this sets them
 * where that file did not run: verify's engine thread, the CLI from the sources, and the front
 * starting verify's thread early (early.ts), before the loader.
 * V8 also validates every function of a module when it compiles it, though a run calls a fraction
 * of them: --wasm-lazy-validation validates each when it is first called (compiling pglite.wasm:
 * 89-97 ms -> 58-70 ms, on PGlite's start's path).
 */
export function baselineWasm(): void {
  if (process.env.MIGRATION_LINT_WASM_TIERUP === '1') return; // to measure the other way
  const v8 = builtin('node:v8');
  v8.setFlagsFromString('--liftoff-only');
  v8.setFlagsFromString('--wasm-lazy-validation');
}
