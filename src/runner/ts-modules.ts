import { readFileSync } from 'node:fs';
import { dirname, extname, join, resolve } from 'node:path';
import { LineIndex } from '../engine/source.js';
import { displayPath } from './drizzle-config.js';
import { isFile } from './file-kind.js';
import { FileRefused, FileUnreadable } from './files.js';
import { loadOxcParseSync } from './oxc.js';

/**
 * The app's TypeScript / JavaScript modules, read statically with oxc-parser (never run): each
 * module's imports, top-level `const`s and exports, and what a name refers to across modules
 * (relative imports, re-exports, `export *`, namespace imports, aliases). The schema-source
 * analysis (enum-not-exported) and the deploy-path analysis (migrate() calls) both read the app
 * through it.
 */

/** oxc-parser's ESTree nodes: `{ type, start, end, …fields }` (offsets are UTF-16, like JS strings). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AstNode = any;

export type ExportEntry = { kind: 'local'; local: string } | { kind: 'from'; source: string; imported: string };

export interface SourceModule {
  file: string;
  display: string;
  text: string;
  lines: LineIndex;
  program: AstNode;
  /** local name → import. `imported` is `*` for namespace imports, `default` for default imports. */
  imports: Map<string, { source: string; imported: string }>;
  /** Top-level `const x = …` (and `export default <call>` as `default`): name → [statement, initialiser]. */
  locals: Map<string, { statement: AstNode; init: AstNode }>;
  exports: Map<string, ExportEntry>;
  /** `export * from '…'` sources. */
  stars: string[];
}

/** What a name refers to, once imports and re-exports are followed. */
export type Binding =
  | { kind: 'local'; module: SourceModule; name: string }
  | { kind: 'external'; module: string; name: string }
  | { kind: 'namespace'; file: string }
  | { kind: 'external-namespace'; module: string };

type ParseSync = (filename: string, text: string) => { program: AstNode; errors: { message: string; labels?: { start: number }[] }[] };

/** Candidates tried, in order, for an extensionless relative import. */
const RESOLVE_EXTENSIONS = ['.ts', '.tsx', '.mts', '.cts', '.js', '.jsx', '.mjs', '.cjs'];
/** TypeScript's ESM convention: `./enums.js` in source means `./enums.ts`. */
const JS_TO_TS: Record<string, string[]> = { '.js': ['.ts', '.tsx'], '.jsx': ['.tsx'], '.mjs': ['.mts'], '.cjs': ['.cts'] };

export async function loadParseSync(): Promise<ParseSync> {
  return (await loadOxcParseSync()) as unknown as ParseSync;
}

export class ModuleGraph {
  readonly modules = new Map<string, SourceModule | null>();
  readonly problems: { file: string; message: string }[] = [];

  /**
   * @param externalStar whether an `export * from '<package>'` may carry the name asked for (it
   * is not read: `export * from 'drizzle-orm/pg-core'` re-exports pgEnum, say).
   */
  constructor(
    readonly cwd: string,
    private readonly parseSync: ParseSync,
    private readonly externalStar: (source: string) => boolean = () => false,
    /** Read a file's text (the working tree by default; the git index for --staged). */
    private readonly read: (file: string) => string = (file) => readFileSync(file, 'utf8'),
    /** A file the reader refuses (a link out of the project, a FIFO…): thrown (an error naming it), or else a problem, never read. */
    private readonly refusedIsError = false,
  ) {}

  /** Parse a file (once); null when it cannot be read or parsed (recorded in `problems`). */
  load(file: string, text?: string): SourceModule | null {
    const cached = this.modules.get(file);
    if (cached !== undefined) return cached;
    const display = displayPath(file, this.cwd);
    let module: SourceModule | null = null;
    try {
      text ??= this.read(file);
      const lines = new LineIndex(text);
      const result = this.parseSync(file, text);
      const error = result.errors[0];
      if (error) {
        const at = error.labels?.[0] ? lines.position(error.labels[0].start) : undefined;
        this.problems.push({ file: display, message: at ? `${at.line}:${at.column}: ${error.message}` : error.message });
      } else {
        module = { file, display, text, lines, program: result.program, imports: new Map(), locals: new Map(), exports: new Map(), stars: [] };
        collect(module, result.program);
      }
    } catch (error) {
      if (error instanceof FileRefused && this.refusedIsError) throw error;
      const code = error instanceof FileUnreadable ? error.code : (error as NodeJS.ErrnoException).code;
      this.problems.push({ file: display, message: error instanceof FileRefused ? `not read: ${error.reason}` : code ? `cannot read the file (${code})` : `cannot parse the file (${(error as Error).message})` });
    }
    this.modules.set(file, module);
    return module;
  }

  /** What a top-level name of `module` refers to: its own declaration, or an import followed. */
  resolveName(module: SourceModule, name: string): Binding | undefined {
    if (module.locals.has(name)) return { kind: 'local', module, name };
    const imported = module.imports.get(name);
    if (!imported) return undefined;
    return this.resolveSpecifier(module.file, imported.source, imported.imported, new Set());
  }

  /** What `file` exports under `name`, following re-exports (`export … from`, `export *`). */
  resolveExport(file: string, name: string, visiting: Set<string> = new Set()): Binding | undefined {
    const key = file + '\0' + name;
    if (visiting.has(key)) return undefined;
    visiting.add(key);
    const module = this.load(file);
    if (!module) return undefined;
    const entry = module.exports.get(name);
    if (entry?.kind === 'local') {
      if (module.locals.has(entry.local)) return { kind: 'local', module, name: entry.local };
      const imported = module.imports.get(entry.local);
      // Not a `const` nor an import: an exported function or class declaration.
      return imported ? this.resolveSpecifier(file, imported.source, imported.imported, visiting) : { kind: 'local', module, name: entry.local };
    }
    if (entry?.kind === 'from') return this.resolveSpecifier(file, entry.source, entry.imported, visiting);
    if (name === 'default') return undefined; // `export *` never re-exports a default
    for (const source of module.stars) {
      const target = resolveImport(file, source);
      if (!target) {
        if (!source.startsWith('.') && this.externalStar(source)) return { kind: 'external', module: source, name };
        continue;
      }
      const found = this.resolveExport(target, name, visiting);
      if (found) return found;
    }
    return undefined;
  }

