import { constants, statSync } from 'node:fs';

/** Flags for opening a file to read: never waiting on a FIFO for a writer. */
export const READ = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0);
/** The same, failing on a symbolic link (where the system has no O_NOFOLLOW, Windows, links are followed: callers check). */
export const READ_NOFOLLOW = READ | (constants.O_NOFOLLOW ?? 0);

/** True when `path` is a regular file (following links); false when it is missing or unreadable. */
export function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** True when `path` is a directory (following links); false when it is missing or unreadable. */
export function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
