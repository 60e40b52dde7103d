#!/usr/bin/env node
/**
 * Acceptance run over the real drizzle-kit corpus: `npm run corpus` (builds first), or
 *
 *   node scripts/corpus.mjs [corpus-dir | migrations-folder] [--timeout <seconds>] [--sample N [--seed S]]
 *                           [--no-down] [--down-timeout <seconds>]
 *
 * --sample N also prints a stratified random sample of N findings (per rule, seeded), each with
 * the context to judge it, and writes it to bench/results/sample.txt and sample.json (see
 * scripts/corpus-sample.mjs).
 *
 * Then the round-trip proof of `migration-lint down` on each folder (src/down/prove.ts, PGlite, one
 * child process per folder, time-bounded by --down-timeout, default 1800 s): the shares of
 * migrations drafted fully reversible / structure only / not reversible, and every migration whose
 * drafted rollback failed or left a difference its header did not declare (any such failure makes
 * the run fail). `--no-down` skips it.
 *
 * Default corpus: ../shared/corpus relative to the repo root (absent → message, exit 0).
 * Each folder is linted by the real CLI as a child process (`--format json`, time-bounded), so
 * exit codes are what users see. Exits 1 when any run exits 2, crashes, times out, prints
 * unreadable JSON, or reports a parse-error finding ("0 parse errors, no crash, no exit code 2").
 * If dist/index.js exports checkSnapshotAgreement, its verdict per folder is printed too
 * (informational only). Full results: bench/results/corpus.json.
 */
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { basename, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { DIST, ROOT, countStatements, listFolders, loadApi, runCli, hasGnuTime, table } from '../bench/lib.mjs';

const SELF = fileURLToPath(import.meta.url);
const RESULTS = join(ROOT, 'bench', 'results', 'corpus.json');

const argv = process.argv.slice(2);
if (argv[0] === '--child-info') {
  await childInfo(argv[1]);
} else if (argv[0] === '--child-down') {
  await childDown(argv[1]);
} else {
  process.exitCode = await main(argv);
}

async function main(args) {
  let timeoutS = 120;
  let sample;
  let seed = 1;
  let downTimeoutS = 1800;
  let down = true;
  const positional = [];
  const usage = 'usage: node scripts/corpus.mjs [corpus-dir | migrations-folder] [--timeout <seconds>] [--sample N [--seed S]] [--no-down] [--down-timeout <seconds>]\n';
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--timeout') timeoutS = Number(args[++i]);
    else if (args[i] === '--sample') sample = Number(args[++i]);
    else if (args[i] === '--seed') seed = Number(args[++i]);
    else if (args[i] === '--down-timeout') downTimeoutS = Number(args[++i]);
    else if (args[i] === '--no-down') down = false;
    else if (args[i] === '--help' || args[i] === '-h') {
      process.stdout.write(usage);
      return 0;
    } else positional.push(args[i]);
  }
  if (!(timeoutS > 0) || positional.length > 1 || (sample !== undefined && !(Number.isInteger(sample) && sample > 0)) || !Number.isInteger(seed)) {
    process.stderr.write(usage);
    return 2;
  }
  const target = resolve(positional[0] ?? join(ROOT, '..', 'shared', 'corpus'));
  if (!existsSync(target)) {
    if (positional[0]) {
      process.stderr.write(`corpus: ${target} not found\n`);
      return 2;
    }
    process.stdout.write(`corpus: ${target} not found; nothing to do (the corpus lives outside the repo, in ../shared/corpus)\n`);
    return 0;
  }
  if (!existsSync(DIST)) {
    process.stderr.write('corpus: dist/index.js not found; run `npm run build` (or `npm run corpus`) first\n');
    return 2;
  }
  // A migrations folder itself, or a directory of them.
  const folders = isMigrationsFolder(target) ? [target] : listFolders(target).map((name) => join(target, name));
  if (folders.length === 0) {
    process.stdout.write(`corpus: no folders in ${target}; nothing to do\n`);
    return 0;
  }

  const api = await loadApi();
  const hasAgreement = typeof api.checkSnapshotAgreement === 'function';
  const rss = (await hasGnuTime()) ? 'gnu-time' : 'node';
  const timeoutMs = timeoutS * 1000;
  process.stdout.write(`corpus: ${folders.length} folder(s) in ${relative(process.cwd(), target) || '.'}, time bound ${timeoutS} s per run, peak RSS via ${rss === 'gnu-time' ? '/usr/bin/time -f %M' : 'process.resourceUsage().maxRSS'}\n\n`);

  const results = [];
  for (const folder of folders) {
    const name = basename(folder);
    process.stderr.write(`  linting ${name}…\n`);
    const run = await runCli([folder, '--format', 'json'], { timeoutMs, rss });
    const result = {
      folder: name,
      path: folder,
      migrations: null,
      statements: null,
      chunks: null,
      wallMs: round(run.wallMs),
      statementsPerSec: null,
      exitCode: run.exitCode,
      signal: run.signal ?? null,
      timedOut: run.timedOut,
      maxRssMb: run.maxRssKb ? round(run.maxRssKb / 1024, 1) : null,
      parseErrors: null,
      findingsByRule: {},
      summary: null,
      stderr: run.stderr.trim() || null,
      failures: [],
      notes: [],
      snapshotAgreement: null,
      report: null,
    };
    if (run.spawnError) result.failures.push(`could not start: ${run.spawnError}`);
    if (run.timedOut) result.failures.push(`timed out after ${timeoutS} s`);
    else if (run.exitCode === 2) result.failures.push('exit code 2');
    else if (run.exitCode !== 0 && run.exitCode !== 1) result.failures.push(`crashed (exit ${run.exitCode ?? '-'}, ${run.signal ?? 'no signal'})`);
    if (!run.timedOut && (run.exitCode === 0 || run.exitCode === 1)) {
      try {
        const report = JSON.parse(run.stdout);
        result.report = report;
        result.summary = report.summary;
        result.migrations = report.summary?.migrations ?? null;
        for (const f of report.findings ?? []) result.findingsByRule[f.rule] = (result.findingsByRule[f.rule] ?? 0) + 1;
        result.parseErrors = result.findingsByRule['parse-error'] ?? 0;
        if (result.parseErrors > 0) result.failures.push(`${result.parseErrors} parse error(s)`);
        const errors = report.summary?.errors ?? 0;
        if ((run.exitCode === 0 && errors > 0) || (run.exitCode === 1 && errors === 0)) {
          result.notes.push(`exit ${run.exitCode} with ${errors} error finding(s)`);
        }
      } catch (error) {
        result.failures.push(`stdout is not a JSON report (${error.message})`);
      }
    }

    // Statement count (and the snapshot check) in a separate time-bounded child: the API is
    // imported in-process there, so a hang or crash cannot take this script down.
    if (!run.timedOut) {
      const info = await runCli(['--child-info', folder, ...(hasAgreement ? ['--agreement'] : [])], { timeoutMs, entry: SELF });
      let parsed;
      try {
        parsed = JSON.parse(info.stdout);
      } catch {
        result.notes.push(`statement count failed (exit ${info.exitCode ?? info.signal}): ${info.stderr.trim().split('\n')[0] ?? ''}`);
      }
      if (parsed?.count) {
        result.statements = parsed.count.statements;
        result.chunks = parsed.count.chunks;
        result.migrations ??= parsed.count.migrations;
        if (result.statements > 0 && run.wallMs > 0) result.statementsPerSec = Math.round(result.statements / (run.wallMs / 1000));
      } else if (parsed?.countError) result.notes.push(`statement count failed: ${parsed.countError}`);
      if (hasAgreement) result.snapshotAgreement = parsed?.agreement ?? { error: parsed ? 'no result' : `child failed: ${info.stderr.trim().split('\n')[0] ?? ''}` };
    }
    results.push(result);
  }

  // --- report -------------------------------------------------------------------------------
  const rows = results.map((r) => [
    r.folder,
    r.migrations ?? '-',
    r.statements ?? '-',
    r.wallMs.toFixed(0),
    r.statementsPerSec ?? '-',
    r.maxRssMb ?? '-',
    r.timedOut ? 'timeout' : (r.exitCode ?? r.signal ?? '-'),
    r.parseErrors ?? '-',
    compactRules(r.findingsByRule) || (r.summary ? '-' : '?'),
  ]);
  const totals = {
    folders: results.length,
    migrations: sum(results.map((r) => r.migrations)),
    statements: sum(results.map((r) => r.statements)),
    wallMs: round(sum(results.map((r) => r.wallMs))),
    parseErrors: sum(results.map((r) => r.parseErrors)),
    exit: countBy(results.map((r) => (r.timedOut ? 'timeout' : String(r.exitCode ?? r.signal)))),
    findingsByRule: mergeCounts(results.map((r) => r.findingsByRule)),
    failedFolders: results.filter((r) => r.failures.length > 0).map((r) => r.folder),
  };
  totals.statementsPerSec = totals.wallMs > 0 ? Math.round(totals.statements / (totals.wallMs / 1000)) : null;
  rows.push([
    'TOTAL',
    totals.migrations,
    totals.statements,
    totals.wallMs.toFixed(0),
    totals.statementsPerSec ?? '-',
    '',
    Object.entries(totals.exit).map(([k, v]) => `${k}:${v}`).join(' '),
    totals.parseErrors,
    compactRules(totals.findingsByRule) || '-',
  ]);
  process.stdout.write(
    table(['folder', 'migrations', 'statements', 'ms', 'stmts/s', 'RSS MB', 'exit', 'parse errors', 'findings by rule'], rows, [1, 2, 3, 4, 5, 7]) + '\n',
  );
  process.stdout.write('\n(statements: top-level SQL statements of the migrations the CLI lints, counted with parseMigration; ms: wall time of one CLI process, start-up included)\n');

  for (const r of results) {
    for (const note of r.notes) process.stdout.write(`note: ${r.folder}: ${note}\n`);
    if (r.stderr && r.failures.length > 0) process.stdout.write(`stderr: ${r.folder}: ${r.stderr.split('\n').slice(0, 5).join('\n  ')}\n`);
  }

  if (hasAgreement) {
    process.stdout.write('\nsnapshot agreement (checkSnapshotAgreement; informational, never fails the run)\n');
    const agreementRows = results.map((r) => {
      const a = r.snapshotAgreement;
      if (!a) return [r.folder, '-', '-', '-', 'not run'];
      if (a.error) return [r.folder, '?', '?', '?', '?', '?', a.error.slice(0, 100)];
      return [r.folder, yesNo(a.chainIntact), a.compared ?? '?', a.skipped ?? '?', a.disagreements ?? '?', a.differences ?? '?', a.note ?? ''];
    });
    process.stdout.write(
      table(['folder', 'chain intact', 'compared', 'skipped', 'disagreements', 'differences', 'note'], agreementRows, [2, 3, 4, 5]) + '\n',
    );
    process.stdout.write('(disagreements: migrations whose replayed schema differs from their snapshot; differences: total over them)\n');
  } else {
    process.stdout.write('\nsnapshot agreement: skipped (dist/index.js does not export checkSnapshotAgreement yet)\n');
  }

  if (sample !== undefined) {
    const { sampleFindings, formatSample, writeSample } = await import('./corpus-sample.mjs');
    const drawn = await sampleFindings(results, sample, seed);
    process.stdout.write('\n' + formatSample(drawn));
    mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
    writeSample(drawn, join(ROOT, 'bench', 'results'));
    process.stdout.write(`\nsample: ${relative(process.cwd(), join(ROOT, 'bench', 'results', 'sample.txt'))} (and sample.json, with a verdict field per finding)\n`);
  }

  const downReport = down ? await proveFolders(results, downTimeoutS * 1000) : null;
  if (!down) process.stdout.write('\ndown round-trip proof: skipped (--no-down)\n');

  const failures = [...results.flatMap((r) => r.failures.map((f) => `${r.folder}: ${f}`)), ...(downReport?.failures ?? [])];
  const ok = failures.length === 0;
  mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
  writeFileSync(
    RESULTS,
    JSON.stringify(
      {
        date: new Date().toISOString(),
        node: process.version,
        corpus: target,
        timeoutMs,
        rssMethod: rss,
        statementCount: 'top-level statements from parseMigration (after loadParser) over the migrations lint() resolves',
        snapshotAgreement: hasAgreement,
        down: downReport,
        ok,
        failures,
        totals,
        folders: results,
      },
      null,
      2,
    ) + '\n',
  );
  process.stdout.write(`\nresults: ${relative(process.cwd(), RESULTS)}\n`);
  if (ok) {
    process.stdout.write(`PASS: ${results.length} folder(s), 0 parse errors, no crash, no time-out, no exit code 2\n`);
    return 0;
  }
  process.stdout.write(`FAIL:\n${failures.map((f) => `  ${f}`).join('\n')}\n`);
  return 1;
}

