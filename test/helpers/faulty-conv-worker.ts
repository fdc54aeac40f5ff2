/**
 * A conv worker that can die or hang mid-kernel, for the hostile-worker tests:
 * the real conv-worker.js, whose jobs first look for a fault to claim.
 * `faultNextConvJobs(how, count)` (main thread) leaves `count` claims in a
 * folder; each worker taking a job claims one if any is left (unlinking it is
 * atomic) and exits with code 7 or blocks until terminated instead of working.
 * Start the workers with `startConvThreads({ workerScript: FAULTY_CONV_WORKER })`.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { isMainThread } from 'node:worker_threads';

import * as convJobs from '../../src/lib/kernels/conv-jobs';

/** This file, compiled: the `workerScript` to start the workers with. */
export const FAULTY_CONV_WORKER = __filename;

const CLAIMS_ENV = 'ACTLAB_TEST_CONV_FAULTS';

/**
 * The next `count` jobs handed to workers fail: the worker exits (`exit`) or
 * stops answering (`hang`). Call before `startConvThreads` once, so the
 * workers inherit the claims folder, and again before each faulty convolution.
 */
export function faultNextConvJobs(how: 'exit' | 'hang', count: number): void {
  const dir = (process.env[CLAIMS_ENV] ??= fs.mkdtempSync(path.join(os.tmpdir(), 'actlab-conv-faults-')));
  for (const file of fs.readdirSync(dir)) fs.rmSync(path.join(dir, file));
  for (let i = 0; i < count; i++) fs.writeFileSync(path.join(dir, `${i}.${how}`), '');
}

/** The fault this job is to stand in for, claimed from the folder; undefined when none is left. */
function claimFault(): 'exit' | 'hang' | undefined {
  const dir = process.env[CLAIMS_ENV];
  if (!dir) return undefined;
  for (const file of fs.readdirSync(dir)) {
    try {
      fs.unlinkSync(path.join(dir, file));
    } catch {
      continue; // another worker claimed it first
    }
    return file.endsWith('.exit') ? 'exit' : 'hang';
  }
  return undefined;
}

if (!isMainThread) {
  const run = convJobs.runConvJob;
  // conv-worker.js calls runConvJob through the module's exports, so this one runs in its place.
  (convJobs as { runConvJob: typeof run }).runConvJob = (job, gemm) => {
    const fault = claimFault();
    if (fault === 'exit') process.exit(7);
    // Until terminated: Atomics.wait on a fresh cell nobody notifies.
    if (fault === 'hang') Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
    run(job, gemm);
  };
  require('../../src/lib/kernels/conv-worker');
}
