#!/usr/bin/env node
// What the deploy-path rules (issue 21) add to a run: a synthetic app of N TypeScript files
// (default 500, ~120 lines each, a few of them migrate scripts) next to a drizzle project, linted
// by the built CLI with the four deploy-path rules on and off, interleaved (A B B A …), medians of
// the wall time and of the CPU time (user + system of every thread, process.resourceUsage() at
// exit through a --require preload, in µs: on a loaded machine the wall time also counts waiting
// for a core, and GNU time rounds to 10 ms). Each `--base DIR` adds another checkout's built CLI
// (e.g. main before the deploy path) to the same rotation, run as it is with its defaults.
//
//   node bench/app-source.mjs [--files 500] [--runs 11] [--base /other/checkout …] [--keep]
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const FILES = arg('files', 500);
const BASES = process.argv.flatMap((a, i) => (a === '--base' ? [resolve(process.argv[i + 1])] : []));
const RUNS = arg('runs', 11);
const root = resolve(import.meta.dirname, '..');
const bin = join(root, 'bin/migration-lint.js');
const dir = mkdtempSync(join(tmpdir(), 'ml-app-'));
const DEPLOY_RULES = ['migrate-without-lock', 'migrator-config-mismatch', 'drizzle-kit-migrate-under-bun', 'bun-migrate-client-not-closed'];

function appFile(i) {
  const lines = [`import { eq } from 'drizzle-orm';`, `import { db } from '../db';`, `import { customers } from '../schema';`, ''];
  for (let f = 0; f < 12; f++) {
    lines.push(`/** Handler ${f} of module ${i}. */`, `export async function handler${i}_${f}(id: number, input: { name: string; tags: string[] }) {`);
    lines.push(`  const rows = await db.select().from(customers).where(eq(customers.id, id));`, `  if (rows.length === 0) throw new Error('not found: ' + id);`);
    lines.push(`  const tags = input.tags.map((t) => t.trim().toLowerCase()).filter(Boolean);`, `  return { ...rows[0], name: input.name, tags, at: new Date().toISOString() };`, '}', '');
  }
  return lines.join('\n');
}

try {
  cpSync(join(root, 'fixtures/projects/deploy-path/drizzle'), join(dir, 'drizzle'), { recursive: true });
  cpSync(join(root, 'fixtures/projects/deploy-path/schema.ts'), join(dir, 'src/schema.ts'), { recursive: true });
  writeFileSync(join(dir, 'drizzle.config.ts'), `import { defineConfig } from 'drizzle-kit';\nexport default defineConfig({ dialect: 'postgresql', schema: './src/schema.ts', out: './drizzle' });\n`);
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'synthetic-app', private: true, scripts: { 'db:migrate': 'tsx src/migrate.ts', build: 'tsc' } }, null, 2));
  writeFileSync(join(dir, 'src/db.ts'), `import { drizzle } from 'drizzle-orm/node-postgres';\nexport const db = drizzle(process.env.DATABASE_URL!);\n`);
  cpSync(join(root, 'docs/migrate-lock/node-postgres-client.ts'), join(dir, 'src/migrate-lock.ts'));
  writeFileSync(join(dir, 'src/migrate.ts'), `import { migrateWithLock } from './migrate-lock';\nawait migrateWithLock(process.env.DATABASE_URL!, './drizzle');\n`);
  for (let i = 0; i < FILES - 4; i++) {
    const sub = join(dir, 'src', `feature${i % 25}`);
    mkdirSync(sub, { recursive: true });
    writeFileSync(join(sub, `module${i}.ts`), appFile(i));
  }
  mkdirSync(join(dir, 'node_modules/some-dep'), { recursive: true });
  writeFileSync(join(dir, 'node_modules/some-dep/index.js'), 'module.exports = {};\n');

  const timing = join(dir, '.cpu');
  const preload = join(dir, '.cpu-preload.cjs');
  writeFileSync(preload, `process.on('exit', () => { const u = process.resourceUsage(); require('fs').writeFileSync(${JSON.stringify(timing)}, String((u.userCPUTime + u.systemCPUTime) / 1000)); });\n`);
  /** One lint: wall ms, and CPU ms (user + system, every thread). */
  const run = (cli, off) => {
    const args = [cli, '--format', 'json', ...(off ? DEPLOY_RULES.flatMap((r) => ['--rule', `${r}=off`]) : [])];
    const t = process.hrtime.bigint();
    const r = spawnSync(process.execPath, args, { cwd: dir, encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: `--require=${preload}` } });
    const ms = Number(process.hrtime.bigint() - t) / 1e6;
    if (r.status !== 0 && r.status !== 1) throw new Error(`exit ${r.status}: ${r.stderr}`);
    return { ms, cpu: Number(readFileSync(timing, 'utf8')) };
  };
  const variants = [
    { name: 'deploy-path rules on', run: () => run(bin, false) },
    { name: 'deploy-path rules off', run: () => run(bin, true) },
    ...BASES.map((base) => ({ name: base, run: () => run(join(base, 'bin/migration-lint.js'), false) })),
  ];
  for (const v of variants) v.run(); // warm-up
  const results = variants.map(() => []);
  for (let i = 0; i < RUNS; i++) {
    // Each round runs the variants in a rotated order, so none always runs first or last.
    const order = variants.map((_, k) => (k + i) % variants.length);
    if (i % 2 === 1) order.reverse();
    for (const k of order) results[k].push(variants[k].run());
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const stats = results.map((rs) => ({ wall: median(rs.map((r) => r.ms)), wallMin: Math.min(...rs.map((r) => r.ms)), cpu: median(rs.map((r) => r.cpu)) }));
  console.log(`synthetic app: ${FILES} TS files; ${RUNS} interleaved runs each; load ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  variants.forEach((v, k) => console.log(`${v.name.padEnd(28)} wall median ${stats[k].wall.toFixed(0)} ms (min ${stats[k].wallMin.toFixed(0)}), CPU median ${stats[k].cpu.toFixed(0)} ms`));
  const diff = (k) => `wall +${(stats[0].wall - stats[k].wall).toFixed(0)} ms, CPU +${(stats[0].cpu - stats[k].cpu).toFixed(0)} ms (medians)`;
  console.log(`added over rules off: ${diff(1)}`);
  BASES.forEach((base, k) => console.log(`added over ${base}: ${diff(k + 2)}`));
} finally {
  if (process.argv.includes('--keep')) console.log(`kept: ${dir}`);
  else rmSync(dir, { recursive: true, force: true });
}