/**
 * The round-trip proof of `down` on every folder, each in a time-bounded child process; prints the
 * verdict shares and every failure. Returns { folders, totals, failures } for corpus.json.
 */
async function proveFolders(results, timeoutMs) {
  process.stdout.write(`\ndown round-trip proof (src/down/prove.ts on PGlite: apply N, apply its drafted rollback, compare with N-1; time bound ${timeoutMs / 1000} s per folder)\n`);
  const folders = [];
  for (const r of results) {
    process.stderr.write(`  proving the rollbacks of ${r.folder}…\n`);
    const run = await runCli(['--child-down', r.path], { timeoutMs, entry: SELF });
    let parsed;
    try {
      parsed = JSON.parse(run.stdout);
    } catch {
      parsed = { error: run.timedOut ? `timed out after ${timeoutMs / 1000} s` : `child failed (exit ${run.exitCode ?? run.signal}): ${run.stderr.trim().split('\n').slice(-1)[0] ?? ''}` };
    }
    folders.push({ folder: r.folder, ...parsed });
  }
  const sumOf = (key, verdict) => folders.reduce((n, f) => n + (f[key]?.[verdict] ?? 0), 0);
  const rows = folders.map((f) =>
    f.error
      ? [f.folder, '?', '?', '?', '?', '?', '?', '?', f.error.slice(0, 80)]
      : [f.folder, f.migrations, f.drafted.reversible, f.drafted['structure-only'], f.drafted.irreversible, f.proved, f.outcomes.failed ?? 0, f.notApplied.length, f.notApplied.length ? `not applied on PGlite: ${f.notApplied.map((n) => n.tag).slice(0, 3).join(', ')}${f.notApplied.length > 3 ? '…' : ''} (${f.notApplied[0].message.slice(0, 50)})` : ''],
  );
  const total = folders.reduce((n, f) => n + (f.migrations ?? 0), 0);
  const drafted = { reversible: sumOf('drafted', 'reversible'), 'structure-only': sumOf('drafted', 'structure-only'), irreversible: sumOf('drafted', 'irreversible') };
  const proved = folders.reduce((n, f) => n + (f.proved ?? 0), 0);
  const failed = sumOf('outcomes', 'failed');
  rows.push(['TOTAL', total, drafted.reversible, drafted['structure-only'], drafted.irreversible, proved, failed, folders.reduce((n, f) => n + (f.notApplied?.length ?? 0), 0), '']);
  process.stdout.write(table(['folder', 'migrations', 'reversible', 'structure only', 'not reversible', 'proved', 'proof failed', 'not applied', 'note'], rows, [1, 2, 3, 4, 5, 6, 7]) + '\n');
  const pct = (n) => (total ? `${((100 * n) / total).toFixed(1)} %` : '-');
  process.stdout.write(`drafted verdicts: fully reversible ${drafted.reversible} (${pct(drafted.reversible)}), structure only ${drafted['structure-only']} (${pct(drafted['structure-only'])}), not reversible ${drafted.irreversible} (${pct(drafted.irreversible)}) of ${total} migrations; ${proved} proved on PGlite, ${failed} failed\n`);
  const failures = [];
  for (const f of folders) {
    if (f.error) failures.push(`${f.folder}: down proof: ${f.error}`);
    for (const m of f.failed ?? []) {
      const what = m.error ? `the rollback fails: ${m.error.message} (${m.error.sql.slice(0, 80)})` : `undeclared: ${m.undeclared.slice(0, 3).map((d) => `${d.object} ${d.name}: ${d.detail}`).join('; ')}`;
      failures.push(`${f.folder}: down proof of ${m.tag} (${m.verdict}): ${what}`);
    }
  }
  for (const line of failures) process.stdout.write(`FAIL ${line}\n`);
  return { folders, totals: { migrations: total, drafted, proved, failed }, failures };
}

