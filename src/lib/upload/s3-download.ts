/**
 * `downloadDirectory`: `s3://bucket/prefix` → a folder, resumable. A file
 * already there with the recorded ETag is skipped; a half-downloaded
 * `.part` file continues with a ranged GET. Each object's SHA-256 (from
 * `x-amz-meta-sha256`, set by `uploadDirectory`) is checked before the file
 * takes its final name. Tar shards made by `upload --pack` are unpacked.
 *
 * Nothing is written into the folder but the downloaded files themselves:
 * the manifest and the tar shards live in the per-user state folder
 * (state-dir.ts), so a finished download is exactly the uploaded tree. A file
 * already in the folder that this download did not write is never replaced
 * unless `overwrite` is set (an identical one is simply kept).
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Transform, type Readable } from 'node:stream';

import { GetObjectCommand, HeadBucketCommand, HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';

import { stallTimeoutMs, stallWatch } from '../util/network';
import { requireWholeNumber } from '../util/validate';
import { sha256File } from './hash';
import { type ManifestEntry, openManifest, type TransferManifest } from './manifest';
import { inspectShard, PACK_FOLDER, PACK_INDEX, unpackShard } from './pack';
import { runPool } from './pool';
import { createS3Client, describeS3Error, type S3ConnectionOptions, S3TransferError } from './s3-client';
import { listRemote, type RemoteObject } from './s3-list';
import { formatS3Url, parseS3Url, type S3Location } from './s3-location';
import { shortHash, transferStateDir } from './state-dir';
import { MB, type TransferProgress } from './throughput';

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
  /** Replace files in `dir` that this download did not write (and that differ). @default false */
  readonly overwrite?: boolean;
  /**
   * Where the manifest and tar shards live while downloading; never inside `dir`.
   * @default `$XDG_CACHE_HOME/actlab/downloads/<hash of dir>` (`~/.cache/actlab/...`)
   */
  readonly stateDir?: string;
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
  const concurrency = requireWholeNumber('concurrency', options.concurrency ?? 4, 1, { error: S3TransferError });
  if (fs.existsSync(dir) && !fs.statSync(dir).isDirectory())
    throw new S3TransferError(`${dir} is a file, not a folder: give the folder to download into`);
  const { remote, keys } = await remoteKeys(client, location, options);
  fs.mkdirSync(dir, { recursive: true });
  const stateDir = transferStateDir('downloads', dir, options.stateDir);
  const manifest = openManifest(
    path.join(stateDir, `manifest-${shortHash(`${options.endpoint ?? 'aws'}|${options.source}`)}.jsonl`),
  );
  const place = placement(location, dir, stateDir, options.unpack ?? true);
  refuseEscapingKeys(keys, place, location);

  const todo = await keysToFetch({ client, location, options, remote, manifest, place }, keys, concurrency);
  const fetched = await fetchKeys({ client, location, options, remote, manifest, place }, todo, concurrency, started);
  if (keys.every((key) => !place.packed(key) || key.endsWith(PACK_INDEX) || manifest.get(key)?.unpacked)) {
    fs.rmSync(path.join(stateDir, 'pack'), { recursive: true, force: true });
  }
  const seconds = (Date.now() - started) / 1000;
  return {
    objects: keys.length,
    downloaded: todo.length,
    skipped: keys.length - todo.length,
    bytesDownloaded: fetched.bytes,
    unpacked: fetched.unpacked,
    seconds,
    bytesPerSecond: fetched.bytes / Math.max(0.001, seconds),
  };
}

/** The objects under the prefix that pass the filter, sorted; an error naming the bucket or the empty prefix. */
async function remoteKeys(
  client: S3Client,
  location: S3Location,
  options: DownloadOptions,
): Promise<{ remote: Map<string, RemoteObject>; keys: string[] }> {
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
  return { remote, keys };
}

/** Where each key goes: a tar shard to pack/ in the state folder (when unpacking), any other key into the folder. */
interface Placement {
  readonly dir: string;
  readonly stateDir: string;
  /** A tar shard (or the pack index) of `upload --pack`, to unpack. */
  packed(key: string): boolean;
  localOf(key: string): string;
}

