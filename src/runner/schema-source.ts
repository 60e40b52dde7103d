import { lstatSync, readdirSync } from 'node:fs';
import { dirname, extname, join, resolve } from 'node:path';
import type { SchemaDeclaration, SchemaSourceFacts } from '../engine/types.js';
import { displayPath } from './drizzle-config.js';
import { isDirectory } from './file-kind.js';
import { ProjectFiles } from './files.js';
import { fastGlob, isGlob } from './glob.js';
import { dependencies, loadParseSync, ModuleGraph, resolveImport, stringValue, unwrap, type AstNode, type Binding, type SourceModule } from './ts-modules.js';

/**
 * What drizzle-kit sees of the schema source, found statically (the files are parsed with
 * oxc-parser, never run): the pgEnum / pgSchema / pgSequence declarations, whether a module
 * drizzle-kit loads exports them, and which tables use them.
 *
 * drizzle-kit requires every file matched by `schema` and keeps the values of its exports
 * (`prepareFromExports`: `Object.values(require(file))`). An enum that no loaded module exports
 * gets no CREATE TYPE, although the columns using it still name the type.
 */

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

type Module = SourceModule;

interface Analysis {
  graph: ModuleGraph;
  /** Per module: top-level name → the drizzle declaration it is (null: none). */
  entities: Map<Module, Map<string, Entity | null>>;
}

export async function analyzeSchemaSource(config: { file: string; schema: string[] }, cwd: string, files?: ProjectFiles): Promise<SchemaSourceFacts> {
  // Schema files are read only when they are regular files inside the project; a refused one is an error naming it.
  const project = files ?? ProjectFiles.around(dirname(config.file), cwd);
  const graph = new ModuleGraph(cwd, await loadParseSync(), isPgCore, (file) => project.read(file), true);
  const base = dirname(config.file);
  const analysis: Analysis = { graph, entities: new Map() };
  const configFile = displayPath(config.file, cwd);

  const matched = expandPatterns(config.schema, base, cwd, configFile, graph.problems);

  // Parse the loaded files and everything they reach through relative imports and re-exports.
  const queue = [...matched];
  const seen = new Set<string>();
  while (queue.length > 0) {
    const file = queue.shift()!;
    if (seen.has(file)) continue;
    seen.add(file);
    const module = graph.load(file);
    if (!module) continue;
    for (const source of dependencies(module)) {
      const target = resolveImport(file, source);
      if (target && !seen.has(target)) queue.push(target);
    }
  }

  const modules = [...graph.modules.values()].filter((m): m is Module => m !== null);
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
    for (const name of graph.exportNames(file)) {
      const target = resolveExport(analysis, file, name);
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
      exportedByOwnFile: graph.exportNames(entity.module.file).some((name) => {
        const target = resolveExport(analysis, entity.module.file, name);
        return target?.kind === 'entity' && target.entity === entity;
      }),
    });
  }

  return {
    configFile,
    patterns: [...config.schema],
    files: matched.map((f) => displayPath(f, cwd)),
    problems: graph.problems,
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
function expandPatterns(patterns: string[], base: string, cwd: string, configFile: string, problems: ModuleGraph['problems']): string[] {
  const files = new Set<string>();
  for (const pattern of patterns) {
    let hits: string[];
    if (isGlob(pattern)) {
      hits = fastGlob().sync(pattern, { cwd: base, absolute: true, onlyFiles: false, dot: false });
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

// ---------------------------------------------------------------------------------------------
// Resolution

/** What a top-level name of `module` is, when it is one of drizzle's declarations. */
function entityOf(analysis: Analysis, module: Module, name: string, seen: Set<string>): Entity | undefined {
  let entities = analysis.entities.get(module);
  if (!entities) analysis.entities.set(module, (entities = new Map()));
  const cached = entities.get(name);
  if (cached !== undefined) return cached ?? undefined;
  const key = module.file + '\0' + name;
  if (seen.has(key)) return undefined;
  seen.add(key);
  const local = module.locals.get(name);
  const entity = local ? classify(analysis, module, name, local.statement, local.init, seen) : undefined;
  entities.set(name, entity ?? null);
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
    if (object.kind === 'namespace') return resolveExport(analysis, object.file, member, seen);
    if (object.kind === 'external-namespace') return { kind: 'external', module: object.module, name: member };
    if (object.kind === 'entity' && object.entity.kind === 'pgSchema') return { kind: 'schema-member', schema: object.entity, member };
  }
  return undefined;
}

function resolveLocal(analysis: Analysis, module: Module, name: string, seen: Set<string>): Target | undefined {
  return targetOfBinding(analysis, analysis.graph.resolveName(module, name), seen);
}

/** What `file` exports under `name`, following re-exports. */
function resolveExport(analysis: Analysis, file: string, name: string, seen: Set<string> = new Set()): Target | undefined {
  return targetOfBinding(analysis, analysis.graph.resolveExport(file, name), seen);
}

function targetOfBinding(analysis: Analysis, binding: Binding | undefined, seen: Set<string>): Target | undefined {
  if (binding?.kind !== 'local') return binding;
  const entity = entityOf(analysis, binding.module, binding.name, seen);
  return entity ? { kind: 'entity', entity } : undefined;
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
        if (sequences.size === 0) for (const m of analysis.entities.values()) for (const e of m.values()) if (e?.kind === 'pgSequence' && e.sqlName) sequences.set(e.sqlName, e);
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

function qualified(table: Entity): string | undefined {
  if (table.sqlName === undefined) return undefined;
  return table.schema?.sqlName ? `${table.schema.sqlName}.${table.sqlName}` : table.sqlName;
}

function lineOf(module: Module, node: AstNode): number {
  return module.lines.position(node.start).line;
}