/** `--child-down <folder>`: prove the folder's drafted rollbacks on PGlite; print a summary as JSON. */
async function childDown(folder) {
  const started = performance.now();
  const { loadHistory } = await import(pathToFileURL(join(ROOT, 'dist', 'verify', 'load.js')).href);
  const { startPglite, extensionsUsed } = await import(pathToFileURL(join(ROOT, 'dist', 'verify', 'engine.js')).href);
  const { proveDowns } = await import(pathToFileURL(join(ROOT, 'dist', 'down', 'prove.js')).href);
  const { draftDowns } = await import(pathToFileURL(join(ROOT, 'dist', 'down', 'history.js')).href);
  const history = await loadHistory({ cwd: ROOT, paths: [folder], env: {} });
  const drafted = { reversible: 0, 'structure-only': 0, irreversible: 0 };
  if (history.migrations.length) for (const t of draftDowns(history, history.migrations.map((_, i) => i))) drafted[t.down.verdict]++;
  const { engine, missing } = await startPglite(extensionsUsed(history.migrations.map((m) => m.text), history.lintConfig.extensions ?? []));
  try {
    const report = await proveDowns(engine, history.migrations, { migrationsTable: history.migrationsTable });
    const outcomes = {};
    for (const m of report.migrations) outcomes[m.outcome] = (outcomes[m.outcome] ?? 0) + 1;
    process.stdout.write(
      JSON.stringify({
        migrations: history.migrations.length,
        drafted,
        proved: report.migrations.length,
        outcomes,
        failed: report.migrations.filter((m) => m.outcome === 'failed'),
        notApplied: report.notApplied.map((n) => ({ tag: n.tag, message: n.failures[0]?.message ?? '' })),
        missingExtensions: missing,
        ms: Math.round(performance.now() - started),
      }),
    );
  } finally {
    await engine.close();
  }
}

