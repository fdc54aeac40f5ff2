/**
 * A real S3 API on 127.0.0.1 for tests: the library's `startLocalS3` (s3rver
 * over a temp folder), plus what the tests inspect: every request received
 * and the PUTs it accepted, counted per key (whole-object PUTs and completed
 * multipart uploads). And a bucket that lists hostile keys literally.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import type { AddressInfo } from 'node:net';
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

/**
 * A bucket that lists exactly the keys it is given, `..` segments included, as AWS S3 does
 * (s3rver files each key as a path, so it can neither hold nor list such a key): answers
 * HeadBucket, ListObjectsV2 and GetObject, anonymously, for one bucket; `stallGetAfter`
 * makes every GetObject stop after that many bytes of its body, the connection left open.
 */
export async function startLiteralS3(
  bucket: string,
  objects: ReadonlyMap<string, Buffer>,
  options: { readonly stallGetAfter?: number } = {},
): Promise<{ readonly endpoint: string; close(): Promise<void> }> {
  const etag = (body: Buffer): string => `"${crypto.createHash('md5').update(body).digest('hex')}"`;
  const xml = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  const server = http.createServer((req, res) => {
    // The raw URL, not new URL(): that would resolve the `..` segments this server exists to keep.
    const [rawPath = '', query = ''] = (req.url ?? '').split('?');
    const key = decodeURIComponent(rawPath.slice(bucket.length + 2));
    if (!rawPath.startsWith(`/${bucket}`)) return void res.writeHead(404).end();
    if (key === '' && req.method === 'HEAD') return void res.writeHead(200).end();
    if (key === '') {
      const prefix = new URLSearchParams(query).get('prefix') ?? '';
      const contents = [...objects]
        .filter(([name]) => name.startsWith(prefix))
        .map(
          ([name, body]) =>
            `<Contents><Key>${xml(name)}</Key><Size>${body.length}</Size><ETag>${xml(etag(body))}</ETag>` +
            '<LastModified>2024-01-01T00:00:00.000Z</LastModified></Contents>',
        );
      res.writeHead(200, { 'Content-Type': 'application/xml' });
      return void res.end(
        '<?xml version="1.0" encoding="UTF-8"?><ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">' +
          `<Name>${bucket}</Name><Prefix>${xml(prefix)}</Prefix><KeyCount>${contents.length}</KeyCount>` +
          `<MaxKeys>1000</MaxKeys><IsTruncated>false</IsTruncated>${contents.join('')}</ListBucketResult>`,
      );
    }
    const body = objects.get(key);
    if (!body) return void res.writeHead(404).end();
    res.writeHead(200, { 'Content-Length': body.length, ETag: etag(body), 'Last-Modified': new Date(0).toUTCString() });
    // A server that stops sending mid-body and keeps the connection open.
    if (options.stallGetAfter !== undefined && req.method === 'GET')
      return void res.write(body.subarray(0, options.stallGetAfter));
    res.end(req.method === 'HEAD' ? undefined : body);
  });
  return onLoopback(server, () => server.closeAllConnections());
}

/** A server that accepts connections and never answers (nor closes them). */
export async function startSilentServer(): Promise<{ readonly endpoint: string; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.resume(); // read and ignore whatever the client sends
  });
  return onLoopback(server, () => {
    for (const socket of sockets) socket.destroy();
  });
}

/** Listens on a free port of 127.0.0.1; close() drops the open connections, then stops listening. */
async function onLoopback(
  server: net.Server,
  dropConnections: () => void,
): Promise<{ readonly endpoint: string; close(): Promise<void> }> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((resolve) => {
        dropConnections();
        server.close(() => resolve());
      }),
  };
}
