#!/usr/bin/env node
/**
 * Bundle the compiled tree (dist/, from tsc) for what users run:
 *
 * - `dist/bundle/cli.cjs` + `dist/bundle/cli-main.cjs`, the CLI, as CommonJS. A pre-commit hook
 *   pays Node's start-up on every commit, and CommonJS skips the ES module loader (resolving,
 *   linking and evaluating a graph of chunks asynchronously): measured on the bench machine, a
 *   `--staged` run on simstudioai__sim went from ~372 to ~324 ms (median of 21, same build
 *   otherwise). cli.cjs is the front (argv, --help, --version, --staged's git calls; ~15 KB); it requires cli-main.cjs,
 *   the rest, when there is something to do: compiling that ~450 KB costs ~15 ms. Modules loaded
 *   lazily (formatters, subcommands, the schema source reader, verify) stay lazy: esbuild wraps
 *   them in init functions that run on first import.
 * - `dist/bundle/verify-worker.cjs`, the thread verify runs its engine on.
 * - `dist/bundle/index.js` + chunks, the library API, as ES modules with code splitting.
 *
 * Dependencies stay external (installed next to the package), except the ones published only as
 * ES modules (chalk), which CommonJS cannot `require` on every Node 20 release: those are bundled
 * into the CLI. Packages loaded with `import()` (zod, oxc-parser, pglite) stay `import()`.
 */
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'dist', 'bundle');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
/** Bundled into the CommonJS CLI: ESM-only packages it imports statically. */
const ESM_ONLY = new Set(['chalk']);

rmSync(out, { recursive: true, force: true });
const common = { absWorkingDir: root, bundle: true, platform: 'node', target: 'node20', logLevel: 'warning' };
await build({
  ...common,
  entryPoints: { index: 'dist/index.js' },
  outdir: out,
  splitting: true,
  format: 'esm',
  packages: 'external',
});
// CommonJS: import.meta.url is the bundle file's URL (package files are found from it, package-info.ts).
const cjs = {
  ...common,
  format: 'cjs',
  external: Object.keys(pkg.dependencies ?? {}).filter((name) => !ESM_ONLY.has(name)).flatMap((name) => [name, `${name}/*`]),
  define: { 'import.meta.url': '__bundleUrl' },
  banner: { js: 'const __bundleUrl = require("node:url").pathToFileURL(__filename).href;' },
};
// The CLI's front (argv, --help, --version): small, so those answer at Node's own start-up cost.
// Its one way into the rest, `import('./cli/main.js')`, becomes `require('./load-main.cjs')`,
// which loads cli-main.cjs with its code cache (scripts/load-main.cjs).
await build({
  ...cjs,
  entryPoints: ['dist/cli.js'],
  outfile: join(out, 'cli.cjs'),
  supported: { 'dynamic-import': false },
  plugins: [
    {
      name: 'cli-main',
      setup(b) {
        b.onResolve({ filter: /^\.\/cli\/main\.js$/ }, () => ({ path: './load-main.cjs', external: true }));
      },
    },
  ],
});
await build({ ...cjs, entryPoints: ['dist/cli/main.js'], outfile: join(out, 'cli-main.cjs') });
asciiOnly(join(out, 'cli-main.cjs'));
// verify's engine thread (src/verify/worker.ts, started by src/verify/host.ts): its own small file,
// so the thread loads the engine and nothing of the linter.
await build({ ...cjs, entryPoints: ['dist/verify/worker-main.js'], outfile: join(out, 'verify-worker.cjs') });
copyFileSync(join(root, 'scripts', 'load-main.cjs'), join(out, 'load-main.cjs'));
copyFileSync(join(root, 'scripts', 'v8-flags.cjs'), join(out, 'v8-flags.cjs'));

// V8's code cache for cli-main.cjs (see scripts/load-main.cjs), made after a lint of the bundled
// example in a child process, so it holds the functions a lint compiles. Only a speed-up: when it
// cannot be made, the CLI compiles the bundle as before (said, not failed).
const makeCache = `
  const cli = require(${JSON.stringify(join(out, 'cli.cjs'))});
  Promise.resolve(cli.run(['examples/shop/drizzle', 'fixtures/projects/features/drizzle', '--format', 'json', '--jobs', '1'])).then(() => {
    const script = globalThis[Symbol.for('migration-lint.main-script')];
    // The flags a run compiles the bundle with (v8-flags.cjs), should this one have lasted long enough to turn TurboFan on.
    if (process.env.MIGRATION_LINT_TURBOFAN !== '1') require('node:v8').setFlagsFromString('--no-turbofan');
    require('node:fs').writeFileSync(${JSON.stringify(join(out, 'cli-main.cjs.cache'))}, script.createCachedData());
    process.exitCode = 0;
  });`;
const made = spawnSync(process.execPath, ['-e', makeCache], { cwd: root, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
if (made.status !== 0 || !existsSync(join(out, 'cli-main.cjs.cache'))) {
  process.stderr.write(`bundle: no code cache for cli-main.cjs (the CLI compiles it on each run): ${made.stderr.trim().split('\n')[0] ?? made.status}\n`);
}

/**
 * Make a bundle ASCII: esbuild escapes every non-ASCII character of the code (its default
 * charset), but keeps the doc comments of class members as written, and a few hold `…` or `—`.
 * One such character makes Node decode the whole ~940 KB file as UTF-8 into a two-byte string
 * (7.4 ms against 3.4 ms for ASCII, on every run and in every worker thread) and doubles the
 * source's memory. Each is replaced with `?`, after checking that its line is a comment line.
 */
function asciiOnly(file) {
  const text = readFileSync(file, 'utf8');
  const lines = text.split('\n');
  let changed = false;
  for (let i = 0; i < lines.length; i++) {
    if (!/[^\x00-\x7f]/.test(lines[i])) continue;
    const trimmed = lines[i].trimStart();
    if (!/^(?:\/\*|\*|\/\/)/.test(trimmed)) throw new Error(`bundle: ${file}:${i + 1} has a non-ASCII character outside a comment line: ${JSON.stringify(lines[i].slice(0, 120))}`);
    lines[i] = lines[i].replace(/[^\x00-\x7f]/g, '?');
    changed = true;
  }
  if (changed) writeFileSync(file, lines.join('\n'));
}
