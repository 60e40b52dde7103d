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
  if (Array.isArray(node)) return node.map(withoutLocations);
  if (!node || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  for (const k in node) {
    if (k === 'location' || k === 'stmt_location' || k === 'stmt_len') continue;
    out[k] = withoutLocations(node[k]);
  }
  return out;
}

/** Visit every node object below `node` (depth first), including `node` itself. */
export function walk(node: Node, visit: (tag: string, fields: Node, parent: Node) => void, parent?: Node): void {
  if (Array.isArray(node)) {
    for (const n of node) walk(n, visit, parent);
    return;
  }
  if (!node || typeof node !== 'object') return;
  for (const k in node) {
    const v = node[k];
    if (v && typeof v === 'object') {
      // Node tags start with an upper-case letter (`ColumnRef`), fields with a lower-case one.
      const first = k.charCodeAt(0);
      if (first >= 65 && first <= 90 && !Array.isArray(v)) visit(k, v, parent);
      walk(v, visit, node);
    }
  }
}
