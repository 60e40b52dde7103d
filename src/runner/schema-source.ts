import { lstatSync, readdirSync } from 'node:fs';
import { dirname, extname, join, resolve } from 'node:path';
import fg from 'fast-glob';
import { LineIndex } from '../engine/source.js';
import type { SchemaDeclaration, SchemaSourceFacts } from '../engine/types.js';
import { displayPath } from './drizzle-config.js';
import { isDirectory, isFile } from './file-kind.js';
import { FileRefused, ProjectFiles } from './files.js';

/**
 * What drizzle-kit sees of the schema source, found statically (the files are parsed with
 * oxc-parser, never run): the pgEnum / pgSchema / pgSequence declarations, whether a module
 * drizzle-kit loads exports them, and which tables use them.
 *
 * drizzle-kit requires every file matched by `schema` and keeps the values of its exports
 * (`prepareFromExports`: `Object.values(require(file))`). An enum that no loaded module exports
 * gets no CREATE TYPE, although the columns using it still name the type.
 */

/** oxc-parser's ESTree nodes: `{ type, start, end, …fields }` (offsets are UTF-16, like JS strings). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AstNode = any;

/** A use of a declaration by a table, with the column when there is one. */
export interface SchemaUse {
  file: string;
  line: number;
  /** SQL name of the table (`billing.invoices` for a table in a pgSchema). */
  table?: string;
  /** SQL name of the column (the builder's name argument, else the property key). */
  column?: string;
}

/** `SchemaDeclaration` with the details the enum-not-exported rule prints when they are available. */
export interface SchemaDeclarationDetail extends SchemaDeclaration {
  usedBy: SchemaUse[];
  /** The declaration statement's first line, as written (`const roleEnum = pgEnum('role', […]);`). */
  text: string;
  /** SQL schema of an enum or sequence declared through a pgSchema (`billing.enum(…)`). */
  schema?: string;
  /** True when the declaring file itself exports it (so it is missing only because drizzle-kit does not load that file). */
  exportedByOwnFile: boolean;
}

/** The file extensions drizzle-kit 0.31 accepts for schema files. */
const SCHEMA_EXTENSIONS = ['.ts', '.mts', '.cts', '.js', '.mjs', '.cjs'];
/** Candidates tried, in order, for an extensionless relative import. */
const RESOLVE_EXTENSIONS = ['.ts', '.tsx', '.mts', '.cts', '.js', '.jsx', '.mjs', '.cjs'];
/** TypeScript's ESM convention: `./enums.js` in source means `./enums.ts`. */
const JS_TO_TS: Record<string, string[]> = { '.js': ['.ts', '.tsx'], '.jsx': ['.tsx'], '.mjs': ['.mts'], '.cjs': ['.cts'] };

const PG_CORE = 'drizzle-orm/pg-core';

type EntityKind = 'pgEnum' | 'pgSchema' | 'pgSequence' | 'table' | 'tableCreator';

interface Entity {
  kind: EntityKind;
  module: Module;
  /** Local variable name (`default` for `export default pgEnum(…)`). */
  variable: string;
  sqlName?: string;
  /** The pgSchema an enum, sequence or table was declared through. */
  schema?: Entity;
  /** The declaration statement (for position and text). */
  statement: AstNode;
  /** The initialiser call (pgTable(…) for tables: its arguments hold the columns). */
  call: AstNode;
}

/** What an identifier or member expression refers to. */
type Target =
  | { kind: 'entity'; entity: Entity }
  | { kind: 'external'; module: string; name: string }
  | { kind: 'namespace'; file: string }
  | { kind: 'external-namespace'; module: string }
  | { kind: 'schema-member'; schema: Entity; member: string };

type ExportEntry = { kind: 'local'; local: string } | { kind: 'from'; source: string; imported: string };

interface Module {
  file: string;
  display: string;
  text: string;
  lines: LineIndex;
  /** local name → import. `imported` is `*` for namespace imports, `default` for default imports. */
  imports: Map<string, { source: string; imported: string }>;
  /** Top-level `const x = …` (and `export default <call>` as `default`): name → [statement, initialiser]. */
  locals: Map<string, { statement: AstNode; init: AstNode }>;
  exports: Map<string, ExportEntry>;
  /** `export * from '…'` sources. */
  stars: string[];
  entities: Map<string, Entity | null>;
}

