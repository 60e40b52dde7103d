import { applyStatement } from '../schema/replay.js';
import { emptyState, key, keyLabel, type SchemaState } from '../schema/model.js';
import { ENUM_EFFECT_KINDS, type Effect } from '../schema/effects.js';
import type {
  FolderFacts,
  Finding,
  HistoryContext,
  SchemaSourceFacts,
  AppSourceFacts,
  LintSettings,
  MigrationInfo,
  ParsedMigration,
  ReportDescriptor,
  Rule,
  Severity,
  SeveritySetting,
  Skip,
  Statement,
} from './types.js';
import type { Location } from './source.js';
import { applyDirectives, readDirectives, type Directive } from './suppressions.js';
import { transactionAfter } from './transactions.js';
import { DEFAULT_RECENT_TABLE_DAYS, TableAges, type TableBirth } from './table-age.js';
import { didYouMean } from './did-you-mean.js';
import { FixResolver } from './fixes.js';
import { mergeGroups, type GroupedReport } from './groups.js';

export interface EngineInput {
  /** The whole history, in the order the migrator applies it. */
  migrations: readonly ParsedMigration[];
  rules: readonly Rule[];
  settings: LintSettings;
  /** Which migrations findings are reported for (default: all). The others are context only. */
  isSelected?: (migration: ParsedMigration, position: number) => boolean;
  /**
   * The selected migrations are a change under review (`--since`, `--staged`), not the whole
   * history: the tables they create are young for the rest of it (see `isRecentTable`).
   */
  underReview?: boolean;
  /** Receives each finding the engine left out, with the reason (`--explain-skips`). */
  onSkip?: (skip: Skip) => void;
  /** Schema before the first replayed migration (default: an empty database). */
  initialState?: SchemaState;
  /**
   * Position of the first migration replayed (default 0). The ones before it are context only:
   * `initialState` is the schema after them (their snapshot), their statements (when given, for
   * the history analyses: view queries, COMMITs) are neither applied nor checked.
   */
  replayFrom?: number;
  /**
   * Tables born in the context migrations before `replayFrom` (their births, as replaying them
   * would have found): context-plan.ts finds them in the young-table window without replaying it.
   */
  tableBirths?: readonly TableBirth[];
  /** Folder facts for the history rules (journal problems…). */
  folder?: FolderFacts;
  /** What the drizzle schema source declares and exports (enum-not-exported). */
  schemaSource?: SchemaSourceFacts;
  /** How the app applies its migrations: migrate() calls, drizzle-kit commands (the deploy-path rules). */
  appSource?: AppSourceFacts;
  /**
   * Parse migration `position` when the engine reaches it (`migrations` then hold placeholders
   * with no statements). The engine lets go of each migration once it is done with it, all but
   * its transaction statements and enum effects (see releaseFinished), so memory does not grow
   * with the length of the history: rules read the current migration in full, earlier ones only
   * for enum values.
   */
  load?: (position: number) => ParsedMigration;
  /** Called after each migration with the replayed state (snapshot comparison, tests). */
  afterMigration?: (migration: MigrationInfo, state: Readonly<SchemaState>) => void;
  /**
   * Receives the findings as they become final, in pieces: first those on files that are not
   * migrations (the journal, snapshots, the schema source), then each migration's, in history
   * order, once it is checked (suppression comments applied). Then the output holds no findings,
   * and memory does not grow with them: a long history's report can be written as it is made.
   */
  onFindings?: (findings: Finding[]) => void;
  /**
   * Profiling (MIGRATION_LINT_TIMINGS=1): called with the milliseconds of each rule call (by rule
   * id), of each statement's replay ('(replay)') and of each migration's parse ('(parse)').
   */
  time?: (what: string, ms: number) => void;
}

export interface EngineOutput {
  /** Every finding (none when `onFindings` took them). */
  findings: Finding[];
  state: SchemaState;
}

/** Built-in pseudo-rule ids the engine itself reports under. */
export const PARSE_ERROR = 'parse-error';
export const RULE_CRASH = 'internal-error';

/**
 * The pure engine: replays every statement into the schema model and runs the rules with the
 * shared analysis (state before each statement, objects created in this migration, transaction
 * state, journal position). No file system, no console.
 */
