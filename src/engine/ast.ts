/**
 * Small helpers over libpg-query's JSON parse tree, where every node is `{ NodeType: { …fields } }`.
 * The tree is typed loosely on purpose: @pgsql/types is large and the engine reads few fields.
 */

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Node = any;

/** The node's type name: `{ CreateStmt: {…} }` → `CreateStmt`. */
export function nodeTag(node: Node): string {
  if (!node || typeof node !== 'object') return '';
  for (const k in node) return k;
  return '';
}

/** The node's fields: `{ CreateStmt: x }` → x. */
export function inner(node: Node): Node {
  const tag = nodeTag(node);
  return tag ? node[tag] : undefined;
}

/** A `String` node's value (`{ String: { sval } }`), or '' for anything else. */
export function str(node: Node): string {
  if (!node) return '';
  if (node.String) return node.String.sval ?? '';
  if (typeof node.sval === 'string') return node.sval;
  return '';
}

/** A list of `String` nodes as plain strings (qualified names, column lists). */
export function strs(list: Node[] | undefined): string[] {
  return (list ?? []).map(str);
}

/** Remove every `location` field, so trees parsed from different texts compare equal. */
export function withoutLocations(node: Node): Node {
  return mapTree(node, (n, k) => (k === 'location' || k === 'stmt_location' || k === 'stmt_len' ? DROP : n), { copy: true });
}

/*
 * Parse trees are walked without running out of stack: their depth is the SQL's nesting, which
 * the input decides (1,000 nested sub-selects are ~7,000 levels, an expression of 7,000 `+ 1`
 * terms ~15,000), and a recursive walk runs out of JavaScript stack long before the parser does.
 * The walks recurse (the fast way: no allocation per node) down to RECURSION_BUDGET levels, and
 * set deeper subtrees aside to walk from a loop afterwards: in key order, except that those deep
 * parts come after the rest.
 */
const RECURSION_BUDGET = 500;

/** Visit every node object below `node` (depth first), including `node` itself. */
export function walk(node: Node, visit: (tag: string, fields: Node, parent: Node) => void, parent?: Node): void {
  const deeper: [Node, Node][] = [];
  walkFrom(node, visit, parent, 0, deeper);
  while (deeper.length > 0) {
    const [n, p] = deeper.pop()!;
    walkFrom(n, visit, p, 0, deeper);
  }
}

/**
 * `walk`'s recursion, a function of its own (not a closure made per walk: rules walk every
 * statement, and the closure's calls cost a third more on a long history).
 */
function walkFrom(n: Node, visit: (tag: string, fields: Node, parent: Node) => void, p: Node, depth: number, deeper: [Node, Node][]): void {
  if (depth > RECURSION_BUDGET) {
    deeper.push([n, p]);
    return;
  }
  if (Array.isArray(n)) {
    for (let i = 0; i < n.length; i++) walkFrom(n[i], visit, p, depth + 1, deeper);
    return;
  }
  if (!n || typeof n !== 'object') return;
  for (const k in n) {
    const v = n[k];
    if (v && typeof v === 'object') {
      // Node tags start with an upper-case letter (`ColumnRef`), fields with a lower-case one.
      const first = k.charCodeAt(0);
      if (first >= 65 && first <= 90 && !Array.isArray(v)) visit(k, v, p);
      walkFrom(v, visit, n, depth + 1, deeper);
    }
  }
}

/** What `someNode`'s test says of an object: found, or do not look inside it (`SKIP`), or look on (anything else). */
export const SKIP = Symbol('skip');

type NodeTest = (node: Node, key: string | number | undefined) => boolean | typeof SKIP | undefined | void;

/**
 * Whether `test` is true of some object or array below `root` (itself included), looked at depth
 * first in key order; `test` also gets the key it is under (an index in an array).
 */
export function someNode(root: Node, test: NodeTest): boolean {
  const deeper: [Node, string | number | undefined][] = [];
  if (someFrom(root, undefined, test, 0, deeper)) return true;
  while (deeper.length > 0) {
    const [node, key] = deeper.pop()!;
    if (someFrom(node, key, test, 0, deeper)) return true;
  }
  return false;
}

/** `someNode`'s recursion (see walkFrom). */
function someFrom(node: Node, key: string | number | undefined, test: NodeTest, depth: number, deeper: [Node, string | number | undefined][]): boolean {
  if (!node || typeof node !== 'object') return false;
  if (depth > RECURSION_BUDGET) {
    deeper.push([node, key]);
    return false;
  }
  const answer = test(node, key);
  if (answer === true) return true;
  if (answer === SKIP) return false;
  if (Array.isArray(node)) {
    for (let i = 0; i < node.length; i++) if (someFrom(node[i], i, test, depth + 1, deeper)) return true;
  } else {
    for (const k in node) if (someFrom(node[k], k, test, depth + 1, deeper)) return true;
  }
  return false;
}

/** `mapTree`'s answer for a value to leave out of the copy. */
export const DROP = Symbol('drop');

/**
 * A copy of `root` with values replaced: `replace(value, key)` returns the value to put there (the
 * value itself to look inside it, `DROP` to leave the key out). Unchanged subtrees are shared, not
 * copied, unless `copy` (every object and array new); `root` is never mutated.
 */
export function mapTree(root: Node, replace: (value: Node, key: string | number | undefined) => Node, { copy = false }: { copy?: boolean } = {}): Node {
  interface Frame {
    source: Node;
    keys: (string | number)[];
    /** The next key to look at. */
    next: number;
    /** The copy, made when the first value changes (or at once, with `copy`). */
    out?: Node;
    /** Where the result goes in the frame below. */
    key: string | number | undefined;
  }
  const stack: Frame[] = [];
  let result: Node;
  const copyBefore = (frame: Frame): Node => (Array.isArray(frame.source) ? frame.source.slice(0, frame.next - 1) : pick(frame.source, frame.keys, frame.next - 1));
  const deliver = (key: string | number | undefined, value: Node) => {
    const frame = stack[stack.length - 1];
    if (!frame) {
      result = value;
      return;
    }
    if (frame.out === undefined && value === frame.source[key!]) return;
    frame.out ??= copyBefore(frame);
    if (value === DROP) return;
    if (Array.isArray(frame.out)) frame.out.push(value);
    else frame.out[key!] = value;
  };
  const enter = (value: Node, key: string | number | undefined) => {
    const replaced = replace(value, key);
    if (replaced !== value || !value || typeof value !== 'object') {
      deliver(key, replaced);
      return;
    }
    const keys = Array.isArray(value) ? Array.from(value.keys()) : Object.keys(value);
    stack.push({ source: value, keys, next: 0, key, ...(copy ? { out: Array.isArray(value) ? [] : {} } : {}) });
  };
  enter(root, undefined);
  while (stack.length > 0) {
    const frame = stack[stack.length - 1];
    if (frame.next < frame.keys.length) {
      const key = frame.keys[frame.next++];
      enter(frame.source[key], key);
      continue;
    }
    stack.pop();
    deliver(frame.key, frame.out ?? frame.source);
  }
  return result;
}

/** The first `count` keys of `source` copied into a new object. */
function pick(source: Record<string, unknown>, keys: (string | number)[], count: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (let i = 0; i < count; i++) out[keys[i]] = source[keys[i]];
  return out;
}
