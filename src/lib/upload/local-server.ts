/**
 * `startLocalS3`: a real S3-compatible server (s3rver) on 127.0.0.1, for the
 * upload chapter and the tests: the same requests a bucket on AWS answers,
 * without an account, a network or Docker. Objects live in a temp folder that
 * `close()` removes. The server never keeps Node running on its own: a
 * notebook cell that fails before `close()` leaves nothing hanging, and the
 * folder goes when the process exits, Ctrl-C and SIGTERM included. Keys stay
 * inside the folder (local-server-store.ts).
 */
import * as fs from 'node:fs';
import type { Server } from 'node:http';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

import { createConfinedStore } from './local-server-store';
import { parseS3Url } from './s3-location';
import type { S3ConnectionOptions } from './s3-client';

export interface LocalS3Options {
  /** Buckets to create; the first is {@link LocalS3.bucket}. @default ['actlab'] */
  readonly buckets?: readonly string[];
  /** TCP port on 127.0.0.1. @default 0 (a free port) */
  readonly port?: number;
}

/** A request the server received, as it arrives. */
export interface LocalS3Request {
  readonly method: string;
  /** Path and query: `/bucket/key?uploads`. */
  readonly url: string;
}

export interface LocalS3 {
  /** `http://127.0.0.1:PORT` */
  readonly endpoint: string;
  /** The first bucket created. */
  readonly bucket: string;
  /** The keys s3rver accepts (any non-empty pair would do; these are its documented ones). */
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
  readonly region: string;
  /** `{ endpoint, region, credentials }`: spread into `uploadDirectory` / `downloadDirectory` options. */
  readonly connection: S3ConnectionOptions;
  /** The temp folder holding the buckets' objects (s3rver's own layout). */
  readonly directory: string;
  /** HTTP requests received since start. */
  requests(): number;
  /** Calls `listener` as each request arrives, before it is handled; returns the unsubscribe. */
  onRequest(listener: (request: LocalS3Request) => void): () => void;
  /** Calls `listener` with the key of each object written (PUT, completed multipart upload, copy); returns the unsubscribe. */
  onObjectCreated(listener: (bucket: string, key: string) => void): () => void;
  /** Stops the server (open connections too) and deletes its folder; a second call does nothing. */
  close(): Promise<void>;
}

const CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;

/** The subset of s3rver's API used here (it ships no types). */
interface S3rverInstance {
  run(): Promise<{ port: number }>;
  close(): Promise<void>;
  on(event: 'event', listener: (event: S3rverEvent) => void): void;
  readonly httpServer: Server;
  /** The store the controllers use (s3rver sets both; replaced before run()). */
  store: object;
  readonly context: { store: object };
}
interface S3rverEvent {
  readonly Records: ReadonlyArray<{
    readonly eventName: string;
    readonly s3: { readonly bucket: { readonly name: string }; readonly object: { readonly key: string } };
  }>;
}

