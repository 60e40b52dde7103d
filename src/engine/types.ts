import type { Node } from './ast.js';
import type { Location, Span } from './source.js';
import type { SchemaState } from '../schema/model.js';
import type { Effect } from '../schema/effects.js';

export type Severity = 'error' | 'warn';
export type SeveritySetting = Severity | 'off';

export type Category = 'correctness' | 'data-loss' | 'locking' | 'integrity' | 'breaking-change' | 'convention';

/** One SQL statement of a migration, as libpg-query parsed it. */
export interface Statement {
  /** 0-based position in the migration, DO-block statements included (they follow their DO). */
  index: number;
  /** 0-based chunk (text between `--> statement-breakpoint` markers) holding it. */
  chunk: number;
  /** AST node type: `CreateStmt`, `AlterTableStmt`, `IndexStmt`, … */
  kind: string;
  /** The node's fields (`{ CreateStmt: ast }`). */
  ast: Node;
  /** The statement's SQL text, as written in the file. */
  sql: string;
  /** Where it is in the file. */
  location: Location;
  /** `do-block` for statements found inside `DO $$ … $$` bodies by the PL/pgSQL parser. */
  origin: 'top-level' | 'do-block';
  /** For do-block statements: the DO statement's index, and the exception conditions the block swallows. */
  doBlock?: { parent: number; handles: string[] };
  /** UTF-8 byte offset → string index inside `sql`, for AST `location` fields. */
  offsetOf(astLocation: number | undefined): number;
  /** File location of `length` characters starting at an AST `location` (to point at one name, not the statement). */
  locate(astLocation: number | undefined, length: number): Location;
}

/** A statement libpg-query rejected; it becomes a `parse-error` finding. */
export interface ParseFailure {
  /**
   * `syntax`: PostgreSQL rejects it; `encoding`: the file is not valid UTF-8; `tooLarge` and
   * `tooDeep`: beyond what migration-lint's parser takes (its limits, not PostgreSQL's).
   */
  kind?: 'syntax' | 'encoding' | 'tooLarge' | 'tooDeep';
  chunk: number;
  message: string;
  /** The whole failing statement. */
  location: Location;
  /** Where PostgreSQL's parser stopped. */
  at: Location;
  sql: string;
}

/** Everything the engine needs about one migration: no file system beyond this. */
export interface MigrationInput {
  /** Journal tag, folder name (drizzle-kit 1.0) or file name. */
  tag: string;
  /** Path shown in findings (relative to the working directory). */
  file: string;
  text: string;
  /** Journal facts, when there is a journal. */
  idx?: number;
  when?: number;
  /** Offset (in `text`) of the first byte sequence that was not valid UTF-8, replaced by U+FFFD when read. */
  invalidUtf8At?: number;
}

export interface ParsedMigration extends MigrationInput {
  statements: Statement[];
  parseFailures: ParseFailure[];
  chunkCount: number;
}

/** Shared analysis the engine computes once per migration and hands to every rule. */
export interface MigrationInfo {
  tag: string;
  file: string;
  /** 0-based position in the linted history. */
  position: number;
  idx?: number;
  when?: number;
  statements: readonly Statement[];
  /** What each statement changed (same index as `statements`), with the objects' definitions before the change. */
  effects: readonly (readonly Effect[])[];
  /** Whether the migration is reported on (selected) or only replayed as context. */
  selected: boolean;
}

export interface ReportDescriptor<M extends string = string> {
  messageId: M;
  data?: Record<string, string | number>;
  /** Defaults to the current statement. */
  statement?: Statement;
  /** A narrower location inside the file (e.g. one column of an ALTER TABLE). */
  location?: Location;
  /** Overrides the rule's help for this message with text built from the user's names. */
  help?: string;
  /** Lower the severity of this one finding (never raises it above the configured level). */
  severity?: Severity;
  /**
   * The table (`schema.name` key) whose lock or scan the finding is about: its cost grows with the
   * table's rows. The engine drops the finding when the table is young (see `isRecentTable`) and
   * records why (`--explain-skips`).
   */
  lockOn?: string;
  /** The one correct change (`--fix` applies it when the migration was never applied anywhere). */
  fix?: FixRequest;
  /** Possible changes: several candidates, or one that needs the user's value. Shown, never applied. */
  suggestions?: FixRequest[];
  /**
   * One root cause, one finding: the reports of this rule in one migration with the same
   * `group.key` become one finding (src/engine/groups.ts) at the first one's place, with the
   * others as its related locations. It is worded by `group.messageId`, filled with the first
   * report's data plus `{count}`, `{items}` (every report's `item`, joined) and `{all:name}` (every
   * report's distinct non-empty `data.name`: joined with ", " in the message, one a line in the
   * help). Its help is `group.help`, else the rule's help for `group.messageId`, filled the same
   * way. A report alone in its group is reported as it is.
   */
  group?: { key: string; messageId: M; item: string; help?: string };
}

