/**
 * A real S3 API on 127.0.0.1 for tests: s3rver over a temp folder, with the
 * PUTs it accepted counted per key (whole-object PUTs and completed
 * multipart uploads).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

import { tempDir } from './fixtures';

// s3rver ships no types.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const S3rver = require('s3rver') as any;

export interface TestS3 {
  /** `http://127.0.0.1:PORT` */
  readonly endpoint: string;
  /** Credentials s3rver accepts. */
  readonly env: Record<string, string>;
  /** Completed object writes (PutObject, CompleteMultipartUpload, Copy) per key, since start. */
  readonly puts: Map<string, number>;
  /** Every HTTP request received (method and URL), in order, since start. */
  readonly requests: Array<{ readonly method: string; readonly url: string }>;
  /** Calls `listener` as each request arrives (before it is handled); returns the unsubscribe. */
  onRequest(listener: (request: { readonly method: string; readonly url: string }) => void): () => void;
  /** Multipart uploads begun in `bucket` and neither completed nor aborted (s3rver keeps them on disk). */
  unfinishedUploads(bucket: string): number;
  close(): Promise<void>;
}

export const S3_CREDENTIALS = { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER', AWS_REGION: 'us-east-1' };

/** Starts s3rver on a free port with the given buckets; stops itself when the process exits. */
export async function startS3(buckets: readonly string[]): Promise<TestS3> {
  const directory = tempDir('actlab-s3rver-');
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory,
    configureBuckets: buckets.map((name) => ({ name })),
  });
  const address = (await server.run()) as { port: number };
  const puts = new Map<string, number>();
  server.on('event', (event: { Records: Array<{ eventName: string; s3: { object: { key: string } } }> }) => {
    for (const record of event.Records) {
      if (record.eventName.startsWith('ObjectCreated')) {
        const key = decodeURIComponent(record.s3.object.key);
        puts.set(key, (puts.get(key) ?? 0) + 1);
      }
    }
  });
  const requests: TestS3['requests'] = [];
  const listeners = new Set<(request: { readonly method: string; readonly url: string }) => void>();
  server.httpServer.on('request', (req: { method?: string; url?: string }) => {
    const request = { method: req.method ?? '', url: req.url ?? '' };
    requests.push(request);
    for (const listener of listeners) listener(request);
  });
  const onRequest: TestS3['onRequest'] = (listener) => {
    listeners.add(listener);
    return () => listeners.delete(listener);
  };
  const unfinishedUploads = (bucket: string): number => {
    const folder = path.join(directory, bucket, '._S3rver_uploads'); // s3rver's filesystem store layout
    return fs.existsSync(folder) ? fs.readdirSync(folder).length : 0;
  };
  let closed = false;
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    server.httpServer?.closeAllConnections?.();
    await server.close();
  };
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    env: S3_CREDENTIALS,
    puts,
    requests,
    onRequest,
    unfinishedUploads,
    close,
  };
}

/** Writes `count` small files of varied sizes under `dir/<class>/` (deterministic bytes). */
export function writeSmallFiles(dir: string, count: number, bytes = 4096): number {
  let total = 0;
  for (let i = 0; i < count; i++) {
    const file = path.join(dir, `class${i % 10}`, `frame_${String(i).padStart(5, '0')}.jpg`);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const size = bytes + (i % 7) * 100;
    const data = Buffer.alloc(size);
    for (let k = 0; k < size; k++) data[k] = (i * 31 + k * 7) & 0xff;
    fs.writeFileSync(file, data);
    total += size;
  }
  return total;
}
