import { appendFileSync } from 'node:fs';
import { baselineWasm } from '../verify/wasm-flags.js';
import type { Streams } from '../cli.js';
import type { Finding, Fix, Skip } from '../engine/types.js';
import type { LintSummary } from '../runner/lint.js';
import { mark } from '../runner/timings.js';
import { packageVersion } from '../package-info.js';
import type { CliOptions } from './args.js';
import { outputFile, reportOutput } from './output.js';
import { errorLines, escapeControls, outputLines } from '../formatters/safe-text.js';
import { count } from '../formatters/count.js';
import type { SharedLintOptions } from './parallel.js';
import { Spool } from './spool.js';
import { useColor } from './quick-staged.js';

/**
 * The CLI's linting side: everything past argument parsing, `--help` and `--version` (which
 * cli.ts answers without loading this). The built CLI is two files for the same reason: the
 * bin loads a small one, and this one only when there is something to lint.
 */

/** Run a subcommand (`./commands/<name>.js`). */
export async function runCommand(name: string, argv: string[], io: Streams): Promise<number> {
  const command = (await import(`./commands/${name}.js`)) as { default: (argv: string[], io: Streams) => Promise<number> };
  return await command.default(argv, io);
}

export async function lintAndReport(options: CliOptions, io: Streams): Promise<number> {
  if (options.outputFile === undefined) return await lintAndWrite(options, io);
  // --output-file: the report goes to the file, which only a run that has its result (0 or 1) leaves behind.
  const file = outputFile(options.outputFile);
  let code: number | undefined;
  try {
    code = await lintAndWrite(options, { ...io, stdout: file.stream });
    return code;
  } finally {
    if (code === 0 || code === 1) file.commit();
    else file.discard();
  }
}

async function lintAndWrite(options: CliOptions, io: Streams): Promise<number> {
  // libpg-query's WASM on V8's baseline compiler (wasm-flags.ts): the built CLI has set it before its bundle loaded (scripts/v8-flags.cjs); runs from the sources set it here.
  baselineWasm();
  const progress = progressBar(io);
  const [{ countFindings }, { historiesOf }, { lintHistories }, writer] = await Promise.all([import('../runner/lint.js'), import('../runner/project.js'), import('./parallel.js'), reportWriter(options, io)]);
  mark('import lint modules');
  const stdout = reportOutput(io);
  // JSON is for programs: the whole document or nothing (see spool.ts), so a run that stops with
  // an error leaves stdout empty. The human formats show what was found before the error.
  const spool = options.format === 'json' ? new Spool() : undefined;
  const output = spool ? { now: (report: string | Iterable<string>) => spool.add(report), rest: async (report: string | Iterable<string>) => spool.add(report) } : stdout;
  const counted = countFindings();
  // Findings are written as they come (a long history's report is never all in memory), those
  // of one history in report order; --quiet shows errors only, and the summary counts what is shown.
  const shown = (findings: Finding[]) => {
    const kept = options.quiet ? findings.filter((f) => f.severity === 'error') : findings;
    counted.add(kept);
    return kept;
  };
  const histories = historiesOf(options.paths, process.cwd());
  const shared: SharedLintOptions = {
    config: options.config,
    rules: options.rules,
    pgVersion: options.pgVersion,
    ...(options.since !== undefined ? { since: options.since } : {}),
    ...(options.staged ? { staged: true } : {}),
    ...(options.fullReplay ? { context: 'replay' as const } : {}),
    ...(options.databaseUrl !== undefined ? { databaseUrl: options.databaseUrl } : {}),
  };
  // --fix / --fix-dry-run: the fixes first (their diffs), then the report of what is left.
  const overlay = options.fix || options.fixDryRun ? await fixFirst(histories, shared, options, io) : undefined;
  try {
    // Several migrations folders (a monorepo): each is its own history; they are linted side by
    // side in threads (--jobs), and reported in the order given.
    const results = await lintHistories(
      histories,
      {
        ...shared,
        ...(options.cache ? { cache: { location: options.cacheLocation } } : {}),
        ...(options.explainSkips ? { explainSkips: true } : {}),
        ...(overlay?.size ? { overlay } : {}),
      },
      {
        ...(options.jobs !== undefined ? { jobs: options.jobs } : {}),
        ...(progress ? { progress: progress.update } : {}),
        // One history: its findings as the lint makes them (the engine's loop waits for no stream).
        onFindings: (findings, sources) => {
          const kept = shown(findings);
          if (kept.length === 0) return;
          progress?.clear();
          output.now(writer.add(kept, sources));
        },
      },
    );
    progress?.done();
    for (const note of results.flatMap((r) => r.notes ?? [])) io.stderr.write(errorLines(`note: ${note}`));
    // Several folders: each one's report, in the order given.
    for (const r of results) await output.rest(writer.add(shown(r.findings), r.sources));
    const summary = counted.summary(results.reduce((n, r) => n + r.summary.migrations, 0));
    await output.rest(await writer.end(summary));
    if (options.explainSkips) io.stderr.write(formatSkips(results.flatMap((r) => r.skips ?? [])));
    if (spool) await stdout.rest(spool.drain());
    mark('format + write');
    if (summary.errors > 0) return 1;
    if (options.maxWarnings !== undefined && summary.warnings > options.maxWarnings) {
      io.stderr.write(`migration-lint: ${count(summary.warnings, 'warning exceeds', 'warnings exceed')} --max-warnings ${options.maxWarnings}\n`);
      return 1;
    }
    return 0;
  } finally {
    spool?.discard();
  }
}