/**
 * A change a rule asks for, in terms of the migration's statements: the engine turns it into
 * edits of the file's text (it knows the chunks, the markers and the line endings), so rules
 * never handle text offsets. An `Edit` passes through as it is (another file: a snapshot).
 */
export type EditRequest =
  /** Remove the statement, with its `--> statement-breakpoint` marker when it is alone in its chunk. */
  | { remove: Statement }
  /** Replace the statement by these statements (SQL without the final `;`), written as drizzle-kit writes them. */
  | { replace: Statement; with: string[] }
  /** Insert these statements before the statement (before the comments that lead it). */
  | { before: Statement; insert: string[] }
  /** Replace the text between two offsets of the migration's text (`start === end`: insert). */
  | { at: Span; text: string }
  | Edit;

export interface FixRequest {
  description: string;
  edits: EditRequest[];
}

/**
 * One change to a file: the text between two positions (1-based, `endColumn` exclusive, as a
 * finding's range; columns count characters) becomes `text`. Equal positions: an insertion.
 */
export interface Edit {
  /** The file, as findings name it (relative to the working directory when inside it). */
  file: string;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  text: string;
}

/**
 * A repair of a finding, as ESLint distinguishes them: a finding's `fix` is the one correct change
 * (applied by `--fix`), its `suggestions` are possible ones (shown, never applied). The edits of
 * one fix never overlap.
 */
export interface Fix {
  description: string;
  edits: Edit[];
}

/** Another place of the same root cause (SARIF relatedLocations). */
export interface RelatedLocation {
  file: string;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  /** What is there (`"orders_created_at_idx" on "orders"`). */
  message: string;
}

/** A finding the engine did not report, and why (`--explain-skips`). */
export interface Skip {
  rule: string;
  file: string;
  line: number;
  column: number;
  migration: string;
  /** The finding's message, as it would have read. */
  message: string;
  /** Why it was not reported. */
  reason: string;
}

interface BaseContext<M extends string> {
  migration: MigrationInfo;
  /**
   * Migrations in history order; this one is `history[migration.position]`. Of the migrations
   * before it, only transaction statements and enum effects are kept, with their statements'
   * kinds and locations (the engine lets go of the rest, SQL text included, for memory; other
   * statements are a `(released)` stand-in); later ones are not parsed yet.
   */
  history: readonly MigrationInfo[];
  /** Effective options (pg version, known types…). */
  settings: LintSettings;
  /** Folder facts (journal, snapshots, files), as history rules get them. */
  folder: FolderFacts;
  /** What the drizzle schema source declares, when it was read (enum values for fixes). */
  schemaSource?: SchemaSourceFacts;
  report(descriptor: ReportDescriptor<M>): void;
}

export interface StatementContext<M extends string = string> extends BaseContext<M> {
  statement: Statement;
  /** The schema just before this statement. Valid only during the call: do not keep it. */
  schema: Readonly<SchemaState>;
  /** True when `schema.table` was created earlier in this migration (new, therefore empty). */
  isNewTable(tableKey: string): boolean;
  /**
   * True when the table has no rows at this statement as far as the migration shows: created
   * earlier in it, or emptied by an earlier `TRUNCATE` / `DELETE` without WHERE. Statements on
   * an empty table cannot fail on rows, and rewrites or scans of it cost nothing.
   */
  isEmptyTable(tableKey: string): boolean;
  /**
   * True when the table is young, so it holds few rows and a lock or scan on it is short: created
   * earlier in this migration, in a migration under review (`--since`, `--staged`), or within
   * `recentTableDays` (journal `when`) before this migration, following renames; not when an
   * `INSERT … SELECT` filled it from an older table. Lock and scan findings pass the table as
   * `lockOn` instead of asking, so their absence is explained (src/engine/table-age.ts).
   */
  isRecentTable(tableKey: string): boolean;
  /** True when the statement runs inside drizzle's migrate() transaction (no COMMIT before it in the file). */
  inTransaction: boolean;
}

export interface MigrationContext<M extends string = string> extends BaseContext<M> {
  /** The schema after this migration's statements. Valid only during the call: do not keep it. */
  schema: Readonly<SchemaState>;
}

