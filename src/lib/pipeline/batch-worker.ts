/**
 * The worker thread behind `ClipPipelineOptions.workers`: reads clips from the
 * cache and augments them into one batch buffer, off the main thread, so a
 * train step (which blocks the main thread) and the making of the next
 * batches run at the same time. Reads are blocking (this thread has nothing
 * else to do) into one reused buffer, so the worker makes no garbage per clip.
 * Imports stay light: no tfjs here.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';

import { shardName } from '../video/cache-format';
import { openClipCache } from '../video/cache-reader';
import { transformClip } from './augment';
import { openCacheMasks, pasteScene, readScenePlates } from './masks';
import type { BatchReply, BatchRequest, BatchWorkerData, CloseRequest } from './worker-pool';

const port = parentPort;
if (!port) throw new Error('batch-worker.js runs as a worker thread of a clip pipeline');
const { dir, scenes } = workerData as BatchWorkerData;
const cache = openClipCache(dir);
const masks = scenes ? openCacheMasks(dir, cache) : undefined;
const plates = scenes ? readScenePlates(dir, cache) : undefined;
const maskBuffer = masks ? new Uint8Array(masks.shape.reduce((a, b) => a * b, 1)) : undefined;
const clipBuffer = new Uint8Array(cache.shape.reduce((a, b) => a * b, 1));
const shardFiles = new Map<number, number>();

port.on('message', (request: BatchRequest | CloseRequest) => {
  if ('close' in request) {
    for (const fd of shardFiles.values()) fs.closeSync(fd);
    shardFiles.clear();
    masks?.reader.close();
    port.close(); // nothing else keeps this thread alive: it ends
    return;
  }
  let reply: BatchReply;
  let transfer: ArrayBuffer[] = [];
  try {
    const xs = makeBatch(request);
    reply = { id: request.id, xs };
    transfer = [xs.buffer as ArrayBuffer];
  } catch (error) {
    reply = { id: request.id, error: (error as Error).message ?? String(error) };
  }
  port.postMessage(reply, transfer);
});

function makeBatch(request: BatchRequest): Float32Array {
  const xs = new Float32Array(request.clips.length * request.sampleLength);
  request.clips.forEach((clip, k) => {
    readInto(clip);
    const aug = request.augs[k] as BatchRequest['augs'][number];
    if (aug.plate !== undefined) {
      if (!masks || !plates || !maskBuffer)
        throw new Error(`${dir}: a scene paste was asked for, but the cache has no masks or scenes`);
      pasteScene(clipBuffer, masks.reader.read(masks.maskOf[clip] as number, maskBuffer), plates, aug.plate);
    }
    transformClip(clipBuffer, cache.shape, aug, request.target, xs, k * request.sampleLength);
  });
  return xs;
}

function readInto(i: number): void {
  const entry = cache.clips[i];
  if (!entry) throw new RangeError(`clip ${i} is out of range: the cache in ${dir} holds ${cache.clips.length} clips`);
  let fd = shardFiles.get(entry.shard);
  if (fd === undefined) {
    fd = fs.openSync(path.join(dir, `${shardName(entry.shard)}.bin`), 'r');
    shardFiles.set(entry.shard, fd);
  }
  const bytesRead = fs.readSync(fd, clipBuffer, 0, entry.length, entry.offset);
  if (bytesRead !== entry.length)
    throw new Error(`${dir}: shard ${entry.shard} is truncated; delete it and re-run extract`);
}
