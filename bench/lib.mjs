/**
 * Helpers shared by bench/run.mjs and scripts/corpus.mjs: run the real CLI as a child process
 * (wall time, exit code, peak RSS, time bound) and count the statements a folder holds.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const CLI = join(ROOT, 'bin', 'migration-lint.js');
export const DIST = join(ROOT, 'dist', 'index.js');
export const GNU_TIME = '/usr/bin/time';

/** True when /usr/bin/time understands `-f %M` (GNU time); BusyBox/BSD variants are not trusted. */
export function hasGnuTime() {
  if (!existsSync(GNU_TIME)) return false;
  return new Promise((done) => {
    const child = spawn(GNU_TIME, ['-f', '%M', 'true'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    child.on('error', () => done(false));
    child.on('close', (code) => done(code === 0 && /^\d+\s*$/.test(err.trim().split('\n').pop() ?? '')));
  });
}

/**
 * Child script used when GNU time is missing: runs the CLI in-process, then reports its peak RSS
 * (process.resourceUsage().maxRSS, KiB) on fd 3 so stdout/stderr stay the CLI's own.
 */
const RSS_WRAPPER = `
const { writeSync } = require('node:fs');
const cli = process.argv[1];
process.argv = [process.argv[0], cli, ...process.argv.slice(2)];
process.on('exit', () => { try { writeSync(3, String(process.resourceUsage().maxRSS)); } catch {} });
require(require('node:path').join(cli, '..', '..', 'dist', 'bundle', 'cli.cjs')).run(process.argv.slice(2));
`;

/**
 * Run `node bin/migration-lint.js ...args` once (or `node <entry> ...args`; rss 'node' always
 * runs the CLI).
 * Returns { args, wallMs, exitCode, signal, timedOut, spawnError, stdout, stderr, maxRssKb, cpuMs }
 * (cpuMs: user + system CPU time of the child, from GNU time; null without it).
 * exitCode is null when the process was killed (signal / time-out).
 * `rss`: 'gnu-time' (wrap in /usr/bin/time -f %M), 'node' (wrapper reporting maxRSS) or 'none'.
 */
/**
 * Run a native binary (squawk) or `node bin/migration-lint.js …args` once; see runCli.
 */
export function squawkBinary() {
  const path = join(ROOT, 'node_modules', '@squawk-cli', `${process.platform}-${process.arch}`, 'bin', process.platform === 'win32' ? 'squawk.exe' : 'squawk');
  return existsSync(path) ? path : null;
}

/** The .sql files of a migrations folder (recursively, for drizzle-kit 1.0 folders), sorted. */
export function sqlFiles(dir) {
  const out = [];
  const walk = (d) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(d, e.name));
      else if (e.name.endsWith('.sql')) out.push(join(d, e.name));
    }
  };
  walk(dir);
  return out.sort();
}

/**
 * The environment children run in. NODE_EXTRA_CA_CERTS makes every Node process read and parse
 * the certificate bundle before any JavaScript runs (~85 ms of `node -e 0` on the bench machine,
 * 131 ms against 46 ms): a cost of that machine's set-up, not of the tool, and a lint makes no TLS
 * connection. The bench drops it unless `--keep-env` (setKeepEnv) asks otherwise.
 */
let keepEnv = false;
export function setKeepEnv(keep) {
  keepEnv = keep;
}
export function childEnv() {
  const env = { ...process.env, NO_COLOR: '1' };
  if (!keepEnv) delete env.NODE_EXTRA_CA_CERTS;
  return env;
}

