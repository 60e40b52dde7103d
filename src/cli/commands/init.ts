import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import type { Streams } from '../../cli.js';
import { UsageError } from '../../runner/errors.js';
import { findDrizzleConfig, readDrizzleConfig } from '../../runner/drizzle-config.js';
import { CONFIG_FILES } from '../../runner/config.js';
import { git, repoRoot } from '../../runner/git-exec.js';
import { parseFlags } from '../args.js';
import { safeLine } from '../../formatters/safe-text.js';

const HELP = `Usage: migration-lint init [--yes]

Set migration-lint up in the project in the working directory (where drizzle.config.ts is):
  - migration-lint.config.json (with startAfter set to the newest migration, so the history the
    project already applied is context and only new migrations are judged);
  - the pre-commit hook, for the hook manager the repository uses: pre-commit
    (.pre-commit-config.yaml), lefthook (lefthook.yml), husky (.husky/), else a plain git hook;
  - a GitHub Actions workflow that lints the migrations a pull request adds or changes.
Each file is shown before it is written, and you are asked for each. A file that exists is never
replaced: migration-lint adds its lines at the end when that is safe, and otherwise prints what
to add by hand.

Options:
  -y, --yes    write everything without asking (scripts)
  -h, --help
`;

/** One file init proposes: created, or lines added at the end of an existing one. */
interface Plan {
  /** Path relative to the working directory, for messages. */
  shown: string;
  path: string;
  action: 'create' | 'append';
  text: string;
  why: string;
  executable?: boolean;
}

/** `migration-lint init`: exit 0 when done (whatever was declined), 2 on usage errors. */
export default async function init(argv: string[], io: Streams): Promise<number> {
  const parsed = parseFlags(argv, { yes: { type: 'boolean', short: 'y' }, help: { type: 'boolean', short: 'h' } }, 'migration-lint init --help');
  if (parsed.values.help) {
    io.stdout.write(HELP);
    return 0;
  }
  if (parsed.positionals.length > 0) throw new UsageError(`init: unexpected argument "${parsed.positionals[0]}"`, 'run it in the folder holding drizzle.config.ts: migration-lint init [--yes]');
  const cwd = process.cwd();
  const drizzleConfig = findDrizzleConfig(cwd);
  if (!drizzleConfig) throw new UsageError(`init: no drizzle.config.{ts,mts,js,mjs,cjs,json} in ${cwd}`, 'run migration-lint init in the folder holding drizzle.config.ts');
  const root = await repoRoot(cwd);
  const notes: string[] = [];
  const plans: Plan[] = [];
  const plan = (path: string, action: Plan['action'], text: string, why: string, executable?: boolean) => plans.push({ path, shown: shownPath(path, cwd), action, text, why, ...(executable ? { executable } : {}) });

  // 1. The config.
  const existing = CONFIG_FILES.find((name) => existsSync(join(cwd, name))) ?? (hasPackageKey(cwd) ? 'package.json "migration-lint"' : undefined);
  if (existing) notes.push(`${existing}: a migration-lint config is already there; left as it is`);
  else {
    const newest = await newestMigration(drizzleConfig, cwd);
    const config = newest ? { startAfter: newest, rules: {} } : { rules: {} };
    plan(join(cwd, 'migration-lint.config.json'), 'create', `${JSON.stringify(config, null, 2)}\n`, newest ? `startAfter ${newest}: the migrations up to it are context, never reported (remove it to lint the whole history); "rules" sets severities` : '"rules" sets severities (see "Configuration" in the README)');
  }

  if (!root) notes.push('not a git repository: no pre-commit hook and no workflow (run init again after git init)');
  else {
    // Hooks and workflows live at the repository's top; the linter runs in this folder.
    const sub = relative(root, cwd).split(sep).join('/');
    hookPlan(root, sub, plan, notes, await hooksDir(root));
    workflowPlan(root, sub, plan, notes);
  }

  // Paths and folder names come from the repository: every line printed is escaped.
  const say = (text: string) => io.stdout.write(text.split('\n').map((line) => safeLine(line)).join('\n'));
  for (const note of notes) say(`${note}\n`);
  if (plans.length === 0) {
    say('Nothing to write.\n');
    return 0;
  }
  const answers = parsed.values.yes ? undefined : lineReader();
  let written = 0;
  for (const p of plans) {
    say(`\n${p.action === 'create' ? 'Create' : 'Add to the end of'} ${p.shown}: ${p.why}\n${indent(p.text)}`);
    if (answers) {
      say(`${p.action === 'create' ? 'Write' : 'Add it to'} ${p.shown}? [y/N] `);
      const answer = await answers.next();
      if (answer === undefined) say('\n');
      if (!/^\s*y(es)?\s*$/i.test(answer ?? '')) {
        say(answer === undefined ? `no answer (stdin closed): ${p.shown} not written; pass --yes to write without asking\n` : `skipped ${p.shown}\n`);
        continue;
      }
    }
    write(p);
    written++;
    say(`${p.action === 'create' ? 'wrote' : 'added to'} ${p.shown}\n`);
  }
  answers?.close();
  if (written > 0 && !dependsOnMigrationLint(cwd)) say('\nThe hook and the workflow run the migration-lint your project installs: npm i -D migration-lint\n');
  return 0;
}