export function runEngine(input: EngineInput): EngineOutput {
  const state = input.initialState ?? emptyState();
  const collected: Finding[] = [];
  const emit = (batch: Finding[]) => {
    if (batch.length === 0) return;
    if (input.onFindings) input.onFindings(batch);
    else for (const f of batch) collected.push(f);
  };
  // Once per rule, not per migration × rule (a lookup in the settings each time was ~5 ms of the corpus).
  const settingOf = (rule: Rule): SeveritySetting => input.settings.rules[rule.id] ?? rule.meta.defaultSeverity;
  const severities = new Map<Rule, SeveritySetting>(input.rules.map((rule) => [rule, settingOf(rule)]));
  const severityOf = (rule: Rule): SeveritySetting => severities.get(rule) ?? settingOf(rule);
  const active = input.rules.filter((r) => severityOf(r) !== 'off');
  const statementRules = active.filter((r) => r.check);
  const migrationRules = active.filter((r) => r.checkMigration);
  const parseErrorRule = input.rules.find((r) => r.id === PARSE_ERROR);
  const time = input.time;
  const suppress = suppressor(input.rules, severityOf);
  const ages = new TableAges(input.settings.recentTableDays ?? DEFAULT_RECENT_TABLE_DAYS, input.underReview === true);
  if (input.tableBirths) ages.adopt(input.tableBirths);

  const history: MigrationInfo[] = input.migrations.map((m, position) => ({
    tag: m.tag,
    file: m.file,
    position,
    idx: m.idx,
    when: m.when,
    statements: m.statements,
    effects: [],
    selected: position >= (input.replayFrom ?? 0) && (input.isSelected ? input.isSelected(m, position) : true),
  }));

  const replayFrom = input.replayFrom ?? 0;
  const folder: FolderFacts = input.folder ?? { layout: 'files', problems: [] };

  // History rules read the folder facts and the history's tags, order and selection, never its
  // statements: they run first. Their findings on files that are not migrations are final; those
  // on a migration's file wait for it (its suppression comments may cover them). A file the
  // journal lists twice (journal-files reports it) is reported once, at its last entry.
  const lastEntry = new Map(history.map((m) => [m.file, m.position]));
  const waiting = new Map<string, Finding[]>();
  const others: Finding[] = [];
  for (const f of historyFindings(active, { folder, schemaSource: input.schemaSource, appSource: input.appSource, history, settings: input.settings }, severityOf, time)) {
    if (!lastEntry.has(f.file)) others.push(f);
    else waitFor(f.file, [f]);
  }
  emit(others);
  function waitFor(file: string, findings: Finding[]): void {
    const list = waiting.get(file);
    if (list) for (const f of findings) list.push(f);
    else waiting.set(file, findings);
  }
  /** A migration's findings, once final: out, unless its file comes again later in the history. */
  function done(migration: MigrationInfo, findings: Finding[]): void {
    if (lastEntry.get(migration.file) === migration.position) emit(findings);
    else waitFor(migration.file, findings);
  }

  // One context per statement rule for the whole run, pointed at each migration in turn and
  // updated in place before each call: rules are pure and keep nothing (the contract of
  // StatementContext), and a history of thousands of migrations times 30 rules would otherwise
  // allocate a context, its reporter and its closures per migration.
  const frame: MigrationFrame = { migration: history[0], findings: [], newTables: new Set(), emptiedTables: new Set(), skipped: [], grouped: new Map(), fixes: () => undefined as unknown as FixResolver };
  // Findings left out because their table is young: they still count as suppressed by a comment.
  const gate: Gate = (d, finding, covered) => {
    if (d.lockOn === undefined || frame.newTables.has(d.lockOn) || !ages.isYoung(d.lockOn)) return true;
    // Its words (message, help, fixes) only for --explain-skips: a long history leaves out thousands.
    if (!input.onSkip) {
      frame.skipped.push(covered());
      return false;
    }
    const f = finding();
    frame.skipped.push(f);
    input.onSkip({ rule: f.rule, file: f.file, line: f.line, column: f.column, migration: f.migration, message: f.message, reason: `${keyLabel(d.lockOn)} is young: ${ages.youth(d.lockOn)}` });
    return false;
  };
  const contexts = statementRules.map((rule) => {
    const context = {
      migration: frame.migration,
      history,
      settings: input.settings,
      folder,
      schemaSource: input.schemaSource,
      statement: undefined as unknown as Statement,
      schema: state,
      inTransaction: true,
      isNewTable: (k: string) => frame.newTables.has(k),
      isEmptyTable: (k: string) => frame.newTables.has(k) || frame.emptiedTables.has(k),
      isRecentTable: (k: string) => frame.newTables.has(k) || ages.isYoung(k),
      report: undefined as unknown as (d: ReportDescriptor) => void,
    };
    context.report = reporter(rule, severityOf(rule) as Severity, frame, () => context.statement, gate);
    return { rule, context };
  });
  const migrationReporters = migrationRules.map((rule) => reporter(rule, severityOf(rule) as Severity, frame, () => undefined, gate));

  for (const migration of history) {
    const effects: Effect[][] = [];
    (migration as { effects: readonly (readonly Effect[])[] }).effects = effects;
    const findings = waiting.get(migration.file) ?? [];
    waiting.delete(migration.file);
    ages.enter(migration);
    if (migration.position < replayFrom) {
      done(migration, findings);
      continue;
    }
    let parsed = input.migrations[migration.position];
    if (input.load) {
      const started = time ? performance.now() : 0;
      parsed = input.load(migration.position);
      if (time) time('(parse)', performance.now() - started);
      (migration as { statements: readonly Statement[] }).statements = parsed.statements;
    }
    if (migration.selected && parseErrorRule && severityOf(parseErrorRule) !== 'off') {
      for (const failure of parsed.parseFailures) {
        findings.push({
          ...described(parseErrorRule, severityOf(parseErrorRule) as Severity, { messageId: failure.kind ?? 'syntax', data: { message: failure.message } }),
          file: migration.file,
          // Where the parser stopped, to the end of the statement (or just that point when it
          // stopped past the statement's text, e.g. "at end of input" after a trailing comment).
          line: failure.at.line,
          column: failure.at.column,
          ...(failure.at.start <= failure.location.end
            ? { endLine: failure.location.endLine, endColumn: failure.location.endColumn }
            : { endLine: failure.at.endLine, endColumn: failure.at.endColumn }),
          migration: migration.tag,
          statement: failure.sql,
        });
      }
    }

    // Fix requests become edits of this migration's text (see fixes.ts), made when a rule asks.
    let resolver: FixResolver | undefined;
    const fixes = () => (resolver ??= new FixResolver(migration.file, parsed.text, migration.statements));
    // This migration's state, made where the reporters (made once per run) find it.
    frame.migration = migration;
    frame.findings = findings;
    frame.fixes = fixes;
    const newTables = (frame.newTables = new Set<string>());
    const emptiedTables = (frame.emptiedTables = new Set<string>());
    const skipped: Covered[] = (frame.skipped = []);
    // Reports of one root cause, merged once the migration's findings are final (groups.ts).
    const grouped = (frame.grouped = new Map<Finding, GroupedReport>());
    let inTransaction = true;
    const checked = migration.selected ? contexts : [];
    for (const { context } of checked) context.migration = migration;
    for (const statement of migration.statements) {
      inTransaction = transactionAfter(statement, inTransaction);
      for (const { rule, context } of checked) {
        context.statement = statement;
        context.inTransaction = inTransaction;
        const started = time ? performance.now() : 0;
        try {
          rule.check!(context);
        } catch (error) {
          findings.push(crashFinding(rule, error, migration, statement));
        }
        if (time) time(rule.id, performance.now() - started);
      }
      const started = time ? performance.now() : 0;
      const changed = applyStatement(state, statement.kind, statement.ast, statement.sql, statement.doBlock?.handles);
      trackNewTables(changed, newTables);
      trackEmptiedTables(statement, emptiedTables);
      ages.record(statement, changed);
      effects.push(changed);
      if (time) time('(replay)', performance.now() - started);
    }

    if (migration.selected) {
      for (let r = 0; r < migrationRules.length; r++) {
        const rule = migrationRules[r];
        const report = migrationReporters[r];
        guard(rule, migration, findings, time, () => rule.checkMigration!({ migration, history, settings: input.settings, folder, schemaSource: input.schemaSource, schema: state, report }));
      }
    }
    done(migration, migration.selected ? mergeGroups(suppress(findings, parsed, skipped), grouped, described) : findings);
    input.afterMigration?.(migration, state);
    if (input.load) releaseFinished(migration);
  }
  return { findings: collected, state };
}