/** Starts s3rver on 127.0.0.1 with `buckets` in a fresh temp folder. */
export async function startLocalS3(options: LocalS3Options = {}): Promise<LocalS3> {
  const buckets = options.buckets ?? ['actlab'];
  if (buckets.length === 0) throw new Error('startLocalS3: give at least one bucket name in buckets');
  for (const name of buckets) {
    try {
      parseS3Url(`s3://${name}`); // the same bucket-name rule as every s3:// URL
    } catch {
      throw new Error(
        `startLocalS3: "${name}" is not a bucket name: use 3-63 lowercase letters, digits, dots or dashes`,
      );
    }
  }
  const port = options.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`startLocalS3: port must be a whole number from 0 (any free port) to 65535, got ${port}`);
  }
  if (port !== 0) await checkPortFree(port);
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'actlab-s3-'));
  const removeFolder = removeWhenProcessEnds(directory);
  // Loaded here, not at the top: only this call needs s3rver and its Koa stack.
  const S3rver = require('s3rver') as new (options: object) => S3rverInstance;
  const server = new S3rver({
    address: '127.0.0.1',
    port,
    silent: true,
    directory,
    configureBuckets: buckets.map((name) => ({ name })),
  });
  server.store = server.context.store = createConfinedStore(directory);
  let address: { port: number };
  try {
    address = await server.run();
  } catch (error) {
    removeFolder();
    throw error;
  }
  server.httpServer.unref(); // a forgotten close() must not keep the process alive

  let requestCount = 0;
  const requestListeners = new Set<(request: LocalS3Request) => void>();
  server.httpServer.on('request', (req: { method?: string; url?: string }) => {
    requestCount++;
    const request = { method: req.method ?? '', url: req.url ?? '' };
    for (const listener of requestListeners) listener(request);
  });
  const createdListeners = new Set<(bucket: string, key: string) => void>();
  server.on('event', (event) => {
    for (const record of event.Records) {
      if (!record.eventName.startsWith('ObjectCreated')) continue;
      const key = decodeURIComponent(record.s3.object.key);
      for (const listener of createdListeners) listener(record.s3.bucket.name, key);
    }
  });

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      server.httpServer.closeAllConnections();
      await server.close();
      removeFolder();
    })();
    return closing;
  };
  const endpoint = `http://127.0.0.1:${address.port}`;
  const region = 'us-east-1';
  return {
    endpoint,
    bucket: buckets[0]!,
    credentials: CREDENTIALS,
    region,
    connection: { endpoint, region, credentials: CREDENTIALS },
    directory,
    requests: () => requestCount,
    onRequest(listener) {
      requestListeners.add(listener);
      return () => void requestListeners.delete(listener);
    },
    onObjectCreated(listener) {
      createdListeners.add(listener);
      return () => void createdListeners.delete(listener);
    },
    close,
  };
}

/**
 * s3rver reports a failed listen as an uncaught 'error' event, not a rejection,
 * so a port given explicitly is tried here first.
 */
function checkPortFree(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        new Error(
          `startLocalS3: cannot listen on 127.0.0.1:${port} (${error.code ?? error.message}); leave port unset to take a free one`,
        ),
      ),
    );
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve()));
  });
}

/** Folders of servers not yet closed; removed when the process exits or is ended by a signal. */
const liveFolders = new Set<string>();
const ENDING_SIGNALS = ['SIGINT', 'SIGTERM'] as const;

/** Removes `folder` when the process ends; returns the removal for close() (which also stops the watch). */
function removeWhenProcessEnds(folder: string): () => void {
  if (liveFolders.size === 0) {
    process.on('exit', removeLiveFolders);
    for (const signal of ENDING_SIGNALS) process.on(signal, onEndingSignal);
  }
  liveFolders.add(folder);
  return () => {
    liveFolders.delete(folder);
    fs.rmSync(folder, { recursive: true, force: true });
    if (liveFolders.size === 0) stopWatching();
  };
}

function removeLiveFolders(): void {
  for (const folder of liveFolders) fs.rmSync(folder, { recursive: true, force: true });
  liveFolders.clear();
}

function stopWatching(): void {
  process.off('exit', removeLiveFolders);
  for (const signal of ENDING_SIGNALS) process.off(signal, onEndingSignal);
}

/**
 * A SIGINT or SIGTERM that nothing else listens for ends the process without
 * running 'exit' listeners: remove the folders, then raise the signal again
 * with Node's default action, so the process still dies by it (a shell sees
 * Ctrl-C as Ctrl-C). When the program listens too (a notebook kernel whose
 * Ctrl-C interrupts a cell, `actlab extract`), that listener decides: the
 * server keeps its folder, and 'exit' removes it if the process does end.
 */
function onEndingSignal(signal: NodeJS.Signals): void {
  if (process.listeners(signal).some((listener) => listener !== onEndingSignal)) return;
  removeLiveFolders();
  stopWatching();
  process.kill(process.pid, signal);
}
