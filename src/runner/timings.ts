import { processWide } from '../runtime.js';

/**
 * Phase timings for profiling: `MIGRATION_LINT_TIMINGS=1 migration-lint …` prints, on stderr,
 * the milliseconds spent in each phase (process start → CLI loaded → config → … → report), then
 * the rules that took longest, next to parsing and replay (like ESLint's TIMING=1: which rule, a
 * plugin's included, makes a run slow). Off by default; `mark()` is a no-op then. With several
 * threads (--jobs), only the main thread's share is counted: use --jobs 1 for the whole.
 */
const enabled = process.env.MIGRATION_LINT_TIMINGS === '1';

/** One for the process: both bundles of the built CLI add to it. */
const recorder = processWide('timings', () => ({
  phases: [] as [string, number][],
  last: 0,
  /** Milliseconds inside the engine by rule id, '(parse)' and '(replay)'. */
  engine: new Map<string, number>(),
}));

/** How many rules the report lists. */
const TOP_RULES = 10;

/** Record the time since the previous mark (or since the process started) under `name`. */
export function mark(name: string): void {
  if (!enabled) return;
  const now = performance.now();
  recorder.phases.push([name, now - recorder.last]);
  recorder.last = now;
}

/** The engine's `time` hook when timings are on (see EngineInput.time), else undefined. */
export function engineTimer(): ((what: string, ms: number) => void) | undefined {
  if (!enabled) return undefined;
  const { engine } = recorder;
  return (what, ms) => engine.set(what, (engine.get(what) ?? 0) + ms);
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
  if (recorder.engine.size > 0) write(engineTable(recorder.engine));
  recorder.engine.clear();
}

/** Parse, replay and the slowest rules, with their share of the engine's measured time. */
function engineTable(times: Map<string, number>): string {
  const total = [...times.values()].reduce((a, b) => a + b, 0);
  const stages = ['(parse)', '(replay)'].filter((k) => times.has(k));
  const rules = [...times].filter(([k]) => !stages.includes(k)).sort((a, b) => b[1] - a[1]);
  const shown: [string, number][] = [...stages.map((k): [string, number] => [k, times.get(k)!]), ...rules.slice(0, TOP_RULES)];
  const rest = rules.slice(TOP_RULES).reduce((a, [, ms]) => a + ms, 0);
  if (rules.length > TOP_RULES) shown.push([`${rules.length - TOP_RULES} other rules`, rest]);
  const width = Math.max(...shown.map(([n]) => n.length));
  const row = ([name, ms]: [string, number]) => `  ${name.padEnd(width)} ${ms.toFixed(1).padStart(8)} ms ${((100 * ms) / (total || 1)).toFixed(1).padStart(5)} %`;
  return `inside the engine (parse, replay, rules by time):\n${shown.map(row).join('\n')}\n`;
}
