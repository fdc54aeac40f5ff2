/**
 * A convolution worker thread: its own wasm backend (so its own XNNPACK GEMM),
 * running jobs the main thread hands over while it blocks in a kernel.
 * Handshake through a shared Int32Array (see conv-threads.ts): the main thread
 * posts the job on a MessagePort, bumps JOB and notifies; the worker takes the
 * job with receiveMessageOnPort (synchronously: kernels cannot await), runs
 * it, sets STATUS and DONE and notifies back.
 */
import { type MessagePort, parentPort, receiveMessageOnPort, workerData } from 'node:worker_threads';

import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';

import { wasmHost } from './backend-host';
import { type ConvJob, runConvJob } from './conv-jobs';
import { CONTROL, type ConvWorkerData, EXITED } from './conv-protocol';

async function main(): Promise<void> {
  const { control, port } = workerData as ConvWorkerData;
  // Wakes a main thread waiting on this worker's job: it would otherwise wait out its timeout.
  process.once('exit', (code) => {
    Atomics.store(control, CONTROL.EXIT_CODE, code);
    Atomics.store(control, CONTROL.DONE, EXITED);
    Atomics.notify(control, CONTROL.DONE);
  });
  if (!(await tf.setBackend('wasm'))) throw new Error('the wasm backend did not start in the worker thread');
  await tf.ready();
  const gemm = wasmHost(tf.backend()).gemm;
  parentPort?.postMessage({ ready: true });
  serve(control, port, gemm);
}

function serve(control: Int32Array, port: MessagePort, gemm: ReturnType<typeof wasmHost>['gemm']): void {
  let seen = 0;
  for (;;) {
    Atomics.wait(control, CONTROL.JOB, seen);
    seen = Atomics.load(control, CONTROL.JOB);
    if (seen < 0) return; // asked to stop
    const job = receiveMessageOnPort(port)?.message as ConvJob | undefined;
    try {
      if (!job) throw new Error(`job ${seen} was signalled but no job message arrived`);
      runConvJob(job, gemm);
      Atomics.store(control, CONTROL.STATUS, 0);
    } catch (error) {
      Atomics.store(control, CONTROL.STATUS, 1);
      port.postMessage(error instanceof Error ? (error.stack ?? error.message) : String(error));
    }
    Atomics.store(control, CONTROL.DONE, seen);
    Atomics.notify(control, CONTROL.DONE);
  }
}

main().catch((error: unknown) => {
  parentPort?.postMessage({ error: error instanceof Error ? error.message : String(error) });
});
