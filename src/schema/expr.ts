import { createRequire } from 'node:module';
import type { Node } from '../engine/ast.js';

type DeparseSync = (node: Node) => string;
let deparser: DeparseSync | undefined;

/**
 * SQL text of an expression node, in PostgreSQL's canonical spelling (pgsql-deparser).
 * Loaded on first use: only messages and snapshot comparisons need expression text.
 */
export function exprText(node: Node): string {
  if (node === undefined || node === null) return '';
  if (!deparser) {
    const require = createRequire(import.meta.url);
    deparser = (require('pgsql-deparser') as { deparseSync: DeparseSync }).deparseSync;
  }
  try {
    return deparser(node).replace(/\s+/g, ' ').trim();
  } catch {
    // The deparser walks the tree recursively: a deeply nested expression overflows its stack (and JSON.stringify's).
    try {
      return JSON.stringify(node);
    } catch {
      return '(an expression nested too deeply to print)';
    }
  }
}