/** `--child-info <folder> [--agreement]`: print { count, agreement } as JSON (runs in a child process). */
async function childInfo(folder) {
  const out = {};
  try {
    out.count = await countStatements(folder);
  } catch (error) {
    out.countError = error?.message ?? String(error);
  }
  if (argv.includes('--agreement')) out.agreement = await agreement(folder);
  process.stdout.write(JSON.stringify(out));
}

/**
 * checkSnapshotAgreement is being written elsewhere and its signature is not settled: try the
 * lint()-style options object first, then a bare folder path, and read the verdict from whatever
 * field names the result uses (chain…/intact, compared…, disagreements/differences/mismatches).
 */
async function agreement(folder) {
  const { checkSnapshotAgreement } = await loadApi();
  const attempts = [
    ['{ paths: [folder], cwd }', () => checkSnapshotAgreement({ paths: [folder], cwd: ROOT })],
    ['(folder)', () => checkSnapshotAgreement(folder)],
  ];
  const errors = [];
  for (const [signature, call] of attempts) {
    let value;
    try {
      value = await call();
    } catch (error) {
      errors.push(`${signature}: ${error?.message ?? error}`);
      continue;
    }
    if (value === undefined || value === null) {
      errors.push(`${signature}: returned ${value}`);
      continue;
    }
    return { signature, ...interpret(value), detail: detail(value) };
  }
  return { error: errors.join('; ') };
}

