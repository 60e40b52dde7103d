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
  // V8 flags are part of what a code cache is checked against: set before compiling, here and
  // when the cache is made, so the two agree (v8-flags.cjs).
  require('./v8-flags.cjs').applyFlags();
  let cachedData;
  try {
    cachedData = readFileSync(`${file}.cache`);
  } catch {
    /* no cache (a build that did not make one): compiled from the source */
  }
  // The build keeps the bundle ASCII (bundle.mjs asciiOnly): read as latin1, the same text without
  // UTF-8 decoding's checks (~1 MB on every run).
  const script = new vm.Script(Module.wrap(readFileSync(file, 'latin1')), { filename: file, cachedData });
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

module.exports = loadMain();
