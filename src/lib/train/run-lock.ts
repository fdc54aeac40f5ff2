/**
 * One writer per run folder, across processes: `.train.lock` names the process
 * training into it. A second `train` into the same folder is refused instead of
 * deleting the first one's live checkpoints; a lock left by a killed process is
 * taken over. The same process may take it again (trainRun holds it around train).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { takeLock } from '../util/process-lock';

export const RUN_LOCK = '.train.lock';

/** Another live process trains into the folder; the message names it and the lock file. */
export class RunFolderBusyError extends Error {
  override name = 'RunFolderBusyError';
}

/** Takes the run folder's lock (creating the folder); returns the function that releases it. */
export function lockRunFolder(runDir: string): () => void {
  const dir = path.resolve(runDir);
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, RUN_LOCK);
  const holder = takeLock(file, { since: new Date().toISOString() });
  if (!holder) return () => fs.rmSync(file, { force: true });
  if (holder.pid === process.pid && holder.host === os.hostname()) return () => undefined; // ours, taken outside
  throw new RunFolderBusyError(
    `train: ${dir} is being trained into by another process (pid ${holder.pid} on ${holder.host}, since ` +
      `${holder.since}); nothing was touched: wait for it to finish, choose another --out, or if it is no longer ` +
      `running delete ${file}`,
  );
}
