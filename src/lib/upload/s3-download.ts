/**
 * `downloadDirectory`: `s3://bucket/prefix` → a folder, resumable. A file
 * already there with the recorded ETag is skipped; a half-downloaded
 * `.part` file continues with a ranged GET. Each object's SHA-256 (from
 * `x-amz-meta-sha256`, set by `uploadDirectory`) is checked before the file
 * takes its final name. Tar shards made by `upload --pack` are unpacked.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Transform, type Readable } from 'node:stream';

import { GetObjectCommand, HeadBucketCommand, type S3Client } from '@aws-sdk/client-s3';

import { openManifest } from './manifest';
import { PACK_FOLDER, PACK_INDEX, unpackShard } from './pack';
import { createS3Client, describeS3Error, type S3ConnectionOptions, S3TransferError } from './s3-client';
import { formatS3Url, parseS3Url } from './s3-location';
import { MB, type TransferProgress } from './throughput';
import { listRemote, runPool } from './upload';

export interface DownloadOptions extends S3ConnectionOptions {
  /** `s3://bucket/prefix`. */
  readonly source: string;
  /** Local folder; created if missing. */
  readonly dir: string;
  /** Objects downloaded at once. @default 4 */
  readonly concurrency?: number;
  /** Unpack `_actlab_pack/` tar shards into the folder (and drop the tars). @default true */
  readonly unpack?: boolean;
  /** Only keys (relative to the prefix) for which this returns true. */
  readonly filter?: (relativeKey: string) => boolean;
  readonly onProgress?: (progress: TransferProgress) => void;
  readonly signal?: AbortSignal;
}

export interface DownloadResult {
  /** Objects under the prefix (after the filter). */
  readonly objects: number;
  readonly downloaded: number;
  readonly skipped: number;
  readonly bytesDownloaded: number;
  /** Tar shards unpacked in this run. */
  readonly unpacked: number;
  readonly seconds: number;
  readonly bytesPerSecond: number;
}

/** Downloads everything under `options.source` into `options.dir`; re-run to resume. */
export async function downloadDirectory(options: DownloadOptions): Promise<DownloadResult> {
  const client = createS3Client(options);
  try {
    return await downloadWith(client, options);
  } finally {
    client.destroy();
  }
}

async function downloadWith(client: S3Client, options: DownloadOptions): Promise<DownloadResult> {
  const started = Date.now();
  const location = parseS3Url(options.source);
  const dir = path.resolve(options.dir);
  const concurrency = options.concurrency ?? 4;
  if (!(Number.isInteger(concurrency) && concurrency >= 1))
    throw new S3TransferError(`concurrency must be a whole number >= 1, got ${concurrency}`);
  try {
    await client.send(new HeadBucketCommand({ Bucket: location.bucket }), { abortSignal: options.signal });
  } catch (error) {
    throw describeS3Error(error, `s3://${location.bucket}`, options.endpoint);
  }
  const remote = await listRemote(client, location, options);
  const strip = location.prefix ? location.prefix.length + 1 : 0;
  const keys = [...remote.keys()]
    .filter((key) => !key.endsWith('/'))
    .filter((key) => options.filter?.(key.slice(strip)) ?? true)
    .sort();
  if (keys.length === 0) {
    throw new S3TransferError(`${formatS3Url(location)} holds no objects; check the URL (it is a prefix, not a file)`);
  }
  fs.mkdirSync(dir, { recursive: true });
  const manifest = openManifest(path.join(dir, '.actlab-download', `manifest.jsonl`));
  const unpack = options.unpack ?? true;
  const packed = (key: string): boolean => unpack && key.slice(strip).startsWith(`${PACK_FOLDER}/`);

  const todo = keys.filter((key) => {
    const object = remote.get(key);
    const recorded = manifest.get(key);
    if (!recorded || recorded.etag !== object?.etag || recorded.size !== object?.size) return true;
    if (packed(key)) return !recorded.unpacked && !key.endsWith(PACK_INDEX);
    const local = path.join(dir, key.slice(strip));
    return !(fs.existsSync(local) && fs.statSync(local).size === recorded.size);
  });
  const bytesTotal = todo.reduce((sum, key) => sum + (remote.get(key)?.size ?? 0), 0);
  let bytesDone = 0;
  let objectsDone = 0;
  let unpacked = 0;
  const report = (): void =>
    options.onProgress?.({
      bytesDone,
      bytesTotal,
      objectsDone,
      objectsTotal: todo.length,
      bytesPerSecond: bytesDone / Math.max(0.001, (Date.now() - started) / 1000),
    });
  report();
  await runPool(todo, concurrency, async (key) => {
    const relative = key.slice(strip);
    const local = packed(key) ? path.join(dir, '.actlab-download', relative) : path.join(dir, ...relative.split('/'));
    if (!path.resolve(local).startsWith(dir + path.sep)) {
      throw new S3TransferError(`${formatS3Url(location, key)}: key escapes ${dir}; refusing to write it`);
    }
    const object = remote.get(key) as { size: number; etag?: string };
    const sha256 = await fetchObject(client, location.bucket, key, local, object, options, (bytes) => {
      bytesDone += bytes;
      report();
    });
    if (packed(key) && key.endsWith('.tar')) {
      await unpackShard(local, dir);
      fs.rmSync(local, { force: true });
      unpacked++;
    }
    manifest.add({ key, size: object.size, sha256, etag: object.etag, unpacked: packed(key) });
    objectsDone++;
    report();
  });
  const seconds = (Date.now() - started) / 1000;
  return {
    objects: keys.length,
    downloaded: todo.length,
    skipped: keys.length - todo.length,
    bytesDownloaded: bytesDone,
    unpacked,
    seconds,
    bytesPerSecond: bytesDone / Math.max(0.001, seconds),
  };
}

