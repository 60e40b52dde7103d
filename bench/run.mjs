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
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { DIST, ROOT, hasGnuTime, listFolders, loadApi, median, runCli, setKeepEnv, sqlFiles, squawkBinary, table } from './lib.mjs';
import { synthesize } from './synthesize.mjs';

const RESULTS = join(ROOT, 'bench', 'results', 'bench.json');
const USAGE =
  'usage: node bench/run.mjs [--runs N] [--only name[,name…]] [--warmup N] [--seed S] [--migrations N] [--timeout S] [--corpus dir] [--keep] [--keep-env] [--list]\n';

process.exitCode = await main(process.argv.slice(2));

async function main(argv) {
  const opts = { runs: 5, warmup: 1, seed: 1, migrations: 1000, timeoutS: 120, only: [], corpus: join(ROOT, '..', 'shared', 'corpus'), keep: false, keepEnv: false, list: false };
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
    else if (a === '--keep-env') opts.keepEnv = true;
    else if (a === '--list') opts.list = true;
    else if (a === '--help' || a === '-h') {
      process.stdout.write(USAGE);
      return 0;
    } else {
      process.stderr.write(`bench: unknown argument ${a}\n${USAGE}`);
      return 2;
    }
  }
  setKeepEnv(opts.keepEnv);
  const validInt = (n, min) => Number.isInteger(n) && n >= min;
  if (!validInt(opts.runs, 1) || !validInt(opts.warmup, 0) || !validInt(opts.seed, 0) || !validInt(opts.migrations, 1) || !(opts.timeoutS > 0)) {
    process.stderr.write(`bench: bad numeric option\n${USAGE}`);
    return 2;
  }

  // --- scenarios ----------------------------------------------------------------------------
  // Each scenario runs `iterate()` warmup + runs times; an iteration is one or more CLI processes
  // (the corpus scenarios lint every folder, one process per folder, and add up the wall times).
  // Scenarios with `squawk` time squawk on the same .sql files in the same loop, alternating.
  const folders = listFolders(opts.corpus).map((name) => join(opts.corpus, name));
  const squawk = squawkBinary();
  const api = existsSync(DIST) ? await loadApi() : undefined;
  // Rules of the history (journal, snapshots, files, schema source): the work squawk does not do.
  const historyRules = api ? api.ruleList.filter((r) => r.checkHistory || r.meta.category === 'integrity').map((r) => r.id) : [];
  const statementOnly = historyRules.flatMap((id) => ['--rule', `${id}=off`]);
  const cacheDir = mkdtempSync(join(os.tmpdir(), 'migration-lint-bench-cache-'));
  const synthDirs = new Map();
  const synthFolder = (n) => {
    if (!synthDirs.has(n)) {
      const dir = mkdtempSync(join(os.tmpdir(), 'migration-lint-bench-'));
      const started = process.hrtime.bigint();
      const made = synthesize(dir, { migrations: n, seed: opts.seed });
      process.stderr.write(`  synthesised ${made.migrations} migrations / ${made.statements} statements in ${ms(started).toFixed(0)} ms (seed ${opts.seed}) → ${dir}\n`);
      synthDirs.set(n, dir);
    }
    return synthDirs.get(n);
  };
  // The corpus scenarios lint every folder in one process (`migration-lint a/ b/ …`, each folder its
  // own history), and give squawk every .sql file of every folder in one process.
  const allFolders = (extra) => async (run) => run([...folders, '--format', 'json', ...extra], { kind: 'lint' });
  const squawkFolders = async (run) => run(folders.flatMap(sqlFiles), { command: squawk, kind: 'squawk' });
  const sim = folders.find((f) => basename(f) === 'simstudioai__sim');
  let precommit;
  let otherFiles;

  const scenarios = [
    { name: 'corpus:statement-rules', what: `all ${folders.length} corpus folders, statement rules only (${historyRules.length} history rules off), vs squawk on the same .sql files`, needs: folders.length, iterate: allFolders(statementOnly), squawk: squawk ? squawkFolders : undefined },
    { name: 'corpus:default', what: 'all corpus folders, default lint (every rule, snapshots included)', needs: folders.length, iterate: allFolders([]), squawk: squawk ? squawkFolders : undefined },
    {
      name: 'corpus:warm-cache',
      what: 'all corpus folders, default lint with --cache, cache warm (filled by the warm-up)',
      needs: folders.length,
      iterate: allFolders(['--cache', '--cache-location', cacheDir]),
      squawk: squawk ? squawkFolders : undefined,
    },
    {
      name: 'precommit:sim',
      what: 'one new migration (+ journal entry + snapshot) staged on top of simstudioai__sim, `--staged`, no cache',
      needs: sim,
      prepare: () => (precommit ??= buildPrecommitRepo(sim)),
      iterate: async (run) => run(['drizzle', '--staged', '--format', 'json'], { cwd: precommit, kind: 'lint' }),
    },
    {
      name: 'precommit:sim-cache',
      what: 'the same with --cache, as a hook that ran on the previous commit left it (parses cached, run result not)',
      needs: sim,
      prepare: async () => {
        precommit ??= buildPrecommitRepo(sim);
        const dir = join(cacheDir, 'precommit');
        // The previous commit's hook run: the history without the new migration, nothing staged.
        execFileSync('git', ['stash', '--quiet'], { cwd: precommit });
        await runCli(['drizzle', '--staged', '--format', 'json', '--cache', '--cache-location', dir], { cwd: precommit });
        execFileSync('git', ['stash', 'pop', '--quiet', '--index'], { cwd: precommit });
      },
      iterate: async (run) => {
        const dir = join(cacheDir, 'precommit');
        for (const f of existsSync(dir) ? readdirSync(dir) : []) if (f.endsWith('.run.json')) rmSync(join(dir, f));
        return run(['drizzle', '--staged', '--format', 'json', '--cache', '--cache-location', dir], { cwd: precommit, kind: 'lint' });
      },
    },
    {
      name: 'precommit:sim-hook',
      what: 'one new migration staged on simstudioai__sim, run as the README hook runs it (`--staged`, no folder: drizzle.config.ts is parsed for `out`)',
      needs: sim,
      prepare: () => (precommit ??= buildPrecommitRepo(sim)),
      iterate: async (run) => run(['--staged', '--format', 'json'], { cwd: precommit, kind: 'lint' }),
    },
    {
      name: 'precommit:sim-other',
      what: 'the README hook (`--staged`, pretty output) on a commit that stages no migration file (a README edit) on simstudioai__sim: the most frequent hook run',
      needs: sim,
      prepare: () => (otherFiles ??= buildOtherFilesRepo(sim)),
      // The hook's own output (one line), not JSON: the CLI answers this run before loading the linter.
      iterate: async (run) => run(['--staged'], { cwd: otherFiles, kind: 'startup' }),
    },
    // verify (embedded PGlite): the example's six migrations, and simstudioai__sim's 298. The JSON's
    // phases give PGlite's own start (on its thread, beside load + parse). The cached data directory
    // is made by the warm-up run if it is missing.
    { name: 'verify:example', what: 'verify examples/shop (6 migrations, 5 failing) on PGlite, --format json', iterate: async (run) => run(['verify', '--format', 'json'], { cwd: join(ROOT, 'examples', 'shop'), kind: 'verify' }) },
    { name: 'verify:sim', what: 'verify simstudioai__sim (298 migrations) on PGlite, --format json', needs: sim, iterate: async (run) => run(['verify', sim, '--format', 'json'], { kind: 'verify' }) },
    { name: 'startup:node', what: '`node -e 0`: the floor of any Node CLI on this machine', iterate: async (run) => run(['-e', '0'], { command: process.execPath, kind: 'startup-floor' }) },
    { name: 'startup:--version', what: 'process start-up floor', iterate: async (run) => run(['--version'], { kind: 'startup' }) },
    { name: 'startup:--help', what: 'process start-up floor', iterate: async (run) => run(['--help'], { kind: 'startup' }) },
    { name: `synthetic-${opts.migrations}`, what: `${opts.migrations} synthesised migrations (bench/synthesize.mjs)`, iterate: async (run) => run([synthFolder(opts.migrations), '--format', 'json'], { kind: 'lint' }) },
    { name: 'synthetic-5000', what: '5,000 synthesised migrations: memory must stay bounded', iterate: async (run) => run([synthFolder(5000), '--format', 'json'], { kind: 'lint' }) },
  ];
  if (opts.list) {
    process.stdout.write(scenarios.map((s) => `${s.name}  ${s.what}`).join('\n') + '\n');
    return 0;
  }
  const selected = (opts.only.length === 0 ? scenarios : scenarios.filter((s) => opts.only.some((o) => s.name === o || (!scenarios.some((x) => x.name === o) && s.name.includes(o))))).filter((s) => {
    if (s.needs === undefined || s.needs) return true;
    process.stdout.write(`bench: ${s.name} skipped: corpus ${opts.corpus} not found or incomplete\n`);
    return false;
  });
  if (selected.length === 0) {
    process.stderr.write(`bench: --only ${opts.only.join(',')} matches no scenario; try --list\n`);
    return 2;
  }
  if (!api) {
    process.stderr.write('bench: dist/index.js not found; run `npm run build` (or `npm run bench`) first\n');
    return 2;
  }

  const rss = (await hasGnuTime()) ? 'gnu-time' : 'node';
  const timeoutMs = opts.timeoutS * 1000;
  const results = [];
  process.stdout.write(
    `bench: ${selected.length} scenario(s), ${opts.runs} measured run(s) + ${opts.warmup} warm-up each; squawk ${squawk ? 'native binary ' + relative(ROOT, squawk) : 'not installed (no comparison)'}; peak RSS via ${rss === 'gnu-time' ? '/usr/bin/time -f %M' : 'process.resourceUsage().maxRSS'}; load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}\n`,
  );
  try {
    for (const scenario of selected) {
      process.stderr.write(`  ${scenario.name}: `);
      await scenario.prepare?.();
      const mine = [];
      const theirs = [];
      const failures = [];
      for (let i = 0; i < opts.warmup + opts.runs; i++) {
        const measured = i >= opts.warmup;
        const runner = (list) => async (args, o = {}) => {
          const r = await runCli(args, { timeoutMs, rss, cwd: o.cwd ?? ROOT, ...(o.command ? { command: o.command } : {}) });
          const failure = o.kind === 'squawk' ? (r.timedOut || r.spawnError || r.signal ? `squawk: ${r.spawnError ?? r.signal ?? 'timed out'}` : null) : checkRun({ kind: o.kind }, r, list.length);
          if (failure && measured) failures.push(`${args.find((a) => !a.startsWith('-')) ?? ''}: ${failure}`);
          return r;
        };
        const a = await scenario.iterate(runner(mine));
        if (measured) mine.push(a);
        if (scenario.squawk) {
          const b = await scenario.squawk(runner(theirs));
          if (measured) theirs.push(b);
        }
        process.stderr.write(measured ? '.' : 'w');
      }
      process.stderr.write('\n');
      const stats = (runs) => {
        if (runs.length === 0) return null;
        const walls = runs.map((r) => r.wallMs);
        const rssKb = runs.map((r) => r.maxRssKb).filter((v) => typeof v === 'number' && v > 0);
        const cpu = runs.map((r) => r.cpuMs).filter((v) => typeof v === 'number');
        const pgliteStart = runs.map((r) => verifyPhase(r, 'start PGlite')).filter((v) => typeof v === 'number');
        return {
          medianMs: round(median(walls), 1),
          minMs: round(Math.min(...walls), 1),
          wallMs: walls.map((w) => round(w, 1)),
          peakRssMb: rssKb.length ? round(Math.max(...rssKb) / 1024, 1) : null,
          // user + system CPU of every thread: above the wall time when threads run side by side
          medianCpuMs: cpu.length === runs.length ? round(median(cpu), 0) : null,
          ...(pgliteStart.length ? { pgliteStartMs: round(median(pgliteStart), 0) } : {}),
        };
      };
      const ml = stats(mine);
      const sq = stats(theirs);
      results.push({ scenario: scenario.name, what: scenario.what, runs: mine.length, migrationLint: ml, squawk: sq, ratio: sq ? round(ml.medianMs / sq.medianMs, 2) : null, failures });
    }
  } finally {
    rmSync(cacheDir, { recursive: true, force: true });
    if (precommit) rmSync(dirname(precommit), { recursive: true, force: true });
    if (otherFiles) rmSync(dirname(otherFiles), { recursive: true, force: true });
    if (!opts.keep) for (const dir of synthDirs.values()) rmSync(dir, { recursive: true, force: true });
  }

  // --- report -------------------------------------------------------------------------------
  const rows = results.map((r) => [
    r.scenario,
    r.migrationLint.medianMs.toFixed(0),
    r.squawk ? r.squawk.medianMs.toFixed(0) : '-',
    r.ratio ?? '-',
    r.migrationLint.peakRssMb ?? '-',
    r.squawk?.peakRssMb ?? '-',
    r.migrationLint.medianCpuMs ?? '-',
    r.squawk?.medianCpuMs ?? '-',
  ]);
  for (const r of results) if (r.migrationLint.pgliteStartMs !== undefined) process.stdout.write(`${r.scenario}: PGlite start (its own thread, median) ${r.migrationLint.pgliteStartMs} ms\n`);
  // Issue 17's targets for verify, set for an idle 2-core machine: read them with the load average below.
  const verifyTargets = [
    ['verify:example', 'PGlite start', (m) => m.pgliteStartMs, 300],
    ['verify:example', 'wall', (m) => m.medianMs, 800],
    ['verify:example', 'peak RSS MB', (m) => m.peakRssMb, 300],
    ['verify:sim', 'wall', (m) => m.medianMs, 8000],
  ];
  for (const [name, what, value, target] of verifyTargets) {
    const r = results.find((x) => x.scenario === name);
    const v = r ? value(r.migrationLint) : undefined;
    if (typeof v === 'number') process.stdout.write(`target ${name} ${what} <= ${target}: ${Math.round(v)} (CPU ${r.migrationLint.medianCpuMs ?? '-'} ms) ${v <= target ? 'met' : 'not met'}\n`);
  }
  process.stdout.write('\n' + table(['scenario', 'migration-lint median ms', 'squawk median ms', 'ratio', 'peak RSS MB', 'squawk RSS MB', 'CPU ms', 'squawk CPU ms'], rows, [1, 2, 3, 4, 5, 6, 7]) + '\n');
  const machine = {
    cpu: os.cpus()[0]?.model ?? 'unknown',
    cores: os.cpus().length,
    totalMemoryGb: round(os.totalmem() / 1024 ** 3, 1),
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    node: process.version,
    loadAverage: os.loadavg().map((l) => round(l, 2)),
    date: new Date().toISOString(),
    nodeExtraCaCerts: process.env.NODE_EXTRA_CA_CERTS ? (opts.keepEnv ? 'set, kept for the children (--keep-env)' : 'set here, removed from the children (see bench/README.md)') : 'not set',
  };
  process.stdout.write(
    `\n${machine.cpu}, ${machine.cores} cores, ${machine.totalMemoryGb} GB, node ${machine.node}, load average ${machine.loadAverage.join(' ')}, ${machine.date.slice(0, 10)}; ${opts.runs} runs per scenario (median wall ms, start-up included; corpus rows: one process over every folder; NODE_EXTRA_CA_CERTS ${machine.nodeExtraCaCerts})\n`,
  );
  for (const r of results) for (const f of r.failures) process.stdout.write(`FAIL: ${r.scenario}: ${f}\n`);

  mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
  writeFileSync(
    RESULTS,
    JSON.stringify(
      {
        machine,
        options: { runs: opts.runs, warmup: opts.warmup, seed: opts.seed, migrations: opts.migrations, timeoutMs, only: opts.only },
        method: {
          wall: 'process.hrtime around each child process (spawn to exit, start-up included); corpus scenarios: one process over every folder (each folder its own history) for both tools',
          squawk: 'the native squawk binary of @squawk-cli/<platform>, given the same .sql files, timed in the same loop',
          statementRules: `--rule <id>=off for the history rules: ${historyRules.join(', ')}`,
          rss: rss === 'gnu-time' ? '/usr/bin/time -f %M (KiB → MB), max over runs and folders' : 'child node process reporting process.resourceUsage().maxRSS',
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

async function sequential(tasks) {
  const out = [];
  for (const task of tasks) out.push(await task());
  return out;
}

/** One iteration made of several processes: wall times add up, peak RSS is the largest. */
function sum(runs) {
  const rss = runs.map((r) => r.maxRssKb).filter((v) => typeof v === 'number');
  return { wallMs: runs.reduce((a, r) => a + r.wallMs, 0), maxRssKb: rss.length ? Math.max(...rss) : null };
}

/**
 * The pre-commit shape: a git repository holding a copy of `folder` as `drizzle/`, committed,
 * then one new migration (an ADD COLUMN and a CREATE INDEX on the newest snapshot's first table),
 * its journal entry and its snapshot, staged. Returns the repository path.
 */
function buildPrecommitRepo(folder) {
  const { repo, git } = committedHistory(folder, 'precommit');
  const journalFile = join(repo, 'drizzle', 'meta', '_journal.json');
  const journal = JSON.parse(readFileSync(journalFile, 'utf8'));
  const last = journal.entries[journal.entries.length - 1];
  const idx = last.idx + 1;
  const prefix = String(idx).padStart(4, '0');
  const tag = `${prefix}_bench_new_migration`;
  journal.entries.push({ ...last, idx, when: last.when + 1000, tag });
  writeFileSync(journalFile, JSON.stringify(journal, null, 2));
  const snapshot = JSON.parse(readFileSync(join(repo, 'drizzle', 'meta', `${String(last.idx).padStart(4, '0')}_snapshot.json`), 'utf8'));
  const [tableKey, table] = Object.entries(snapshot.tables)[0];
  snapshot.prevId = snapshot.id;
  snapshot.id = randomUUID();
  table.columns.bench_note = { name: 'bench_note', type: 'text', primaryKey: false, notNull: false };
  table.indexes[`${table.name}_bench_note_idx`] = {
    name: `${table.name}_bench_note_idx`,
    columns: [{ expression: 'bench_note', isExpression: false, asc: true, nulls: 'last' }],
    isUnique: false,
    concurrently: false,
    method: 'btree',
    with: {},
  };
  writeFileSync(join(repo, 'drizzle', 'meta', `${prefix}_snapshot.json`), JSON.stringify(snapshot, null, 2));
  const qualified = tableKey.includes('.') && !tableKey.startsWith('public.') ? `"${table.schema}"."${table.name}"` : `"${table.name}"`;
  writeFileSync(
    join(repo, 'drizzle', `${tag}.sql`),
    `ALTER TABLE ${qualified} ADD COLUMN "bench_note" text;--> statement-breakpoint\nCREATE INDEX "${table.name}_bench_note_idx" ON ${qualified} USING btree ("bench_note");`,
  );
  git('add', '-A');
  return repo;
}

/** Why a run does not count as a normal run (null when it does): time-out, exit 2, crash, or no JSON report. */
function checkRun(scenario, run, i) {
  const head = (text) => text.trim().split('\n').slice(0, 3).join(' | ').slice(0, 300);
  const label = `run ${i + 1}`;
  if (run.timedOut) return `${label}: timed out`;
  if (run.spawnError) return `${label}: could not start: ${run.spawnError}`;
  if (scenario.kind === 'startup-floor') return run.exitCode === 0 ? null : `${label}: exit ${run.exitCode ?? run.signal}`;
  if (scenario.kind === 'verify') {
    if (run.exitCode !== 0 && run.exitCode !== 1) return `${label}: exit ${run.exitCode ?? run.signal}: ${head(run.stderr)}`;
    try {
      const report = JSON.parse(run.stdout);
      if (!report.summary || report.aborted) return `${label}: no verify result${report.aborted ? ` (stopped: ${report.aborted})` : ''}`;
    } catch {
      return `${label}: exit ${run.exitCode}, stdout is not a verify report; stderr: ${head(run.stderr)}`;
    }
    return null;
  }
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

/** A phase's ms from a verify JSON report (the first phase whose name starts with `prefix`). */
function verifyPhase(run, prefix) {
  try {
    return JSON.parse(run.stdout).phases.find((p) => p.name.startsWith(prefix))?.ms;
  } catch {
    return undefined;
  }
}

function ms(started) {
  return Number(process.hrtime.bigint() - started) / 1e6;
}

function round(n, digits = 0) {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

/**
 * A git repository holding a copy of `folder` as `drizzle/` and a drizzle.config.ts naming it (as
 * `drizzle-kit init` writes one), committed.
 */
function committedHistory(folder, name) {
  const root = mkdtempSync(join(os.tmpdir(), `migration-lint-bench-${name}-`));
  const repo = join(root, 'repo');
  cpSync(folder, join(repo, 'drizzle'), { recursive: true });
  writeFileSync(join(repo, 'drizzle.config.ts'), "import { defineConfig } from 'drizzle-kit';\n\nexport default defineConfig({\n  out: './drizzle',\n  dialect: 'postgresql',\n  dbCredentials: { url: process.env.DATABASE_URL! },\n});\n");
  const git = (...args) => execFileSync('git', args, { cwd: repo, stdio: ['ignore', 'pipe', 'pipe'] });
  git('init', '--quiet');
  git('add', '-A');
  git('-c', 'user.name=bench', '-c', 'user.email=bench@example.com', 'commit', '--quiet', '--no-verify', '-m', 'history');
  return { repo, git };
}

/** The history committed, and a commit of other files staged: a README edit. */
function buildOtherFilesRepo(folder) {
  const { repo, git } = committedHistory(folder, 'other-files');
  writeFileSync(join(repo, 'README.md'), '# app\n');
  git('add', 'README.md');
  return repo;
}

