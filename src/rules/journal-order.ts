import { defineRule } from '../engine/define-rule.js';
import { textEdit } from '../engine/fixes.js';
import type { Fix } from '../engine/types.js';
import type { HistoryFacts } from '../runner/history-facts.js';

const DAY = 24 * 60 * 60 * 1000;

function date(when: number): string {
  // Dates beyond ±8.64e15 ms (a hand-typed `when`) have no calendar form: show the number.
  const date = new Date(when);
  return Number.isFinite(date.getTime()) ? date.toISOString().replace('.000Z', 'Z') : String(when);
}

/**
 * drizzle's migrate() reads the newest `created_at` once and applies only journal entries whose
 * `when` is greater: an entry whose `when` is not above every earlier entry's is skipped forever on
 * every database that already recorded the later one, and migrate() still reports success.
 */
export default defineRule({
  id: 'journal-order',
  meta: {
    description: 'Journal entries whose `when` is not later than an earlier entry (or than the newest entry at the git base): the migrator skips them silently.',
    category: 'integrity',
    defaultSeverity: 'error',
    messages: {
      backwards:
        'Journal entry {tag} has `when` {when} ({date}), not later than {previous} ({previousDate}) before it: drizzle\'s migrate() applies only entries newer than the newest one a database has recorded, so every database that already applied {previous} skips {tag} forever, and migrate() still reports success.',
      olderThanBase:
        'New journal entry {tag} has `when` {when} ({date}), older than {baseTag} ({baseDate}), the newest entry at {ref}: every database deployed from {ref} has recorded {baseTag}, so drizzle\'s migrate() skips {tag} there forever and still reports success.',
      future:
        'Journal entry {tag} has `when` {when} ({date}), in the future: once a database applies it, drizzle\'s migrate() skips every migration generated before {date} on that database.',
    },
    help: {
      backwards:
        'If {tag} has not been applied anywhere, delete {tag}.sql, its snapshot and its journal entry, and regenerate it on top of the current history (`drizzle-kit generate`). Otherwise set its `when` above {maxWhen} (e.g. {suggest}) and move the entry to the end of the journal: databases that skipped it will run it; a database that already applied it would run it again, so make its SQL idempotent first.',
      olderThanBase:
        'Rebase on {ref}, delete {tag}.sql, its snapshot and its journal entry, and run `drizzle-kit generate` again so it is generated after {baseTag}; or set its `when` to a value above {baseWhen} (e.g. {suggest}) and place it after {baseTag} in the journal. It was never deployed from {ref}, so re-stamping is safe there; a database that applied it from this branch would run it again.',
      future:
        'Set its `when` to the time it was generated (drizzle-kit writes `Date.now()`), e.g. {suggest}; a database that already applied it keeps the future high-water mark: there, record the later migrations by hand or wait until {date}.',
    },
  },
  checkHistory({ folder, report }) {
    const facts = folder.integrity as HistoryFacts | undefined;
    const journal = facts?.journal;
    if (!journal) return;
    const now = Date.now();
    const base = facts.base?.journal;
    const baseTags = new Set(base?.entries.map((e) => e.tag) ?? []);
    let baseMax: { tag: string; when: number } | undefined;
    for (const e of base?.entries ?? []) if (Number.isFinite(e.when) && (!baseMax || e.when > baseMax.when)) baseMax = e;
    let max: { tag: string; when: number } | undefined;
    const suggest = (above: number) => String(Math.max(now, above + 1));
    for (const entry of journal.entries) {
      const where = { file: journal.file, line: entry.line, migration: entry.tag };
      if (base && baseMax && !baseTags.has(entry.tag) && entry.when <= baseMax.when) {
        report({
          messageId: 'olderThanBase',
          data: { tag: entry.tag, when: entry.when, date: date(entry.when), baseTag: baseMax.tag, baseWhen: baseMax.when, baseDate: date(baseMax.when), ref: facts.base!.ref, suggest: suggest(baseMax.when) },
          ...where,
          ...restamp(journal, entry, Math.max(baseMax.when, max?.when ?? -Infinity), baseMax.tag),
        });
      } else if (max && entry.when <= max.when) {
        report({
          messageId: 'backwards',
          data: { tag: entry.tag, when: entry.when, date: date(entry.when), previous: max.tag, previousWhen: max.when, previousDate: date(max.when), maxWhen: max.when, suggest: suggest(max.when) },
          ...where,
          ...restamp(journal, entry, max.when, max.tag),
        });
      } else if (entry.when > now + DAY) {
        report({ messageId: 'future', data: { tag: entry.tag, when: entry.when, date: date(entry.when), suggest: String(now) }, ...where });
      }
      if (!max || entry.when > max.when) max = { tag: entry.tag, when: entry.when };
    }
  },
});

/**
 * The fix drizzle's docs leave to the user: the entry's `when` set just after the newest before
 * it (`above`), in place, so migrate() applies it where the newer entries are recorded. Only the
 * number changes (drizzle-kit's layout is kept); --fix applies it only when the entry's migration
 * was applied nowhere (it would run twice where it was).
 */
function restamp(journal: { file: string; text: string }, entry: { tag: string; line?: number }, above: number, newest: string): { fix?: Fix } {
  if (entry.line === undefined || !Number.isSafeInteger(above + 1)) return {};
  const { text } = journal;
  const lineStart = text.split('\n').slice(0, entry.line - 1).reduce((at, line) => at + line.length + 1, 0);
  // The entry's object: from its `{` to its `}` (entries hold no nested objects).
  const open = text.lastIndexOf('{', lineStart);
  const close = text.indexOf('}', lineStart);
  if (open < 0 || close < 0) return {};
  const when = /"when"\s*:\s*(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)/.exec(text.slice(open, close));
  if (!when) return {};
  const start = open + when.index + when[0].length - when[1].length;
  const value = String(above + 1);
  return { fix: { description: `Restamp ${entry.tag}: \`when\` ${value}, just after ${newest}, so migrate() applies it`, edits: [textEdit(journal.file, text, start, start + when[1].length, value)] } };
}
