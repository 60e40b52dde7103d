'use strict';
/**
 * Loads dist/bundle/cli-main.cjs (the linter: ~900 KB of JavaScript) with the V8 code cache that
 * `npm run build` made for it (scripts/bundle.mjs: cli-main.cjs.cache, written after linting the
 * bundled example, so it holds the functions a lint compiles, not only the top level). Compiling
 * the bundle and its functions costs a pre-commit run ~20 ms otherwise, and every worker thread of
 * a run over several folders pays it again. Copied next to the bundle by the build; cli.cjs and
 * the worker threads require this file instead of cli-main.cjs.
 *
 * A cache V8 does not accept (another Node or V8 version, other V8 flags, a bundle changed since)
 * is ignored and the bundle compiled as require() would compile it: same code, same behaviour.
 * Code compiled this way cannot call `import()` (Node wants an experimental flag for it), so this
 * module lends its own under a registered symbol (runtime.ts `importExternal`): it sits in the
 * bundle's folder, so specifiers resolve from the same place.
 */
const { readFileSync } = require('node:fs');
const { join } = require('node:path');
const Module = require('node:module');
const vm = require('node:vm');

const file = join(__dirname, 'cli-main.cjs');

function loadMain() {
  const known = require.cache[file];
  if (known) return known.exports;
  // The CLI runs libpg-query's WASM on V8's baseline compiler (cli/main.ts fastWasmStart). V8
  // flags are part of what a code cache is checked against: set before compiling, here and when
  // the cache is made, so the two agree.
  if (process.env.MIGRATION_LINT_WASM_TIERUP !== '1') {
    try {
      require('node:v8').setFlagsFromString('--liftoff-only');
    } catch {
      /* an engine without the flag: the default tiering is still correct */
    }
  }
  optimizeLater();
  let cachedData;
  try {
    cachedData = readFileSync(`${file}.cache`);
  } catch {
    /* no cache (a build that did not make one): compiled from the source */
  }
  const script = new vm.Script(Module.wrap(readFileSync(file, 'utf8')), { filename: file, cachedData });
  const loaded = new Module(file, module);
  loaded.filename = file;
  loaded.paths = Module._nodeModulePaths(__dirname);
  require.cache[file] = loaded;
  globalThis[Symbol.for('migration-lint.import')] ??= (specifier) => import(specifier);
  try {
    script.runInThisContext().call(loaded.exports, loaded.exports, Module.createRequire(file), loaded, file, __dirname);
  } catch (error) {
    delete require.cache[file];
    throw error;
  }
  loaded.loaded = true;
  // For the build, which makes the cache once the example is linted (scripts/bundle.mjs).
  globalThis[Symbol.for('migration-lint.main-script')] = script;
  return loaded.exports;
}

/**
 * V8's optimising compiler (TurboFan) only for runs that last: it starts after the first second.
 * A lint is mostly done by then, and TurboFan's compiles (on a second thread, with deopts back)
 * cost it more than they win: the corpus's nine histories 1.63 -> 1.08 s of CPU, 1.35 -> 1.0 s
 * wall without it; a run of 5,000 migrations needs it (2.7 s with it from the start, 3.7 s
 * without, 3.3 s from the first second). The main thread decides (a worker starting later must
 * not turn it off again); flags are the process's. The lint runner asks again between migrations
 * (its engine runs without giving timers a turn): `tierUpIfLong`. Set before compiling, as
 * --liftoff-only is, and when the cache is made (scripts/bundle.mjs).
 * MIGRATION_LINT_TURBOFAN=1 keeps V8's default, to measure.
 */
function optimizeLater() {
  if (process.env.MIGRATION_LINT_TURBOFAN === '1' || !require('node:worker_threads').isMainThread || globalThis[TIER_UP]) return;
  const v8 = require('node:v8');
  try {
    v8.setFlagsFromString('--no-opt');
  } catch {
    return;
  }
  let optimizing = false;
  const tierUp = () => {
    if (optimizing || performance.now() < LONG_RUN_MS) return;
    optimizing = true;
    v8.setFlagsFromString('--opt');
  };
  globalThis[TIER_UP] = tierUp;
  setTimeout(tierUp, LONG_RUN_MS).unref();
}

const TIER_UP = Symbol.for('migration-lint.tier-up');
const LONG_RUN_MS = 1000;

module.exports = loadMain();