/**
 * GETs `key` into `file` via `file.part`, continuing a previous `.part` with a
 * ranged GET (If-Match on the ETag, so a changed object restarts). Checks the
 * SHA-256 against `x-amz-meta-sha256` when the object carries one. Returns the hash.
 */
export async function fetchObject(
  client: S3Client,
  bucket: string,
  key: string,
  file: string,
  object: { size: number; etag?: string },
  options: { readonly endpoint?: string; readonly signal?: AbortSignal },
  onBytes: (bytes: number) => void,
): Promise<string> {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const part = `${file}.part`;
  let have = fs.existsSync(part) ? fs.statSync(part).size : 0;
  if (have > object.size) {
    fs.rmSync(part);
    have = 0;
  }
  const hash = crypto.createHash('sha256');
  if (have > 0) {
    for await (const chunk of fs.createReadStream(part, { highWaterMark: MB })) hash.update(chunk as Buffer);
    onBytes(0);
  }
  let metadataSha: string | undefined;
  if (have < object.size || object.size === 0) {
    let response;
    try {
      response = await client.send(
        new GetObjectCommand({
          Bucket: bucket,
          Key: key,
          Range: have > 0 ? `bytes=${have}-` : undefined,
          IfMatch: have > 0 ? object.etag : undefined,
        }),
        { abortSignal: options.signal },
      );
    } catch (error) {
      const name = (error as { name?: string }).name;
      if (have > 0 && (name === 'PreconditionFailed' || name === 'InvalidRange')) {
        fs.rmSync(part, { force: true }); // the object changed since the partial download: start over
        return fetchObject(client, bucket, key, file, object, options, onBytes);
      }
      throw describeS3Error(error, `s3://${bucket}/${key}`, options.endpoint);
    }
    metadataSha = response.Metadata?.sha256;
    const counter = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        hash.update(chunk);
        onBytes(chunk.length);
        done(null, chunk);
      },
    });
    await pipeline(response.Body as Readable, counter, fs.createWriteStream(part, { flags: have > 0 ? 'a' : 'w' }), {
      signal: options.signal,
    });
  }
  const digest = hash.digest('hex');
  const size = fs.statSync(part).size;
  if (size !== object.size) {
    throw new S3TransferError(
      `s3://${bucket}/${key}: got ${size} bytes, expected ${object.size}; the partial file ${part} is kept, re-run to resume`,
    );
  }
  if (metadataSha && metadataSha !== digest) {
    fs.rmSync(part, { force: true });
    throw new S3TransferError(
      `s3://${bucket}/${key}: SHA-256 ${digest} does not match the uploaded checksum ${metadataSha}; ` +
        'the download was discarded, re-run to fetch it again (if it repeats, re-upload the file)',
    );
  }
  fs.renameSync(part, file);
  return digest;
}