function placement(location: S3Location, dir: string, stateDir: string, unpack: boolean): Placement {
  const strip = location.prefix ? location.prefix.length + 1 : 0;
  const packed = (key: string): boolean => unpack && key.slice(strip).startsWith(`${PACK_FOLDER}/`);
  return {
    dir,
    stateDir,
    packed,
    localOf: (key) =>
      packed(key) ? path.join(stateDir, 'pack', key.slice(strip)) : path.join(dir, ...key.slice(strip).split('/')),
  };
}

/** A key is a name, not a path: one with ".." segments must not climb out of its folder (pack/ for shards). */
function refuseEscapingKeys(keys: readonly string[], place: Placement, location: S3Location): void {
  for (const key of keys) {
    const root = place.packed(key) ? path.join(place.stateDir, 'pack') : place.dir;
    if (!path.resolve(place.localOf(key)).startsWith(root + path.sep)) {
      throw new S3TransferError(
        `${formatS3Url(location, key)}: the key leaves ${root} (it has ".." in it); refusing to write it: ` +
          'delete that object from the bucket (actlab upload never makes such keys)',
      );
    }
  }
}

/** What one download works with: the bucket, the listing, the manifest of what earlier runs wrote, and where keys go. */
interface DownloadJob {
  readonly client: S3Client;
  readonly location: S3Location;
  readonly options: DownloadOptions;
  readonly remote: ReadonlyMap<string, RemoteObject>;
  readonly manifest: TransferManifest;
  readonly place: Placement;
}

/**
 * The keys to fetch, sorted: not done by an earlier run (same ETag and size in
 * the manifest, and its file or unpacked members still there). A file this
 * download did not write is kept when it is the same object, else refused.
 */
async function keysToFetch(job: DownloadJob, keys: readonly string[], concurrency: number): Promise<string[]> {
  const { client, location, options, remote, manifest, place } = job;
  const todo: string[] = [];
  await runPool(keys, concurrency, async (key) => {
    const object = remote.get(key) as RemoteObject;
    const recorded = manifest.get(key);
    const current = recorded?.etag === object.etag && recorded?.size === object.size;
    if (place.packed(key)) {
      if (key.endsWith(PACK_INDEX)) {
        if (!current) todo.push(key);
      } else if (!current || !recorded?.unpacked || !membersPresent(place.dir, recorded)) todo.push(key);
      return;
    }
    const local = place.localOf(key);
    const state = localState(local, recorded);
    if (state === 'ours' && current) return; // done in an earlier run
    if (state === 'missing' || state === 'ours' || options.overwrite) {
      todo.push(key);
      return;
    }
    // A file this download did not write: keep it if it is the same object, else refuse.
    if (state === 'file' && (await sameAsRemote(client, location, key, local, object, options))) {
      manifest.add(downloadEntry(key, object, await sha256File(local), local, false));
      return;
    }
    throw new S3TransferError(
      `${local} already exists and differs from ${formatS3Url(location, key)}; actlab did not write it, so it is kept: ` +
        'move it away, or pass --overwrite (overwrite: true) to replace it',
    );
  });
  return todo.sort();
}

/** Fetches `todo` (tar shards unpacked, then dropped), recording each in the manifest and reporting progress. */
async function fetchKeys(
  job: DownloadJob,
  todo: readonly string[],
  concurrency: number,
  started: number,
): Promise<{ bytes: number; unpacked: number }> {
  const { client, location, options, remote, manifest, place } = job;
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
    const local = place.localOf(key);
    const object = remote.get(key) as RemoteObject;
    const sha256 = await fetchObject(client, location.bucket, key, local, object, options, (bytes) => {
      bytesDone += bytes;
      report();
    });
    if (place.packed(key) && key.endsWith('.tar')) {
      const members = await unpackInto(
        local,
        place.dir,
        key,
        manifest,
        options.overwrite ?? false,
        formatS3Url(location, key),
      );
      manifest.add({ ...downloadEntry(key, object, sha256, undefined, true), members });
      fs.rmSync(local, { force: true });
      unpacked++;
    } else {
      manifest.add(downloadEntry(key, object, sha256, place.packed(key) ? undefined : local, place.packed(key)));
    }
    objectsDone++;
    report();
  });
  return { bytes: bytesDone, unpacked };
}