interface Analysis {
  cwd: string;
  /** Schema files are read only when they are regular files inside the project. */
  files: ProjectFiles;
  modules: Map<string, Module | null>;
  problems: { file: string; message: string }[];
  parseSync: (filename: string, text: string) => { program: AstNode; errors: { message: string; labels?: { start: number }[] }[] };
}

export async function analyzeSchemaSource(config: { file: string; schema: string[] }, cwd: string, files?: ProjectFiles): Promise<SchemaSourceFacts> {
  const { parseSync } = await import('oxc-parser');
  const base = dirname(config.file);
  const analysis: Analysis = { cwd, files: files ?? ProjectFiles.around(dirname(config.file), cwd), modules: new Map(), problems: [], parseSync: parseSync as unknown as Analysis['parseSync'] };
  const configFile = displayPath(config.file, cwd);

  const matched = expandPatterns(config.schema, base, cwd, configFile, analysis.problems);

  // Parse the loaded files and everything they reach through relative imports and re-exports.
  const queue = [...matched];
  const seen = new Set<string>();
  while (queue.length > 0) {
    const file = queue.shift()!;
    if (seen.has(file)) continue;
    seen.add(file);
    const module = load(analysis, file);
    if (!module) continue;
    for (const source of dependencies(module)) {
      const target = resolveImport(file, source);
      if (target && !seen.has(target)) queue.push(target);
    }
  }

  const modules = [...analysis.modules.values()].filter((m): m is Module => m !== null);
  const entities: Entity[] = [];
  for (const module of modules) {
    for (const name of module.locals.keys()) {
      const entity = entityOf(analysis, module, name, new Set());
      if (entity) entities.push(entity);
    }
  }

  // What drizzle-kit sees: the values of every export of every loaded module.
  const exported = new Set<Entity>();
  for (const file of matched) {
    for (const name of exportNames(analysis, file, new Set())) {
      const target = resolveExport(analysis, file, name, new Set());
      if (target?.kind === 'entity') exported.add(target.entity);
    }
  }

  const uses = new Map<Entity, SchemaUse[]>();
  const addUse = (entity: Entity, use: SchemaUse) => {
    const list = uses.get(entity) ?? [];
    if (!list.some((u) => u.file === use.file && u.line === use.line && u.table === use.table && u.column === use.column)) list.push(use);
    uses.set(entity, list);
  };
  for (const table of entities) {
    if (table.kind !== 'table' || !exported.has(table)) continue;
    const tableName = qualified(table);
    if (table.schema) addUse(table.schema, { file: table.module.display, line: lineOf(table.module, table.call), table: tableName });
    for (const found of usesInTable(analysis, table)) {
      const use: SchemaUse = { file: table.module.display, line: lineOf(table.module, found.node), table: tableName, ...(found.column !== undefined ? { column: found.column } : {}) };
      addUse(found.entity, use);
      // An enum or sequence in a pgSchema needs the schema too.
      if (found.entity.schema) addUse(found.entity.schema, use);
    }
  }

  const declarations: SchemaDeclarationDetail[] = [];
  for (const entity of entities) {
    if (entity.kind !== 'pgEnum' && entity.kind !== 'pgSchema' && entity.kind !== 'pgSequence') continue;
    const { line, column } = entity.module.lines.position(entity.statement.start);
    declarations.push({
      kind: entity.kind,
      variable: entity.variable,
      ...(entity.sqlName !== undefined ? { sqlName: entity.sqlName } : {}),
      file: entity.module.display,
      line,
      column,
      exported: exported.has(entity),
      ...enumValues(entity),
      usedBy: uses.get(entity) ?? [],
      text: entity.module.lines.lineText(line).slice(column - 1),
      ...(entity.schema?.sqlName !== undefined ? { schema: entity.schema.sqlName } : {}),
      exportedByOwnFile: exportNames(analysis, entity.module.file, new Set()).some((name) => {
        const target = resolveExport(analysis, entity.module.file, name, new Set());
        return target?.kind === 'entity' && target.entity === entity;
      }),
    });
  }

  return {
    configFile,
    patterns: [...config.schema],
    files: matched.map((f) => displayPath(f, cwd)),
    problems: analysis.problems,
    declarations,
  };
}

// ---------------------------------------------------------------------------------------------
// Files

