#!/usr/bin/env node
/**
 * Two builds of migration-lint, compared run against run: `node bench/paired.mjs [--runs N] [--cwd DIR] BUILD_A
 * BUILD_B -- ARGS…` runs `BUILD/bin/migration-lint.js ARGS…` for A and B back to back N times (the order
 * alternating), and prints each build's median wall time and the mean of the differences B − A with its 95 %
 * interval. On a shared or throttled machine whole series move by ~20 % (bench/README.md); two runs started
 * one after the other see the same moment, so their difference is what the builds differ by. Wall time is
 * `process.hrtime` around the child, start-up included; NODE_EXTRA_CA_CERTS is removed from the children as in
 * run.mjs. A build is a checkout with `npm run build` done (its bin/ and dist/).
 */
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';

const argv = process.argv.slice(2);
const dash = argv.indexOf('--');
const own = dash < 0 ? argv : argv.slice(0, dash);
const args = dash < 0 ? [] : argv.slice(dash + 1);
let runs = 20;
let cwd = process.cwd();
const builds = [];
for (let i = 0; i < own.length; i++) {
  if (own[i] === '--runs') runs = Number(own[++i]);
  else if (own[i] === '--cwd') cwd = resolve(own[++i]);
  else builds.push(resolve(own[i]));
}
if (builds.length !== 2 || !(runs >= 2)) {
  process.stderr.write('usage: node bench/paired.mjs [--runs N] [--cwd DIR] BUILD_A BUILD_B -- ARGS…\n');
  process.exitCode = 2;
} else {
  const env = { ...process.env };
  delete env.NODE_EXTRA_CA_CERTS;
  const run = (build) => {
    const started = process.hrtime.bigint();
    spawnSync(process.execPath, [`${build}/bin/migration-lint.js`, ...args], { cwd, env, stdio: 'ignore' });
    return Number(process.hrtime.bigint() - started) / 1e6;
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
  const diffs = b.map((x, i) => x - a[i]);
  const median = (v) => [...v].sort((x, y) => x - y)[v.length >> 1];
  const mean = (v) => v.reduce((x, y) => x + y, 0) / v.length;
  const spread = (v) => Math.sqrt(v.reduce((x, y) => x + (y - mean(v)) ** 2, 0) / (v.length - 1));
  const interval = (1.96 * spread(diffs)) / Math.sqrt(diffs.length);
  process.stdout.write(`A ${builds[0]}: median ${median(a).toFixed(0)} ms\nB ${builds[1]}: median ${median(b).toFixed(0)} ms\nB − A: ${mean(diffs).toFixed(1)} ± ${interval.toFixed(1)} ms (mean of ${runs} paired differences, 95 % interval)\n`);
}
