import { defineRule } from '../engine/define-rule.js';
import { BREAKPOINT } from '../engine/split.js';
import { sha256 } from '../engine/hash.js';
import type { HistoryFacts, MigrationFileFact } from '../runner/history-facts.js';

/**
 * drizzle's migrator stores sha256(file text) in `__drizzle_migrations` and never compares it:
 * editing an applied migration changes nothing on databases that ran it, while fresh databases
 * get the new SQL. The recorded hash comes from the git base, the lock file, or the database.
 */
export default defineRule({
  id: 'hash-drift',
  meta: {
    description: 'A migration changed after it was recorded (at the git base, in migration-lint.lock.json, or in __drizzle_migrations): databases that applied it keep the old SQL.',
    category: 'integrity',
    defaultSeverity: 'error',
    messages: {
      changed:
        '{tag}.sql changed after it was recorded ({source}): recorded sha256 {recorded}, now {current}. {changes}. drizzle\'s migrate() never re-runs or compares it, so databases that applied it keep the old SQL while new databases get the new one.',
      lineEndings:
        '{tag}.sql differs from the version recorded ({source}) only in {what}: recorded sha256 {recorded}, now {current}. The SQL is the same, but drizzle\'s stored hash no longer matches, and any tool that compares hashes reports it as edited.',
      lockProblem: '{file} cannot be read: {problem}.',
    },
    help: {
      changed:
        'Restore {tag}.sql to the recorded version (`{restore}`) and put the change in a new migration (`drizzle-kit generate`, or `drizzle-kit generate --custom` for hand-written SQL). If no database has applied it yet, record the new version instead: `migration-lint lock --force`.',
      lineEndings:
        'Restore the original bytes: {fix}. Usually git\'s `core.autocrlf=true` on Windows checked the file out with CRLF: add `*.sql text eol=lf` to .gitattributes (or `-text` to keep bytes exact), and save without a BOM.',
      lockProblem: 'Regenerate it with `migration-lint lock --force` from a revision where the migrations are known to be deployed unchanged.',
    },
  },
  checkHistory({ folder, history, report }) {
    const facts = folder.integrity as HistoryFacts | undefined;
    if (!facts) return;
    const journal = facts.journal;
    const when = new Map(journal?.entries.map((e) => [e.tag, e.when]) ?? history.map((m) => [m.tag, m.when]));
    const reported = new Set<string>();
    const check = (file: MigrationFileFact, recorded: string, source: string, restore: string, baseText?: string) => {
      if (recorded === file.hash || reported.has(file.tag)) return;
      reported.add(file.tag);
      const data = { tag: file.tag, source, recorded, current: file.hash };
      const lineOnly = baseText !== undefined ? normalize(baseText) === normalize(file.text) : sha256(normalize(file.text)) === recorded || sha256(withCrlf(normalize(file.text))) === recorded;
      if (lineOnly) {
        const what = describeLineEndings(file, baseText);
        report({ messageId: 'lineEndings', data: { ...data, what, fix: fixFor(file, baseText) }, file: file.file, migration: file.tag });
      } else {
        report({ messageId: 'changed', data: { ...data, changes: baseText !== undefined ? statementDiff(baseText, file.text) : 'The old text is not available from this source, only its hash', restore }, file: file.file, migration: file.tag });
      }
    };

    // 1. git base: files that exist at the base and differ now.
    if (facts.base) {
      for (const file of facts.files.values()) {
        const changed = facts.base.changedByPath.get(file.path);
        if (changed === undefined) continue;
        const { rel, text: baseText } = changed;
        check(file, sha256(baseText), `at git ${facts.base.ref}`, `git checkout ${facts.base.commit.slice(0, 12)} -- ${rel}`, baseText);
      }
    }
    // 2. lock file.
    if (facts.lock) {
      if (facts.lock.problem) report({ messageId: 'lockProblem', data: { file: facts.lock.file, problem: facts.lock.problem }, file: facts.lock.file, migration: facts.lock.file });
      for (const [tag, recorded] of Object.entries(facts.lock.migrations)) {
        const file = facts.files.get(tag);
        if (file) check(file, recorded, `in ${facts.lock.file}`, 'git log -p -- ' + file.file);
      }
    }
    // 3. database rows, matched by created_at = journal `when`.
    if (facts.database) {
      const byCreated = new Map(facts.database.rows.map((r) => [r.createdAt, r]));
      for (const file of facts.files.values()) {
        const w = when.get(file.tag);
        const row = w === undefined ? undefined : byCreated.get(w);
        if (row) check(file, row.hash, `in ${facts.database.table} row ${row.id} of ${facts.database.url}`, 'git log -p -- ' + file.file);
      }
    }
  },
});

function normalize(text: string): string {
  return (text.charCodeAt(0) === 0xfeff ? text.slice(1) : text).replace(/\r\n/g, '\n');
}

function withCrlf(text: string): string {
  return text.replace(/\n/g, '\r\n');
}

