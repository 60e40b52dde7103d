#!/usr/bin/env node
/**
 * What a lint keeps in memory as the history grows, apart from the slack V8 leaves in its heap:
 * the live heap (after a full garbage collection) once the history is read (journal, file list,
 * file facts: when the first migration is checked) and when the last one is, for synthesised
 * histories of several lengths, linted as the CLI lints one folder (findings handed on as they come).
 *
 *   npm run build && node bench/live-heap.mjs [--migrations 1000,5000,10000] [--seed 1]
 *
 * Each length runs in its own process (`node --expose-gc`). Prints a table and writes
 * bench/results/live-heap.json. Peak RSS is the bench's (`npm run bench`, synthetic-* rows): it
 * adds V8's heap sizing (a young generation that grows to 32 MB, old garbage collected at a
 * multiple of the live size), which a longer run reaches.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DIST, ROOT } from './lib.mjs';
import { synthesize } from './synthesize.mjs';

const MB = 1e6;

if (process.argv[2] === '--child') {
  // One measurement: node --expose-gc live-heap.mjs --child <dir>
  const { lint } = await import(pathToFileURL(DIST).href);
  const live = () => {
    globalThis.gc();
    return process.memoryUsage().heapUsed;
  };
  let first;
  let last;
  let findings = 0;
  await lint({
    paths: [process.argv[3]],
    onFindings: (batch) => (findings += batch.length),
    progress: (done, total) => {
      if (done === 1) first = live();
      if (done === total) last = live();
    },
  });
  process.stdout.write(JSON.stringify({ first, last, findings }));
} else {
  const args = process.argv.slice(2);
  const option = (name, fallback) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback);
  const sizes = option('--migrations', '1000,5000,10000').split(',').map(Number);
  const seed = Number(option('--seed', '1'));
  const rows = [];
  for (const migrations of sizes) {
    const dir = mkdtempSync(join(tmpdir(), 'migration-lint-live-'));
    try {
      synthesize(dir, { migrations, seed });
      const run = spawnSync(process.execPath, ['--expose-gc', new URL(import.meta.url).pathname, '--child', dir], { encoding: 'utf8' });
      if (run.status !== 0) throw new Error(`live-heap: ${migrations} migrations failed: ${run.stderr}`);
      const { first, last, findings } = JSON.parse(run.stdout);
      rows.push({ migrations, findings, liveAtFirstMb: +(first / MB).toFixed(1), liveAtLastMb: +(last / MB).toFixed(1) });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  const base = rows[0];
  process.stdout.write('migrations  findings  live heap, history read  live heap, last migration  per extra migration\n');
  for (const r of rows) {
    const per = r === base ? '' : `${(((r.liveAtLastMb - base.liveAtLastMb) * 1000) / (r.migrations - base.migrations)).toFixed(2)} KB`;
    process.stdout.write(`${String(r.migrations).padStart(10)}  ${String(r.findings).padStart(8)}  ${`${r.liveAtFirstMb} MB`.padStart(23)}  ${`${r.liveAtLastMb} MB`.padStart(25)}  ${per.padStart(19)}\n`);
  }
  const out = join(ROOT, 'bench', 'results');
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'live-heap.json'), JSON.stringify({ node: process.version, date: new Date().toISOString(), seed, rows }, null, 2) + '\n');
}