/** The history rules' findings (called once per run, before the migrations are parsed). */
function historyFindings(rules: readonly Rule[], context: Omit<HistoryContext, 'report'>, severityOf: (rule: Rule) => SeveritySetting, time: EngineInput['time']): Finding[] {
  const findings: Finding[] = [];
  const grouped = new Map<Finding, GroupedReport>();
  for (const rule of rules.filter((r) => r.checkHistory)) {
    const severity = severityOf(rule) as Severity;
    guard(rule, undefined, findings, time, () =>
      rule.checkHistory!({
        ...context,
        report: (d) => {
          const line = d.line ?? 1;
          const column = d.column ?? 1;
          const finding: Finding = {
            ...described(rule, severity, d),
            file: d.file,
            line,
            column,
            endLine: line,
            endColumn: column,
            migration: d.migration || d.file,
            ...(d.fix ? { fix: d.fix } : {}),
            ...(d.suggestions?.length ? { suggestions: d.suggestions } : {}),
          };
          findings.push(finding);
          if (d.group) grouped.set(finding, { rule, severity, descriptor: d });
        },
      }),
    );
  }
  return mergeGroups(findings, grouped, described);
}

export const SUPPRESSION = 'suppression-comment';

/**
 * Drop a migration's findings covered by its `-- migration-lint-ignore` comments, and report the
 * comments that cannot be trusted (no reason, an unknown rule, nothing suppressed).
 */