/**
 * `--fix` / `--fix-dry-run`, each history in turn: the fixes (runner/fix.ts), a unified diff per
 * file changed, the fixes refused and why (stderr), then the files written (--fix) or, for a dry
 * run, the fixed texts handed back so the report shows what would be left. The diffs go to stdout
 * before a human report, to stderr beside a machine one (JSON, SARIF, GitLab).
 */
async function fixFirst(histories: readonly (string[] | undefined)[], shared: SharedLintOptions, options: CliOptions, io: Streams): Promise<Map<string, string>> {
  const [{ fixHistory, writeChanges, MAX_PASSES }, { unifiedDiff }] = await Promise.all([import('../runner/fix.js'), import('../formatters/diff.js')]);
  const out = options.format === 'json' || options.format === 'sarif' || options.format === 'gitlab' ? io.stderr : io.stdout;
  const overlay = new Map<string, string>();
  const changes: import('../runner/fix.js').FileChange[] = [];
  let applied = 0;
  for (const paths of histories) {
    const outcome = await fixHistory({ ...shared, ...(paths ? { paths } : {}) });
    for (const c of outcome.changes) {
      changes.push(c);
      overlay.set(c.path, c.after);
      out.write(outputLines(unifiedDiff(c.file, c.before, c.after).replace(/\n$/, '').split('\n')));
    }
    applied += outcome.applied;
    for (const r of outcome.refused) io.stderr.write(errorLines(`not fixed: ${r.finding.file}:${r.finding.line}:${r.finding.column} ${r.finding.rule}: ${r.reason}`));
    if (!outcome.converged) io.stderr.write(errorLines(`fixes were still being applied after ${MAX_PASSES} passes: stopped there (please report it)`));
  }
  const files = count(changes.length, 'file');
  const problems = count(applied, 'problem');
  if (options.fixDryRun) {
    out.write(applied === 0 ? 'migration-lint: --fix-dry-run: nothing to fix\n' : `migration-lint: --fix-dry-run: --fix would fix ${problems} in ${files}; nothing was written\n`);
    return overlay;
  }
  writeChanges(changes);
  out.write(applied === 0 ? 'migration-lint: nothing to fix\n' : `migration-lint: fixed ${problems} in ${files}\n`);
  if (options.staged && changes.length > 0) io.stderr.write(errorLines(`the fixes are in the working tree: stage them (git add ${changes.map((c) => c.file).join(' ')}) and commit again`));
  return new Map();
}

/**
 * `--explain-skips`: one line per finding left out, on stderr (the report on stdout stays what
 * its format promises). File names, identifiers and messages come from the repository: control
 * characters are shown escaped, and every line starts with "skipped".
 */
export function formatSkips(skips: readonly Skip[]): string {
  const lines = skips.flatMap((s) => [`skipped ${escapeControls(s.file)}:${s.line}:${s.column} ${s.rule}: ${escapeControls(s.reason)}`, `  would have said: ${escapeControls(s.message)}`]);
  return outputLines([...lines, `migration-lint: ${skips.length === 0 ? 'no finding' : count(skips.length, 'finding')} left out`]);
}

