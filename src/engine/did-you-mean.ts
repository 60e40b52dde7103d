/**
 * "Did you mean …?" for a mistyped rule id: the known ids within a small edit distance (a typo,
 * a swapped or missing letter, a missing word), or that contain it or start with it
 * (`concurrently` → concurrently-in-transaction). Closest first, at most three.
 */
export function closestIds(input: string, known: Iterable<string>): string[] {
  const wanted = input.toLowerCase();
  const scored: { id: string; score: number }[] = [];
  for (const id of known) {
    const distance = editDistance(wanted, id);
    const limit = Math.max(2, Math.floor(id.length / 4));
    if (distance <= limit) scored.push({ id, score: distance });
    else if (wanted.length >= 4 && (id.includes(wanted) || wanted.includes(id))) scored.push({ id, score: limit + 1 });
  }
  return scored
    .sort((a, b) => a.score - b.score || (a.id < b.id ? -1 : 1))
    .slice(0, 3)
    .map((s) => s.id);
}

/** ` (did you mean a, b?)`, or nothing when no id is close. */
export function didYouMean(input: string, known: Iterable<string>): string {
  const close = closestIds(input, known);
  return close.length ? ` (did you mean ${close.join(', ')}?)` : '';
}

/** Optimal string alignment distance: insertions, deletions, substitutions and swaps of neighbours. */
function editDistance(a: string, b: string): number {
  const rows = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) rows[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      rows[i][j] = Math.min(rows[i - 1][j] + 1, rows[i][j - 1] + 1, rows[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) rows[i][j] = Math.min(rows[i][j], rows[i - 2][j - 2] + 1);
    }
  }
  return rows[a.length][b.length];
}
