/**
 * `uploadDirectory`: a folder → `s3://bucket/prefix`, resumable and parallel.
 *
 * Each object is compared before it is sent: an object already in the bucket
 * with the same size and SHA-256 (stored as `x-amz-meta-sha256`) is skipped,
 * so a re-run after a crash or Ctrl-C sends only what is missing. A local
 * manifest caches the hashes so a re-run does not re-read unchanged files.
 * Many small files can be packed into tar shards first (`mode: 'pack'`).
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

import { HeadBucketCommand, HeadObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';

import { sha256File } from './hash';
import { type LocalFile, listLocalFiles } from './local-files';
import { type ManifestEntry, openManifest, type TransferManifest } from './manifest';
import { fingerprint, PACK_FOLDER, PACK_INDEX, type PackIndex, planShards, writeShard } from './pack';
import { createS3Client, describeS3Error, type S3ConnectionOptions, S3TransferError } from './s3-client';
import { formatS3Url, joinKey, parseS3Url, type S3Location } from './s3-location';
import { MB, type TransferProgress } from './throughput';

/** How files become objects: one object per file, tar shards, or pack only when files are many and small. */
export type UploadMode = 'as-is' | 'pack' | 'auto';

export interface UploadOptions extends S3ConnectionOptions {
  /** Local folder to upload (recursively). */
  readonly dir: string;
  /** `s3://bucket/prefix`. */
  readonly destination: string;
  /** Objects in flight at once; a large file uses this many parallel parts instead. @default 4 */
  readonly concurrency?: number;
  /** Multipart part size in MiB (S3 minimum 5); files up to this size go up in one PUT. @default 8 */
  readonly partSizeMB?: number;
  /** @default 'auto' (pack when there are >= 100 files and their median size is under 1 MiB) */
  readonly mode?: UploadMode;
  /** Content per tar shard in MiB when packing. @default 256 */
  readonly packShardMB?: number;
  /** When packing, files at least this many MiB are still uploaded as-is. @default 8 */
  readonly packMaxFileMB?: number;
  /** Compare and report, send nothing, write nothing. @default false */
  readonly dryRun?: boolean;
  /** Where the manifest and staged tar shards live. @default `<dir>/.actlab-upload` */
  readonly stateDir?: string;
  /** Called as bytes move (and once per packed shard while packing, with `phase: 'pack'`). */
  readonly onProgress?: (progress: UploadProgress) => void;
  readonly signal?: AbortSignal;
}

export interface UploadProgress extends TransferProgress {
  /** `check`: hashing and comparing with the bucket; `pack`: writing tar shards; `upload`: sending. */
  readonly phase: 'check' | 'pack' | 'upload';
}

export interface UploadResult {
  /** The mode used (`auto` resolved). */
  readonly mode: 'as-is' | 'pack';
  /** Local files covered. */
  readonly files: number;
  /** Of those, files inside tar shards. */
  readonly packedFiles: number;
  /** Objects the destination holds for this folder (files, shards, pack index). */
  readonly objects: number;
  /** Objects sent in this run (or that would be, with dryRun). */
  readonly uploaded: number;
  /** Objects already present with the same size and checksum. */
  readonly skipped: number;
  readonly bytesUploaded: number;
  readonly bytesSkipped: number;
  /** Wall time of the whole run. */
  readonly seconds: number;
  /** Upload rate over the sending phase (0 when nothing was sent). */
  readonly bytesPerSecond: number;
  readonly dryRun: boolean;
  /** The local manifest file (undefined with dryRun). */
  readonly manifest?: string;
}

/** One object to put: a local file or a staged tar shard. */
interface PlannedObject {
  readonly key: string;
  readonly file: string;
  size: number;
  mtimeMs: number;
  /** For shards: written just before they are needed. */
  readonly prepare?: () => Promise<void>;
  /** For shards and the pack index: what they were made from (see pack.ts `fingerprint`). */
  readonly fingerprint?: string;
}

interface RemoteObject {
  readonly size: number;
}

/** Uploads `options.dir` to `options.destination`; re-run the same call to resume. */
export async function uploadDirectory(options: UploadOptions): Promise<UploadResult> {
  const client = createS3Client(options);
  try {
    return await uploadWith(client, options);
  } finally {
    client.destroy();
  }
}