function suppressor(rules: readonly Rule[], severityOf: (rule: Rule) => SeveritySetting): (findings: Finding[], migration: ParsedMigration, skipped: readonly Covered[]) => Finding[] {
  const meta = rules.find((r) => r.id === SUPPRESSION);
  const known = new Set(rules.map((r) => r.id));
  const isOn = (id: string) => {
    const rule = rules.find((r) => r.id === id);
    return rule !== undefined && severityOf(rule) !== 'off';
  };
  return (findings, migration, skipped) => {
    const directives = readDirectives(migration);
    // A comment written for a finding the engine now leaves out (a young table) is not unused:
    // it may sit in a migration already applied, which cannot be edited.
    applyDirectives([...skipped], directives);
    const kept = applyDirectives(findings, directives);
    if (!meta || severityOf(meta) === 'off') return kept;
    const severity = severityOf(meta) as Severity;
    const problem = (d: Directive, messageId: 'missingReason' | 'unknownRule' | 'unused', data: Record<string, string>, level: Severity = severity) =>
      kept.push({
        ...described(meta, severity, { messageId, data, severity: level }),
        file: d.file,
        line: d.line,
        column: d.column,
        endLine: d.line,
        endColumn: d.endColumn,
        migration: d.migration,
      });
    for (const d of directives) {
      if (!d.reason) {
        problem(d, 'missingReason', { rules: d.rules.join(', ') || '<rule>' });
        continue;
      }
      for (const rule of d.rules) {
        if (!known.has(rule)) problem(d, 'unknownRule', { rule, suggestion: didYouMean(rule, known) });
        else if (!d.used.has(rule) && isOn(rule)) problem(d, 'unused', { rule, scope: d.scope === 'file' ? 'the file' : 'the next statement' }, 'warn');
      }
    }
    return kept;
  };
}

/**
 * All that is read of a finished migration later is what the pending-enum-value analysis of the
 * next migrations needs: its transaction statements (COMMIT ends the batch) and its enum effects
 * with their statements (kind and location). The rest (syntax trees, SQL text, the other
 * statements and effects with their column and table definitions, the location closures) is let
 * go, so memory does not grow with the length of the history; the other statements' places hold
 * one shared stand-in.
 */
