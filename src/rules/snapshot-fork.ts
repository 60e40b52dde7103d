import { defineRule } from '../engine/define-rule.js';
import { ROOT_SNAPSHOT_ID } from '../engine/hash.js';
import type { HistoryFacts, SnapshotHeader } from '../runner/history-facts.js';
import { fromSnapshot } from '../schema/snapshot.js';
import { compareSchemas } from '../schema/compare.js';

/**
 * drizzle-kit chains snapshots by `prevId`. Two branches that each ran `generate` from the same
 * parent and were merged leave two children of one parent: `generate` then aborts ("collision",
 * exit code 0) and, once "fixed" by hand, diffs against one branch's snapshot only.
 */
export default defineRule({
  id: 'snapshot-fork',
  meta: {
    description: 'Snapshots whose prevId matches no snapshot, two snapshots with the same parent (branches merged), duplicate ids, and a snapshot chain whose order differs from the journal.',
    category: 'integrity',
    defaultSeverity: 'error',
    messages: {
      fork: '{first} and {second} both have prevId {prevId} ({parent}): two branches generated from one parent and merged. `drizzle-kit generate` aborts with "… is a collision" (exit code 0) and `drizzle-kit check` fails; {latest}, the snapshot it diffs against, lacks what {other} recorded: {lacks}.',
      dangling: '{file} has prevId {prevId}, which is the id of no snapshot in meta/: the snapshot it was generated after is missing or was regenerated. drizzle-kit reads prevId only to find two snapshots with one parent, so nothing fails, but the chain no longer shows what this snapshot was generated on top of (snapshot-drift compares what it records).',
      duplicateId: '{file} has the same id {id} as {other}: a copied snapshot; drizzle-kit treats the two as one node and the chain breaks.',
      order: '{file} (journal entry {tag}) has prevId {prevId}, but the snapshot of the journal entry before it ({previousTag}) is {previousId}: the snapshot chain and the journal are in different orders.',
    },
    help: {
      fork: 'Keep the branch that is deployed: delete the other branch\'s migrations (their .sql, snapshot and journal entries), then run `drizzle-kit generate` on the merged schema: it writes one migration with the other branch\'s changes on top of {latest}.',
      dangling: 'Restore the missing parent snapshot from version control, or set prevId to the id of the snapshot of the journal entry before it.',
      duplicateId: 'Delete the copy if it belongs to no journal entry; otherwise regenerate the later migration so it gets its own snapshot.',
      order: 'Put the journal entries in the order the snapshots were generated, or regenerate the later migration on top of the current history.',
    },
  },
  checkHistory({ folder, settings, report }) {
    const facts = folder.integrity as HistoryFacts | undefined;
    if (!facts || facts.snapshots.length === 0 || facts.snapshots.some((s) => s.prevIds)) return; // 1.0 snapshots form a DAG by design
    const snaps = facts.snapshots;
    const byId = new Map<string, SnapshotHeader>();
    const reportedIds = new Set<string>();
    const where = (s: SnapshotHeader) => ({ file: s.file, migration: tagOfSnapshot(facts, s) ?? s.name });
    for (const s of snaps) {
      if (!s.id) continue;
      const other = byId.get(s.id);
      if (other) {
        reportedIds.add(s.id);
        report({ messageId: 'duplicateId', data: { file: s.file, id: s.id, other: other.file }, ...where(s) });
      } else byId.set(s.id, s);
    }
    const children = new Map<string, SnapshotHeader[]>();
    for (const s of snaps) {
      if (s.prevId === undefined || (s.id && reportedIds.has(s.id))) continue;
      children.set(s.prevId, [...(children.get(s.prevId) ?? []), s]);
      if (s.prevId !== ROOT_SNAPSHOT_ID && s.prevId !== '' && !byId.has(s.prevId) && !journalExplains(s)) report({ messageId: 'dangling', data: { file: s.file, prevId: s.prevId }, ...where(s), severity: 'warn' });
    }
    const latest = snaps[snaps.length - 1];
    /**
     * One root cause, one finding: a parent missing because the journal entry before lost its
     * snapshot (an idx gap: the entry was removed with it; or the entry has none) is journal-files'
     * finding, not a second one here.
     */
    function journalExplains(s: SnapshotHeader): boolean {
      const entries = facts!.journal?.entries;
      if (!entries || settings.rules['journal-files'] === 'off') return false;
      const at = entries.findIndex((e) => e.tag.split('_')[0] === s.prefix);
      if (at <= 0) return false;
      const before = entries[at - 1];
      return entries[at].idx > before.idx + 1 || (facts!.files.has(before.tag) && !snaps.some((x) => x.prefix === before.tag.split('_')[0]));
    }
    const forked = new Set<string>();
    for (const [prevId, kids] of children) {
      if (kids.length < 2) continue;
      for (const k of kids) forked.add(k.name);
      const [first, second] = kids;
      const parent = byId.get(prevId)?.name ?? (prevId === ROOT_SNAPSHOT_ID ? 'the empty root' : 'a missing snapshot');
      // Which branch holds the snapshot generate diffs against; the tip of the other one.
      const tipOf = (s: SnapshotHeader) => {
        let tip = s;
        for (let guard = 0; guard < snaps.length; guard++) {
          const next = tip.id ? children.get(tip.id) : undefined;
          if (!next || next.length !== 1) break;
          tip = next[0];
        }
        return tip;
      };
      const tips = kids.map(tipOf);
      const otherTip = tips.find((t) => t.name !== latest.name) ?? tips[0];
      report({
        messageId: 'fork',
        data: { first: first.file, second: second.file, prevId, parent, latest: latest.file, other: otherTip.file, lacks: lacking(facts, latest, otherTip) },
        ...where(second),
      });
    }
    // Chain order = journal order (only where no fork or dangling parent explains it).
    const journal = facts.journal;
    if (!journal) return;
    const byPrefix = new Map(snaps.map((s) => [s.prefix, s]));
    let previous: { tag: string; snap: SnapshotHeader } | undefined;
    for (const e of journal.entries) {
      const snap = byPrefix.get(e.tag.split('_')[0]);
      if (!snap) continue;
      if (previous && previous.snap.id && snap.prevId !== undefined && snap.prevId !== previous.snap.id && byId.has(snap.prevId) && !forked.has(snap.name) && !forked.has(previous.snap.name) && snap !== previous.snap) {
        report({ messageId: 'order', data: { file: snap.file, tag: e.tag, prevId: snap.prevId, previousTag: previous.tag, previousId: previous.snap.id }, file: snap.file, migration: e.tag });
      }
      previous = { tag: e.tag, snap };
    }
  },
});

function tagOfSnapshot(facts: HistoryFacts, s: SnapshotHeader): string | undefined {
  return facts.journal?.entries.find((e) => e.tag.split('_')[0] === s.prefix)?.tag;
}

/** What `other` has that `latest` does not (objects only in it, or defined differently), in a few words. */
function lacking(facts: HistoryFacts, latest: SnapshotHeader, other: SnapshotHeader): string {
  if (latest.name === other.name) return 'nothing (it is the other branch\'s tip)';
  try {
    const a = fromSnapshot(facts.readSnapshot(latest.path));
    const b = fromSnapshot(facts.readSnapshot(other.path));
    const diffs = compareSchemas(a, b, { left: 'latest', right: 'other' }).filter((d) => d.detail !== 'only in latest');
    if (diffs.length === 0) return 'nothing';
    const shown = diffs.slice(0, 5).map((d) => (d.detail === 'only in other' ? `${d.object} ${d.name}` : `${d.object} ${d.name} (${d.detail})`));
    return `${shown.join('; ')}${diffs.length > 5 ? `; and ${diffs.length - 5} more` : ''}`;
  } catch {
    return 'its changes (the snapshots could not be compared)';
  }
}