async function uploadWith(client: S3Client, options: UploadOptions): Promise<UploadResult> {
  const started = Date.now();
  const location = parseS3Url(options.destination);
  const dir = path.resolve(options.dir);
  const concurrency = wholeNumber('concurrency', options.concurrency ?? 4, 1);
  const partSize = wholeNumber('partSizeMB', options.partSizeMB ?? 8, 5) * MB;
  const shardBytes = wholeNumber('packShardMB', options.packShardMB ?? 256, 1) * MB;
  const packMaxFile = wholeNumber('packMaxFileMB', options.packMaxFileMB ?? 8, 1) * MB;
  const dryRun = options.dryRun ?? false;
  const stateDir = path.resolve(options.stateDir ?? path.join(dir, '.actlab-upload'));
  const files = listLocalFiles(dir);
  if (files.length === 0) throw new Error(`${dir} holds no files to upload`);
  const mode = resolveMode(options.mode ?? 'auto', files);

  try {
    await client.send(new HeadBucketCommand({ Bucket: location.bucket }), { abortSignal: options.signal });
  } catch (error) {
    throw describeS3Error(error, `s3://${location.bucket}`, options.endpoint);
  }
  const remote = await listRemote(client, location, options);
  const manifestFile = path.join(stateDir, `manifest-${destinationId(options.endpoint, location)}.jsonl`);
  const manifest = dryRun ? openReadOnlyManifest(manifestFile) : openManifest(manifestFile);

  // Plan the objects.
  const objects: PlannedObject[] = [];
  let packedFiles = 0;
  let stageDir: string | undefined;
  const asIs = mode === 'pack' ? files.filter((f) => f.size >= packMaxFile) : files;
  for (const file of asIs)
    objects.push({ key: joinKey(location.prefix, file.relative), file: file.path, ...stat(file) });
  if (mode === 'pack' && files.some((f) => f.size < packMaxFile)) {
    const small = files.filter((f) => f.size < packMaxFile);
    packedFiles = small.length;
    const packId = fingerprint(small);
    stageDir = path.join(stateDir, `pack-${packId}`);
    const shards = planShards(small, shardBytes);
    for (const shard of shards) {
      const file = path.join(stageDir, shard.name);
      const object: PlannedObject = {
        key: joinKey(location.prefix, `${PACK_FOLDER}/${shard.name}`),
        file,
        size: shard.bytes + 1024 * (shard.members.length + 2), // an estimate until written
        mtimeMs: 0,
        fingerprint: `${packId}/${shard.name}`,
        prepare: async () => {
          await writeShard(dir, shard, file);
          Object.assign(object, fileStat(file));
        },
      };
      objects.push(object);
    }
    const index: PackIndex = { format: 'actlab-pack', version: 1, shards };
    const indexFile = path.join(stageDir, 'index.json');
    const indexJson = JSON.stringify(index);
    const indexObject: PlannedObject = {
      key: joinKey(location.prefix, PACK_INDEX),
      file: indexFile,
      size: Buffer.byteLength(indexJson),
      mtimeMs: 0,
      fingerprint: `${packId}/index.json`,
      prepare: async () => {
        if (!fs.existsSync(indexFile)) {
          fs.mkdirSync(stageDir as string, { recursive: true });
          fs.writeFileSync(indexFile, indexJson);
        }
        Object.assign(indexObject, fileStat(indexFile));
      },
    };
    objects.push(indexObject);
  }

  // Check: which objects are already there (same size and checksum)?
  const progress = makeProgress(options.onProgress);
  const toSend: Array<{ object: PlannedObject; sha256: string }> = [];
  let bytesSkipped = 0;
  let skipped = 0;
  let checked = 0;
  let packed = 0;
  const shardCount = objects.filter((o) => o.prepare).length;
  await runPool(objects, concurrency, async (object) => {
    options.signal?.throwIfAborted();
    const recorded = manifest.get(object.key);
    if (
      object.fingerprint &&
      recorded?.fingerprint === object.fingerprint &&
      remote.get(object.key)?.size === recorded.size
    ) {
      // Made from the same files and already up: no need to pack it again to compare.
      skipped++;
      bytesSkipped += recorded.size;
      checked++;
      return;
    }
    if (object.prepare) {
      if (dryRun && !fs.existsSync(object.file)) {
        toSend.push({ object, sha256: '' });
        return;
      }
      await object.prepare();
      packed++;
      progress.emit({ phase: 'pack', bytesDone: 0, bytesTotal: 0, objectsDone: packed, objectsTotal: shardCount });
    }
    const sha256 = await knownOrComputedSha(object, manifest, options.signal);
    const there = remote.get(object.key);
    let present = false;
    if (there && there.size === object.size) {
      present =
        recorded?.sha256 === sha256 || (await remoteSha(client, location.bucket, object.key, options)) === sha256;
    }
    if (present) {
      skipped++;
      bytesSkipped += object.size;
      if (!dryRun && manifest.get(object.key)?.sha256 !== sha256) manifest.add(entry(object, sha256));
    } else {
      toSend.push({ object, sha256 });
    }
    checked++;
    progress.emit({ phase: 'check', bytesDone: 0, bytesTotal: 0, objectsDone: checked, objectsTotal: objects.length });
  });
  // The pack index goes last: its presence says every shard before it is up.
  toSend.sort((a, b) => Number(a.object.key.endsWith(PACK_INDEX)) - Number(b.object.key.endsWith(PACK_INDEX)));

  const bytesTotal = toSend.reduce((sum, s) => sum + s.object.size, 0);
  let bytesDone = 0;
  let objectsDone = 0;
  const sendStarted = Date.now();
  if (!dryRun) {
    const report = (): void =>
      progress.emit({
        phase: 'upload',
        bytesDone,
        bytesTotal,
        objectsDone,
        objectsTotal: toSend.length,
        bytesPerSecond: bytesDone / Math.max(0.001, (Date.now() - sendStarted) / 1000),
      });
    report();
    const send = async ({ object, sha256 }: { object: PlannedObject; sha256: string }, queueSize: number) => {
      let counted = 0;
      await putObject(
        client,
        location.bucket,
        object,
        sha256,
        { partSize, queueSize, signal: options.signal },
        (loaded) => {
          bytesDone += loaded - counted;
          counted = loaded;
          report();
        },
      ).catch((error: unknown) => {
        throw describeS3Error(error, formatS3Url(location, object.key), options.endpoint);
      });
      bytesDone += object.size - counted;
      objectsDone++;
      manifest.add(entry(object, sha256));
      report();
    };
    // Large files one at a time with parallel parts; small ones many at a time.
    const large = toSend.filter((s) => s.object.size > partSize);
    const small = toSend.filter((s) => s.object.size <= partSize);
    const index = small.filter((s) => s.object.key.endsWith(PACK_INDEX));
    for (const item of large) await send(item, concurrency);
    await runPool(
      small.filter((s) => !index.includes(s)),
      concurrency,
      (item) => send(item, 1),
    );
    for (const item of index) await send(item, 1);
    if (stageDir) fs.rmSync(stageDir, { recursive: true, force: true }); // every shard is up: free the disk
  }
  const sendSeconds = (Date.now() - sendStarted) / 1000;
  return {
    mode,
    files: files.length,
    packedFiles,
    objects: objects.length,
    uploaded: toSend.length,
    skipped,
    bytesUploaded: dryRun ? bytesTotal : bytesDone,
    bytesSkipped,
    seconds: (Date.now() - started) / 1000,
    bytesPerSecond: dryRun || bytesDone === 0 ? 0 : bytesDone / Math.max(0.001, sendSeconds),
    dryRun,
    manifest: dryRun ? undefined : manifest.file,
  };
}