function describeLineEndings(file: MigrationFileFact, baseText?: string): string {
  const parts: string[] = [];
  const baseCrlf = baseText?.includes('\r\n');
  const baseBom = baseText?.charCodeAt(0) === 0xfeff;
  if (file.crlf !== (baseCrlf ?? !file.crlf)) parts.push(file.crlf ? 'line endings (the file now has CRLF, the recorded one LF)' : 'line endings (the file now has LF, the recorded one CRLF)');
  if (baseText !== undefined ? file.bom !== baseBom : file.bom) parts.push(file.bom ? 'a byte-order mark (BOM) at the start of the file' : 'a byte-order mark the recorded file had');
  return parts.join(' and ') || 'line endings or a byte-order mark';
}

function fixFor(file: MigrationFileFact, baseText?: string): string {
  const toLf = baseText !== undefined ? !baseText.includes('\r\n') : file.crlf;
  return [toLf && file.crlf ? `convert ${file.file} to LF (\`dos2unix ${file.file}\`)` : '', file.bom ? 'remove the BOM' : ''].filter(Boolean).join(' and ') || `check out ${file.file} again with the recorded line endings`;
}

/**
 * Which statements (chunks) were added, removed or changed, in a few words. Statements are
 * compared by the SQL they run: comments and spacing are not a change of a statement, and an
 * edit that touches only them says so.
 */
export function statementDiff(before: string, after: string): string {
  const chunks = (t: string) => normalize(t).split(BREAKPOINT).map((text) => ({ text: text.trim(), sql: sqlOf(text) })).filter((c) => c.sql !== '');
  const a = chunks(before);
  const b = chunks(after);
  const short = (s: string) => JSON.stringify(s.replace(/\s+/g, ' ').slice(0, 80) + (s.length > 80 ? '…' : ''));
  const removed = a.filter((x) => !b.some((y) => y.sql === x.sql));
  const added = b.filter((y) => !a.some((x) => x.sql === y.sql));
  const changed: string[] = [];
  // A removed and an added statement at the same position is one changed statement.
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    if (a[i].sql !== b[i].sql && removed.includes(a[i]) && added.includes(b[i])) {
      changed.push(`${short(a[i].text)} → ${short(b[i].text)}`);
      removed.splice(removed.indexOf(a[i]), 1);
      added.splice(added.indexOf(b[i]), 1);
    }
  }
  const parts = [
    ...(changed.length ? [`changed ${changed.length}: ${changed.slice(0, 3).join('; ')}`] : []),
    ...(added.length ? [`added ${added.length}: ${added.slice(0, 3).map((c) => short(c.text)).join('; ')}`] : []),
    ...(removed.length ? [`removed ${removed.length}: ${removed.slice(0, 3).map((c) => short(c.text)).join('; ')}`] : []),
  ];
  return parts.length ? `Statements ${parts.join('; ')}` : 'Only comments or whitespace changed: the SQL it runs is the same, but the hash differs';
}

/**
 * A chunk's SQL without comments, its spacing collapsed: what PostgreSQL runs. Strings, quoted
 * names and dollar-quoted bodies are kept exactly (a `--` or a run of spaces in them is data).
 */
export function sqlOf(chunk: string): string {
  let out = '';
  let i = 0;
  const n = chunk.length;
  while (i < n) {
    const c = chunk[i];
    if (c === '-' && chunk[i + 1] === '-') {
      const end = chunk.indexOf('\n', i);
      i = end === -1 ? n : end;
      out = spaced(out);
    } else if (c === '/' && chunk[i + 1] === '*') {
      let depth = 1;
      i += 2;
      while (i < n && depth > 0) {
        if (chunk[i] === '/' && chunk[i + 1] === '*') (depth++, (i += 2));
        else if (chunk[i] === '*' && chunk[i + 1] === '/') (depth--, (i += 2));
        else i++;
      }
      out = spaced(out);
    } else if (c === "'" || c === '"') {
      const escapes = c === "'" && /[eE]/.test(chunk[i - 1] ?? '') && !/[A-Za-z0-9_]/.test(chunk[i - 2] ?? '');
      let j = i + 1;
      while (j < n && chunk[j] !== c) j += escapes && chunk[j] === '\\' ? 2 : 1;
      // A doubled quote continues the literal.
      while (chunk[j + 1] === c) {
        j += 2;
        while (j < n && chunk[j] !== c) j += escapes && chunk[j] === '\\' ? 2 : 1;
      }
      out += chunk.slice(i, j + 1);
      i = j + 1;
    } else if (c === '$' && !/[A-Za-z0-9_]/.test(chunk[i - 1] ?? '') && /^\$(?:[A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*)?\$/.test(chunk.slice(i, i + 64))) {
      const tag = /^\$(?:[A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*)?\$/.exec(chunk.slice(i, i + 64))![0];
      const close = chunk.indexOf(tag, i + tag.length);
      const end = close === -1 ? n : close + tag.length;
      out += chunk.slice(i, end);
      i = end;
    } else {
      out = /\s/.test(c) ? spaced(out) : out + c;
      i++;
    }
  }
  return out.trim();
}

/** One space where comments and spacing were (none twice). */
function spaced(out: string): string {
  return out === '' || out.endsWith(' ') ? out : `${out} `;
}
