/**
 * `downloadFile`: one URL → one file, resumable. Bytes go to `FILE.part`; a
 * dropped connection (or a killed run) continues from the `.part` size with
 * an HTTP Range request; the file takes its final name only after its size
 * and checksum check out. A server that ignores Range makes it start over.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Readable } from 'node:stream';

import { stallTimeoutMs, stallWatch } from '../util/network';

/** A download failed in a way retrying will not fix (bad status, checksum mismatch). */
export class DownloadError extends Error {
  override name = 'DownloadError';
}

export interface Checksum {
  readonly algorithm: 'sha256' | 'md5' | 'sha1';
  /** Hex digest. */
  readonly hex: string;
}

export interface DownloadFileOptions {
  readonly url: string;
  /** Destination; the partial download lives at `${file}.part`. */
  readonly file: string;
  /** Verified before the file takes its final name. */
  readonly checksum?: Checksum;
  /** Attempts after a dropped connection, each resuming where the last stopped. @default 5 */
  readonly retries?: number;
  /** Pause before a retry in ms (doubles each time). @default 500 */
  readonly retryDelayMs?: number;
  /** A request with no byte for this long is given up and retried. @default `stallTimeoutMs()` (15 s, or ACTLAB_NET_TIMEOUT_MS) */
  readonly stallMs?: number;
  /** Called as bytes arrive: bytes on disk so far and the total when the server says it. */
  readonly onProgress?: (bytes: number, total: number | undefined) => void;
  readonly signal?: AbortSignal;
}

export interface DownloadFileResult {
  readonly file: string;
  readonly bytes: number;
  /** Hex digest with `checksum.algorithm` (sha256 when none was given). */
  readonly digest: string;
  /** Bytes that were already on disk from an earlier attempt or run. */
  readonly resumedFrom: number;
  /** Dropped connections recovered from in this call. */
  readonly retries: number;
  /** True when the final file already existed and checked out (nothing fetched). */
  readonly alreadyDone: boolean;
}

/** Downloads `options.url` to `options.file`, resuming `.part` leftovers; see the module comment. */
export async function downloadFile(options: DownloadFileOptions): Promise<DownloadFileResult> {
  const { url, file } = options;
  const algorithm = options.checksum?.algorithm ?? 'sha256';
  if (fs.existsSync(file)) {
    const digest = await hashFile(file, algorithm);
    if (!options.checksum || digest === options.checksum.hex.toLowerCase()) {
      return { file, bytes: fs.statSync(file).size, digest, resumedFrom: 0, retries: 0, alreadyDone: true };
    }
    throw new DownloadError(
      `${file} exists but its ${algorithm} is ${digest}, not ${options.checksum.hex}; delete it (or fix the checksum) and re-run`,
    );
  }
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const part = `${file}.part`;
  const resumedFrom = fs.existsSync(part) ? fs.statSync(part).size : 0;
  const maxRetries = options.retries ?? 5;
  let delay = options.retryDelayMs ?? 500;
  let retries = 0;
  let total: number | undefined;
  for (;;) {
    options.signal?.throwIfAborted();
    const have = fs.existsSync(part) ? fs.statSync(part).size : 0;
    try {
      total = await fetchInto(url, part, have, options);
      break;
    } catch (error) {
      if (error instanceof DownloadError || options.signal?.aborted || retries >= maxRetries) {
        if (error instanceof DownloadError) throw error;
        const kept = fs.existsSync(part) ? fs.statSync(part).size : 0;
        throw new DownloadError(
          `${url}: ${(error as Error).message} after ${retries} retries; ${kept} bytes kept in ${part}, re-run to resume`,
        );
      }
      retries++;
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay *= 2;
    }
  }
  const bytes = fs.statSync(part).size;
  if (total !== undefined && bytes !== total) {
    throw new DownloadError(`${url}: got ${bytes} of ${total} bytes; ${part} is kept, re-run to resume`);
  }
  const digest = await hashFile(part, algorithm);
  if (options.checksum && digest !== options.checksum.hex.toLowerCase()) {
    throw new DownloadError(
      `${url}: ${algorithm} of the download is ${digest}, expected ${options.checksum.hex}; the file is kept as ${part}. ` +
        'If the URL serves a newer version, pass its checksum; otherwise delete the .part file and re-run',
    );
  }
  fs.renameSync(part, file);
  return { file, bytes, digest, resumedFrom, retries, alreadyDone: false };
}

/** One GET (ranged when `have > 0`) appended to `part`; resolves to the full size when known. */
async function fetchInto(
  url: string,
  part: string,
  have: number,
  options: DownloadFileOptions,
): Promise<number | undefined> {
  // No server holds a download for good: no byte (connecting, headers or body) for stallMs gives up this attempt.
  const watch = stallWatch(options.stallMs ?? stallTimeoutMs(), options.signal);
  try {
    return await fetchWatched(url, part, have, options, watch);
  } catch (error) {
    if (options.signal?.aborted || !watch.signal.aborted) throw error;
    throw watch.signal.reason as Error;
  } finally {
    watch.stop();
  }
}

async function fetchWatched(
  url: string,
  part: string,
  have: number,
  options: DownloadFileOptions,
  watch: ReturnType<typeof stallWatch>,
): Promise<number | undefined> {
  let response: Response;
  try {
    response = await fetch(url, {
      headers: have > 0 ? { Range: `bytes=${have}-` } : {},
      signal: watch.signal,
      redirect: 'follow',
    });
  } catch (error) {
    const code = (error as { cause?: { code?: string } }).cause?.code;
    throw new Error(`cannot connect${code ? ` (${code})` : ''}: ${(error as Error).message}`, { cause: error });
  }
  watch.touch();
  if (response.status === 416 && have > 0) {
    // Nothing left to send: the .part is already complete.
    const range = /\/(\d+)$/.exec(response.headers.get('content-range') ?? '');
    await response.body?.cancel();
    return range ? Number(range[1]) : have;
  }
  if (response.status !== 200 && response.status !== 206) {
    await response.body?.cancel();
    throw new DownloadError(
      `${url}: HTTP ${response.status} ${response.statusText}; check the URL (pass another with --*-url)`,
    );
  }
  const append = response.status === 206 && have > 0;
  if (have > 0 && !append) have = 0; // the server ignored Range: start over
  const length = Number(response.headers.get('content-length') ?? NaN);
  const total = Number.isFinite(length) ? have + length : undefined;
  const out = fs.createWriteStream(part, { flags: append ? 'a' : 'w' });
  let bytes = have;
  try {
    for await (const chunk of Readable.fromWeb(response.body as import('node:stream/web').ReadableStream<Uint8Array>)) {
      const buffer = chunk as Buffer;
      watch.touch();
      if (!out.write(buffer)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
      bytes += buffer.length;
      options.onProgress?.(bytes, total);
    }
  } finally {
    await new Promise<void>((resolve, reject) =>
      out.end((error?: Error | null) => (error ? reject(error) : resolve())),
    );
  }
  if (total !== undefined && bytes < total) throw new Error(`connection dropped at byte ${bytes} of ${total}`);
  return total;
}

export async function hashFile(file: string, algorithm: string): Promise<string> {
  const hash = crypto.createHash(algorithm);
  for await (const chunk of fs.createReadStream(file, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