function resolveMode(mode: UploadMode, files: readonly LocalFile[]): 'as-is' | 'pack' {
  if (mode === 'as-is' || mode === 'pack') return mode;
  if (mode !== 'auto') throw new Error(`mode must be as-is, pack or auto, got "${String(mode)}"`);
  const sizes = files.map((f) => f.size).sort((a, b) => a - b);
  const median = sizes[Math.floor(sizes.length / 2)] ?? 0;
  return files.length >= 100 && median < MB ? 'pack' : 'as-is';
}

function stat(file: LocalFile): { size: number; mtimeMs: number } {
  return { size: file.size, mtimeMs: file.mtimeMs };
}

function fileStat(file: string): { size: number; mtimeMs: number } {
  const s = fs.statSync(file);
  return { size: s.size, mtimeMs: Math.floor(s.mtimeMs) };
}

function entry(object: PlannedObject, sha256: string): ManifestEntry {
  return { key: object.key, size: object.size, sha256, mtimeMs: object.mtimeMs, fingerprint: object.fingerprint };
}

async function knownOrComputedSha(
  object: PlannedObject,
  manifest: TransferManifest,
  signal: AbortSignal | undefined,
): Promise<string> {
  const recorded = manifest.get(object.key);
  if (recorded && recorded.size === object.size && recorded.mtimeMs === object.mtimeMs && object.mtimeMs > 0) {
    return recorded.sha256;
  }
  return sha256File(object.file, signal);
}