const HOOK_COMMAND = 'npx --no-install migration-lint --staged';
const GIT_FILES = "'(\\.sql|_journal\\.json|_snapshot\\.json|drizzle\\.config\\.[cm]?[jt]s|migration-lint\\.config\\.[cm]?[jt]s(on)?)$'";

/** The hook for the manager the repository uses: pre-commit, lefthook, husky, else plain git. */
function hookPlan(root: string, sub: string, plan: (path: string, action: Plan['action'], text: string, why: string, executable?: boolean) => void, notes: string[], hooks: string): void {
  const inFolder = sub ? `cd ${shellQuote(sub)} && ${HOOK_COMMAND}` : HOOK_COMMAND;
  const preCommit = join(root, '.pre-commit-config.yaml');
  if (existsSync(preCommit)) {
    const text = readFileSync(preCommit, 'utf8');
    if (text.includes('migration-lint')) return void notes.push(`${preCommit}: already runs migration-lint`);
    const item = ['- repo: local', '  hooks:', '    - id: migration-lint', '      name: migration-lint', `      entry: ${sub ? `sh -c ${shellQuote(inFolder)}` : HOOK_COMMAND}`, '      language: system', '      pass_filenames: false', `      files: ${GIT_FILES}`];
    const indentation = lastTopLevelKey(text) === 'repos' ? /^(\s*)- repo:/m.exec(text)?.[1] : undefined;
    if (indentation === undefined) return void notes.push(`${preCommit}: add this item to its repos: list by hand (it is not the file's last key, so migration-lint does not edit it):\n${indent(item.join('\n') + '\n')}`);
    return plan(preCommit, 'append', `${text.endsWith('\n') ? '' : '\n'}${item.map((l) => indentation + l).join('\n')}\n`, 'pre-commit: a local hook that runs the migration-lint the project installs');
  }
  const lefthook = ['lefthook.yml', 'lefthook.yaml', '.lefthook.yml', '.lefthook.yaml'].map((n) => join(root, n)).find((f) => existsSync(f));
  if (lefthook) {
    const text = readFileSync(lefthook, 'utf8');
    if (text.includes('migration-lint')) return void notes.push(`${lefthook}: already runs migration-lint`);
    const command = ['    migration-lint:', ...(sub ? [`      root: "${sub}/"`] : []), '      glob: "*.{sql,json}"', `      run: ${HOOK_COMMAND}`];
    if (/^pre-commit:/m.test(text)) return void notes.push(`${lefthook}: add this under pre-commit: commands: by hand (the file already has a pre-commit section, which migration-lint does not edit):\n${indent(command.join('\n') + '\n')}`);
    return plan(lefthook, 'append', `${text.endsWith('\n') || text === '' ? '' : '\n'}pre-commit:\n  commands:\n${command.join('\n')}\n`, 'lefthook: a pre-commit command');
  }
  if (existsSync(join(root, '.husky'))) {
    const hook = join(root, '.husky', 'pre-commit');
    if (!existsSync(hook)) return plan(hook, 'create', `${inFolder}\n`, 'husky: the pre-commit hook', true);
    const text = readFileSync(hook, 'utf8');
    if (text.includes('migration-lint')) return void notes.push(`${hook}: already runs migration-lint`);
    return plan(hook, 'append', `${text.endsWith('\n') || text === '' ? '' : '\n'}${sub ? `(${inFolder})` : HOOK_COMMAND}\n`, 'husky: a line at the end of the pre-commit hook');
  }
  const hook = join(hooks, 'pre-commit');
  if (existsSync(hook)) {
    if (readFileSync(hook, 'utf8').includes('migration-lint')) return void notes.push(`${hook}: already runs migration-lint`);
    return void notes.push(`${hook}: a pre-commit hook is already there; migration-lint does not edit it (a line after its last command might never run). Add this line where it belongs:\n${indent(`${sub ? `(${inFolder})` : HOOK_COMMAND}\n`)}`);
  }
  plan(hook, 'create', `#!/bin/sh\n# migration-lint: lint the staged drizzle migrations (https://github.com/migration-lint/migration-lint)\n${sub ? `cd ${shellQuote(sub)} || exit 1\n` : ''}exec ${HOOK_COMMAND}\n`, 'a plain git pre-commit hook (no hook manager found)', true);
}

