/**
 * A real S3 API on 127.0.0.1 for tests: the library's `startLocalS3` (s3rver
 * over a temp folder), plus what the tests inspect: every request received
 * and the PUTs it accepted, counted per key (whole-object PUTs and completed
 * multipart uploads).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

import { startLocalS3 } from '../../src/lib/upload';

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

/** Starts s3rver on a free port with the given buckets; its folder goes when it closes or the process exits. */
export async function startS3(buckets: readonly string[]): Promise<TestS3> {
  const server = await startLocalS3({ buckets });
  const puts = new Map<string, number>();
  server.onObjectCreated((_bucket, key) => puts.set(key, (puts.get(key) ?? 0) + 1));
  const requests: TestS3['requests'] = [];
  server.onRequest((request) => requests.push(request));
  const unfinishedUploads = (bucket: string): number => {
    const folder = path.join(server.directory, bucket, '._S3rver_uploads'); // s3rver's filesystem store layout
    return fs.existsSync(folder) ? fs.readdirSync(folder).length : 0;
  };
  return {
    endpoint: server.endpoint,
    env: S3_CREDENTIALS,
    puts,
    requests,
    onRequest: (listener) => server.onRequest(listener),
    unfinishedUploads,
    close: () => server.close(),
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
