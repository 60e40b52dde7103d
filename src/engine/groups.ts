import type { Finding, ReportDescriptor, Rule, Severity } from './types.js';

/**
 * One root cause, one finding. A migration that builds 90 indexes on existing tables is one
 * decision (the migration runs inside migrate()'s transaction, on tables that hold rows), and a
 * reviewer reads it best as one item listing them, not 90 annotations. Rules say which reports
 * belong together (`ReportDescriptor.group`); the engine merges each group of a migration once
 * its findings are final: after young tables are left out and suppression comments applied, so
 * each statement is still judged on its own.
 */

/** A report that asked to be grouped, as the engine keeps it until the migration is done. */
export interface GroupedReport {
  rule: Rule;
  /** The configured severity of the rule. */
  severity: Severity;
  /** What the merge reads of a statement or history rule's report. */
  descriptor: Pick<ReportDescriptor, 'data' | 'group'>;
}

type Describe = (rule: Rule, severity: Severity, d: { messageId: string; data?: Record<string, string | number>; help?: string; severity?: Severity }, lists: Record<string, string[]>) => Pick<Finding, 'rule' | 'messageId' | 'severity' | 'message' | 'help'>;

/** The findings with each group of two or more merged into its first member, in place of it. */
export function mergeGroups(findings: Finding[], grouped: ReadonlyMap<Finding, GroupedReport>, describe: Describe): Finding[] {
  if (grouped.size === 0) return findings;
  const members = new Map<string, Finding[]>();
  const keyOf = (f: Finding, g: GroupedReport) => `${f.rule}\0${g.descriptor.group!.key}`;
  for (const f of findings) {
    const g = grouped.get(f);
    if (!g) continue;
    const k = keyOf(f, g);
    const list = members.get(k);
    if (list) list.push(f);
    else members.set(k, [f]);
  }
  const out: Finding[] = [];
  for (const f of findings) {
    const g = grouped.get(f);
    const list = g ? members.get(keyOf(f, g))! : undefined;
    if (!g || !list || list.length === 1) out.push(f);
    else if (list[0] === f) out.push(merged(list, grouped, describe));
  }
  return out;
}

function merged(list: Finding[], grouped: ReadonlyMap<Finding, GroupedReport>, describe: Describe): Finding {
  const reports = list.map((f) => grouped.get(f)!);
  const first = reports[0];
  const group = first.descriptor.group!;
  const lists: Record<string, string[]> = {};
  for (const r of reports) {
    for (const [name, value] of Object.entries(r.descriptor.data ?? {})) {
      const text = String(value);
      if (text === '') continue;
      const values = (lists[name] ??= []);
      if (!values.includes(text)) values.push(text);
    }
  }
  const data = { ...first.descriptor.data, count: list.length, items: reports.map((r) => r.descriptor.group!.item).join(', ') };
  // Lowered to a warning only when every member was.
  const severity = list.every((f) => f.severity === 'warn') ? 'warn' : undefined;
  const words = describe(first.rule, first.severity, { messageId: group.messageId, data, ...(group.help !== undefined ? { help: group.help } : {}), ...(severity ? { severity } : {}) }, lists);
  const head = list[0];
  return {
    ...head,
    ...words,
    related: list.slice(1).map((f, i) => ({ file: f.file, line: f.line, column: f.column, endLine: f.endLine, endColumn: f.endColumn, message: reports[i + 1].descriptor.group!.item })),
  };
}
