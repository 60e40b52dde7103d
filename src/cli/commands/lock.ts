import { dirname, resolve } from 'node:path';
import { UsageError } from '../../runner/errors.js';
import { parseFlags } from '../args.js';
import { displayPath, findDrizzleConfig, readDrizzleConfig } from '../../runner/drizzle-config.js';
import { loadFolder } from '../../runner/project.js';
import { ProjectFiles } from '../../runner/files.js';
import { sha256 } from '../../runner/history-facts.js';
import { lockPath, readLock, updateLock, writeLock } from '../../runner/lockfile.js';
import { errorLines, safeLine } from '../../formatters/safe-text.js';

interface Streams {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
}

const HELP = `Usage: migration-lint lock [folder] [-c drizzle.config.ts] [--force]

Record the sha256 of every migration (as drizzle-orm's migrator computes it) in
<folder>/migration-lint.lock.json, one per journal tag, keys sorted. hash-drift then reports any
migration that changes after it was recorded. A recorded hash is never replaced without --force.
`;

/** `migration-lint lock`: write or update the lock file. Exit 0 written, 1 a recorded hash differs (no --force), 2 usage. */
export default async function lock(argv: string[], io: Streams): Promise<number> {
  const parsed = parseFlags(argv, { config: { type: 'string', short: 'c' }, force: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } }, 'migration-lint lock --help');
  if (parsed.values.help) {
    io.stdout.write(HELP);
    return 0;
  }
  const cwd = process.cwd();
  if (parsed.positionals.length > 1) throw new UsageError('lock takes one migrations folder');
  let folder = parsed.positionals[0];
  const configFile = parsed.values.config ? resolve(cwd, parsed.values.config) : folder ? undefined : findDrizzleConfig(cwd);
  // A config is read in its own project (see runner/files.ts).
  const config = configFile ? await readDrizzleConfig(configFile, cwd) : undefined;
  if (!folder) {
    if (!config) throw new UsageError(`no drizzle.config.{ts,mts,js,mjs,cjs,json} in ${cwd}`, 'pass the migrations folder: migration-lint lock path/to/drizzle');
    folder = config.out;
  }
  // Only regular files inside the project are read: the folder's, or the config's (see runner/files.ts).
  const files = ProjectFiles.around(parsed.positionals[0] ? resolve(cwd, folder) : dirname(configFile!), cwd);
  const project = loadFolder(folder, cwd, config, (path) => files.read(path), files);
  if (project.layout === 'files' || !project.dir) throw new UsageError(`${folder}: no drizzle journal or 1.0 migration folders here; lock records journal tags`);
  const refused = project.problems.find((p) => p.kind === 'refused-file');
  if (refused) throw new UsageError(`${refused.file}: not read: ${refused.reason}`);
  const current = new Map<string, string>();
  for (const m of project.migrations) current.set(m.tag, sha256(files.bytes(m.path).toString()));
  const read = readLock(project.dir, files);
  if (read?.problem && !parsed.values.force) {
    throw new UsageError(`${displayPath(lockPath(project.dir), cwd)}: ${read.problem}`, 'fix it, or rewrite it with `migration-lint lock --force`');
  }
  const update = updateLock(read?.lock?.migrations ?? {}, current, parsed.values.force === true);
  writeLock(project.dir, update.next);
  const shown = displayPath(lockPath(project.dir), cwd);
  for (const c of update.conflicts) {
    io.stderr.write(
      errorLines(
        parsed.values.force
          ? `${c.tag}: recorded hash ${c.recorded} replaced by ${c.current} (--force)`
          : `${c.tag}: changed since it was recorded (recorded ${c.recorded}, now ${c.current}); kept the recorded hash`,
      ),
    );
  }
  for (const tag of update.stale) io.stderr.write(errorLines(`${tag}: recorded but no longer a migration; ${parsed.values.force ? 'removed' : 'kept'}`));
  io.stdout.write(`${safeLine(shown)}: ${update.added.length} added, ${update.unchanged.length} unchanged${update.conflicts.length ? `, ${update.conflicts.length} ${parsed.values.force ? 'replaced' : 'changed (kept the recorded hash; --force replaces it)'}` : ''}\n`);
  return update.conflicts.length > 0 && !parsed.values.force ? 1 : 0;
}