export function runCli(args, { timeoutMs = 120_000, rss = 'none', cwd = ROOT, entry = CLI, command: binary } = {}) {
  let command = binary ?? process.execPath;
  let argv = binary ? [...args] : [entry, ...args];
  let rssFile;
  const stdio = ['ignore', 'pipe', 'pipe'];
  if (rss === 'gnu-time') {
    rssFile = join(mkdtempSync(join(tmpdir(), 'ml-rss-')), 'rss');
    argv = ['-f', '%M %U %S', '-o', rssFile, command, ...argv];
    command = GNU_TIME;
  } else if (rss === 'node' && !binary) {
    argv = ['-e', RSS_WRAPPER, CLI, ...args];
    stdio.push('pipe');
  }

  return new Promise((done) => {
    const out = [];
    const err = [];
    let rssText = '';
    let timedOut = false;
    let spawnError;
    const started = process.hrtime.bigint();
    // detached: own process group, so a time-out kills the CLI too, not just /usr/bin/time.
    const child = spawn(command, argv, { cwd, stdio, detached: true, env: childEnv() });
    child.stdout.on('data', (d) => out.push(d));
    child.stderr.on('data', (d) => err.push(d));
    child.stdio[3]?.on('data', (d) => (rssText += d));
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    }, timeoutMs);
    child.on('error', (error) => (spawnError = error.message));
    child.on('close', (code, signal) => {
      const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
      clearTimeout(timer);
      let maxRssKb = null;
      let cpuMs = null;
      let exitCode = code;
      if (rssFile) {
        try {
          // GNU time writes "Command exited with non-zero status N" / "Command terminated by signal N" before the format line.
          const text = readFileSync(rssFile, 'utf8').trim();
          const lines = text.split('\n');
          const last = lines.pop()?.trim() ?? '';
          // "%M %U %S": peak RSS (KiB), user and system CPU seconds (every thread of the process).
          const m = /^(\d+) ([\d.]+) ([\d.]+)$/.exec(last);
          if (!timedOut && m) {
            maxRssKb = Number(m[1]);
            cpuMs = (Number(m[2]) + Number(m[3])) * 1000;
          }
          const killed = /terminated by signal (\d+)/.exec(text);
          if (killed && !signal) signal = `signal ${killed[1]}`;
          if (killed) exitCode = null;
        } catch {
          // time-out: /usr/bin/time was killed before writing
        }
        rmSync(dirname(rssFile), { recursive: true, force: true });
      } else if (rssText) {
        maxRssKb = Number(rssText) || null;
      }
      done({
        args,
        wallMs,
        exitCode: timedOut ? null : exitCode,
        signal: timedOut ? 'SIGKILL (time-out)' : signal,
        timedOut,
        spawnError,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        maxRssKb,
        cpuMs,
      });
    });
  });
}

let api;
/** dist/index.js, imported once (build first: npm run build). */
export async function loadApi() {
  if (!api) {
    if (!existsSync(DIST)) throw new Error(`${DIST} not found: run \`npm run build\` first`);
    api = await import(pathToFileURL(DIST).href);
  }
  return api;
}

/**
 * Count what the CLI lints in `folder`: the migrations lint() resolves (journal order, same files
 * the CLI reads), parsed with parseMigration after loadParser. `statements` counts top-level SQL
 * statements only (statements libpg-query finds inside DO blocks are not counted); `chunks` counts
 * `--> statement-breakpoint` chunks. Files that cannot be read are skipped.
 */
export async function countStatements(folder) {
  const { lint, loadParser, parseMigration } = await loadApi();
  const { project } = await lint({ paths: [folder], cwd: ROOT });
  await loadParser();
  let statements = 0;
  let chunks = 0;
  let bytes = 0;
  for (const m of project.migrations) {
    let text;
    try {
      text = readFileSync(m.path, 'utf8');
    } catch {
      continue;
    }
    bytes += Buffer.byteLength(text);
    const parsed = parseMigration({ tag: m.tag, file: m.file, text, idx: m.idx, when: m.when });
    statements += parsed.statements.filter((s) => s.origin === 'top-level').length;
    chunks += parsed.chunkCount;
  }
  return { migrations: project.migrations.length, statements, chunks, sqlBytes: bytes };
}

/** Sub-folders of `dir`, sorted (skips files such as README.md). [] when `dir` is missing. */
export function listFolders(dir) {
  let names;
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names.filter((name) => statSync(join(dir, name), { throwIfNoEntry: false })?.isDirectory()).sort((a, b) => a.localeCompare(b));
}

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Render rows (arrays of strings) as an aligned text table; `right` = column indexes to right-align. */
export function table(header, rows, right = []) {
  const all = [header, ...rows].map((r) => r.map((c) => String(c ?? '')));
  const widths = header.map((_, i) => Math.max(...all.map((r) => r[i].length)));
  const fmt = (r) => r.map((c, i) => (right.includes(i) ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ').trimEnd();
  return [fmt(all[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...all.slice(1).map(fmt)].join('\n');
}
