/**
 * Phase timings for profiling: `MIGRATION_LINT_TIMINGS=1 migration-lint …` prints, on stderr,
 * the milliseconds spent in each phase (process start → CLI loaded → config → … → report).
 * Off by default; `mark()` is a no-op then.
 */
const enabled = process.env.MIGRATION_LINT_TIMINGS === '1';
const phases: [string, number][] = [];
let last = 0;

/** Record the time since the previous mark (or since the process started) under `name`. */
export function mark(name: string): void {
  if (!enabled) return;
  const now = performance.now();
  phases.push([name, now - last]);
  last = now;
}

/** Print the phases (and the peak RSS) on stderr when MIGRATION_LINT_TIMINGS=1. */
export function printTimings(write: (text: string) => unknown = (t) => process.stderr.write(t)): void {
  if (!enabled || phases.length === 0) return;
  const width = Math.max(...phases.map(([n]) => n.length));
  const lines = phases.map(([name, ms]) => `  ${name.padEnd(width)} ${ms.toFixed(1).padStart(8)} ms`);
  const rss = process.resourceUsage().maxRSS / 1024;
  write(`migration-lint timings:\n${lines.join('\n')}\n  ${'total'.padEnd(width)} ${last.toFixed(1).padStart(8)} ms  (peak RSS ${rss.toFixed(0)} MB)\n`);
  phases.length = 0;
}