const RELEASED = Object.freeze({});
const RELEASED_STATEMENT: Statement = Object.freeze({
  index: -1,
  chunk: -1,
  kind: '(released)',
  ast: RELEASED,
  sql: '',
  location: Object.freeze({ start: 0, end: 0, line: 1, column: 1, endLine: 1, endColumn: 1 }),
  origin: 'top-level' as const,
  offsetOf: releasedOffsetOf,
  locate: releasedLocate,
});
const NO_EFFECTS: readonly Effect[] = Object.freeze([]);
function releasedLocate(this: Statement): Location {
  return this.location;
}
function releasedOffsetOf(): number {
  return 0;
}
function releaseFinished(migration: MigrationInfo): void {
  const effects = migration.effects.map((list) => {
    const kept = list.filter((e) => ENUM_EFFECT_KINDS.has(e.kind));
    return kept.length > 0 ? kept : NO_EFFECTS;
  });
  const statements = migration.statements.map((s, i) => {
    const transaction = s.kind === 'TransactionStmt';
    if (!transaction && (effects[i] === NO_EFFECTS || effects[i] === undefined)) return RELEASED_STATEMENT;
    if (!transaction) (s as { ast: unknown }).ast = RELEASED;
    // A slice of the file's text keeps the whole text alive.
    (s as { sql: string }).sql = '';
    s.locate = releasedLocate;
    s.offsetOf = releasedOffsetOf;
    return s;
  });
  (migration as { statements: readonly Statement[] }).statements = statements;
  (migration as { effects: readonly (readonly Effect[])[] }).effects = effects;
}

function trackNewTables(effects: Effect[], newTables: Set<string>): void {
  for (const e of effects) {
    if (e.kind === 'create-table') newTables.add(e.table);
    else if (e.kind === 'drop-table') newTables.delete(e.table);
    else if (e.kind === 'rename-table' && newTables.delete(e.from)) newTables.add(e.to);
  }
}

/** `TRUNCATE t` and `DELETE FROM t` without WHERE leave the table empty for the rest of the migration. */
function trackEmptiedTables(statement: Statement, emptied: Set<string>): void {
  const relations =
    statement.kind === 'TruncateStmt'
      ? (statement.ast.relations ?? []).map((r: { RangeVar?: { schemaname?: string; relname?: string } }) => r.RangeVar)
      : statement.kind === 'DeleteStmt' && !statement.ast.whereClause
        ? [statement.ast.relation]
        : [];
  for (const rv of relations) if (rv?.relname) emptied.add(key(rv.schemaname, rv.relname));
}

/** What a finding left out still counts for: the suppression comment that covers it is used. */
type Covered = Pick<Finding, 'rule' | 'file' | 'line'>;

/**
 * Whether a report stands (true), or is left out for a young table: then the gate keeps what it
 * covers (suppression comments), and the whole finding only for --explain-skips. Both are made
 * only when asked for.
 */
type Gate = (descriptor: ReportDescriptor, finding: () => Finding, covered: () => Covered) => boolean;

/** The migration the rules are checking, and where their reports go: the engine points it at each migration in turn. */
interface MigrationFrame {
  migration: MigrationInfo;
  findings: Finding[];
  newTables: Set<string>;
  emptiedTables: Set<string>;
  skipped: Covered[];
  grouped: Map<Finding, GroupedReport>;
  fixes: () => FixResolver;
}

function reporter(rule: Rule, severity: Severity, frame: MigrationFrame, current: () => Statement | undefined, gate: Gate) {
  return (d: ReportDescriptor) => {
    const { migration, findings, fixes, grouped } = frame;
    const statement = d.statement ?? current();
    const where = d.location ?? statement?.location;
    // Built field by field, in the order the spreads gave (one object shape for every finding:
    // object spreads cost ~5 µs a finding, a tenth of a long history's engine time).
    const make = (): Finding => {
      const words = described(rule, severity, d);
      const finding: Finding = {
        rule: words.rule,
        messageId: words.messageId,
        severity: words.severity,
        message: words.message,
        help: words.help,
        file: migration.file,
        line: where ? where.line : 1,
        column: where ? where.column : 1,
        endLine: where ? where.endLine : 1,
        endColumn: where ? where.endColumn : 1,
        migration: migration.tag,
      };
      if (statement) finding.statement = statement.sql;
      if (d.fix) finding.fix = fixes().resolve(d.fix);
      if (d.suggestions?.length) finding.suggestions = d.suggestions.map((s) => fixes().resolve(s));
      return finding;
    };
    if (!gate(d, make, () => ({ rule: rule.id, file: migration.file, line: where ? where.line : 1 }))) return;
    const finding = make();
    findings.push(finding);
    if (d.group) grouped.set(finding, { rule, severity, descriptor: d });
  };
}

/**
 * A report's words: the rule's message and help filled in, and its severity (a report may lower
 * it to a warning, never raise it). With `lists` (a merged group, see groups.ts) the help given
 * is a template too, and `{all:name}` placeholders take the group's values.
 */
