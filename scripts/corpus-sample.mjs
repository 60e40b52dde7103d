/**
 * `npm run corpus -- --sample N [--seed S]`: a stratified random sample of the corpus run's
 * findings, with what a reviewer needs to judge each one: where it is, the statement, the statements
 * around it, the history of the tables it touches (when each was created, and how long before this
 * migration), the message and the help. Strata are rules: every rule with findings gets at least
 * one, the rest is shared in proportion to the rule's count, and the draw is seeded, so the same
 * corpus and seed give the same sample. Printed as text, and written to bench/results/sample.txt
 * and sample.json (with an empty `verdict` per finding: true / noise / wrong).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { ROOT, loadApi } from '../bench/lib.mjs';

const DAY = 24 * 60 * 60 * 1000;

/** mulberry32: a small seeded generator (the same sample for the same seed). */
function random(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** How many of `size` findings each rule gets: at least one each (while size lasts), the rest by share (largest remainders). */
export function allocate(counts, size) {
  const rules = Object.keys(counts).filter((r) => counts[r] > 0).sort();
  const out = Object.fromEntries(rules.map((r) => [r, 0]));
  let left = Math.min(size, rules.reduce((n, r) => n + counts[r], 0));
  for (const r of [...rules].sort((a, b) => counts[a] - counts[b] || a.localeCompare(b))) {
    if (left === 0) break;
    out[r] = 1;
    left--;
  }
  const room = (r) => counts[r] - out[r];
  while (left > 0) {
    const total = rules.reduce((n, r) => n + room(r), 0);
    if (total === 0) break;
    const shares = rules.map((r) => ({ r, exact: (left * room(r)) / total }));
    let given = 0;
    for (const s of shares) {
      const n = Math.min(room(s.r), Math.floor(s.exact));
      out[s.r] += n;
      given += n;
    }
    for (const s of shares.sort((a, b) => b.exact - Math.floor(b.exact) - (a.exact - Math.floor(a.exact)) || a.r.localeCompare(b.r))) {
      if (given >= left) break;
      if (room(s.r) > 0) {
        out[s.r]++;
        given++;
      }
    }
    left -= given;
  }
  return out;
}

/** The sample: `results` are the corpus script's per-folder results (with their JSON reports). */
export async function sampleFindings(results, size, seed) {
  const all = [];
  for (const r of results) for (const f of r.report?.findings ?? []) all.push({ folder: r.folder, path: r.path, finding: f });
  const byRule = new Map();
  for (const x of all) {
    if (!byRule.has(x.finding.rule)) byRule.set(x.finding.rule, []);
    byRule.get(x.finding.rule).push(x);
  }
  const counts = Object.fromEntries([...byRule].map(([r, list]) => [r, list.length]));
  const quota = allocate(counts, size);
  const next = random(seed);
  const picked = [];
  for (const rule of Object.keys(quota).sort()) {
    const list = [...byRule.get(rule)];
    // Partial Fisher-Yates: the first `quota` entries are the draw.
    for (let i = 0; i < quota[rule]; i++) {
      const j = i + Math.floor(next() * (list.length - i));
      [list[i], list[j]] = [list[j], list[i]];
      picked.push({ ...list[i], population: list.length });
    }
  }
  const histories = new Map();
  const { loadParser } = await loadApi();
  await loadParser();
  const entries = [];
  for (const x of picked) {
    if (!histories.has(x.path)) histories.set(x.path, await historyOf(x.path));
    entries.push(await describe(x, histories.get(x.path)));
  }
  return { seed, size, counts, quota, entries };
}

/** The folder's migrations in journal order, with their texts, parsed on demand. */
async function historyOf(folder) {
  const { lint } = await loadApi();
  const { project } = await lint({ paths: [folder], cwd: ROOT, rules: {}, env: {} });
  return project.migrations.map((m) => {
    let text = '';
    try {
      text = readFileSync(m.path, 'utf8');
    } catch {
      // a missing file is a journal-files finding of its own
    }
    return { tag: m.tag, path: m.path, when: m.when, text };
  });
}

async function describe(x, history) {
  const { parseMigration } = await loadApi();
  const f = x.finding;
  const at = history.findIndex((m) => resolve(ROOT, f.file) === m.path || m.tag === f.migration);
  const migration = history[at];
  const entry = {
    rule: f.rule,
    severity: f.severity,
    folder: x.folder,
    file: f.file.startsWith('/') ? `${x.folder}/${basename(f.file)}` : f.file,
    line: f.line,
    migration: f.migration,
    when: migration?.when ? new Date(migration.when).toISOString().slice(0, 10) : undefined,
    message: f.message,
    help: f.help ?? null,
    statement: f.statement ?? null,
    before: [],
    after: [],
    tables: [],
    ofRule: x.population,
    verdict: '',
  };
  if (!migration?.text) return entry;
  const statements = parseMigration({ tag: migration.tag, file: migration.path, text: migration.text }).statements.filter((s) => s.origin === 'top-level');
  const i = statements.findIndex((s) => s.location.line <= f.line && s.location.endLine >= f.line);
  if (i >= 0) {
    entry.before = statements.slice(Math.max(0, i - 2), i).map(brief);
    entry.after = statements.slice(i + 1, i + 3).map(brief);
    entry.tables = tablesOf(statements[i].ast).map((t) => tableHistory(t, history, at));
  }
  return entry;
}

function brief(s) {
  return { line: s.location.line, sql: clip(s.sql, 3) };
}

function clip(sql, lines) {
  const all = sql.split('\n');
  const kept = all.slice(0, lines).map((l) => (l.length > 160 ? `${l.slice(0, 157)}…` : l));
  return all.length > lines ? [...kept, `… (${all.length - lines} more lines)`].join('\n') : kept.join('\n');
}

/** The tables a statement names (RangeVar nodes: the statement's own `relation` is one unwrapped), without duplicates. */
function tablesOf(ast) {
  const found = new Set();
  const visit = (node) => {
    if (!node || typeof node !== 'object') return;
    if (Array.isArray(node)) return node.forEach(visit);
    if (typeof node.relname === 'string') found.add(node.relname);
    for (const v of Object.values(node)) visit(v);
  };
  visit(ast);
  return [...found].slice(0, 4);
}

/** Where the table was created (and how long before this migration), and the last migrations that named it. */
function tableHistory(table, history, at) {
  const quoted = `"${table}"`;
  const create = new RegExp(`CREATE\\s+TABLE\\s+(?:IF\\s+NOT\\s+EXISTS\\s+)?(?:"?\\w+"?\\.)?"?${table.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}"?[\\s(]`, 'i');
  let created;
  const touched = [];
  for (let i = 0; i <= Math.min(at, history.length - 1); i++) {
    const m = history[i];
    if (created === undefined && create.test(m.text)) created = i;
    else if (i < at && (m.text.includes(quoted) || new RegExp(`\\b${table}\\b`).test(m.text))) touched.push(i);
  }
  const here = history[at];
  const age = created !== undefined && history[created].when && here?.when ? Math.round((here.when - history[created].when) / DAY) : undefined;
  return {
    table,
    created: created === undefined ? null : { migration: history[created].tag, when: history[created].when ? new Date(history[created].when).toISOString().slice(0, 10) : null, daysBefore: age ?? null, migrationsBefore: at - created },
    touchedBefore: touched.length,
    lastTouched: touched.slice(-3).map((i) => history[i].tag),
  };
}

/**
 * Corpus text is untrusted: control characters (C0 but tab and newline, DEL, C1) are shown as
 * \u{…}, and no line may start with `::` (a GitHub Actions command).
 */
function safe(text) {
  // eslint-disable-next-line no-control-regex
  return String(text).replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, (c) => `\\u{${c.charCodeAt(0).toString(16)}}`);
}