/**
 * The files drizzle-kit loads for `schema` (0.31 `prepareFilenames`): each pattern is globbed; a
 * matched folder contributes the files directly inside it (not its subfolders). Patterns are taken
 * relative to the config's folder, where drizzle-kit is normally run.
 */
function expandPatterns(patterns: string[], base: string, cwd: string, configFile: string, problems: Analysis['problems']): string[] {
  const files = new Set<string>();
  for (const pattern of patterns) {
    let hits: string[];
    if (fg.isDynamicPattern(pattern)) {
      hits = fg.sync(pattern, { cwd: base, absolute: true, onlyFiles: false, dot: false });
    } else {
      const path = resolve(base, pattern);
      hits = exists(path) ? [path] : [];
    }
    const before = files.size;
    for (const hit of hits.sort()) {
      const path = resolve(hit);
      if (isDirectory(path)) {
        let names: string[] = [];
        try {
          names = readdirSync(path).sort();
        } catch (error) {
          problems.push({ file: displayPath(path, cwd), message: `cannot read the folder (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})` });
        }
        for (const name of names) {
          const child = join(path, name);
          if (SCHEMA_EXTENSIONS.includes(extname(name)) && !isDirectory(child)) files.add(child);
        }
      } else if (SCHEMA_EXTENSIONS.includes(extname(path))) {
        files.add(path);
      }
    }
    if (files.size === before) problems.push({ file: configFile, message: `schema pattern "${pattern}" matches no .ts or .js file` });
  }
  return [...files];
}

