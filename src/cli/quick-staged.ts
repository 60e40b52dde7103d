import type { Streams } from '../cli.js';
import { stagesNothingLinted } from '../runner/staged-query.js';
import type { CliOptions } from './args.js';

/**
 * The most frequent pre-commit run: a commit that stages no migration file (`.sql`, `.json`)
 * anywhere in the repository, and nothing the deploy-path rules read (stagesNothingLinted). The
 * CLI's front answers it after one git call, without loading the linter (the report is the one
 * the full run prints for nothing linted; a test compares them). Only the README's hook shape: `--staged` with no folder, a format that prints a line
 * (pretty) or nothing (compact), to stdout.
 */
export async function quickStaged(options: CliOptions, io: Streams): Promise<string | undefined> {
  if (!options.staged || options.paths.length > 0 || options.outputFile !== undefined) return undefined;
  if (options.format !== 'pretty' && options.format !== 'compact') return undefined;
  if (!(await stagesNothingLinted(process.cwd()))) return undefined;
  if (options.format === 'compact') return '';
  const line = '✔ 0 migrations checked, no problems';
  return `${useColor(options, io) ? `\x1b[32m${line}\x1b[39m` : line}\n`;
}

/** --color / --no-color win; then NO_COLOR and FORCE_COLOR; then colour only on a terminal. */
export function useColor(options: Pick<CliOptions, 'color'>, io: Streams): boolean {
  if (options.color !== undefined) return options.color;
  if (process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== '') return false;
  if (process.env.FORCE_COLOR !== undefined) return process.env.FORCE_COLOR !== '0';
  return io.stdout.isTTY === true;
}
