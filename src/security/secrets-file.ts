import fs from 'node:fs';
import path from 'node:path';

/**
 * Reads a secret kept in the data directory, creating it on first use (embedded default only).
 * Returns whether it was created, so the caller can show a generated API key exactly once.
 */
export function readOrCreateSecret(dataDir: string, fileName: string, create: () => string): { value: string; created: boolean } {
  const file = path.join(dataDir, fileName);
  fs.mkdirSync(dataDir, { recursive: true });
  try {
    return { value: fs.readFileSync(file, 'utf8').trim(), created: false };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const value = create();
  // 'wx' fails if another process created it meanwhile; then that one's value wins.
  try {
    fs.writeFileSync(file, value + '\n', { mode: 0o600, flag: 'wx' });
    return { value, created: true };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    return { value: fs.readFileSync(file, 'utf8').trim(), created: false };
  }
}
