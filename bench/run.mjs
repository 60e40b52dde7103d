#!/usr/bin/env node
/**
 * Benchmarks of the real CLI: `npm run bench` (builds first), or
 *
 *   node bench/run.mjs [--runs 5] [--only <name>[,<name>…]] [--warmup 1] [--seed 1]
 *                      [--migrations 1000] [--timeout 120] [--corpus <dir>] [--keep]
 *
 * Every measured run is a separate `node bin/migration-lint.js <folder> --format json` process:
 * wall time with process.hrtime around the child, peak RSS with `/usr/bin/time -f %M` (or, when
 * GNU time is missing, a child node that reports process.resourceUsage().maxRSS). See README.md.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { basename, join, relative, resolve } from 'node:path';
import { DIST, ROOT, countStatements, hasGnuTime, listFolders, median, runCli, table } from './lib.mjs';
import { synthesize } from './synthesize.mjs';

const RESULTS = join(ROOT, 'bench', 'results', 'bench.json');
const USAGE =
  'usage: node bench/run.mjs [--runs N] [--only name[,name…]] [--warmup N] [--seed S] [--migrations N] [--timeout S] [--corpus dir] [--keep] [--list]\n';

process.exitCode = await main(process.argv.slice(2));

async function main(argv) {
  const opts = { runs: 5, warmup: 1, seed: 1, migrations: 1000, timeoutS: 120, only: [], corpus: join(ROOT, '..', 'shared', 'corpus'), keep: false, list: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const num = () => Number(argv[++i]);
    if (a === '--runs') opts.runs = num();
    else if (a === '--warmup') opts.warmup = num();
    else if (a === '--seed') opts.seed = num();
    else if (a === '--migrations') opts.migrations = num();
    else if (a === '--timeout') opts.timeoutS = num();
    else if (a === '--only') opts.only.push(...String(argv[++i] ?? '').split(',').filter(Boolean));
    else if (a === '--corpus') opts.corpus = resolve(argv[++i] ?? '');
    else if (a === '--keep') opts.keep = true;
    else if (a === '--list') opts.list = true;
    else if (a === '--help' || a === '-h') {
      process.stdout.write(USAGE);
      return 0;
    } else {
      process.stderr.write(`bench: unknown argument ${a}\n${USAGE}`);
      return 2;
    }
  }
  const validInt = (n, min) => Number.isInteger(n) && n >= min;
  if (!validInt(opts.runs, 1) || !validInt(opts.warmup, 0) || !validInt(opts.seed, 0) || !validInt(opts.migrations, 1) || !(opts.timeoutS > 0)) {
    process.stderr.write(`bench: bad numeric option\n${USAGE}`);
    return 2;
  }

  // --- scenarios ----------------------------------------------------------------------------
  const synthName = `synthetic-${opts.migrations}`;
  const scenarios = [
    { name: synthName, kind: 'synthetic', args: (dir) => [dir, '--format', 'json'] },
    ...listFolders(opts.corpus).map((folder) => ({
      name: `corpus:${folder}`,
      kind: 'corpus',
      folder: join(opts.corpus, folder),
      args: () => [join(opts.corpus, folder), '--format', 'json'],
    })),
    { name: 'startup:--version', kind: 'startup', args: () => ['--version'] },
    { name: 'startup:--help', kind: 'startup', args: () => ['--help'] },
  ];
  if (opts.list) {
    process.stdout.write(scenarios.map((s) => s.name).join('\n') + '\n');
    return 0;
  }
  const selected = opts.only.length === 0 ? scenarios : scenarios.filter((s) => opts.only.some((o) => s.name === o || s.name.includes(o)));
  if (selected.length === 0) {
    process.stderr.write(`bench: --only ${opts.only.join(',')} matches no scenario; try --list\n`);
    return 2;
  }
  if (!listFolders(opts.corpus).length && opts.only.length === 0) {
    process.stdout.write(`bench: corpus ${opts.corpus} not found or empty; corpus scenarios skipped\n`);
  }
  if (!existsSync(DIST)) {
    process.stderr.write('bench: dist/index.js not found; run `npx tsc -p tsconfig.json` (or `npm run bench`) first\n');
    return 2;
  }

  const rss = (await hasGnuTime()) ? 'gnu-time' : 'node';
  const timeoutMs = opts.timeoutS * 1000;
  let synthDir;
  const results = [];
  process.stdout.write(
    `bench: ${selected.length} scenario(s), ${opts.runs} measured run(s) + ${opts.warmup} warm-up each; peak RSS via ${rss === 'gnu-time' ? '/usr/bin/time -f %M' : 'process.resourceUsage().maxRSS'}\n`,
  );
  try {
    for (const scenario of selected) {
      let folder = scenario.folder;
      if (scenario.kind === 'synthetic') {
        synthDir = mkdtempSync(join(os.tmpdir(), 'migration-lint-bench-'));
        const started = process.hrtime.bigint();
        const made = synthesize(synthDir, { migrations: opts.migrations, seed: opts.seed });
        folder = synthDir;
        process.stderr.write(`  ${scenario.name}: synthesised ${made.migrations} migrations / ${made.statements} statements in ${ms(started).toFixed(0)} ms (seed ${opts.seed}) → ${synthDir}\n`);
      }
      let count = null;
      let countError = null;
      if (folder) {
        try {
          count = await countStatements(folder);
        } catch (error) {
          countError = error?.message ?? String(error);
        }
      }
      const args = scenario.args(folder);
      process.stderr.write(`  ${scenario.name}: `);
      const runs = [];
      for (let i = 0; i < opts.warmup + opts.runs; i++) {
        const run = await runCli(args, { timeoutMs, rss });
        process.stderr.write(i < opts.warmup ? 'w' : '.');
        if (i >= opts.warmup) runs.push(run);
      }
      process.stderr.write('\n');
      const failures = runs.map((r, i) => checkRun(scenario, r, i)).filter(Boolean);
      const walls = runs.map((r) => r.wallMs);
      const rssKb = runs.map((r) => r.maxRssKb).filter((v) => typeof v === 'number' && v > 0);
      const medianMs = median(walls);
      results.push({
        scenario: scenario.name,
        kind: scenario.kind,
        folder: scenario.kind === 'synthetic' ? `$TMPDIR/${basename(synthDir)} (seed ${opts.seed}, deleted after the run)` : folder ? relative(ROOT, folder) : null,
        args: scenario.kind === 'startup' ? args : undefined,
        migrations: count?.migrations ?? null,
        statements: count?.statements ?? null,
        chunks: count?.chunks ?? null,
        sqlBytes: count?.sqlBytes ?? null,
        countError,
        runs: runs.length,
        medianMs: round(medianMs, 1),
        minMs: round(Math.min(...walls), 1),
        maxMs: round(Math.max(...walls), 1),
        statementsPerSec: count?.statements ? Math.round(count.statements / (medianMs / 1000)) : null,
        peakRssMb: rssKb.length ? round(Math.max(...rssKb) / 1024, 1) : null,
        medianRssMb: rssKb.length ? round(median(rssKb) / 1024, 1) : null,
        exitCodes: [...new Set(runs.map((r) => (r.timedOut ? 'timeout' : (r.exitCode ?? r.signal))))],
        wallMs: walls.map((w) => round(w, 1)),
        failures,
      });
      if (scenario.kind === 'synthetic' && !opts.keep) {
        rmSync(synthDir, { recursive: true, force: true });
      }
    }
  } finally {
    if (synthDir && !opts.keep) rmSync(synthDir, { recursive: true, force: true });
  }

  // --- report -------------------------------------------------------------------------------
  const rows = results.map((r) => [
    r.scenario,
    r.migrations ?? '-',
    r.statements ?? '-',
    r.medianMs.toFixed(0),
    r.minMs.toFixed(0),
    r.statementsPerSec ?? '-',
    r.peakRssMb ?? '-',
    r.exitCodes.join(','),
  ]);
  process.stdout.write('\n' + table(['scenario', 'migrations', 'statements', 'median ms', 'min ms', 'stmts/s', 'peak RSS MB', 'exit'], rows, [1, 2, 3, 4, 5, 6]) + '\n');
  const machine = {
    cpu: os.cpus()[0]?.model ?? 'unknown',
    cores: os.cpus().length,
    totalMemoryGb: round(os.totalmem() / 1024 ** 3, 1),
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    node: process.version,
    date: new Date().toISOString(),
  };
  process.stdout.write(
    `\n${machine.cpu}, ${machine.cores} cores, ${machine.totalMemoryGb} GB, node ${machine.node}; ${opts.runs} runs per scenario (median / min wall ms of one CLI process, start-up included)\n` +
      'statements = top-level SQL statements of the linted migrations, counted with parseMigration (dist/index.js); stmts/s = statements / median wall time\n',
  );
  for (const r of results) {
    if (r.countError) process.stdout.write(`note: ${r.scenario}: statement count failed: ${r.countError}\n`);
    for (const f of r.failures) process.stdout.write(`FAIL: ${r.scenario}: ${f}\n`);
  }

  mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
  writeFileSync(
    RESULTS,
    JSON.stringify(
      {
        machine,
        options: { runs: opts.runs, warmup: opts.warmup, seed: opts.seed, migrations: opts.migrations, timeoutMs, only: opts.only },
        method: {
          wall: 'process.hrtime around one child process `node bin/migration-lint.js <args>` (spawn to exit, start-up included)',
          rss: rss === 'gnu-time' ? '/usr/bin/time -f %M (KiB → MB)' : 'child node process reporting process.resourceUsage().maxRSS',
          statements: 'top-level statements (origin "top-level") of parseMigration() after loadParser(), over the migrations lint() resolves; DO-block inner statements not counted',
        },
        scenarios: results,
      },
      null,
      2,
    ) + '\n',
  );
  process.stdout.write(`results: ${relative(process.cwd(), RESULTS)}\n`);
  return results.some((r) => r.failures.length > 0) ? 1 : 0;
}

/** Why a run does not count as a normal run (null when it does): time-out, exit 2, crash, or no JSON report. */
function checkRun(scenario, run, i) {
  const head = (text) => text.trim().split('\n').slice(0, 3).join(' | ').slice(0, 300);
  const label = `run ${i + 1}`;
  if (run.timedOut) return `${label}: timed out`;
  if (run.spawnError) return `${label}: could not start: ${run.spawnError}`;
  if (scenario.kind === 'startup') return run.exitCode === 0 && run.stdout.trim() ? null : `${label}: exit ${run.exitCode ?? run.signal}: ${head(run.stderr)}`;
  if (run.exitCode !== 0 && run.exitCode !== 1) return `${label}: exit ${run.exitCode ?? run.signal}: ${head(run.stderr)}`;
  try {
    const report = JSON.parse(run.stdout);
    if ((report.summary?.errors > 0) !== (run.exitCode === 1)) return `${label}: exit ${run.exitCode} but ${report.summary?.errors} error finding(s)`;
  } catch {
    // e.g. an unhandled rejection in bin/migration-lint.js exits 1 with a stack trace and no report
    return `${label}: exit ${run.exitCode}, stdout is not a JSON report; stderr: ${head(run.stderr)}`;
  }
  return null;
}

function ms(started) {
  return Number(process.hrtime.bigint() - started) / 1e6;
}

function round(n, digits = 0) {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}
