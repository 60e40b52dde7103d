/** `1 migration`, `2 migrations`, `0 tables`: a count with its noun in the number it needs. */
export function count(n: number, noun: string, plural = `${noun}s`): string {
  return `${n} ${n === 1 ? noun : plural}`;
}