  /** Every name `file` exports, `export *` included (which never carries `default`). */
  exportNames(file: string, visiting: Set<string> = new Set()): string[] {
    if (visiting.has(file)) return [];
    visiting.add(file);
    const module = this.load(file);
    if (!module) return [];
    const names = new Set(module.exports.keys());
    for (const source of module.stars) {
      const target = resolveImport(file, source);
      if (!target) continue;
      for (const name of this.exportNames(target, visiting)) if (name !== 'default') names.add(name);
    }
    return [...names];
  }

  private resolveSpecifier(from: string, source: string, imported: string, visiting: Set<string>): Binding | undefined {
    const file = resolveImport(from, source);
    if (!file) {
      if (source.startsWith('.')) return undefined;
      return imported === '*' ? { kind: 'external-namespace', module: source } : { kind: 'external', module: source, name: imported };
    }
    return imported === '*' ? { kind: 'namespace', file } : this.resolveExport(file, imported, visiting);
  }
}

/** The sources a module imports or re-exports from. */
export function dependencies(module: SourceModule): string[] {
  const sources = new Set<string>(module.stars);
  for (const i of module.imports.values()) sources.add(i.source);
  for (const e of module.exports.values()) if (e.kind === 'from') sources.add(e.source);
  return [...sources];
}

/** Resolve a relative import the way TypeScript projects write them; bare specifiers are not followed. */
export function resolveImport(from: string, source: string): string | undefined {
  if (!source.startsWith('./') && !source.startsWith('../') && source !== '.' && source !== '..') return undefined;
  const path = resolve(dirname(from), source);
  const ext = extname(path);
  const candidates: string[] = [];
  if (JS_TO_TS[ext]) candidates.push(...JS_TO_TS[ext].map((e) => path.slice(0, -ext.length) + e));
  if (ext) candidates.push(path);
  candidates.push(...RESOLVE_EXTENSIONS.map((e) => path + e), ...RESOLVE_EXTENSIONS.map((e) => join(path, 'index' + e)));
  return candidates.find(isFile);
}

/** Record the module's imports, top-level declarations and exports. */
function collect(module: SourceModule, program: AstNode): void {
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
        // `export * as ns from` exports a namespace object.
        if (statement.exported) module.exports.set(nameOf(statement.exported), { kind: 'from', source, imported: '*' });
        else module.stars.push(source);
        break;
      }
      case 'ExportDefaultDeclaration': {
        const declaration = unwrap(statement.declaration);
        if (declaration?.type === 'Identifier') {
          module.exports.set('default', { kind: 'local', local: declaration.name });
        } else if (declaration?.type === 'CallExpression') {
          module.locals.set('default', { statement, init: declaration });
          module.exports.set('default', { kind: 'local', local: 'default' });
        }
        break;
      }
    }
  }
}

/** Register `const a = …, b = …`; returns the declared names. */
function declare(module: SourceModule, statement: AstNode, declaration: AstNode): string[] {
  const names: string[] = [];
  if (declaration.declare) return names;
  for (const declarator of declaration.declarations ?? []) {
    // CommonJS: `const pg = require('pg')`, `const { migrate } = require('drizzle-orm/node-postgres/migrator')`.
    const required = requireSource(declarator.init);
    if (required !== undefined) {
      if (declarator.id?.type === 'Identifier') module.imports.set(declarator.id.name, { source: required, imported: '*' });
      for (const property of declarator.id?.type === 'ObjectPattern' ? declarator.id.properties : []) {
        if (property.type === 'Property' && !property.computed && property.value?.type === 'Identifier') module.imports.set(property.value.name, { source: required, imported: nameOf(property.key) });
      }
      continue;
    }
    if (declarator.id?.type !== 'Identifier') continue;
    names.push(declarator.id.name);
    if (declarator.init) module.locals.set(declarator.id.name, { statement, init: declarator.init });
  }
  return names;
}

function requireSource(init: AstNode): string | undefined {
  const call = unwrap(init);
  if (call?.type !== 'CallExpression' || call.callee?.type !== 'Identifier' || call.callee.name !== 'require' || call.arguments?.length !== 1) return undefined;
  return stringValue(call.arguments[0]);
}

export function nameOf(node: AstNode): string {
  return node?.type === 'Literal' ? String(node.value) : String(node?.name);
}

/** Strip parentheses and TypeScript-only wrappers (`x as T`, `x!`, `x satisfies T`). */
export function unwrap(node: AstNode): AstNode {
  while (
    node &&
    (node.type === 'ParenthesizedExpression' || node.type === 'TSAsExpression' || node.type === 'TSSatisfiesExpression' || node.type === 'TSNonNullExpression' || node.type === 'TSTypeAssertion')
  ) {
    node = node.expression;
  }
  return node;
}

/** The value of a string literal, or of a template literal without expressions. */
export function stringValue(node: AstNode): string | undefined {
  node = unwrap(node);
  if (node?.type === 'Literal' && typeof node.value === 'string') return node.value;
  if (node?.type === 'TemplateLiteral' && node.expressions.length === 0) return String(node.quasis[0]?.value?.cooked ?? '');
  return undefined;
}
