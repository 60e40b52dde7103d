import { existsSync, mkdirSync, realpathSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { UsageError } from '../../runner/errors.js';
import { parseFlags } from '../args.js';
import type { Streams } from '../../cli.js';

const HELP = `Usage: migration-lint down [TAG…] [folder | files…] [options]

Draft the SQL that rolls a migration back, from the schema migration-lint replays: CREATE ↔ DROP
with the whole definition, renames back, types, defaults, NOT NULL and constraints as they were.
A header per migration says whether it is fully reversible, reversible in structure only (data
that is gone stays gone), or not reversible, and why, statement by statement. Nothing is run.

  migration-lint down                    the newest migration
  migration-lint down 0042               one migration (its tag, number or file)
  migration-lint down --since origin/main   every migration of a pull request, newest first

Options:
  -c, --config FILE     drizzle config (default ./drizzle.config.*): its \`out\` folder
  --since REF           every migration from the first one added or changed since REF
  --write DIR           write <tag>.down.sql files to DIR (never inside the migrations folder)
                        and print one line per migration
  --no-bookkeeping      leave out the DELETE of the migration's row in drizzle's
                        __drizzle_migrations (for use as a roll-forward --custom migration)
  -f, --format NAME     sql (default) or json
  -h, --help

Exit codes: 0 drafted (whatever the verdict), 2 usage error.
Details: https://github.com/migration-lint/migration-lint/blob/main/docs/down.md
`;

/** `migration-lint down`: print (or write) the drafted rollback of one or more migrations. */
export default async function down(argv: string[], io: Streams): Promise<number> {
  const parsed = parseFlags(
    argv,
    {
      config: { type: 'string', short: 'c' },
      since: { type: 'string' },
      write: { type: 'string' },
      'no-bookkeeping': { type: 'boolean' },
      format: { type: 'string', short: 'f', default: 'sql' },
      help: { type: 'boolean', short: 'h' },
    },
    'migration-lint down --help',
  );
  const v = parsed.values;
  if (v.help) {
    io.stdout.write(HELP);
    return 0;
  }
  if (v.format !== 'sql' && v.format !== 'json') throw new UsageError(`--format ${v.format}: down prints sql or json`);
  const cwd = process.cwd();
  // A positional that exists on disk is the history (a folder or SQL files); any other names a migration.
  const paths = parsed.positionals.filter((p) => existsSync(resolve(cwd, p)) && !isTagLike(p, parsed.positionals));
  const tags = parsed.positionals.filter((p) => !paths.includes(p));

  const { loadHistory } = await import('../../verify/load.js');
  const history = await loadHistory({ cwd, paths, ...(v.config !== undefined ? { config: v.config } : {}), ...(v.since !== undefined ? { since: v.since } : {}) });
  const { chooseMigrations, draftDowns } = await import('../../down/history.js');
  const { formatDownSql, summaryLine, toJson, commentSafe } = await import('../../down/format.js');
  if (v.since !== undefined && history.reviewFrom >= history.migrations.length && tags.length === 0) {
    io.stdout.write(`-- no migration was added or changed since ${commentSafe(v.since)}: nothing to roll back\n`);
    return 0;
  }
  const positions = chooseMigrations(history, { tags, since: v.since !== undefined });
  const targets = draftDowns(history, positions);
  const bookkeeping = v['no-bookkeeping'] || history.project.layout !== 'journal' ? undefined : history.migrationsTable;

  if (v.write !== undefined) {
    const dir = safeOutputDir(resolve(cwd, v.write), history.project.dir);
    mkdirSync(dir, { recursive: true });
    for (const target of targets) {
      const name = `${target.down.tag}.down.sql`;
      if (!/^[^\\/\u0000-\u001f\u007f-\u009f]+$/.test(target.down.tag) || target.down.tag === '.' || target.down.tag === '..') {
        throw new UsageError(`migration tag "${commentSafe(target.down.tag)}" cannot be a file name`);
      }
      const file = join(dir, name);
      writeFileSync(file, formatDownSql(target, { ...(bookkeeping ? { bookkeeping } : {}) }));
      io.stdout.write(`${summaryLine(target.down)} → ${commentSafe(relative(cwd, file) || file)}\n`);
    }
    return 0;
  }
  if (v.format === 'json') {
    io.stdout.write(JSON.stringify({ version: 1, migrations: targets.map((t) => toJson(t.down)) }, null, 2) + '\n');
    return 0;
  }
  io.stdout.write(targets.map((t) => formatDownSql(t, { ...(bookkeeping ? { bookkeeping } : {}) })).join('\n'));
  return 0;
}

/** `0042`, `0042_brave_wolf` or `0042_brave_wolf.sql` next to an explicit folder is a tag even if a file of that name exists. */
function isTagLike(p: string, all: readonly string[]): boolean {
  return all.length > 1 && /^\d+(_[\w-]*)?(\.sql)?$/.test(p) && !p.includes('/');
}

/**
 * The folder --write writes to, refused when it is the migrations folder or inside it (drizzle-kit
 * and drizzle's migrator must never see a .down.sql file). Symlinks are resolved on both sides.
 */
function safeOutputDir(dir: string, migrations: string | undefined): string {
  if (!migrations) return dir;
  const real = (p: string): string => {
    // The nearest existing ancestor, resolved, plus the part that does not exist yet.
    let existing = p;
    const rest: string[] = [];
    while (!existsSync(existing) && dirname(existing) !== existing) {
      rest.unshift(existing.slice(dirname(existing).length + 1));
      existing = dirname(existing);
    }
    return join(realpathSync(existing), ...rest);
  };
  const target = real(dir);
  const folder = real(migrations);
  if (target === folder || target.startsWith(folder + sep)) {
    throw new UsageError(`--write ${dir}: inside the migrations folder ${migrations}`, 'write the rollbacks elsewhere (e.g. --write rollbacks): drizzle-kit and migrate() must never see them');
  }
  return dir;
}
