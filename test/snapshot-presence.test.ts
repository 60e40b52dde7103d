import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fromSnapshot } from '../src/schema/snapshot.js';
import { snapshotHas, snapshotTextHas, utf8Text } from '../src/schema/snapshot-diff.js';
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
      const bytes = utf8Text(readFileSync(join(dir, f)));
      const parsed = JSON.parse(text);
      if (!parsed.tables) continue;
      // One memo of the text's blocks for every question, as snapshot-drift asks them: the same
      // answers; and the same searched in the file's bytes, as snapshot-drift searches them.
      const spans = new Map();
      const byteSpans = new Map();
      for (const [object, name] of names(parsed)) {
        const fromText = snapshotTextHas(text, object, name);
        expect([f, object, name, snapshotTextHas(text, object, name, spans)]).toEqual([f, object, name, fromText]);
        expect([f, object, name, snapshotTextHas(bytes, object, name, byteSpans)]).toEqual([f, object, name, fromText]);
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

describe('snapshot presence in UTF-8 bytes, with names that are not ASCII', () => {
  // Byte offsets and string offsets part ways after the first multi-byte character.
  const snapshot = {
    id: 'x',
    prevId: 'y',
    tables: {
      'public.café': {
        name: 'café',
        schema: '',
        columns: { 'prénom': { name: 'prénom', type: 'text', primaryKey: false, notNull: true }, 'ñ': { name: 'ñ', type: 'text', primaryKey: true, notNull: true } },
        indexes: { 'café_prénom_idx': { name: 'café_prénom_idx', columns: [], isUnique: false } },
        foreignKeys: { 'café_ñ_fk': { name: 'café_ñ_fk', tableFrom: 'café', tableTo: 'thé', columnsFrom: ['ñ'], columnsTo: ['ñ'] } },
        compositePrimaryKeys: {},
        uniqueConstraints: {},
      },
      'public.thé': { name: 'thé', schema: '', columns: { 'ñ': { name: 'ñ', type: 'text', primaryKey: true, notNull: true } }, indexes: {}, foreignKeys: {}, compositePrimaryKeys: {}, uniqueConstraints: {} },
    },
    enums: { 'public.humeur': { name: 'humeur', schema: 'public', values: ['gaie', 'triste'] } },
    schemas: {},
  };
  const text = JSON.stringify(snapshot, null, 2);
  const questions: [string, string][] = [
    ['table', 'public.café'], ['table', 'public.thé'], ['table', 'public.cafe'],
    ['column', 'public.café.prénom'], ['column', 'public.café.ñ'], ['column', 'public.thé.prénom'],
    ['index', 'public.café_prénom_idx'], ['index', 'public.thé_idx'],
    ['constraint', 'public.café.café_ñ_fk'], ['constraint', 'public.café.café_pkey'], ['constraint', 'public.thé.café_ñ_fk'],
    ['enum', 'public.humeur'], ['enum', 'public.hümeur'],
  ];
  it.each(questions)('%s %s', (object, name) => {
    const fromString = snapshotTextHas(text, object, name);
    expect(fromString).toBe(snapshotHas(snapshot, object, name));
    expect(snapshotTextHas(utf8Text(Buffer.from(text, 'utf8')), object, name)).toBe(fromString);
    expect(snapshotTextHas(utf8Text(Buffer.from(text, 'utf8')), object, name, new Map())).toBe(fromString);
  });
});
