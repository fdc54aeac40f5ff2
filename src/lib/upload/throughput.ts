/** Byte counters for progress lines: done/total in MB, MB/s, ETA. */
import type { ProgressBar } from '../notebook/progress';

export interface TransferProgress {
  /** Bytes sent or received so far in this run (skipped objects not counted). */
  readonly bytesDone: number;
  /** Bytes this run has to move. */
  readonly bytesTotal: number;
  readonly objectsDone: number;
  readonly objectsTotal: number;
  /** Bytes per second since the run started. */
  readonly bytesPerSecond: number;
}

export const MB = 1024 * 1024;

/** Feeds a {@link ProgressBar} in MB with an `N MB/s` note (the bar adds the ETA). */
export function reportTransfer(bar: ProgressBar, p: TransferProgress): void {
  const done = Math.round((p.bytesDone / MB) * 10) / 10;
  const total = Math.round((p.bytesTotal / MB) * 10) / 10;
  bar.update(done, total, `MB, ${(p.bytesPerSecond / MB).toFixed(1)} MB/s, ${p.objectsDone}/${p.objectsTotal} objects`);
}
