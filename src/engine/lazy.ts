/**
 * Give `target` a property computed when first read, then kept: hashes, deparsed expression text
 * and parsed snapshot expressions cost a parse or a digest, and most runs read few of them.
 * Enumerable, so spreads, JSON and `toEqual` see it like a plain property (they read it).
 */
export function lazyProperty<T extends object, K extends keyof T>(target: T, key: K, compute: () => T[K]): T {
  let value: T[K] | undefined;
  let known = false;
  return Object.defineProperty(target, key, {
    enumerable: true,
    get: () => {
      if (!known) {
        value = compute();
        known = true;
      }
      return value as T[K];
    },
  });
}
