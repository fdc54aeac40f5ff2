/**
 * Measured, not estimated: the peak memory (RSS) of a fresh process that
 * holds a split of a frame cache whole, as `np.array(all_clips)` would, next
 * to one that streams it in batches and one that loads nothing. Each runs in
 * a child process so that the notebook's own memory does not blur the numbers.
 */
import { execFile } from 'node:child_process';
import * as path from 'node:path';

import type { SplitSelection } from './source';

/** `whole`: every clip in one float32 tensor; `stream`: one epoch of batches; `nothing`: tfjs loaded, no data. */
export type MemoryProbeMode = 'whole' | 'stream' | 'nothing';

export interface MemoryProbeOptions {
  readonly split?: SplitSelection;
  /** Batch size of the streamed epoch. @default 16 */
  readonly batchSize?: number;
  /** Batches the pipeline reads ahead. @default the pipeline's */
  readonly prefetch?: number;
}

export interface MemoryProbeResult {
  readonly mode: MemoryProbeMode;
  /** Peak resident memory of the child process, MiB. */
  readonly peakRssMb: number;
  /** Clips it read. */
  readonly clips: number;
  /** Batches it streamed (0 for whole and nothing). */
  readonly batches: number;
  /** tf.memory().numTensors at the end: 0 when every tensor was disposed. */
  readonly numTensors: number;
}

const CHILD = path.join(__dirname, 'memory-probe-child.js');

/** Runs one probe in a child process (`node --expose-gc`); resolves with what it measured. */
export function measurePeakMemory(
  cacheDir: string,
  mode: MemoryProbeMode,
  options: MemoryProbeOptions = {},
): Promise<MemoryProbeResult> {
  const request = JSON.stringify({ cacheDir, mode, ...options });
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['--expose-gc', CHILD, request], { encoding: 'utf8' }, (error, stdout, stderr) => {
      if (error) {
        reject(new Error(`memory probe (${mode}) on ${cacheDir} failed: ${stderr.trim() || error.message}`));
        return;
      }
      const lines = stdout.trim().split('\n');
      resolve(JSON.parse(lines[lines.length - 1]!) as MemoryProbeResult);
    });
  });
}