/** The report's text as the findings arrive (`add`), and the rest once the summary is known (`end`). */
interface ReportWriter {
  add(findings: readonly Finding[], sources: ReadonlyMap<string, string>): string | Iterable<string>;
  end(summary: LintSummary): string | Iterable<string> | Promise<string | Iterable<string>>;
}

async function reportWriter(options: CliOptions, io: Streams): Promise<ReportWriter> {
  switch (options.format) {
    case 'json':
      return (await import('../formatters/json.js')).jsonWriter();
    case 'compact': {
      const { formatCompact } = await import('../formatters/compact.js');
      return { add: (findings) => formatCompact(findings), end: () => '' };
    }
    case 'sarif':
    case 'gitlab':
    case 'github': {
      // Whole documents (SARIF, Code Quality JSON) or per-run extras (GitHub's job summary): written at the end.
      const all: Finding[] = [];
      return {
        add(findings) {
          for (const f of findings) all.push(f);
          return '';
        },
        end: (summary) => wholeReport(options.format, all, summary),
      };
    }
    default:
      return (await import('../formatters/pretty.js')).prettyWriter(useColor(options, io));
  }
}

/** The finding with its file, and the files its fixes edit, mapped (to paths from the repository root). */
function withFiles(f: Finding, map: (file: string) => string): Finding {
  const fix = (x: Fix): Fix => ({ ...x, edits: x.edits.map((e) => ({ ...e, file: map(e.file) })) });
  return { ...f, file: map(f.file), ...(f.fix ? { fix: fix(f.fix) } : {}), ...(f.suggestions ? { suggestions: f.suggestions.map(fix) } : {}) };
}

async function wholeReport(format: CliOptions['format'], all: Finding[], summary: LintSummary): Promise<string> {
  // Paths from the repository root: CI attaches annotations and alerts by it (monorepo packages).
  const { reportRoot, fromRoot } = await import('../runner/report-root.js');
  const root = await reportRoot(process.cwd());
  const rooted = root ? fromRoot(root, process.cwd()) : undefined;
  const findings = rooted ? all.map((f) => withFiles(f, rooted)) : all;
  switch (format) {
    case 'sarif': {
      const { ruleList } = await import('../rules/index.js');
      return (await import('../formatters/sarif.js')).formatSarif(findings, ruleList, packageVersion(), root);
    }
    case 'gitlab':
      return (await import('../formatters/gitlab.js')).formatGitlab(findings);
    default: {
      const github = await import('../formatters/github.js');
      // The job summary is a file GitHub renders under the run; append, as other steps may write too.
      if (process.env.GITHUB_STEP_SUMMARY) appendFileSync(process.env.GITHUB_STEP_SUMMARY, github.githubStepSummary(findings, summary));
      const { summaryLine } = await import('../formatters/pretty.js');
      return github.formatGithub(findings) + summaryLine(summary) + '\n';
    }
  }
}

/**
 * A progress line on stderr for runs longer than a second, on a terminal only (never in CI logs,
 * pipes or JSON consumers). Redrawn at most every 100 ms; erased before the report is written.
 */
function progressBar(io: Streams): { update: (done: number, total: number) => void; clear: () => void; done: () => void } | undefined {
  const stderr = io.stderr as Streams['stderr'] & { isTTY?: boolean };
  if (stderr.isTTY !== true || process.env.CI) return undefined;
  const started = performance.now();
  let last = 0;
  let shown = false;
  const erase = () => {
    if (shown) stderr.write('\r\x1b[2K');
    shown = false;
  };
  return {
    update(done, total) {
      const now = performance.now();
      if (now - started < 1000 || now - last < 100) return;
      last = now;
      shown = true;
      stderr.write(`\r\x1b[2Kmigration-lint: linting ${done}/${total} migrations…`);
    },
    /** Erased before findings are written (the next update draws it again below them). */
    clear: erase,
    done: erase,
  };
}

/** Entry point of a lint worker thread (see cli/parallel.ts): the CLI bundle is its code. */
export async function lintWorker(): Promise<void> {
  await (await import('./parallel.js')).serveWorker();
}
