/**
 * Phase timings for profiling: `MIGRATION_LINT_TIMINGS=1 migration-lint …` prints, on stderr,
 * the milliseconds spent in each phase (process start → CLI loaded → config → … → report).
 * Off by default; `mark()` is a no-op then.
 */
const enabled = process.env.MIGRATION_LINT_TIMINGS === '1';

/**
 * Kept on the global object under a registered symbol: the built CLI is two bundles, each with
 * its own copy of this module, and both add to the same list.
 */
const recorder = ((globalThis as Record<symbol, unknown>)[Symbol.for('migration-lint.timings')] ??= { phases: [], last: 0 }) as { phases: [string, number][]; last: number };

/** Record the time since the previous mark (or since the process started) under `name`. */
export function mark(name: string): void {
  if (!enabled) return;
  const now = performance.now();
  recorder.phases.push([name, now - recorder.last]);
  recorder.last = now;
}

/** Print the phases (and the peak RSS) on stderr when MIGRATION_LINT_TIMINGS=1. */
export function printTimings(write: (text: string) => unknown = (t) => process.stderr.write(t)): void {
  const { phases } = recorder;
  if (!enabled || phases.length === 0) return;
  const width = Math.max(...phases.map(([n]) => n.length));
  const lines = phases.map(([name, ms]) => `  ${name.padEnd(width)} ${ms.toFixed(1).padStart(8)} ms`);
  const rss = process.resourceUsage().maxRSS / 1024;
  write(`migration-lint timings:\n${lines.join('\n')}\n  ${'total'.padEnd(width)} ${recorder.last.toFixed(1).padStart(8)} ms  (peak RSS ${rss.toFixed(0)} MB)\n`);
  phases.length = 0;
}