/** `ours`: the file this download wrote, unchanged since; `file`: some other file; `other`: not a regular file. */
function localState(local: string, recorded: ManifestEntry | undefined): 'missing' | 'ours' | 'file' | 'other' {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(local);
  } catch {
    return 'missing';
  }
  if (!stat.isFile()) return 'other';
  const unchanged =
    recorded !== undefined &&
    stat.size === recorded.size &&
    (recorded.mtimeMs === undefined || Math.floor(stat.mtimeMs) === recorded.mtimeMs);
  return unchanged ? 'ours' : 'file';
}

/** True when `local` has the object's size and the SHA-256 it was uploaded with. */
async function sameAsRemote(
  client: S3Client,
  location: S3Location,
  key: string,
  local: string,
  object: RemoteObject,
  options: DownloadOptions,
): Promise<boolean> {
  if (fs.statSync(local).size !== object.size) return false;
  let sha: string | undefined;
  try {
    const head = await client.send(new HeadObjectCommand({ Bucket: location.bucket, Key: key }), {
      abortSignal: options.signal,
    });
    sha = head.Metadata?.sha256;
  } catch (error) {
    throw describeS3Error(error, formatS3Url(location, key), options.endpoint);
  }
  return sha !== undefined && sha === (await sha256File(local, options.signal));
}

function downloadEntry(
  key: string,
  object: RemoteObject,
  sha256: string,
  local: string | undefined,
  unpacked: boolean,
): ManifestEntry {
  const mtimeMs = local ? Math.floor(fs.statSync(local).mtimeMs) : undefined;
  return { key, size: object.size, sha256, etag: object.etag, mtimeMs, unpacked };
}

/** True when every file a recorded shard unpacked is still in `dir` (an entry without the list: assumed so). */
function membersPresent(dir: string, recorded: ManifestEntry): boolean {
  return (recorded.members ?? []).every((member) => fs.existsSync(path.join(dir, member)));
}

/**
 * Unpacks a tar shard into `dir`, first checking that it replaces no file this
 * download did not write. A shard whose unpacking began in a killed run wrote
 * its members itself, so they may be replaced. Returns the members.
 */
async function unpackInto(
  shard: string,
  dir: string,
  key: string,
  manifest: TransferManifest,
  overwrite: boolean,
  url: string,
): Promise<string[]> {
  const begun = manifest.get(key)?.unpacked === false;
  let inspected: Awaited<ReturnType<typeof inspectShard>>;
  try {
    inspected = await inspectShard(shard, dir, url);
  } catch (error) {
    fs.rmSync(shard, { force: true }); // a refused shard is not kept in the state folder
    throw error;
  }
  const { members, conflicts } = inspected;
  if (!overwrite && !begun) {
    const conflict = conflicts[0];
    if (conflict) {
      throw new S3TransferError(
        `${path.join(dir, conflict)} already exists and differs from its copy in ${url}; actlab did not write it, ` +
          'so it is kept: move it away, or pass --overwrite (overwrite: true) to replace it',
      );
    }
  }
  const entry = manifest.get(key);
  manifest.add({ ...(entry ?? { key, size: 0, sha256: '' }), unpacked: false }); // unpacking has begun
  await unpackShard(shard, dir, url);
  return members;
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
  if (have >= object.size) {
    // A whole-size .part cannot be checked against the ETag without a request: fetch it again.
    fs.rmSync(part, { force: true });
    have = 0;
  }
  const hash = crypto.createHash('sha256');
  if (have > 0) {
    for await (const chunk of fs.createReadStream(part, { highWaterMark: MB })) hash.update(chunk as Buffer);
    onBytes(0);
  }
  let metadataSha: string | undefined;
  {
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
    // The client's timeout ends at the headers: a body that stops sending is caught here, its bytes kept.
    const watch = stallWatch(stallTimeoutMs(), options.signal);
    const counter = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        watch.touch();
        hash.update(chunk);
        onBytes(chunk.length);
        done(null, chunk);
      },
    });
    const out = fs.createWriteStream(part, { flags: have > 0 ? 'a' : 'w' });
    try {
      await pipeline(response.Body as Readable, counter, out, { signal: watch.signal });
    } catch (error) {
      if (options.signal?.aborted || !watch.signal.aborted) throw error;
      throw describeS3Error(watch.signal.reason, `s3://${bucket}/${key}`, options.endpoint);
    } finally {
      watch.stop();
    }
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