async function remoteSha(
  client: S3Client,
  bucket: string,
  key: string,
  options: UploadOptions,
): Promise<string | undefined> {
  try {
    const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }), {
      abortSignal: options.signal,
    });
    return head.Metadata?.sha256;
  } catch (error) {
    throw describeS3Error(error, `s3://${bucket}/${key}`, options.endpoint);
  }
}

/** Every object under the prefix: key → size (one request per 1,000 keys). */
export async function listRemote(
  client: S3Client,
  location: S3Location,
  options: { readonly endpoint?: string; readonly signal?: AbortSignal },
): Promise<Map<string, RemoteObject & { etag?: string }>> {
  const found = new Map<string, RemoteObject & { etag?: string }>();
  let token: string | undefined;
  do {
    let page;
    try {
      page = await client.send(
        new ListObjectsV2Command({
          Bucket: location.bucket,
          Prefix: location.prefix ? `${location.prefix}/` : undefined,
          ContinuationToken: token,
        }),
        { abortSignal: options.signal },
      );
    } catch (error) {
      throw describeS3Error(error, formatS3Url(location), options.endpoint);
    }
    for (const item of page.Contents ?? []) {
      if (item.Key) found.set(item.Key, { size: item.Size ?? 0, etag: item.ETag });
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return found;
}

async function putObject(
  client: S3Client,
  bucket: string,
  object: PlannedObject,
  sha256: string,
  settings: { partSize: number; queueSize: number; signal?: AbortSignal },
  onLoaded: (bytes: number) => void,
): Promise<void> {
  const upload = new Upload({
    client,
    partSize: settings.partSize,
    queueSize: settings.queueSize,
    leavePartsOnError: false,
    params: {
      Bucket: bucket,
      Key: object.key,
      Body: fs.createReadStream(object.file, { highWaterMark: 1 << 20 }),
      ContentLength: object.size,
      Metadata: { sha256 },
    },
  });
  upload.on('httpUploadProgress', (p) => {
    if (p.loaded !== undefined) onLoaded(Math.min(p.loaded, object.size));
  });
  const abort = (): void => void upload.abort();
  settings.signal?.addEventListener('abort', abort, { once: true });
  try {
    await upload.done();
  } finally {
    settings.signal?.removeEventListener('abort', abort);
  }
}

/** Runs `work` over `items` with at most `limit` at once; the first failure stops new work and is thrown. */
export async function runPool<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failed = false;
  const worker = async (): Promise<void> => {
    while (!failed && next < items.length) {
      const item = items[next++] as T;
      try {
        await work(item);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };
  const results = await Promise.allSettled(Array.from({ length: Math.min(limit, items.length) }, worker));
  const rejected = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (rejected) throw rejected.reason;
}

function makeProgress(onProgress: UploadOptions['onProgress']): {
  emit(p: Omit<UploadProgress, 'bytesPerSecond'> & { bytesPerSecond?: number }): void;
} {
  return { emit: (p) => onProgress?.({ bytesPerSecond: 0, ...p }) };
}

function destinationId(endpoint: string | undefined, location: S3Location): string {
  return crypto
    .createHash('sha256')
    .update(`${endpoint ?? 'aws'}|${location.bucket}|${location.prefix}`)
    .digest('hex')
    .slice(0, 12);
}

function openReadOnlyManifest(file: string): TransferManifest {
  if (fs.existsSync(file)) {
    const manifest = openManifest(file);
    return { file, get: manifest.get, add: () => undefined };
  }
  return { file, get: () => undefined, add: () => undefined };
}

function wholeNumber(name: string, value: number, min: number): number {
  if (!(Number.isInteger(value) && value >= min))
    throw new S3TransferError(`${name} must be a whole number >= ${min}, got ${value}`);
  return value;
}
