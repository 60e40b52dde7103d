import { resolve } from 'node:path';
import { lint } from './lint.js';
import { ruleList } from '../rules/index.js';
import { resolveTarget, type Project } from './project.js';
import type { SchemaDifference } from '../schema/compare.js';
import { differencesFromSnapshot, snapshotState } from '../schema/snapshot-diff.js';
export { differencesFromSnapshot, snapshotState };
import type { SchemaState } from '../schema/model.js';

export interface AgreementReport {
  /** Migrations whose replayed state was compared with their snapshot. */
  compared: number;
  /** Migrations not compared (no snapshot, unreadable or unsupported snapshot). */
  skipped: { tag: string; reason: string }[];
  /** Every journal entry has a snapshot, ids are unique, and each prevId is the previous snapshot's id. */
  chainIntact: boolean;
  chainProblems: string[];
  /** Migrations whose replayed state differs from their snapshot (left = sql, right = snapshot). */
  disagreements: { tag: string; differences: SchemaDifference[] }[];
}

const ROOT_ID = '00000000-0000-0000-0000-000000000000';

/**
 * Replay every migration of a drizzle project and compare the schema after each one with the
 * snapshot drizzle-kit wrote for it. Differences are either real drift (hand-written SQL that
 * never reached the snapshot, snapshots edited by hand) or model bugs.
 */
export async function checkSnapshotAgreement(options: { cwd?: string; paths?: string[]; config?: string }): Promise<AgreementReport> {
  const cwd = resolve(options.cwd ?? process.cwd());
  const project = await resolveProject(options, cwd);
  const report: AgreementReport = { compared: 0, skipped: [], chainIntact: true, chainProblems: [], disagreements: [] };
  /** id / prevId of each snapshot read, by tag (each snapshot file is parsed once). */
  const heads = new Map<string, { id?: string; prevId?: string; prevIds?: string[] }>();

  await lint({
    cwd,
    ...(options.paths ? { paths: options.paths } : {}),
    ...(options.config ? { config: options.config } : {}),
    // Rules are irrelevant here; only the replay matters.
    rules: Object.fromEntries(ruleList.map((r) => [r.id, 'off' as const])),
    afterMigration: (migration, state) => {
      const file = project.migrations[migration.position];
      if (!file || file.tag !== migration.tag) {
        report.skipped.push({ tag: migration.tag, reason: 'migration not found in the project listing' });
        return;
      }
      if (!file.snapshot) {
        report.skipped.push({ tag: migration.tag, reason: 'no snapshot' });
        return;
      }
      let snapshot: any;
      try {
        snapshot = JSON.parse(project.files.read(file.snapshot));
      } catch (error) {
        report.skipped.push({ tag: migration.tag, reason: `unreadable snapshot: ${(error as Error).message}` });
        return;
      }
      heads.set(migration.tag, { id: snapshot?.id, prevId: snapshot?.prevId, prevIds: snapshot?.prevIds });
      const compared = differencesFromSnapshot(state as SchemaState, snapshot);
      if ('reason' in compared) {
        report.skipped.push({ tag: migration.tag, reason: compared.reason });
        return;
      }
      report.compared++;
      if (compared.differences.length > 0) report.disagreements.push({ tag: migration.tag, differences: compared.differences });
    },
  });

  checkChain(project, heads, report);
  report.chainIntact = report.chainProblems.length === 0;
  return report;
}

function checkChain(project: Project, heads: Map<string, { id?: string; prevId?: string; prevIds?: string[] }>, report: AgreementReport): void {
  const problems = report.chainProblems;
  if (project.layout === 'files') {
    problems.push('no snapshots: loose SQL files');
    return;
  }
  const tags = project.journal ? project.journal.entries.map((e) => e.tag) : project.migrations.map((m) => m.tag);
  const byTag = new Map(project.migrations.map((m) => [m.tag, m]));
  const seen = new Map<string, string>();
  let previous: string | undefined = ROOT_ID;
  for (const tag of tags) {
    const file = byTag.get(tag);
    let head = heads.get(tag);
    if (!head && file?.snapshot) {
      try {
        const s = JSON.parse(project.files.read(file.snapshot));
        head = { id: s?.id, prevId: s?.prevId, prevIds: s?.prevIds };
      } catch {
        problems.push(`${tag}: unreadable snapshot`);
        previous = undefined;
        continue;
      }
    }
    if (!head) {
      problems.push(`${tag}: no snapshot`);
      previous = undefined;
      continue;
    }
    if (!head.id) problems.push(`${tag}: snapshot has no id`);
    else if (seen.has(head.id)) problems.push(`${tag}: snapshot id ${head.id} already used by ${seen.get(head.id)}`);
    else seen.set(head.id, tag);
    const parents = head.prevIds ?? (head.prevId !== undefined ? [head.prevId] : []);
    if (previous !== undefined && !parents.includes(previous)) {
      problems.push(`${tag}: prevId ${parents.join(', ') || '(none)'} is not the previous snapshot's id ${previous}`);
    }
    previous = head.id;
  }
}

/** The same project `lint()` resolves, to know each migration's snapshot. */
async function resolveProject(options: { paths?: string[]; config?: string }, cwd: string): Promise<Project> {
  const target = await resolveTarget(options, cwd);
  return target.load((path) => target.files.read(path));
}
