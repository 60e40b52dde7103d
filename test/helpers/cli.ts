import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';

export const BIN = resolve('bin/migration-lint.js');

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Run the real CLI binary as a child process (no TTY: colours off unless forced). */
export function runCli(args: string[], options: { cwd?: string; env?: Record<string, string | undefined>; timeout?: number; bin?: string } = {}): CliRun {
  const env: Record<string, string | undefined> = { ...process.env, NO_COLOR: undefined, FORCE_COLOR: undefined, ...options.env };
  for (const k of Object.keys(env)) if (env[k] === undefined) delete env[k];
  const r = spawnSync(process.execPath, [options.bin ?? BIN, ...args], { cwd: options.cwd ?? process.cwd(), env: env as NodeJS.ProcessEnv, encoding: 'utf8', timeout: options.timeout ?? 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
