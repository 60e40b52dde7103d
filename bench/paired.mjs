#!/usr/bin/env node
/**
 * Two builds of migration-lint, compared run against run: `node bench/paired.mjs [--runs N] [--cwd DIR] BUILD_A
 * BUILD_B -- ARGS…` runs `BUILD/bin/migration-lint.js ARGS…` for A and B back to back N times (the order
 * alternating), and prints each build's median wall time and the mean of the differences B − A with its 95 %
 * interval. On a shared or throttled machine whole series move by ~20 % (bench/README.md); two runs started
 * one after the other see the same moment, so their difference is what the builds differ by. Wall time is
 * `process.hrtime` around the child, start-up included; NODE_EXTRA_CA_CERTS is removed from the children as in
 * run.mjs. A build is a checkout with `npm run build` done (its bin/ and dist/).
 *
 * With GNU time (`/usr/bin/time`) it also prints the CPU time (user + system, every thread) of each run, paired
 * the same way: on a virtual machine whose host is busy, wall time also counts the time the CPU was taken away
 * (steal), CPU time does not, so CPU differences settle with far fewer runs.
 *
 * `--env-a NAME=VALUE` / `--env-b NAME=VALUE` (repeatable) set a variable for one build's runs only: each its
 * own MIGRATION_LINT_CACHE_DIR, for instance, when the builds keep verify's PGlite data directory in different
 * layouts (each removes the other's file when it writes its own).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const argv = process.argv.slice(2);
const dash = argv.indexOf('--');
const own = dash < 0 ? argv : argv.slice(0, dash);
const args = dash < 0 ? [] : argv.slice(dash + 1);
let runs = 20;
let cwd = process.cwd();
const builds = [];
const envOf = [{}, {}];
for (let i = 0; i < own.length; i++) {
  if (own[i] === '--runs') runs = Number(own[++i]);
  else if (own[i] === '--env-a' || own[i] === '--env-b') {
    const [name, ...value] = String(own[++i]).split('=');
    envOf[own[i - 1] === '--env-a' ? 0 : 1][name] = value.join('=');
  }
  else if (own[i] === '--cwd') cwd = resolve(own[++i]);
  else builds.push(resolve(own[i]));
}
if (builds.length !== 2 || !(runs >= 2)) {
  process.stderr.write('usage: node bench/paired.mjs [--runs N] [--cwd DIR] [--env-a NAME=VALUE] [--env-b NAME=VALUE] BUILD_A BUILD_B -- ARGS…\n');
  process.exitCode = 2;
} else {
  const env = { ...process.env };
  delete env.NODE_EXTRA_CA_CERTS;
  const gnuTime = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;
  const scratch = mkdtempSync(join(tmpdir(), 'migration-lint-paired-'));
  const cpuFile = join(scratch, 'cpu');
  /** One run: wall ms (the time wrapper's own start is ~1 ms, the same for both builds) and CPU ms. */
  const run = (build) => {
    const cli = [`${build}/bin/migration-lint.js`, ...args];
    const own = { ...env, ...envOf[builds.indexOf(build)] };
    const started = process.hrtime.bigint();
    if (gnuTime) spawnSync(gnuTime, ['-o', cpuFile, '-f', '%U %S', process.execPath, ...cli], { cwd, env: own, stdio: 'ignore' });
    else spawnSync(process.execPath, cli, { cwd, env: own, stdio: 'ignore' });
    const wall = Number(process.hrtime.bigint() - started) / 1e6;
    const cpu = gnuTime ? readFileSync(cpuFile, 'utf8').trim().split('\n').pop().split(' ').reduce((n, s) => n + Number(s) * 1000, 0) : NaN;
    return { wall, cpu };
  };
  const a = [];
  const b = [];
  for (let i = 0; i < runs; i++) {
    if (i % 2 === 0) {
      a.push(run(builds[0]));
      b.push(run(builds[1]));
    } else {
      b.push(run(builds[1]));
      a.push(run(builds[0]));
    }
  }
  rmSync(scratch, { recursive: true, force: true });
  const median = (v) => [...v].sort((x, y) => x - y)[v.length >> 1];
  const mean = (v) => v.reduce((x, y) => x + y, 0) / v.length;
  const spread = (v) => Math.sqrt(v.reduce((x, y) => x + (y - mean(v)) ** 2, 0) / (v.length - 1));
  const compare = (what, pick) => {
    const diffs = b.map((x, i) => pick(x) - pick(a[i]));
    const interval = (1.96 * spread(diffs)) / Math.sqrt(diffs.length);
    return `${what}: A median ${median(a.map(pick)).toFixed(0)} ms, B median ${median(b.map(pick)).toFixed(0)} ms; B − A: ${mean(diffs).toFixed(1)} ± ${interval.toFixed(1)} ms\n`;
  };
  process.stdout.write(`A ${builds[0]}\nB ${builds[1]}\n${runs} paired runs (mean of the differences, 95 % interval)\n`);
  process.stdout.write(compare('wall', (r) => r.wall));
  if (gnuTime) process.stdout.write(compare('cpu (user + system)', (r) => r.cpu));
}