/** A workflow that lints what a pull request adds or changes, with the repository's package manager. */
function workflowPlan(root: string, sub: string, plan: (path: string, action: Plan['action'], text: string, why: string) => void, notes: string[]): void {
  const file = join(root, '.github', 'workflows', 'migration-lint.yml');
  if (existsSync(file)) return void notes.push(`${file}: already there; left as it is`);
  const lock = (name: string) => existsSync(join(root, name)) || (sub !== '' && existsSync(join(root, sub, name)));
  const install = lock('pnpm-lock.yaml') ? 'corepack enable && pnpm install --frozen-lockfile' : lock('yarn.lock') ? 'corepack enable && yarn install --immutable' : lock('package-lock.json') ? 'npm ci' : 'npm install';
  const where = sub ? `\n        working-directory: ${sub}` : '';
  const text = `name: migrations
on: pull_request
permissions:
  contents: read
jobs:
  migration-lint:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
        with:
          fetch-depth: 0 # the base branch's history: --since compares with it
      - uses: actions/setup-node@v4
        with:
          node-version: 20
      - run: ${install}
      - run: npx --no-install migration-lint --since origin/\${{ github.base_ref }}${where}
`;
  plan(file, 'create', text, 'GitHub Actions: lint the migrations each pull request adds or changes, with annotations on the diff');
}

/** The last key at the top level of a YAML file (`repos`), to know whether lines added at the end belong to it. */
function lastTopLevelKey(text: string): string | undefined {
  let last: string | undefined;
  for (const m of text.matchAll(/^([A-Za-z_][\w-]*)\s*:/gm)) last = m[1];
  return last;
}

/** The git hooks folder (core.hooksPath, worktrees). */
async function hooksDir(root: string): Promise<string> {
  try {
    return resolve(root, (await git(['rev-parse', '--git-path', 'hooks'], root)).trim());
  } catch {
    return join(root, '.git', 'hooks');
  }
}

async function newestMigration(configFile: string, cwd: string): Promise<string | undefined> {
  try {
    const config = await readDrizzleConfig(configFile, cwd);
    const journal = JSON.parse(readFileSync(join(config.out, 'meta', '_journal.json'), 'utf8')) as { entries?: { tag?: unknown }[] };
    const tag = journal.entries?.[journal.entries.length - 1]?.tag;
    return typeof tag === 'string' ? tag : undefined;
  } catch {
    return undefined; // no history yet (or none readable): nothing to start after
  }
}

function hasPackageKey(cwd: string): boolean {
  try {
    return 'migration-lint' in (JSON.parse(readFileSync(join(cwd, 'package.json'), 'utf8')) as object);
  } catch {
    return false;
  }
}

function dependsOnMigrationLint(cwd: string): boolean {
  try {
    const pkg = JSON.parse(readFileSync(join(cwd, 'package.json'), 'utf8')) as { dependencies?: object; devDependencies?: object };
    return 'migration-lint' in (pkg.devDependencies ?? {}) || 'migration-lint' in (pkg.dependencies ?? {});
  } catch {
    return false;
  }
}

function write(p: Plan): void {
  mkdirSync(dirname(p.path), { recursive: true });
  if (p.action === 'create') writeFileSync(p.path, p.text, { flag: 'wx' }); // never replaces a file that appeared meanwhile
  else writeFileSync(p.path, p.text, { flag: 'a' });
  if (p.executable) chmodSync(p.path, 0o755);
}

function shownPath(path: string, cwd: string): string {
  const rel = relative(cwd, path);
  return (rel.startsWith('..') ? path : rel).split(sep).join('/');
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((line, i, all) => (i === all.length - 1 && line === '' ? '' : `  │ ${line}\n`))
    .join('');
}

function shellQuote(text: string): string {
  return /^[\w./-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}

/** Answers read from stdin, a line each; undefined once it is closed. */
function lineReader(): { next(): Promise<string | undefined>; close(): void } {
  const lines: string[] = [];
  const waiting: ((line: string | undefined) => void)[] = [];
  let buffer = '';
  let ended = false;
  const onData = (chunk: Buffer) => {
    buffer += chunk.toString('utf8');
    for (let at = buffer.indexOf('\n'); at >= 0; at = buffer.indexOf('\n')) {
      const line = buffer.slice(0, at);
      buffer = buffer.slice(at + 1);
      const wake = waiting.shift();
      if (wake) wake(line);
      else lines.push(line);
    }
  };
  const onEnd = () => {
    ended = true;
    if (buffer !== '') lines.push(buffer);
    buffer = '';
    for (const wake of waiting.splice(0)) wake(lines.shift());
  };
  process.stdin.on('data', onData);
  process.stdin.on('end', onEnd);
  return {
    next() {
      if (lines.length > 0) return Promise.resolve(lines.shift());
      if (ended) return Promise.resolve(undefined);
      return new Promise((wake) => waiting.push(wake));
    },
    close() {
      process.stdin.off('data', onData);
      process.stdin.off('end', onEnd);
      process.stdin.pause();
    },
  };
}