/** The sample as text: one block per finding, grouped by rule. */
export function formatSample(sample) {
  const out = [`sample: ${sample.entries.length} findings, seed ${sample.seed}, stratified by rule (count in the corpus → sampled)`];
  for (const rule of Object.keys(sample.quota)) out.push(`  ${rule}: ${sample.counts[rule]} → ${sample.quota[rule]}`);
  sample.entries.forEach((e, n) => {
    out.push('', `── ${n + 1}/${sample.entries.length}  ${e.rule} (${e.severity})  ${e.file}:${e.line}  [${e.migration}${e.when ? `, ${e.when}` : ''}]`);
    for (const t of e.tables) {
      const c = t.created ? `created in ${t.created.migration}${t.created.when ? ` (${t.created.when}` : ''}${t.created.daysBefore !== null ? `, ${t.created.daysBefore} days and ${t.created.migrationsBefore} migrations before` : ''}${t.created.when ? ')' : ''}` : 'created by no migration of this folder';
      out.push(`   table "${t.table}": ${c}; named by ${t.touchedBefore} earlier migrations${t.lastTouched.length ? ` (last: ${t.lastTouched.join(', ')})` : ''}`);
    }
    for (const b of e.before) out.push(indent(`${b.line}: ${b.sql}`, '   before '));
    if (e.statement) out.push(indent(clip(e.statement, 12), '   >> '));
    for (const a of e.after) out.push(indent(`${a.line}: ${a.sql}`, '   after  '));
    out.push(indent(e.message, '   message: '));
    if (e.help) out.push(indent(e.help, '   help: '));
  });
  return safe(out.join('\n')).replace(/^::/gm, ' ::') + '\n';
}

function indent(text, first) {
  const pad = ' '.repeat(first.length);
  return text
    .split('\n')
    .map((l, i) => (i === 0 ? first : pad) + l)
    .join('\n');
}

/** Write the sample next to corpus.json. */
export function writeSample(sample, dir) {
  writeFileSync(join(dir, 'sample.txt'), formatSample(sample));
  writeFileSync(join(dir, 'sample.json'), JSON.stringify(sample, null, 2) + '\n');
}
