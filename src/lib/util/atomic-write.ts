/** Crash-safe file writes: the one home for "temp file, fsync, rename". */
import * as fs from 'node:fs';
import * as path from 'node:path';

import { namingPath } from './fs-error';

/**
 * Writes `data` to `file` through `file.tmp-<pid>`, fsynced, then renamed:
 * readers see the old file or the whole new one, never half, even after a
 * kill or a power cut. Creates the parent folder when missing.
 */
export function writeFileAtomic(file: string, data: string | Uint8Array): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const temp = `${file}.tmp-${process.pid}`;
  const fd = fs.openSync(temp, 'w');
  try {
    try {
      namingPath(temp, () => {
        fs.writeFileSync(fd, data);
        fs.fsyncSync(fd);
      });
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(temp, file);
  } catch (error) {
    fs.rmSync(temp, { force: true }); // a full disk must not also keep half a file
    throw error;
  }
}
