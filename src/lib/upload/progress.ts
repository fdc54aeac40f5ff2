/** Progress of `uploadDirectory` in a notebook (one updating display) or on a terminal: one bar per phase. */
import { createProgressBar, type ProgressBar } from '../notebook/progress';
import { reportTransfer } from './throughput';
import type { UploadProgress } from './upload';

export interface UploadProgressDisplay {
  /** Pass as `uploadDirectory`'s `onProgress`. */
  readonly onProgress: (progress: UploadProgress) => void;
  /** Draws each bar's final state; call after the upload returns (or fails). */
  finish(): void;
}

/**
 * Bars labelled `label check`, `label pack` and `label upload` (MB, MB/s, objects), made as each
 * phase starts; a bar stops its clock when the next phase starts, so each shows its own phase's time.
 */
export function uploadProgress(label: string): UploadProgressDisplay {
  const bars = new Map<UploadProgress['phase'], ProgressBar>();
  let current: ProgressBar | undefined;
  const bar = (phase: UploadProgress['phase']): ProgressBar => {
    let found = bars.get(phase);
    if (!found) {
      current?.finish();
      found = createProgressBar(`${label} ${phase}`);
      bars.set(phase, found);
    }
    current = found;
    return found;
  };
  return {
    onProgress(p) {
      if (p.phase === 'upload') reportTransfer(bar('upload'), p);
      else bar(p.phase).update(p.objectsDone, p.objectsTotal, p.phase === 'pack' ? 'tar shards' : 'objects');
    },
    finish() {
      current?.finish();
      current = undefined;
    },
  };
}