function interpret(value) {
  // The AgreementReport shape of src/runner/snapshot-agreement.ts.
  if (typeof value.chainIntact === 'boolean' && typeof value.compared === 'number' && Array.isArray(value.disagreements)) {
    return {
      chainIntact: value.chainIntact,
      compared: value.compared,
      skipped: Array.isArray(value.skipped) ? value.skipped.length : null,
      disagreements: value.disagreements.length,
      differences: value.disagreements.reduce((n, d) => n + (Array.isArray(d.differences) ? d.differences.length : 0), 0),
      note: [
        Array.isArray(value.chainProblems) && value.chainProblems.length > 0
          ? `${value.chainProblems.length} chain problem(s), first: ${value.chainProblems[0]}`
          : '',
      ].join('').slice(0, 110),
    };
  }
  const keys = Object.keys(value);
  const find = (re) => keys.find((k) => re.test(k));
  let chainIntact = null;
  const chainKey = find(/chain|intact/i);
  if (chainKey) {
    const c = value[chainKey];
    if (typeof c === 'boolean') chainIntact = /broken/i.test(chainKey) ? !c : c;
    else if (Array.isArray(c)) chainIntact = c.length === 0;
    else if (c && typeof c === 'object') {
      if (typeof c.intact === 'boolean') chainIntact = c.intact;
      else if (typeof c.ok === 'boolean') chainIntact = c.ok;
      else if (Array.isArray(c.breaks)) chainIntact = c.breaks.length === 0;
      else if (Array.isArray(c.problems)) chainIntact = c.problems.length === 0;
    }
  }
  const comparedKey = find(/compared/i) ?? find(/^migrations$/i);
  const compared = countOf(comparedKey ? value[comparedKey] : undefined);
  const disagreeKey = find(/disagree|differences|mismatch/i);
  const disagreements = countOf(disagreeKey ? value[disagreeKey] : undefined);
  return { chainIntact, compared, disagreements, note: [chainKey, comparedKey, disagreeKey].some((k) => !k) ? `fields: ${keys.join(',')}`.slice(0, 100) : '' };
}

