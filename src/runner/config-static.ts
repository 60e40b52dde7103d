import { join, resolve } from 'node:path';
import { LineIndex } from '../engine/source.js';

/**
 * A drizzle config evaluated *statically*: parsed with oxc-parser, never run. What it can know
 * without running the file: literals; `const`s of the same file; shorthand properties; template
 * literals over those; `path.join` / `path.resolve` of them (and `__dirname`,
 * `import.meta.dirname`); `process.env.X ?? '…'` (X from the environment when it is set, else the
 * default; a `.env` file is not read). Everything else is *unknown*, and says which expression.
 */

/** oxc-parser's ESTree nodes: `{ type, start, end, …fields }` (offsets are UTF-16, like JS strings). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AstNode = { type: string; start: number; end: number } & Record<string, any>;

/** A value read from the config: known, or not (the expression that could not be evaluated). */
export type Static = { known: true; value: StaticValue } | { known: false; node: AstNode };
export type StaticValue = string | number | boolean | null | StaticValue[] | StaticObject;

/** An object literal: its properties as written (evaluated when read), and a spread that could set any of them. */
export interface StaticObject {
  kind: 'object';
  properties: Map<string, AstNode>;
  /** `...x` that could not be evaluated: a key not written after it may come from it. */
  opaque?: AstNode;
}

export class ConfigSource {
  /** Top-level `const` initialisers by name. */
  private readonly consts = new Map<string, AstNode>();
  /** Local names bound to node:path (`import path from 'node:path'`, `const path = require('path')`). */
  private readonly pathModules = new Set<string>();
  /** Local names bound to a node:path function (`import { join as j } from 'node:path'`). */
  private readonly pathFunctions = new Map<string, string>();
  private readonly lines: LineIndex;
  /** The exported config expression (`export default …`, `module.exports = …`), when there is one. */
  readonly exported?: AstNode;