function described(
  rule: Rule,
  severity: Severity,
  d: { messageId: string; data?: Record<string, string | number>; help?: string; severity?: Severity },
  lists?: Record<string, string[]>,
): Pick<Finding, 'rule' | 'messageId' | 'severity' | 'message' | 'help'> {
  const template = rule.meta.messages[d.messageId];
  if (template === undefined) throw new Error(`rule ${rule.id} reported unknown messageId "${d.messageId}"`);
  const data = d.data ?? {};
  // A report's own help is text (filled in by the rule), a group's is a template.
  const helpTemplate = lists ? (d.help ?? rule.meta.help?.[d.messageId]) : d.help === undefined ? rule.meta.help?.[d.messageId] : undefined;
  return {
    rule: rule.id,
    messageId: d.messageId,
    severity: d.severity === 'warn' ? 'warn' : severity,
    message: fill(template, data, rule.id, lists, ', '),
    help: helpTemplate !== undefined ? fill(helpTemplate, data, rule.id, lists, '\n') : d.help,
  };
}

function guard(rule: Rule, migration: MigrationInfo | undefined, findings: Finding[], time: EngineInput['time'], run: () => void): void {
  const started = time ? performance.now() : 0;
  try {
    run();
  } catch (error) {
    findings.push(crashFinding(rule, error, migration, undefined));
  }
  if (time) time(rule.id, performance.now() - started);
}

/** A crashing rule must not hide the others, nor pass silently: it becomes an error finding. */
function crashFinding(rule: Rule, error: unknown, migration: MigrationInfo | undefined, statement: Statement | undefined): Finding {
  return {
    rule: RULE_CRASH,
    severity: 'error',
    message: `rule ${rule.id} crashed: ${(error as Error)?.message ?? String(error)}`,
    help: 'This is a bug in migration-lint; please report it with the migration. Turn the rule off with --rule ' + rule.id + '=off meanwhile.',
    file: migration?.file ?? '',
    ...(statement ? position(statement.location) : { line: 1, column: 1, endLine: 1, endColumn: 1 }),
    migration: migration?.tag ?? '',
    ...(statement ? { statement: statement.sql } : {}),
  };
}

function position(l: Location): Pick<Finding, 'line' | 'column' | 'endLine' | 'endColumn'> {
  return { line: l.line, column: l.column, endLine: l.endLine, endColumn: l.endColumn };
}

/** Fill `{name}` placeholders; a missing value is a rule bug, reported loudly. */
export function fill(template: string, data: Record<string, string | number>, ruleId = '', lists?: Record<string, string[]>, separator = ', '): string {
  let text = '';
  for (const piece of piecesOf(template)) {
    if (typeof piece === 'string') {
      text += piece;
    } else if (piece.all) {
      if (!lists) throw new Error(`rule ${ruleId} message uses "{all:${piece.name}}" outside a group`);
      text += (lists[piece.name] ?? []).join(separator);
    } else {
      if (!(piece.name in data)) throw new Error(`rule ${ruleId} message needs "{${piece.name}}" but the report has no such data`);
      text += String(data[piece.name]);
    }
  }
  return text;
}

/** A template cut into its text and its placeholders (`{name}`, `{all:name}`). */
type TemplatePiece = string | { name: string; all: boolean };
/**
 * Templates cut once: a long history fills the same few dozen messages ten thousand times (a
 * regular expression with a callback per fill cost twice as much). Bounded: a rule may pass help
 * text of its own as a template (a group's).
 */
const templates = new Map<string, TemplatePiece[]>();
const TEMPLATES_KEPT = 2_000;

function piecesOf(template: string): TemplatePiece[] {
  let pieces = templates.get(template);
  if (pieces) return pieces;
  pieces = [];
  let at = 0;
  for (const m of template.matchAll(/\{(all:)?(\w+)\}/g)) {
    if (m.index > at) pieces.push(template.slice(at, m.index));
    pieces.push({ name: m[2], all: m[1] !== undefined });
    at = m.index + m[0].length;
  }
  if (at < template.length) pieces.push(template.slice(at));
  if (templates.size >= TEMPLATES_KEPT) templates.clear();
  templates.set(template, pieces);
  return pieces;
}