/** Facts about the migrations folder that are not statements (journal entries without files…). */
export interface FolderProblem {
  /**
   * --staged, what the commit leaves out: `unstaged-entry`, an orphan file whose journal entry is
   * in the working tree, not in the index; `untracked-journal`, a staged migration whose journal
   * git does not track; `untracked-file`, a journal entry whose file git does not track;
   * `untracked-snapshot`, a staged migration whose snapshot git does not track. `refused-file`: a
   * migration migration-lint does not read (a link out of the project, not a regular file, too
   * large; `reason` says which).
   */
  kind: 'missing-file' | 'unsafe-tag' | 'orphan-file' | 'unstaged-entry' | 'untracked-journal' | 'untracked-file' | 'untracked-snapshot' | 'refused-file';
  /** Display path of the file concerned (the journal, or the SQL file). */
  file: string;
  tag: string;
  /** 1-based line in the journal for entry problems. */
  line?: number;
  /** Why a `refused-file` is not read. */
  reason?: string;
  /** --staged: the display path to `git add`. */
  stage?: string;
  /** untracked-snapshot: what is staged (`0004_x.sql and its journal entry are`), and the snapshot from the migrations folder. */
  subject?: string;
  snapshot?: string;
}

export interface FolderFacts {
  layout: 'journal' | 'folders' | 'files';
  /** Display path of the journal, when there is one. */
  journalFile?: string;
  problems: readonly FolderProblem[];
  /** The newest migration's snapshot (what the next `drizzle-kit generate` diffs against), when a rule needs it. */
  latestSnapshot?: { file: string; text: string; migration: string; /** The text parsed, shared with the other snapshot rules (undefined when it is not JSON). */ data?: () => unknown };
  /** Journal, snapshot, hash, git-base, lock-file and database facts for the history-integrity rules (src/runner/history-facts.ts). */
  integrity?: import('../runner/history-facts.js').HistoryFacts;
}

export interface HistoryReport<M extends string = string> {
  messageId: M;
  data?: Record<string, string | number>;
  file: string;
  line?: number;
  column?: number;
  migration: string;
  help?: string;
  /** Lower the severity of this one finding (never above the configured level). */
  severity?: Severity;
  /** Resolved edits: history rules work on files (the journal, snapshots), not statements. */
  fix?: Fix;
  suggestions?: Fix[];
  /** One root cause, one finding: as ReportDescriptor.group, over the history rule's reports of one run. */
  group?: ReportDescriptor['group'];
}

/** A `pgEnum(…)`, `pgSchema(…)` or `pgSequence(…)` declared in the drizzle schema source. */
export interface SchemaDeclaration {
  kind: 'pgEnum' | 'pgSchema' | 'pgSequence';
  /** The TypeScript variable (`roleEnum`). */
  variable: string;
  /** The SQL name given to pgEnum/pgSchema (`role`), when it is a string literal. */
  sqlName?: string;
  /** Display path and 1-based position of the declaration. */
  file: string;
  line: number;
  column: number;
  /** True when a module drizzle-kit loads (a file matched by `schema` in drizzle.config) exports it, directly or through re-exports. */
  exported: boolean;
  /** SQL schema of an enum or sequence declared through a pgSchema. */
  schema?: string;
  /** A pgEnum's values, when they are written as string literals (`pgEnum('role', ['a', 'b'])`). */
  values?: string[];
  /** Where tables (or other declarations) use it. */
  usedBy: { file: string; line: number; table?: string }[];
}

/** What the runner learned from the drizzle schema source (`schema` in drizzle.config). */
export interface SchemaSourceFacts {
  /** Display path of the drizzle config. */
  configFile: string;
  /** `schema` patterns as written in the config. */
  patterns: string[];
  /** Display paths of the files the patterns match (what drizzle-kit loads). */
  files: string[];
  /** Files that could not be read or parsed, with the reason. */
  problems: { file: string; message: string }[];
  declarations: SchemaDeclaration[];
}

/** Where a finding about the app's deploy path points. */
export interface SourcePosition {
  /** Display path. */
  file: string;
  line: number;
  column: number;
}

/**
 * How a migrate() call is serialized against other deployers running it at the same time.
 * `session` / `transaction`: a correct advisory lock; the others are named broken patterns.
 */
export type MigrateLockFacts =
  | { kind: 'none' }
  | { kind: 'session' | 'transaction' }
  /** The lock runs through a pool: lock, migrations and unlock may each get another connection. */
  | { kind: 'pool'; at: SourcePosition; via: string }
  /** `pg_advisory_xact_lock` in a transaction of its own (or none): released when that ends, before migrate(). */
  | { kind: 'xact-own-transaction'; at: SourcePosition }
  /** The lock is released only when migrate() succeeds. */
  | { kind: 'no-unlock-on-failure'; at: SourcePosition; via: string }
  /** Locked on one connection, migrated on another. */
  | { kind: 'other-client'; at: SourcePosition; lockOn: string; migrateOn: string }
  /** An HTTP driver (neon-http): no session, so no lock can be held across migrate(). */
  | { kind: 'http' };