  constructor(
    readonly text: string,
    program: AstNode,
    /** The config's folder: `__dirname`, and what relative paths are relative to. */
    readonly dir: string,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {
    this.lines = new LineIndex(text);
    for (const statement of program.body as AstNode[]) {
      const declaration = statement.type === 'ExportNamedDeclaration' ? statement.declaration : statement;
      if (declaration?.type === 'VariableDeclaration') {
        for (const d of declaration.declarations as AstNode[]) this.bind(d, declaration.kind === 'const');
      } else if (statement.type === 'ImportDeclaration' && isPathModule(statement.source.value)) {
        for (const s of statement.specifiers as AstNode[]) {
          if (s.type === 'ImportSpecifier') this.pathFunctions.set(s.local.name, s.imported.name ?? s.imported.value);
          else this.pathModules.add(s.local.name);
        }
      } else if (statement.type === 'ExportDefaultDeclaration') {
        this.exported = statement.declaration;
      } else if (statement.type === 'ExpressionStatement' && statement.expression.type === 'AssignmentExpression' && isModuleExports(statement.expression.left)) {
        this.exported = statement.expression.right;
      }
    }
  }

  private bind(d: AstNode, constant: boolean): void {
    const init = d.init as AstNode | null;
    const required = init && unwrap(init).type === 'CallExpression' ? requiredPath(unwrap(init)) : false;
    if (d.id.type === 'Identifier') {
      if (required) this.pathModules.add(d.id.name);
      else if (constant && init) this.consts.set(d.id.name, init);
    } else if (d.id.type === 'ObjectPattern' && required) {
      for (const p of d.id.properties as AstNode[]) if (p.type === 'Property' && p.value.type === 'Identifier') this.pathFunctions.set(p.value.name, p.key.name);
    }
  }

  /** The config object: the default export, through `defineConfig(…)`, `satisfies`, `as` and a `const`. */
  configObject(): Static {
    if (!this.exported) return { known: false, node: { type: 'Program', start: 0, end: 0 } };
    let node = unwrap(this.exported);
    for (const seen = new Set<string>(); ; ) {
      if (node.type === 'Identifier' && this.consts.has(node.name) && !seen.has(node.name)) {
        seen.add(node.name);
        node = unwrap(this.consts.get(node.name)!);
      } else if (node.type === 'CallExpression' && node.callee.type === 'Identifier' && node.callee.name === 'defineConfig' && node.arguments.length === 1) {
        node = unwrap(node.arguments[0]);
      } else break;
    }
    return this.evaluate(node);
  }

  /** A property of an evaluated object: undefined when it is not written (and no opaque spread could write it). */
  property(object: StaticObject, key: string): Static | undefined {
    const node = object.properties.get(key);
    if (node) return this.evaluate(node);
    if (object.opaque) return { known: false, node: object.opaque };
    return undefined;
  }

  /** The text of an expression on one line (its spacing collapsed), for messages. */
  quote(node: AstNode): string {
    return this.text.slice(node.start, node.end).replace(/\s+/g, ' ').trim();
  }

  /** `line:column` of a node, for messages. */
  where(node: AstNode): string {
    const at = this.lines.position(node.start);
    return `${at.line}:${at.column}`;
  }

  evaluate(input: AstNode, seen: ReadonlySet<string> = new Set()): Static {
    const node = unwrap(input);
    const unknown: Static = { known: false, node };
    const known = (value: StaticValue): Static => ({ known: true, value });
    switch (node.type) {
      case 'Literal':
        return typeof node.value === 'string' || typeof node.value === 'number' || typeof node.value === 'boolean' || node.value === null ? known(node.value) : unknown;
      case 'TemplateLiteral': {
        let out = '';
        for (let i = 0; i < node.quasis.length; i++) {
          const cooked = node.quasis[i].value.cooked;
          if (typeof cooked !== 'string') return unknown;
          out += cooked;
          if (i < node.expressions.length) {
            const part = this.evaluate(node.expressions[i], seen);
            if (!part.known) return part;
            if (typeof part.value !== 'string' && typeof part.value !== 'number' && typeof part.value !== 'boolean') return unknown;
            out += String(part.value);
          }
        }
        return known(out);
      }
      case 'Identifier': {
        if (node.name === '__dirname') return known(this.dir);
        const init = this.consts.get(node.name);
        if (!init || seen.has(node.name)) return unknown;
        // Not understood: the part of its initialiser that is not (what a message should point at).
        return this.evaluate(init, new Set([...seen, node.name]));
      }
      case 'ArrayExpression': {
        const values: StaticValue[] = [];
        for (const element of node.elements as (AstNode | null)[]) {
          if (!element || element.type === 'SpreadElement') return unknown;
          const value = this.evaluate(element, seen);
          if (!value.known) return value;
          values.push(value.value);
        }
        return known(values);
      }
      case 'ObjectExpression':
        return this.object(node, seen);
      case 'MemberExpression':
        // import.meta.dirname (Node 20.11+, Bun, Deno): the config's folder.
        if (node.object.type === 'MetaProperty' && !node.computed && node.property.name === 'dirname') return known(this.dir);
        return unknown;
      case 'LogicalExpression': {
        // process.env.X ?? 'default', process.env.X || 'default'
        const name = envName(node.left);
        if (name === undefined || (node.operator !== '??' && node.operator !== '||')) return unknown;
        const set = this.env[name];
        if (node.operator === '??' ? set !== undefined : Boolean(set)) return known(set!);
        return this.evaluate(node.right, seen);
      }
      case 'CallExpression':
        return this.pathCall(node, seen) ?? unknown;
      default:
        return unknown;
    }
  }

  private object(node: AstNode, seen: ReadonlySet<string>): Static {
    const object: StaticObject = { kind: 'object', properties: new Map() };
    for (const p of node.properties as AstNode[]) {
      if (p.type === 'SpreadElement') {
        const spread = this.evaluate(p.argument, seen);
        if (spread.known && isObject(spread.value)) {
          for (const [key, value] of spread.value.properties) object.properties.set(key, value);
          if (spread.value.opaque) object.opaque = spread.value.opaque;
        } else {
          // Whatever it holds may set any key: keys written after it still win.
          object.properties.clear();
          object.opaque = p;
        }
        continue;
      }
      const key = p.computed ? undefined : p.key.type === 'Identifier' ? p.key.name : typeof p.key.value === 'string' ? p.key.value : undefined;
      if (key === undefined || p.kind !== 'init' || p.method) {
        // A computed key may be any key.
        object.properties.clear();
        object.opaque = p;
        continue;
      }
      object.properties.set(key, p.value);
    }
    return { known: true, value: object };
  }

  /** `path.join(…)`, `path.resolve(…)` (also `path.posix.*` and imported `join` / `resolve`) of known strings. */
  private pathCall(node: AstNode, seen: ReadonlySet<string>): Static | undefined {
    const callee = node.callee as AstNode;
    let fn: string | undefined;
    if (callee.type === 'Identifier') fn = this.pathFunctions.get(callee.name);
    else if (callee.type === 'MemberExpression' && !callee.computed) {
      const object = callee.object as AstNode;
      const onPath = object.type === 'Identifier' ? this.pathModules.has(object.name) : object.type === 'MemberExpression' && !object.computed && object.object.type === 'Identifier' && this.pathModules.has(object.object.name) && object.property.name === 'posix';
      if (onPath) fn = callee.property.name;
    }
    if (fn !== 'join' && fn !== 'resolve') return undefined;
    const parts: string[] = [];
    for (const argument of node.arguments as AstNode[]) {
      if (argument.type === 'SpreadElement') return undefined;
      const part = this.evaluate(argument, seen);
      if (!part.known) return part;
      if (typeof part.value !== 'string') return undefined;
      parts.push(part.value);
    }
    // resolve() is relative to the working directory drizzle-kit runs in: the config's folder.
    if (fn === 'join') return { known: true, value: parts.length ? join(...parts) : '.' };
    return { known: true, value: resolve(this.dir, ...parts) };
  }
}

export function isObject(value: StaticValue): value is StaticObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Through the expressions that do not change a value: parentheses, `as`, `satisfies`, `!`. */
function unwrap(node: AstNode): AstNode {
  let n = node;
  while (['ParenthesizedExpression', 'TSAsExpression', 'TSSatisfiesExpression', 'TSNonNullExpression', 'TSTypeAssertion'].includes(n.type)) n = n.expression;
  return n;
}

function isPathModule(name: unknown): boolean {
  return name === 'path' || name === 'node:path' || name === 'path/posix' || name === 'node:path/posix';
}

/** `require('path')`. */
function requiredPath(call: AstNode): boolean {
  return call.callee.type === 'Identifier' && call.callee.name === 'require' && call.arguments.length === 1 && call.arguments[0].type === 'Literal' && isPathModule(call.arguments[0].value);
}

function isModuleExports(node: AstNode): boolean {
  return node.type === 'MemberExpression' && !node.computed && node.object.type === 'Identifier' && node.object.name === 'module' && node.property.name === 'exports';
}

/** `process.env.X` / `process.env['X']`: X. */
function envName(input: AstNode): string | undefined {
  const node = unwrap(input);
  if (node.type !== 'MemberExpression') return undefined;
  const env = node.object;
  if (env.type !== 'MemberExpression' || env.computed || env.object.type !== 'Identifier' || env.object.name !== 'process' || env.property.name !== 'env') return undefined;
  if (!node.computed) return node.property.name;
  return node.property.type === 'Literal' && typeof node.property.value === 'string' ? node.property.value : undefined;
}
