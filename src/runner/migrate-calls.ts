import { existsSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import type { MigrateCallFacts, MigrateLockFacts, SourcePosition } from '../engine/types.js';
import { displayPath } from './drizzle-config.js';
import { nameOf, stringValue, unwrap, type AstNode, type ModuleGraph, type SourceModule } from './ts-modules.js';

/**
 * The app's migrate() calls and how each is serialized, read statically from the module graph:
 * which connection migrate() runs on, which advisory locks are taken and released around it and
 * on which connection, and the options it passes. Values are followed through `const`s, function
 * parameters (by their TypeScript type, or through the call of a helper in the app), imports and
 * re-exports; what cannot be followed is left unknown, and an unknown never makes a finding.
 */

/** `drizzle-orm/<driver>/migrator` of the PostgreSQL drivers. */
const MIGRATOR = /^drizzle-orm\/(.+)\/migrator$/;
const PG_DRIVERS = new Set(['node-postgres', 'postgres-js', 'neon-serverless', 'neon-http', 'vercel-postgres', 'pglite', 'pg-proxy', 'aws-data-api/pg', 'xata-http', 'bun-sql', 'netlify-db']);
/** Drivers whose session runs `begin` on the client it was given, so migrate() can join a transaction the app opened (node-postgres' session code). */
const JOINS_OPEN_TRANSACTION = new Set(['node-postgres', 'neon-serverless', 'vercel-postgres']);
const ADVISORY = /\bpg_(try_)?advisory_(xact_)?(lock|unlock|unlock_all)(_shared)?\s*\(/i;
const BEGIN = /^\s*(begin|start\s+transaction)\b/i;
const PG_CLIENT_LIBS = new Set(['pg', '@neondatabase/serverless', '@vercel/postgres']);

// ---------------------------------------------------------------------------------------------
// Index: functions, declarations, calls and try statements of a module

interface Fn {
  node: AstNode;
  parent?: Fn;
  params: Map<string, AstNode>;
  /** Variable declarators and function declarations directly in this function (not nested ones). */
  decls: Map<string, AstNode[]>;
  /** The call this function is an argument of (`db.transaction(async (tx) => …)`), and its position there. */
  argumentOf?: { call: AstNode; index: number };
}

interface Indexed {
  module: SourceModule;
  program: Fn;
  calls: { node: AstNode; fn: Fn }[];
  tries: AstNode[];
  fnOf: Map<AstNode, Fn>;
}

const FUNCTION_TYPES = new Set(['FunctionDeclaration', 'FunctionExpression', 'ArrowFunctionExpression']);

function index(module: SourceModule): Indexed {
  const program: Fn = { node: module.program, params: new Map(), decls: new Map() };
  const ix: Indexed = { module, program, calls: [], tries: [], fnOf: new Map([[module.program, program]]) };
  const declare = (fn: Fn, name: string, node: AstNode) => {
    const list = fn.decls.get(name) ?? [];
    list.push(node);
    fn.decls.set(name, list);
  };
  const walk = (node: AstNode, fn: Fn): void => {
    if (!node || typeof node !== 'object') return;
    if (Array.isArray(node)) {
      for (const child of node) walk(child, fn);
      return;
    }
    if (typeof node.type !== 'string') return;
    if (FUNCTION_TYPES.has(node.type)) {
      if (node.type === 'FunctionDeclaration' && node.id?.name) declare(fn, node.id.name, node);
      const inner: Fn = { node, parent: fn, params: new Map(), decls: new Map() };
      for (const param of node.params ?? []) {
        const id = param.type === 'AssignmentPattern' ? param.left : param.type === 'TSParameterProperty' ? param.parameter : param;
        if (id?.type === 'Identifier') inner.params.set(id.name, id);
      }
      ix.fnOf.set(node, inner);
      walk(node.body, inner);
      return;
    }
    if (node.type === 'VariableDeclarator' && node.id?.type === 'Identifier') declare(fn, node.id.name, node);
    if (node.type === 'CallExpression' || node.type === 'TaggedTemplateExpression' || node.type === 'NewExpression') {
      ix.calls.push({ node, fn });
      (node.arguments ?? []).forEach((arg: AstNode, i: number) => {
        if (FUNCTION_TYPES.has(arg?.type)) pendingArgs.set(arg, { call: node, index: i });
      });
    }
    if (node.type === 'TryStatement') ix.tries.push(node);
    for (const field of Object.keys(node)) {
      if (field === 'type' || field === 'start' || field === 'end' || field === 'range' || field === 'loc' || field === 'typeAnnotation' || field === 'returnType') continue;
      const child = node[field];
      if (child && typeof child === 'object') walk(child, fn);
    }
  };
  const pendingArgs = new Map<AstNode, { call: AstNode; index: number }>();
  walk(module.program.body, program);
  for (const [node, at] of pendingArgs) {
    const fn = ix.fnOf.get(node);
    if (fn) fn.argumentOf = at;
  }
  return ix;
}

// ---------------------------------------------------------------------------------------------
// Values

/** A database connection or something holding one, with the node that created it (its identity). */
type Value =
  | { kind: 'client' | 'pool'; id: AstNode; name: string; lib: string; in?: SourceModule; /** The pool a client was checked out of. */ pool?: Value }
  /** postgres.js: `postgres(url, { max: 1 })` is one connection, anything else a pool. */
  | { kind: 'postgres-js'; id: AstNode; name: string; single: boolean; in?: SourceModule }
  | { kind: 'http'; id: AstNode; name: string }
  | { kind: 'drizzle'; id: AstNode; name: string; driver: string; over: Value }
  /** The callback parameter of `db.transaction(…)` / `sql.begin(…)`. */
  | { kind: 'tx'; id: AstNode; name: string; over: Value; callback: AstNode }
  | { kind: 'external'; module: string; name: string }
  | { kind: 'string'; value: string }
  | { kind: 'object'; node: AstNode; env: Env }
  | { kind: 'function'; node: AstNode; env: Env }
  | { kind: 'unknown'; id?: AstNode; name: string };

interface Env {
  ix: Indexed;
  fn: Fn;
  /** Offset the lookup is made from (a declaration counts when it comes before it). */
  at: number;
  /** The parameters of an inlined helper, bound to the arguments of the call being analysed. */
  args?: { fn: Fn; values: Map<string, { expr: AstNode; env: Env }> };
}

class Resolver {
  private indexes = new Map<SourceModule, Indexed>();
  private depth = 0;

  constructor(readonly graph: ModuleGraph) {}

  indexed(module: SourceModule): Indexed {
    let ix = this.indexes.get(module);
    if (!ix) this.indexes.set(module, (ix = index(module)));
    return ix;
  }

  programEnv(module: SourceModule): Env {
    const ix = this.indexed(module);
    return { ix, fn: ix.program, at: Number.MAX_SAFE_INTEGER };
  }

  value(expr: AstNode, env: Env): Value {
    if (this.depth > 40) return { kind: 'unknown', name: '…' };
    this.depth++;
    try {
      return this.valueOf(unwrap(expr), env);
    } finally {
      this.depth--;
    }
  }

  private valueOf(node: AstNode, env: Env): Value {
    if (!node) return { kind: 'unknown', name: '' };
    switch (node.type) {
      case 'AwaitExpression':
        return this.value(node.argument, env);
      case 'Identifier':
        return this.identifier(node.name, env, node);
      case 'Literal':
        return typeof node.value === 'string' ? { kind: 'string', value: node.value } : { kind: 'unknown', name: String(node.raw ?? '') };
      case 'TemplateLiteral': {
        const text = this.templateText(node, env);
        return text === undefined ? { kind: 'unknown', name: 'template' } : { kind: 'string', value: text };
      }
      case 'BinaryExpression': {
        if (node.operator !== '+') break;
        const a = this.value(node.left, env);
        const b = this.value(node.right, env);
        return a.kind === 'string' && b.kind === 'string' ? { kind: 'string', value: a.value + b.value } : { kind: 'unknown', name: 'expression' };
      }
      case 'ObjectExpression':
        return { kind: 'object', node, env };
      case 'FunctionExpression':
      case 'ArrowFunctionExpression':
      case 'FunctionDeclaration':
        return { kind: 'function', node, env };
      case 'MemberExpression': {
        if (node.computed) break;
        const property = nameOf(node.property);
        const object = this.value(node.object, env);
        if (object.kind === 'external' && (object.name === '*' || object.name === 'default')) return { kind: 'external', module: object.module, name: property };
        if (object.kind === 'drizzle' && property === '$client') return object.over;
        if (object.kind === 'object') {
          const found = propertyOf(object.node, property);
          if (found) return this.value(found, object.env);
        }
        return { kind: 'unknown', name: sourceText(env.ix.module, node) };
      }
      case 'NewExpression':
      case 'CallExpression':
        return this.created(node, env);
    }
    return { kind: 'unknown', name: sourceText(env.ix.module, node) };
  }

  /** What a call or `new` creates: a client, a pool, a drizzle instance, a pool's client… */
  private created(node: AstNode, env: Env): Value {
    const callee = unwrap(node.callee);
    const name = sourceText(env.ix.module, node);
    if (callee?.type === 'MemberExpression' && !callee.computed) {
      const method = nameOf(callee.property);
      const object = this.value(callee.object, env);
      if (method === 'connect' && object.kind === 'pool') return { kind: 'client', id: node, name: `${object.name}.connect()`, lib: object.lib, in: env.ix.module, pool: object };
      if (method === 'reserve' && object.kind === 'postgres-js') return { kind: 'postgres-js', id: node, name, single: true, in: env.ix.module };
      if (object.kind !== 'external') return { kind: 'unknown', name };
    }
    const target = this.value(callee, env);
    if (target.kind !== 'external') return { kind: 'unknown', name };
    const args = node.arguments ?? [];
    if (PG_CLIENT_LIBS.has(target.module)) {
      if (target.name === 'Client' || target.name === 'createClient') return { kind: 'client', id: node, name, lib: target.module, in: env.ix.module };
      if (target.name === 'Pool' || target.name === 'createPool') return { kind: 'pool', id: node, name, lib: target.module, in: env.ix.module };
      if (target.name === 'neon') return { kind: 'http', id: node, name };
    }
    if (target.module === 'postgres' && (target.name === 'default' || target.name === '*')) {
      const options = args.find((a: AstNode) => unwrap(a)?.type === 'ObjectExpression');
      const max = options ? propertyOf(unwrap(options), 'max') : undefined;
      return { kind: 'postgres-js', id: node, name, single: unwrap(max)?.type === 'Literal' && unwrap(max).value === 1, in: env.ix.module };
    }
    if (target.module === 'bun' && target.name === 'SQL') {
      // Bun's own client is a pool (10 connections by default); `max: 1` makes it one connection.
      const options = args.map(unwrap).find((a: AstNode) => a?.type === 'ObjectExpression');
      const max = unwrap(options ? propertyOf(options, 'max') : undefined);
      return { kind: max?.type === 'Literal' && max.value === 1 ? 'client' : 'pool', id: node, name, lib: 'bun', in: env.ix.module };
    }
    const driver = /^drizzle-orm\/(.+)$/.exec(target.module)?.[1];
    if (driver && target.name === 'drizzle') return { kind: 'drizzle', id: node, name, driver, over: this.drizzleClient(driver, node, args, env) };
    return { kind: 'unknown', name };
  }

  /** What drizzle(…) runs on: its client, or the pool it creates itself from a URL or `connection`. */
  private drizzleClient(driver: string, node: AstNode, args: AstNode[], env: Env): Value {
    const first = unwrap(args[0]);
    const own = (): Value => {
      const name = `the pool that \`${sourceText(env.ix.module, node)}\` opens`;
      if (driver === 'neon-http') return { kind: 'http', id: node, name };
      if (driver === 'postgres-js') return { kind: 'postgres-js', id: node, name, single: false, in: env.ix.module };
      return { kind: 'pool', id: node, name, lib: driver, in: env.ix.module };
    };
    if (driver === 'neon-http') return own();
    if (!first) return { kind: 'unknown', name: '' };
    if (first.type === 'ObjectExpression') {
      const client = propertyOf(first, 'client');
      if (client) return this.value(client, env);
      return propertyOf(first, 'connection') ? own() : { kind: 'unknown', name: '' };
    }
    const value = this.value(first, env);
    if (value.kind === 'string' || (value.kind === 'unknown' && /process\.env|Bun\.env|import\.meta\.env/.test(value.name))) return own();
    return value;
  }

  private identifier(name: string, env: Env, node: AstNode): Value {
    for (let fn: Fn | undefined = env.fn; fn; fn = fn.parent) {
      const bound = env.args?.fn === fn ? env.args.values.get(name) : undefined;
      if (bound) return this.value(bound.expr, bound.env);
      const param = fn.params.get(name);
      if (param) return this.parameter(name, param, fn, env);
      const decls = fn.decls.get(name);
      if (decls?.length) {
        const before = decls.filter((d) => d.type === 'FunctionDeclaration' || d.start < env.at);
        const decl = before[before.length - 1] ?? decls[0];
        if (decl.type === 'FunctionDeclaration') return { kind: 'function', node: decl, env: { ...env, fn, at: decl.start } };
        if (!decl.init) return { kind: 'unknown', id: decl, name };
        return this.named(this.value(decl.init, { ...env, fn, at: decl.start }), decl, name);
      }
      if (fn === env.ix.program) break;
    }
    const module = env.ix.module;
    const binding = this.graph.resolveName(module, name);
    if (!binding) {
      if (name === 'process' || name === 'Bun') return { kind: 'unknown', name };
      return { kind: 'unknown', id: node, name };
    }
    if (binding.kind === 'external') return binding;
    if (binding.kind === 'external-namespace') return { kind: 'external', module: binding.module, name: '*' };
    if (binding.kind === 'namespace') return { kind: 'unknown', name };
    const local = binding.module.locals.get(binding.name);
    if (local) return this.named(this.value(local.init, this.programEnv(binding.module)), local.statement, binding.name);
    // A function declared at the top of a module (exported or not).
    const fnDecl = this.indexed(binding.module).program.decls.get(binding.name)?.find((d) => d.type === 'FunctionDeclaration');
    if (fnDecl) return { kind: 'function', node: fnDecl, env: { ...this.programEnv(binding.module), at: fnDecl.start } };
    return { kind: 'unknown', name };
  }

  /** Keep a value's identity, but name it after the variable it is read through. */
  private named(value: Value, decl: AstNode, name: string): Value {
    if (value.kind === 'unknown') return { kind: 'unknown', id: value.id ?? decl, name };
    if ('id' in value && 'name' in value && value.kind !== 'tx') return { ...value, name };
    return value;
  }

  /** A parameter: the callback argument of `db.transaction` / `sql.begin`, or known by its type. */
  private parameter(name: string, param: AstNode, fn: Fn, env: Env): Value {
    const call = fn.argumentOf;
    if (call && fn.node.params?.[0] === param) {
      const callee = unwrap(call.call.callee);
      if (callee?.type === 'MemberExpression' && !callee.computed && ['transaction', 'begin'].includes(nameOf(callee.property))) {
        const over = this.value(callee.object, { ...env, fn: fn.parent ?? fn, at: call.call.start });
        return { kind: 'tx', id: param, name, over, callback: fn.node };
      }
    }
    const type = typeName(param.typeAnnotation?.typeAnnotation);
    if (type === 'Client' || type === 'PoolClient' || type === 'VercelClient') return { kind: 'client', id: param, name, lib: 'pg' };
    if (type === 'Pool' || type === 'VercelPool') return { kind: 'pool', id: param, name, lib: 'pg' };
    return { kind: 'unknown', id: param, name };
  }

  templateText(node: AstNode, env: Env): string | undefined {
    let text = '';
    for (let i = 0; i < node.quasis.length; i++) {
      text += String(node.quasis[i].value?.cooked ?? node.quasis[i].value?.raw ?? '');
      if (i < node.expressions.length) {
        const part = this.value(node.expressions[i], env);
        if (part.kind !== 'string') return undefined;
        text += part.value;
      }
    }
    return text;
  }

  /** The SQL text a call runs, when it is written in it: `client.query('…')`, ``sql`…` ``, ``db.execute(sql`…`)``. */
  sqlOf(node: AstNode, env: Env): string | undefined {
    if (node.type === 'TaggedTemplateExpression') return node.quasi.quasis.map((q: AstNode) => String(q.value?.cooked ?? q.value?.raw ?? '')).join('$1');
    for (const raw of node.arguments ?? []) {
      const arg = unwrap(raw);
      if (arg?.type === 'TaggedTemplateExpression') return this.sqlOf(arg, env);
      if (arg?.type === 'CallExpression' && arg.callee?.type === 'MemberExpression' && nameOf(arg.callee.property) === 'raw') return stringValue(arg.arguments?.[0]);
      const value = arg?.type === 'ObjectExpression' ? this.value(propertyOf(arg, 'text'), env) : this.value(arg, env);
      if (value.kind === 'string') return value.value;
    }
    return undefined;
  }
}

function propertyOf(object: AstNode, key: string): AstNode | undefined {
  for (const property of object?.properties ?? []) {
    if (property.type !== 'Property' || property.computed) continue;
    if (nameOf(property.key) === key) return property.value;
  }
  return undefined;
}

function typeName(type: AstNode): string | undefined {
  if (type?.type !== 'TSTypeReference') return undefined;
  const name = type.typeName;
  return name?.type === 'Identifier' ? name.name : name?.type === 'TSQualifiedName' ? nameOf(name.right) : undefined;
}

/** A short one-line excerpt of the source, control characters replaced (it is printed in findings). */
function sourceText(module: SourceModule, node: AstNode): string {
  // eslint-disable-next-line no-control-regex
  const text = module.text.slice(node.start, node.end).replace(/\s+/g, ' ').replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
  return text.length > 60 ? `${text.slice(0, 57)}…` : text;
}

// ---------------------------------------------------------------------------------------------
// Operations around migrate()

type OpKind = 'lock' | 'xact' | 'unlock' | 'begin' | 'end' | 'exit';

interface Op {
  kind: OpKind;
  /** Where it counts in the frame's module (a helper's ops count at the helper's call). */
  pos: number;
  /** Where to point a finding. */
  at: SourcePosition;
  on: Value;
}

/** The connection a value runs its queries on (a drizzle instance's client). */
function connectionOf(value: Value): Value {
  return value.kind === 'drizzle' ? value.over : value;
}

function identity(value: Value): AstNode | undefined {
  return 'id' in value ? value.id : undefined;
}

function sameConnection(a: Value, b: Value): boolean | undefined {
  const x = connectionOf(a);
  const y = connectionOf(b);
  if (x.kind === 'tx' || y.kind === 'tx') return x.kind === 'tx' && y.kind === 'tx' ? x.id === y.id : false;
  const ix = identity(x);
  const iy = identity(y);
  if (ix && iy) return ix === iy;
  return undefined;
}

function isPooled(value: Value): boolean {
  const c = connectionOf(value);
  return c.kind === 'pool' || (c.kind === 'postgres-js' && !c.single);
}

class Frame {
  readonly ops: Op[] = [];

  constructor(
    private readonly resolver: Resolver,
    readonly ix: Indexed,
  ) {}

  /** Collect the advisory-lock, BEGIN and end operations of the calls in `fns` (inlining helpers of the app one level deep). */
  collect(fns: Set<Fn>, env: (fn: Fn, at: number) => Env, depth = 0): void {
    for (const { node, fn } of this.ix.calls) {
      if (!fns.has(fn)) continue;
      const here = env(fn, node.start);
      const at = position(this.ix.module, node);
      const sql = this.resolver.sqlOf(node, here);
      if (sql !== undefined) {
        const kind = opKind(sql);
        if (kind) {
          const on = receiver(this.resolver, node, here);
          if (on) this.ops.push({ kind, pos: node.start, at, on });
          continue;
        }
      }
      const callee = unwrap(node.callee);
      if (node.type !== 'CallExpression') continue;
      if (callee?.type === 'MemberExpression' && !callee.computed) {
        const method = nameOf(callee.property);
        if (method === 'exit' && unwrap(callee.object)?.type === 'Identifier' && unwrap(callee.object).name === 'process') this.ops.push({ kind: 'exit', pos: node.start, at, on: { kind: 'unknown', name: 'process' } });
        else if (method === 'end' || method === 'close') this.ops.push({ kind: 'end', pos: node.start, at, on: this.resolver.value(callee.object, here) });
        continue;
      }
      // A helper of the app (`await acquireLock(client)`): its operations count at this call.
      if (depth === 0 && callee?.type === 'Identifier') {
        const helper = this.resolver.value(callee, here);
        if (helper.kind !== 'function') continue;
        const inner = this.inline(helper, node, here);
        if (!inner) continue;
        const nested = new Frame(this.resolver, inner.ix);
        nested.collect(inner.fns, inner.env, depth + 1);
        for (const op of nested.ops) if (op.kind !== 'end' && op.kind !== 'exit') this.ops.push({ ...op, pos: node.start });
      }
    }
  }

  /** The function of a helper with its parameters bound to a call's arguments. */
  inline(helper: Extract<Value, { kind: 'function' }>, call: AstNode, callEnv: Env): { ix: Indexed; fn: Fn; fns: Set<Fn>; env: (fn: Fn, at: number) => Env } | undefined {
    const ix = helper.env.ix;
    const fn = ix.fnOf.get(helper.node);
    if (!fn) return undefined;
    const values = new Map<string, { expr: AstNode; env: Env }>();
    (helper.node.params ?? []).forEach((p: AstNode, i: number) => {
      const id = p.type === 'AssignmentPattern' ? p.left : p;
      if (id?.type === 'Identifier' && call.arguments?.[i]) values.set(id.name, { expr: call.arguments[i], env: callEnv });
    });
    const fns = new Set<Fn>([...ix.fnOf.values()].filter((f) => within(f, fn) && !isCallback(f, fn)));
    return { ix, fn, fns, env: (f, at) => ({ ix, fn: f, at, args: { fn, values } }) };
  }
}

/** `f` is `root` or nested in it. */
function within(f: Fn, root: Fn): boolean {
  for (let x: Fn | undefined = f; x; x = x.parent) if (x === root) return true;
  return false;
}

/** A function nested in `root` that is passed to a call (a callback runs at another time, on its own terms). */
function isCallback(f: Fn, root: Fn): boolean {
  for (let x: Fn | undefined = f; x && x !== root; x = x.parent) if (x.argumentOf) return true;
  return false;
}

function opKind(sql: string): OpKind | undefined {
  const m = ADVISORY.exec(sql);
  if (m) return m[3].toLowerCase() === 'lock' ? (m[2] ? 'xact' : 'lock') : 'unlock';
  return BEGIN.test(sql) ? 'begin' : undefined;
}

/** Whose connection a query runs on: `client.query(…)` → client, ``sql`…` `` → sql, `db.execute(…)` → db. */
function receiver(resolver: Resolver, node: AstNode, env: Env): Value | undefined {
  if (node.type === 'TaggedTemplateExpression') {
    const tag = resolver.value(node.tag, env);
    // drizzle's `sql` only builds a query; the call that runs it is its receiver.
    if (tag.kind === 'external') return undefined;
    return tag;
  }
  const callee = unwrap(node.callee);
  if (callee?.type === 'MemberExpression' && !callee.computed) return resolver.value(callee.object, env);
  return undefined;
}

function position(module: SourceModule, node: AstNode): SourcePosition {
  const { line, column } = module.lines.position(node.start);
  return { file: module.display, line, column };
}

// ---------------------------------------------------------------------------------------------
// migrate() calls

export interface MigrateCallSite {
  facts: MigrateCallFacts;
  /** Absolute path of the file holding the call. */
  path: string;
}

export interface Locations {
  cwd: string;
  /** The drizzle config's folder, when there is one. */
  configDir?: string;
}

/** Every migrate() of a PostgreSQL driver's migrator in `modules`, with its lock, options and connection. */
export function findMigrateCalls(graph: ModuleGraph, modules: readonly SourceModule[], where: Locations): MigrateCallSite[] {
  const resolver = new Resolver(graph);
  const sites: MigrateCallSite[] = [];
  for (const module of modules) {
    const ix = resolver.indexed(module);
    for (const { node, fn } of ix.calls) {
      if (node.type !== 'CallExpression') continue;
      const env: Env = { ix, fn, at: node.start };
      const callee = resolver.value(node.callee, env);
      if (callee.kind !== 'external' || callee.name !== 'migrate') continue;
      const driver = MIGRATOR.exec(callee.module)?.[1];
      if (!driver || !PG_DRIVERS.has(driver)) continue;
      const db = resolver.value(node.arguments?.[0], env);
      const facts: MigrateCallFacts = {
        ...position(module, node),
        driver,
        connection: connectionKind(db),
        options: readOptions(resolver, node.arguments?.[1], env, module.file, where),
      };
      // PGlite is embedded in one process: there is nobody to race.
      const lock = driver === 'pglite' ? undefined : lockFacts(resolver, ix, node, fn, db, driver);
      if (lock) facts.lock = lock;
      const unclosed = unclosedClient(resolver, ix, db);
      if (unclosed) facts.unclosed = unclosed;
      sites.push({ facts, path: module.file });
    }
  }
  return sites;
}

function connectionKind(db: Value): MigrateCallFacts['connection'] {
  const c = connectionOf(db);
  if (c.kind === 'client' || (c.kind === 'postgres-js' && c.single)) return 'client';
  if (c.kind === 'pool' || c.kind === 'postgres-js') return 'pool';
  return 'unknown';
}

/**
 * How the migrate() call at `node` is serialized: the advisory locks taken before it in the
 * functions around it (and in a helper it is passed to as a callback), on which connection, and
 * whether the unlock is on every path. Undefined when it cannot tell.
 */
function lockFacts(resolver: Resolver, ix: Indexed, node: AstNode, fn: Fn, db: Value, driver: string): MigrateLockFacts | undefined {
  if (driver === 'neon-http') return { kind: 'http' };
  // The functions around the call, from the inside out, and the callbacks they pass before it
  // (`db.transaction(async (tx) => …)`).
  const chain: Fn[] = [];
  for (let f: Fn | undefined = fn; f; f = f.parent) chain.push(f);
  const around = new Set(chain);
  for (const f of ix.fnOf.values()) if (f.argumentOf && f.parent && around.has(f.parent) && f.node.start < node.start) around.add(f);
  let frame = new Frame(resolver, ix);
  let at = node.start;
  let tries = ix.tries;
  // `withMigrationLock(client, () => migrate(db, …))`: the helper's body is the frame, and the
  // callback's invocation stands for migrate().
  const callback = chain.find((f) => f.argumentOf);
  const call = callback?.argumentOf?.call;
  const callEnv: Env = { ix, fn: callback?.parent ?? ix.program, at: call?.start ?? 0 };
  const helper = call && call.type === 'CallExpression' ? resolver.value(call.callee, callEnv) : undefined;
  const inline = helper?.kind === 'function' ? frame.inline(helper, call, callEnv) : undefined;
  const param = helper?.kind === 'function' ? helper.node.params?.[callback!.argumentOf!.index] : undefined;
  const invocation = inline && param?.type === 'Identifier' ? inline.ix.calls.find((c) => inline.fns.has(c.fn) && c.node.type === 'CallExpression' && unwrap(c.node.callee)?.type === 'Identifier' && unwrap(c.node.callee).name === param.name) : undefined;
  if (inline && invocation) {
    frame = new Frame(resolver, inline.ix);
    frame.collect(inline.fns, inline.env);
    at = invocation.node.start;
    tries = inline.ix.tries;
  }
  if (!frame.ops.some((op) => op.kind === 'lock' || op.kind === 'xact')) {
    frame = new Frame(resolver, ix);
    frame.collect(around, (f, pos) => ({ ix, fn: f, at: pos }));
    at = node.start;
    tries = ix.tries;
  }
  const ops = frame.ops;
  const lock = [...ops].reverse().find((op) => (op.kind === 'lock' || op.kind === 'xact') && op.pos < at);
  if (!lock) return ops.some((op) => op.kind === 'lock' || op.kind === 'xact') ? undefined : { kind: 'none' };

  if (lock.kind === 'xact') {
    const on = connectionOf(lock.on);
    // db.transaction(async (tx) => { xact lock; migrate(tx) }): one transaction, where migrate()'s own BEGIN joins it.
    if (on.kind === 'tx' && sameConnection(lock.on, db) && within(fn, frame.ix.fnOf.get(on.callback) ?? fn)) {
      return JOINS_OPEN_TRANSACTION.has(driver) ? { kind: 'transaction' } : undefined;
    }
    // client.query('BEGIN'); xact lock; migrate(drizzle(client)); COMMIT.
    const begun = ops.some((op) => op.kind === 'begin' && op.pos < lock.pos && sameConnection(op.on, lock.on) === true);
    if (begun && sameConnection(lock.on, db) === true && JOINS_OPEN_TRANSACTION.has(driver) && !isPooled(lock.on)) return { kind: 'transaction' };
    return { kind: 'xact-own-transaction', at: lock.at };
  }

  if (isPooled(lock.on)) return { kind: 'pool', at: lock.at, via: describe(lock.on) };
  const same = sameConnection(lock.on, db);
  if (same === false || (same === undefined && isPooled(db))) {
    return { kind: 'other-client', at: lock.at, lockOn: describe(lock.on), migrateOn: describe(db) };
  }
  if (same === undefined && describe(lock.on) !== describe(db)) return undefined;
  // The unlock (or the end of the connection) must be on the failure path: a `finally` around migrate().
  const releases = (op: Op) => (op.kind === 'unlock' || op.kind === 'end') && (sameConnection(op.on, lock.on) !== false || endsPoolOf(op, lock.on));
  const inside = (range: AstNode, pos: number) => range && range.start <= pos && pos < range.end;
  const guarded = tries.some((t) => inside(t.block, at) && t.finalizer && ops.some((op) => releases(op) && inside(t.finalizer, op.pos)));
  if (guarded) return { kind: 'session' };
  const unlock = ops.find((op) => op.kind === 'unlock' && op.pos > at);
  return { kind: 'no-unlock-on-failure', at: (unlock ?? lock).at, via: describe(lock.on) };
}

/** `pool.end()` closes the connections a client of that pool holds (and releases its session locks). */
function endsPoolOf(op: Op, value: Value): boolean {
  const c = connectionOf(value);
  return op.kind === 'end' && c.kind === 'client' && c.pool !== undefined && sameConnection(op.on, c.pool) === true;
}

function describe(value: Value): string {
  const c = connectionOf(value);
  if (value.kind === 'drizzle') return `\`${value.name}\` (over ${describe(c)})`;
  if (c.kind === 'pool') return c.name.startsWith('the pool') ? c.name : `the pool \`${c.name}\``;
  if (c.kind === 'postgres-js') return c.single ? `\`${c.name}\`` : `\`${c.name}\` (a postgres.js pool)`;
  if (c.kind === 'tx') return `the transaction \`${c.name}\``;
  return 'name' in c ? `\`${c.name}\`` : c.kind;
}

/** The connection a script opens for migrate() and never ends (`client.end()`, `sql.end()`, `pool.end()`, `process.exit()`). */
function unclosedClient(resolver: Resolver, ix: Indexed, db: Value): string | undefined {
  const conn = connectionOf(db);
  if (conn.kind !== 'client' && conn.kind !== 'pool' && conn.kind !== 'postgres-js') return undefined;
  // Only a connection this file opens is this file's to end.
  if (conn.in !== ix.module) return undefined;
  const frame = new Frame(resolver, ix);
  frame.collect(new Set(ix.fnOf.values()), (fn, at) => ({ ix, fn, at }));
  const ends = frame.ops.some((op) => op.kind === 'exit' || (op.kind === 'end' && (sameConnection(op.on, db) === true || endsPoolOf(op, db))));
  if (ends) return undefined;
  // What to call .end() on: the variable holding the client, or a drizzle instance's own client.
  if (db.kind === 'drizzle' && conn.id === db.id) return `${db.name}.$client`;
  return conn.name.startsWith('the pool') && db.kind === 'drizzle' ? `${db.name}.$client` : conn.name;
}

// ---------------------------------------------------------------------------------------------
// Options

/** `migrationsFolder`, `migrationsTable`, `migrationsSchema` of migrate()'s options, read statically. */
function readOptions(resolver: Resolver, arg: AstNode, env: Env, file: string, where: Locations): MigrateCallFacts['options'] {
  const options: MigrateCallFacts['options'] = { unreadable: [] };
  const value = arg ? resolver.value(arg, env) : undefined;
  if (value?.kind !== 'object') {
    if (value) options.unreadable.push('migrationsFolder', 'migrationsTable', 'migrationsSchema');
    return options;
  }
  const object = value.node;
  if (object.properties.some((p: AstNode) => p.type === 'SpreadElement' || p.computed)) {
    options.unreadable.push('migrationsFolder', 'migrationsTable', 'migrationsSchema');
    return options;
  }
  const text = (key: string) => {
    const node = propertyOf(object, key);
    if (!node) return undefined;
    const v = resolver.value(node, value.env);
    if (v.kind === 'string') return v.value;
    options.unreadable.push(key);
    return undefined;
  };
  const table = text('migrationsTable');
  if (table !== undefined) options.table = table;
  const schema = text('migrationsSchema');
  if (schema !== undefined) options.schema = schema;
  const folderNode = propertyOf(object, 'migrationsFolder');
  if (folderNode) {
    const folder = staticPath(resolver, folderNode, value.env, file);
    if (folder === undefined) options.unreadable.push('migrationsFolder');
    else {
      const bases = folder.anchored ? [dirname(file)] : relativeBases(file, where);
      const resolved = [...new Set(bases.map((base) => displayPath(resolve(base, folder.path), where.cwd)))];
      options.folder = { text: resolver.graph.modules.get(file)?.text.slice(folderNode.start, folderNode.end) ?? folder.path, resolved };
    }
  }
  return options;
}

/**
 * A path expression: a string (relative to the process's working directory), or one anchored
 * at the file (`path.join(__dirname, '../drizzle')`, `new URL('../drizzle', import.meta.url)`).
 */
function staticPath(resolver: Resolver, expr: AstNode, env: Env, file: string): { path: string; anchored: boolean } | undefined {
  const node = unwrap(expr);
  const isDirname = (n: AstNode) => {
    const x = unwrap(n);
    if (x?.type === 'Identifier' && x.name === '__dirname') return true;
    return x?.type === 'MemberExpression' && nameOf(x.property) === 'dirname' && x.object?.type === 'MetaProperty';
  };
  if (isDirname(node)) return { path: '.', anchored: true };
  if (node?.type === 'CallExpression') {
    const callee = resolver.value(node.callee, env);
    const args: AstNode[] = node.arguments ?? [];
    if (callee.kind === 'external' && (callee.module === 'path' || callee.module === 'node:path') && (callee.name === 'join' || callee.name === 'resolve')) {
      const parts: string[] = [];
      let anchored = false;
      for (const [i, arg] of args.entries()) {
        if (i === 0 && isDirname(arg)) {
          anchored = true;
          continue;
        }
        if (i === 0 && unwrap(arg)?.type === 'CallExpression' && sourceText(env.ix.module, unwrap(arg)) === 'process.cwd()') continue;
        const inner = staticPath(resolver, arg, env, file);
        if (!inner) return undefined;
        if (inner.anchored) anchored = true;
        parts.push(inner.path);
      }
      const joined = join(...(parts.length ? parts : ['.']));
      if (callee.name === 'resolve' && parts.some((p) => isAbsolute(p))) return { path: resolve(...parts), anchored: true };
      return { path: joined, anchored };
    }
    if (callee.kind === 'external' && (callee.module === 'url' || callee.module === 'node:url') && callee.name === 'fileURLToPath') return fileUrl(resolver, args[0], env);
  }
  if (node?.type === 'MemberExpression' && nameOf(node.property) === 'pathname') return fileUrl(resolver, node.object, env);
  const value = resolver.value(node, env);
  return value.kind === 'string' ? { path: value.value, anchored: false } : undefined;
}

/** `new URL('../drizzle', import.meta.url)`: a path next to the file. */
function fileUrl(resolver: Resolver, expr: AstNode, env: Env): { path: string; anchored: boolean } | undefined {
  const node = unwrap(expr);
  if (node?.type !== 'NewExpression' || unwrap(node.callee)?.name !== 'URL') return undefined;
  const base = unwrap(node.arguments?.[1]);
  if (!(base?.type === 'MemberExpression' && nameOf(base.property) === 'url' && base.object?.type === 'MetaProperty')) return undefined;
  const rel = resolver.value(node.arguments[0], env);
  return rel.kind === 'string' ? { path: rel.value, anchored: true } : undefined;
}

/**
 * A relative migrationsFolder is read from the process's working directory, which the source
 * does not say: the package the file belongs to (`npm run` starts there), the drizzle config's
 * folder, and where migration-lint runs are the plausible ones.
 */
function relativeBases(file: string, where: Locations): string[] {
  const bases: string[] = [];
  for (let dir = dirname(file); ; dir = dirname(dir)) {
    if (graphHasPackage(dir)) {
      bases.push(dir);
      break;
    }
    if (dir === where.cwd || dirname(dir) === dir || !dir.startsWith(where.cwd)) break;
  }
  if (where.configDir) bases.push(where.configDir);
  bases.push(where.cwd);
  return bases;
}

function graphHasPackage(dir: string): boolean {
  return existsSync(join(dir, 'package.json'));
}
