import { readFileSync } from 'node:fs';
import { lint } from '../src/index.js';
import { fromSnapshot } from '../src/schema/snapshot.js';
import { compareSchemas } from '../src/schema/compare.js';
const dir = process.argv[2];
let snapMap = new Map<string,string>();
const counts = new Map<string, number>();
let shown = 0; let compared = 0;
const t0 = performance.now();
const res = await lint({ paths: [dir], afterMigration: (m, state) => {
  const snap = res0?.project.migrations[m.position]?.snapshot;
} });
var res0: any;
// second pass with snapshots known
const r = await lint({ paths: [dir] });
const snaps = new Map(r.project.migrations.map((m) => [m.tag, m.snapshot]));
await lint({ paths: [dir], afterMigration: (m, state) => {
  const s = snaps.get(m.tag); if (!s) return;
  compared++;
  const diffs = compareSchemas(state as any, fromSnapshot(JSON.parse(readFileSync(s, 'utf8'))), { left: 'sql', right: 'snapshot' });
  for (const d of diffs) { const k = d.object + ' ' + d.detail.replace(/:.*/, ''); counts.set(k, (counts.get(k) ?? 0) + 1); if (shown < Number(process.env.SHOW ?? 15)) { shown++; console.log(m.tag, d.object, d.name, d.detail); } }
}});
console.log('compared', compared, 'ms', Math.round(performance.now() - t0), 'findings', r.findings.length, r.summary);
console.log([...counts].sort((a,b)=>b[1]-a[1]).slice(0, 20));