function exists(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

/** Resolve a relative import the way TypeScript projects write them; bare specifiers are not followed. */
function resolveImport(from: string, source: string): string | undefined {
  if (!source.startsWith('./') && !source.startsWith('../') && source !== '.' && source !== '..') return undefined;
  const path = resolve(dirname(from), source);
  const ext = extname(path);
  const candidates: string[] = [];
  if (JS_TO_TS[ext]) candidates.push(...JS_TO_TS[ext].map((e) => path.slice(0, -ext.length) + e));
  if (ext) candidates.push(path);
  candidates.push(...RESOLVE_EXTENSIONS.map((e) => path + e), ...RESOLVE_EXTENSIONS.map((e) => join(path, 'index' + e)));
  return candidates.find(isFile);
}

// ---------------------------------------------------------------------------------------------
// Modules

function load(analysis: Analysis, file: string): Module | null {
  const cached = analysis.modules.get(file);
  if (cached !== undefined) return cached;
  const display = displayPath(file, analysis.cwd);
  let module: Module | null = null;
  try {
    const text = analysis.files.read(file);
    const lines = new LineIndex(text);
    const result = analysis.parseSync(file, text);
    const error = result.errors[0];
    if (error) {
      const at = error.labels?.[0] ? lines.position(error.labels[0].start) : undefined;
      analysis.problems.push({ file: display, message: at ? `${at.line}:${at.column}: ${error.message}` : error.message });
    } else {
      module = { file, display, text, lines, imports: new Map(), locals: new Map(), exports: new Map(), stars: [], entities: new Map() };
      collect(module, result.program);
    }
  } catch (error) {
    // A schema file that is a link out of the project, a FIFO or a device: an error naming it, never read.
    if (error instanceof FileRefused) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    analysis.problems.push({ file: display, message: code ? `cannot read the file (${code})` : `cannot parse the file (${(error as Error).message})` });
  }
  analysis.modules.set(file, module);
  return module;
}

/** Record the module's imports, top-level declarations and exports. */
function collect(module: Module, program: AstNode): void {
  for (const statement of program.body ?? []) {
    switch (statement.type) {
      case 'ImportDeclaration': {
        if (statement.importKind === 'type') break;
        const source = String(statement.source.value);
        for (const spec of statement.specifiers ?? []) {
          if (spec.importKind === 'type') continue;
          const imported = spec.type === 'ImportNamespaceSpecifier' ? '*' : spec.type === 'ImportDefaultSpecifier' ? 'default' : nameOf(spec.imported);
          module.imports.set(spec.local.name, { source, imported });
        }
        break;
      }
      case 'VariableDeclaration':
        declare(module, statement, statement);
        break;
      case 'ExportNamedDeclaration': {
        if (statement.exportKind === 'type') break;
        if (statement.declaration) {
          if (statement.declaration.type === 'VariableDeclaration') {
            for (const name of declare(module, statement, statement.declaration)) module.exports.set(name, { kind: 'local', local: name });
          } else if (statement.declaration.id?.name) {
            const name = statement.declaration.id.name;
            module.exports.set(name, { kind: 'local', local: name });
          }
          break;
        }
        for (const spec of statement.specifiers ?? []) {
          if (spec.exportKind === 'type') continue;
          const exported = nameOf(spec.exported);
          const local = nameOf(spec.local);
          module.exports.set(exported, statement.source ? { kind: 'from', source: String(statement.source.value), imported: local } : { kind: 'local', local });
        }
        break;
      }
      case 'ExportAllDeclaration': {
        if (statement.exportKind === 'type') break;
        const source = String(statement.source.value);
        // `export * as ns from` exports a namespace object, which drizzle-kit does not look into.
        if (statement.exported) module.exports.set(nameOf(statement.exported), { kind: 'from', source, imported: '*' });
        else module.stars.push(source);
        break;
      }
      case 'ExportDefaultDeclaration': {
        // drizzle-kit keeps `Object.values(require(file))`, and a default export is one of them.
        const declaration = unwrap(statement.declaration);
        if (declaration?.type === 'Identifier') {
          module.exports.set('default', { kind: 'local', local: declaration.name });
        } else if (declaration?.type === 'CallExpression') {
          module.locals.set('default', { statement, init: declaration });
          module.exports.set('default', { kind: 'local', local: 'default' });
        }
        break;
      }
      case 'TSExportAssignment':
        break;
    }
  }
}

/** Register `const a = …, b = …`; returns the declared names. */
function declare(module: Module, statement: AstNode, declaration: AstNode): string[] {
  const names: string[] = [];
  if (declaration.declare) return names;
  for (const declarator of declaration.declarations ?? []) {
    if (declarator.id?.type !== 'Identifier') continue;
    names.push(declarator.id.name);
    if (declarator.init) module.locals.set(declarator.id.name, { statement, init: declarator.init });
  }
  return names;
}

function dependencies(module: Module): string[] {
  const sources = new Set<string>(module.stars);
  for (const i of module.imports.values()) sources.add(i.source);
  for (const e of module.exports.values()) if (e.kind === 'from') sources.add(e.source);
  return [...sources];
}

function nameOf(node: AstNode): string {
  return node?.type === 'Literal' ? String(node.value) : String(node?.name);
}

/** Strip parentheses and TypeScript-only wrappers (`x as T`, `x!`, `x satisfies T`). */
function unwrap(node: AstNode): AstNode {
  while (
    node &&
    (node.type === 'ParenthesizedExpression' || node.type === 'TSAsExpression' || node.type === 'TSSatisfiesExpression' || node.type === 'TSNonNullExpression' || node.type === 'TSTypeAssertion')
  ) {
    node = node.expression;
  }
  return node;
}

// ---------------------------------------------------------------------------------------------
// Resolution

/** What a top-level name of `module` is, when it is one of drizzle's declarations. */
function entityOf(analysis: Analysis, module: Module, name: string, seen: Set<string>): Entity | undefined {
  const cached = module.entities.get(name);
  if (cached !== undefined) return cached ?? undefined;
  const key = module.file + '\0' + name;
  if (seen.has(key)) return undefined;
  seen.add(key);
  const local = module.locals.get(name);
  const entity = local ? classify(analysis, module, name, local.statement, local.init, seen) : undefined;
  module.entities.set(name, entity ?? null);
  return entity;
}

/** `pgEnum(…)`, `p.pgSchema(…)`, `billing.enum(…)`, `pgTable(…).enableRLS()`, `createTable(…)`… */
function classify(analysis: Analysis, module: Module, variable: string, statement: AstNode, init: AstNode, seen: Set<string>): Entity | undefined {
  // Chained calls on the declaration (`pgTable(…).enableRLS()`, `pgView(…).as(…)`) keep its identity.
  let call = unwrap(init);
  let callee: Target | undefined;
  while (call?.type === 'CallExpression') {
    callee = calleeOf(analysis, module, call, seen);
    if (callee) break;
    const member = unwrap(call.callee);
    call = member?.type === 'MemberExpression' ? unwrap(member.object) : undefined;
  }
  if (!callee) return undefined;
  const sqlName = stringValue(call.arguments?.[0]);
  const make = (kind: EntityKind, schema?: Entity): Entity => ({ kind, module, variable, sqlName, schema, statement, call });
  if (callee.kind === 'external' && isPgCore(callee.module)) {
    switch (callee.name) {
      case 'pgEnum':
        return make('pgEnum');
      case 'pgSchema':
        return make('pgSchema');
      case 'pgSequence':
        return make('pgSequence');
      case 'pgTable':
      case 'pgView':
      case 'pgMaterializedView':
        return make('table');
      case 'pgTableCreator':
        return make('tableCreator');
    }
    return undefined;
  }
  if (callee.kind === 'schema-member') {
    switch (callee.member) {
      case 'enum':
        return make('pgEnum', callee.schema);
      case 'sequence':
        return make('pgSequence', callee.schema);
      case 'table':
      case 'view':
      case 'materializedView':
        return make('table', callee.schema);
    }
    return undefined;
  }
  if (callee.kind === 'entity' && callee.entity.kind === 'tableCreator') return make('table');
  return undefined;
}

function calleeOf(analysis: Analysis, module: Module, call: AstNode, seen: Set<string>): Target | undefined {
  return targetOf(analysis, module, unwrap(call.callee), seen);
}

/** What an identifier or `a.b` refers to, across modules. */
function targetOf(analysis: Analysis, module: Module, node: AstNode, seen: Set<string>): Target | undefined {
  if (node?.type === 'Identifier') return resolveLocal(analysis, module, node.name, seen);
  if (node?.type === 'MemberExpression' && !node.computed && node.property?.type === 'Identifier') {
    const object = targetOf(analysis, module, unwrap(node.object), seen);
    const member = node.property.name as string;
    if (!object) return undefined;
    if (object.kind === 'namespace') return resolveExport(analysis, object.file, member, new Set(), seen);
    if (object.kind === 'external-namespace') return { kind: 'external', module: object.module, name: member };
    if (object.kind === 'entity' && object.entity.kind === 'pgSchema') return { kind: 'schema-member', schema: object.entity, member };
  }
  return undefined;
}

function resolveLocal(analysis: Analysis, module: Module, name: string, seen: Set<string>): Target | undefined {
  if (module.locals.has(name)) {
    const entity = entityOf(analysis, module, name, seen);
    return entity ? { kind: 'entity', entity } : undefined;
  }
  const imported = module.imports.get(name);
  if (!imported) return undefined;
  const file = resolveImport(module.file, imported.source);
  if (!file) {
    if (imported.source.startsWith('.')) return undefined;
    return imported.imported === '*' ? { kind: 'external-namespace', module: imported.source } : { kind: 'external', module: imported.source, name: imported.imported };
  }
  if (imported.imported === '*') return { kind: 'namespace', file };
  return resolveExport(analysis, file, imported.imported, new Set(), seen);
}

/** What `file` exports under `name`, following re-exports (`export … from`, `export *`). */
function resolveExport(analysis: Analysis, file: string, name: string, visiting: Set<string>, seen: Set<string> = new Set()): Target | undefined {
  const key = file + '\0' + name;
  if (visiting.has(key)) return undefined;
  visiting.add(key);
  const module = load(analysis, file);
  if (!module) return undefined;
  const entry = module.exports.get(name);
  if (entry?.kind === 'local') return resolveLocal(analysis, module, entry.local, seen);
  if (entry?.kind === 'from') {
    const target = resolveImport(file, entry.source);
    if (!target) return entry.source.startsWith('.') ? undefined : entry.imported === '*' ? { kind: 'external-namespace', module: entry.source } : { kind: 'external', module: entry.source, name: entry.imported };
    return entry.imported === '*' ? { kind: 'namespace', file: target } : resolveExport(analysis, target, entry.imported, visiting, seen);
  }
  if (name === 'default') return undefined; // `export *` never re-exports a default
  for (const source of module.stars) {
    const target = resolveImport(file, source);
    if (!target) {
      if (!source.startsWith('.') && isPgCore(source)) return { kind: 'external', module: source, name };
      continue;
    }
    const found = resolveExport(analysis, target, name, visiting, seen);
    if (found) return found;
  }
  return undefined;
}

/** Every name `file` exports, `export *` included (which never carries `default`). */
function exportNames(analysis: Analysis, file: string, visiting: Set<string>): string[] {
  if (visiting.has(file)) return [];
  visiting.add(file);
  const module = load(analysis, file);
  if (!module) return [];
  const names = new Set(module.exports.keys());
  for (const source of module.stars) {
    const target = resolveImport(file, source);
    if (!target) continue;
    for (const name of exportNames(analysis, target, visiting)) if (name !== 'default') names.add(name);
  }
  return [...names];
}

function isPgCore(source: string): boolean {
  return source === PG_CORE || source.startsWith(PG_CORE + '/');
}

// ---------------------------------------------------------------------------------------------
// Uses

interface FoundUse {
  entity: Entity;
  node: AstNode;
  column?: string;
}

/**
 * The enums and sequences a table's definition refers to: `roleEnum('role')` (a column of that
 * enum type), or a sequence named in a column default. Only calls make columns: `roleEnum.enumValues`
 * in a text column creates nothing that needs the type.
 */
function usesInTable(analysis: Analysis, table: Entity): FoundUse[] {
  const found: FoundUse[] = [];
  const module = table.module;
  const sequences = new Map<string, Entity>();
  const walk = (node: AstNode, key: string | undefined): void => {
    if (!node || typeof node !== 'object') return;
    if (Array.isArray(node)) {
      for (const child of node) walk(child, key);
      return;
    }
    if (typeof node.type !== 'string') return;
    if (node.type === 'Property' && !node.computed) {
      const name = node.key?.type === 'Identifier' ? node.key.name : node.key?.type === 'Literal' ? String(node.key.value) : key;
      walk(node.value, name);
      return;
    }
    if (node.type === 'CallExpression') {
      const target = calleeOf(analysis, module, node, new Set());
      if (target?.kind === 'entity' && target.entity.kind === 'pgEnum') {
        found.push({ entity: target.entity, node, column: stringValue(node.arguments?.[0]) ?? key });
      }
    }
    if (node.type === 'Identifier' || node.type === 'MemberExpression') {
      const target = targetOf(analysis, module, node, new Set());
      if (target?.kind === 'entity' && target.entity.kind === 'pgSequence') found.push({ entity: target.entity, node, column: key });
      if (target) return;
    }
    if ((node.type === 'Literal' && typeof node.value === 'string') || node.type === 'TemplateElement') {
      const text = node.type === 'Literal' ? node.value : String(node.value?.cooked ?? node.value?.raw ?? '');
      if (text.includes('nextval(')) {
        if (sequences.size === 0) for (const m of analysis.modules.values()) for (const e of m?.entities.values() ?? []) if (e?.kind === 'pgSequence' && e.sqlName) sequences.set(e.sqlName, e);
        for (const [name, entity] of sequences) if (mentionsSequence(text, name, entity.schema?.sqlName)) found.push({ entity, node, column: key });
      }
    }
    for (const field of Object.keys(node)) {
      if (field === 'type' || field === 'start' || field === 'end' || field === 'range' || field === 'loc') continue;
      const child = node[field];
      if (child && typeof child === 'object') walk(child, key);
    }
  };
  walk(table.call.arguments, undefined);
  return found;
}

/** `nextval('seq')`, `nextval('"seq"')`, `nextval('billing.seq')`… */
function mentionsSequence(text: string, name: string, schema: string | undefined): boolean {
  const forms = [`'${name}'`, `'"${name}"'`];
  if (schema) forms.push(`'${schema}.${name}'`, `'"${schema}"."${name}"'`);
  return forms.some((f) => text.includes(`nextval(${f}`));
}

/** A pgEnum's values, when its second argument is an array of string literals. */
function enumValues(entity: Entity): { values?: string[] } {
  const list = entity.kind === 'pgEnum' ? unwrap(entity.call.arguments?.[1]) : undefined;
  if (list?.type !== 'ArrayExpression') return {};
  const values = (list.elements ?? []).map((e: AstNode) => stringValue(e));
  return values.every((v: string | undefined): v is string => v !== undefined) ? { values } : {};
}

function stringValue(node: AstNode): string | undefined {
  node = unwrap(node);
  if (node?.type === 'Literal' && typeof node.value === 'string') return node.value;
  if (node?.type === 'TemplateLiteral' && node.expressions.length === 0) return String(node.quasis[0]?.value?.cooked ?? '');
  return undefined;
}

function qualified(table: Entity): string | undefined {
  if (table.sqlName === undefined) return undefined;
  return table.schema?.sqlName ? `${table.schema.sqlName}.${table.sqlName}` : table.sqlName;
}

function lineOf(module: Module, node: AstNode): number {
  return module.lines.position(node.start).line;
}