function countOf(v) {
  if (typeof v === 'number') return v;
  if (Array.isArray(v)) return v.length;
  if (v instanceof Map || v instanceof Set) return v.size;
  return null;
}

/** What goes to corpus.json: chain problems, skips, and per disagreeing migration its first differences. */
function detail(value) {
  if (!Array.isArray(value.disagreements)) return capped(value);
  return {
    chainProblems: value.chainProblems ?? null,
    skipped: value.skipped ?? null,
    disagreements: value.disagreements.map((d) => ({
      tag: d.tag,
      count: Array.isArray(d.differences) ? d.differences.length : null,
      first: Array.isArray(d.differences) ? d.differences.slice(0, 5) : d.differences,
    })),
  };
}

function capped(value) {
  try {
    const text = JSON.stringify(value, (_, v) => (v instanceof Map ? Object.fromEntries(v) : v instanceof Set ? [...v] : v));
    return text.length <= 200_000 ? JSON.parse(text) : { truncated: true, chars: text.length };
  } catch (error) {
    return { unserializable: error.message };
  }
}

// --- small helpers ----------------------------------------------------------------------------

function isMigrationsFolder(dir) {
  if (existsSync(join(dir, 'meta', '_journal.json'))) return true;
  // drizzle-kit v1 layout (<timestamp>_<name>/migration.sql), or loose .sql files with no sub-folders.
  const subfolders = listFolders(dir);
  if (subfolders.some((name) => existsSync(join(dir, name, 'migration.sql')))) return true;
  return statSync(dir, { throwIfNoEntry: false })?.isDirectory() === true && subfolders.length === 0;
}

function compactRules(counts) {
  return Object.entries(counts)
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([rule, n]) => `${rule}:${n}`)
    .join(' ');
}

function mergeCounts(list) {
  const out = {};
  for (const counts of list) for (const [k, v] of Object.entries(counts)) out[k] = (out[k] ?? 0) + v;
  return out;
}

function countBy(values) {
  const out = {};
  for (const v of values) out[v] = (out[v] ?? 0) + 1;
  return out;
}

function sum(values) {
  return values.reduce((s, v) => s + (typeof v === 'number' ? v : 0), 0);
}

function round(n, digits = 0) {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

function yesNo(v) {
  return v === true ? 'yes' : v === false ? 'no' : '?';
}
