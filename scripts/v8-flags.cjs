'use strict';
/**
 * The V8 flags the built CLI runs with, set before cli-main.cjs is compiled (load-main.cjs), and
 * by the CLI's front before it starts a worker thread early (cli/early-worker.ts), since a code
 * cache is checked against the flags: set in every thread before it compiles the bundle, and when
 * the build makes the cache (scripts/bundle.mjs), so they agree. Copied next to the bundle by the
 * build. Flags are the process's, not a thread's.
 *
 * - `--liftoff-only` and `--wasm-lazy-validation`: libpg-query's and PGlite's WASM on V8's
 *   baseline compiler, each function validated when first called (src/verify/wasm-flags.ts
 *   says why; verify sets them in the front before this runs: the same flags, so the cache still
 *   agrees). MIGRATION_LINT_WASM_TIERUP=1 keeps V8's default.
 * - V8's optimising compiler (TurboFan) only for runs that last: off until the run has lasted a
 *   second. A lint is mostly done by then, and TurboFan's compiles (on a second thread, with
 *   deopts back) cost it more than they win: the corpus's nine histories 1.63 -> 1.08 s of CPU,
 *   1.35 -> 1.0 s wall without it; a run of 5,000 migrations needs it (2.7 s with it from the
 *   start, 3.7 s without, 3.3 s from the first second). The main thread decides, once (a worker
 *   thread marks itself before it loads the bundle: requiring node:worker_threads to ask costs
 *   ~5 ms); a timer turns it on, and the lint runner asks between migrations (its engine keeps the
 *   thread: runtime.ts `tierUpIfLong`). MIGRATION_LINT_TURBOFAN=1 keeps V8's default.
 *   A worker thread started after that compiles the bundle without its code cache (checked
 *   against the flags, which then differ): the same code, ~20 ms more.
 */
const TIER_UP = Symbol.for('migration-lint.tier-up');
const WORKER_THREAD = Symbol.for('migration-lint.worker-thread');
/** A run this long gets TurboFan; MIGRATION_LINT_TURBOFAN_AFTER_MS moves it (tests, measurements). */
const turbofanAfter = Number.parseInt(process.env.MIGRATION_LINT_TURBOFAN_AFTER_MS ?? '', 10);
const LONG_RUN_MS = turbofanAfter >= 0 ? turbofanAfter : 1000;
/**
 * How much bytecode TurboFan inlines into one function, in all (V8's default: 920). A long lint
 * has hundreds of functions to optimise at once, on one spare core at best: with the default,
 * their compiles took ~1.7 s of CPU on 5,000 migrations (the analyses' large functions compiled
 * with everything they call), and the main thread ran slower code meanwhile. Small helpers are
 * still inlined. 5,000 migrations: ~350 ms less CPU, ~150 ms less wall (docs/performance.md).
 */
const INLINED_BYTECODE = 150;

function applyFlags() {
  let v8;
  try {
    v8 = require('node:v8');
    if (process.env.MIGRATION_LINT_WASM_TIERUP !== '1') {
      v8.setFlagsFromString('--liftoff-only');
      v8.setFlagsFromString('--wasm-lazy-validation');
    }
  } catch {
    /* an engine without the flag: the default tiering is still correct */
  }
  if (v8 && process.env.MIGRATION_LINT_TURBOFAN !== '1' && !globalThis[WORKER_THREAD] && !globalThis[TIER_UP]) optimizeLater(v8);
}

function optimizeLater(v8) {
  try {
    v8.setFlagsFromString('--no-turbofan');
  } catch {
    return;
  }
  let optimizing = false;
  const tierUp = () => {
    if (optimizing || performance.now() < LONG_RUN_MS) return;
    optimizing = true;
    try {
      v8.setFlagsFromString(`--max-inlined-bytecode-size-cumulative=${INLINED_BYTECODE}`);
    } catch {
      /* V8's default inlining */
    }
    v8.setFlagsFromString('--turbofan');
  };
  globalThis[TIER_UP] = tierUp;
  setTimeout(tierUp, LONG_RUN_MS).unref();
}

module.exports = { applyFlags };
