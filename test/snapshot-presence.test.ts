import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fromSnapshot } from '../src/schema/snapshot.js';
import { snapshotHas, snapshotTextHas } from '../src/schema/snapshot-diff.js';
import { loadParser } from '../src/engine/parse.js';

/**
 * snapshot-drift traces a difference back by asking older snapshots whether they record an object:
 * from their text (a string search), and parsed when the text cannot say. Both must agree.
 */
const folders = [
  ...readdirSync('fixtures/projects').map((p) => join('fixtures/projects', p, 'drizzle/meta')),
  'examples/shop/drizzle/meta',
  ...['onlook-dev__onlook', 'lmnr-ai__lmnr', 'usekaneo__kaneo'].map((c) => join('../shared/corpus', c, 'meta')),
].filter((d) => existsSync(d));

/** Every object the snapshot's model has, by the names compareSchemas gives them, plus names it has not. */
function names(snapshot: unknown): [string, string][] {
  const state = fromSnapshot(snapshot);
  const out: [string, string][] = [];
  for (const s of state.schemas) out.push(['schema', s]);
  for (const k of state.enums.keys()) out.push(['enum', k], ['enum', `${k}_nope`]);
  for (const k of state.indexes.keys()) out.push(['index', k], ['index', `${k}_nope`]);
  for (const [k, t] of state.tables) {
    out.push(['table', k], ['table', `${k}_nope`]);
    for (const c of t.columns.keys()) out.push(['column', `${k}.${c}`], ['column', `${k}.${c}_nope`]);
    for (const c of t.constraints.keys()) out.push(['constraint', `${k}.${c}`], ['constraint', `${k}.${c}_nope`]);
    for (const p of t.policies.keys()) out.push(['policy', `${k}.${p}`]);
  }
  return out;
}

describe('snapshot presence from the text agrees with the parsed snapshot', () => {
  it.each(folders)('%s', async (dir) => {
    await loadParser();
    const files = readdirSync(dir).filter((f) => f.endsWith('_snapshot.json'));
    let asked = 0;
    for (const f of [files[0], files[files.length >> 1], files[files.length - 1]]) {
      const text = readFileSync(join(dir, f), 'utf8');
      const parsed = JSON.parse(text);
      if (!parsed.tables) continue;
      // One memo of the text's blocks for every question, as snapshot-drift asks them: the same answers.
      const spans = new Map();
      for (const [object, name] of names(parsed)) {
        const fromText = snapshotTextHas(text, object, name);
        expect([f, object, name, snapshotTextHas(text, object, name, spans)]).toEqual([f, object, name, fromText]);
        if (fromText === undefined) continue;
        asked++;
        expect([f, object, name, fromText]).toEqual([f, object, name, snapshotHas(parsed, object, name)]);
      }
    }
    // Snapshots reformatted by a project's formatter (tabs: usekaneo) are not in drizzle-kit's layout: parsed instead.
    const layout = readFileSync(join(dir, files[0]), 'utf8').startsWith('{\n  "');
    expect(asked > 0).toBe(layout);
  }, 60_000);
});