/** A migrate() of `drizzle-orm/<driver>/migrator` found in the app's source. */
export interface MigrateCallFacts extends SourcePosition {
  /** `node-postgres`, `postgres-js`, `neon-serverless`, `neon-http`, `vercel-postgres`, … */
  driver: string;
  /** What migrate() runs on: a dedicated client, a pool, postgres.js, or not known. */
  connection: 'client' | 'pool' | 'unknown';
  /** Undefined when the analysis cannot tell (nothing is reported then), or the driver needs no lock (PGlite). */
  lock?: MigrateLockFacts;
  /**
   * The options read statically: a key absent from the object means drizzle's default; a key
   * whose value could not be read is left out of `unreadable`'s way (the rules skip it).
   */
  options: {
    /** `migrationsFolder` as written, and the folders it resolves to (display paths; one per plausible working directory for a relative path). */
    folder?: { text: string; resolved: string[] };
    table?: string;
    schema?: string;
    /** Option keys present but not readable statically (skipped silently). */
    unreadable: string[];
  };
  /** Why the script runs under Bun, when it does (a `bun` command naming it, a bun shebang, the bun-sql driver). */
  bun?: string;
  /** The connection the script opens for migrate() and never ends (so the process never exits), when it can tell. */
  unclosed?: string;
}

/** A `drizzle-kit migrate` in a package.json script, Dockerfile, compose file, Procfile or workflow. */
export interface DeployCommandFacts extends SourcePosition {
  /** The command as written (one line). */
  text: string;
  /** Why it runs under Bun, when it does. */
  bun?: string;
  /** `package.json` script name, Dockerfile instruction, … */
  where: string;
}

/** What the runner learned about how the app applies its migrations (the deploy path). */
export interface AppSourceFacts {
  /** The drizzle config and what drizzle-kit reads from it, when there is one (display paths). */
  config?: { file: string; out: string; table: string; schema: string };
  migrateCalls: MigrateCallFacts[];
  commands: DeployCommandFacts[];
  /** Files scanned (after the cheap text filter, parsed ones). */
  scanned: number;
  problems: { file: string; message: string }[];
}

export interface HistoryContext<M extends string = string> {
  folder: FolderFacts;
  /** Present when a drizzle config with `schema` was found and its files were analysed. */
  schemaSource?: SchemaSourceFacts;
  /** Present when the app's source and deploy files were read (a drizzle config, or `appFiles` in the config). */
  appSource?: AppSourceFacts;
  /**
   * The migrations' tags, files, positions, journal facts and selection. History rules run before
   * any migration is parsed: read no statements or effects (a rule that needs them checks each
   * migration in `checkMigration`).
   */
  history: readonly MigrationInfo[];
  settings: LintSettings;
  report(descriptor: HistoryReport<M>): void;
}

export interface RuleMeta<M extends string> {
  description: string;
  category: Category;
  defaultSeverity: SeveritySetting;
  /** Message templates with `{placeholder}`s; the engine rejects unknown ids and missing data. */
  messages: Record<M, string>;
  /** Default help per message: the safe alternative. A report may override it with filled-in SQL. */
  help?: Partial<Record<M, string>>;
}

export interface Rule<M extends string = string> {
  id: string;
  meta: RuleMeta<M> & { docsUrl: string };
  /** Called for every statement, with the schema as it was just before it. */
  check?(context: StatementContext<M>): void;
  /** Called once per migration after its statements were replayed (for rules that pair statements). */
  checkMigration?(context: MigrationContext<M>): void;
  /** Called once per run, before the migrations are replayed, with the folder facts and the history's order (integrity rules). */
  checkHistory?(context: HistoryContext<M>): void;
}

export interface Finding {
  rule: string;
  /** Which of the rule's messages (not part of the JSON output; tests match on it). */
  messageId?: string;
  severity: Severity;
  message: string;
  help?: string;
  file: string;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  migration: string;
  statement?: string;
  /** The one correct change, applied by `--fix` (see `Fix`). */
  fix?: Fix;
  /** Possible changes, shown and never applied. */
  suggestions?: Fix[];
  /** The other places of the same root cause (a migration's 90 indexes are one finding). */
  related?: RelatedLocation[];
}

export interface LintSettings {
  /** Target PostgreSQL major version (default 16). */
  pgVersion: number;
  /** Effective severity per rule id. */
  rules: Record<string, SeveritySetting>;
  /** Types, extensions and schemas that exist without a migration creating them (config). */
  knownTypes?: readonly string[];
  extensions?: readonly string[];
  schemas?: readonly string[];
  /**
   * migrate()'s driver sends each chunk as a prepared statement (PGlite; config
   * `preparedStatements`, or drizzle.config `driver: 'pglite'`): a chunk with several statements
   * fails. node-postgres and postgres.js send a chunk without parameters as a simple query.
   */
  preparedStatements?: boolean;
  /** Tables created less than this many days (journal `when`) before a migration are young (default 14; 0: off). */
  recentTableDays?: number;
}
