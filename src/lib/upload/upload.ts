/**
 * `uploadDirectory`: a folder → `s3://bucket/prefix`, resumable and parallel.
 *
 * Each object is compared before it is sent: an object already in the bucket
 * with the same size and SHA-256 (stored as `x-amz-meta-sha256`) is skipped,
 * so a re-run after a crash or Ctrl-C sends only what is missing; a large
 * file killed mid-way continues from its last finished part (multipart.ts).
 * A manifest caches the hashes so a re-run does not re-read unchanged files.
 * Many small files can be packed into tar shards first (`mode: 'pack'`).
 * All state lives outside `dir` (state-dir.ts): a read-only folder uploads,
 * and nothing is ever written into it.
 *
 * The steps: {@link readSettings} → {@link planObjects} → {@link compareObjects}
 * (stages shards, skips what is up) → {@link sendObjects} (records each in the manifest).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

import { HeadBucketCommand, HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';

import { requireWholeNumber } from '../util/validate';
import { sha256File } from './hash';
import { type LocalFile, listLocalFiles } from './local-files';
import { type ManifestEntry, openManifest, type TransferManifest } from './manifest';
import { discardStaleMultipart, putObject } from './multipart';
import { fingerprint, PACK_FOLDER, PACK_INDEX, type PackIndex, planShards, writeShard } from './pack';
import { runPool } from './pool';
import { createS3Client, describeS3Error, type S3ConnectionOptions, S3TransferError } from './s3-client';
import { listRemote, type RemoteObject } from './s3-list';
import { formatS3Url, joinKey, parseS3Url, type S3Location } from './s3-location';
import { shortHash, transferStateDir } from './state-dir';
import { MB, type TransferProgress } from './throughput';

// Kept for the modules that import them from here; their home is s3-list.ts and pool.ts.
export { listRemote } from './s3-list';
export { runPool } from './pool';

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
  /**
   * Where the manifest, staged tar shards and multipart records live; never inside `dir`.
   * @default `$XDG_CACHE_HOME/actlab/uploads/<hash of dir>` (`~/.cache/actlab/...`)
   */
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

/** The checked options of one run. */
interface Settings {
  readonly dir: string;
  readonly location: S3Location;
  readonly concurrency: number;
  readonly partSize: number;
  readonly shardBytes: number;
  readonly packMaxFile: number;
  readonly dryRun: boolean;
  readonly mode: UploadMode;
  readonly stateDir: string;
  readonly endpoint?: string;
  readonly signal?: AbortSignal;
}

interface Plan {
  readonly objects: readonly PlannedObject[];
  readonly packedFiles: number;
  /** Staged tar shards (pack mode). */
  readonly stageDir?: string;
}

interface Comparison {
  readonly toSend: ReadonlyArray<{ readonly object: PlannedObject; readonly sha256: string }>;
  readonly skipped: number;
  readonly bytesSkipped: number;
}

type Progress = ReturnType<typeof makeProgress>;

/** Uploads `options.dir` to `options.destination`; re-run the same call to resume. */
export async function uploadDirectory(options: UploadOptions): Promise<UploadResult> {
  const settings = readSettings(options); // every flag checked before any request or write
  const client = createS3Client(options);
  try {
    return await uploadWith(client, settings, options);
  } finally {
    client.destroy();
  }
}

async function uploadWith(client: S3Client, settings: Settings, options: UploadOptions): Promise<UploadResult> {
  const started = Date.now();
  const { location, dryRun } = settings;
  const files = listLocalFiles(settings.dir);
  if (files.length === 0) throw new Error(`${settings.dir} holds no files to upload`);
  const mode = resolveMode(settings.mode, files);
  try {
    await client.send(new HeadBucketCommand({ Bucket: location.bucket }), { abortSignal: settings.signal });
  } catch (error) {
    throw describeS3Error(error, `s3://${location.bucket}`, settings.endpoint);
  }
  const remote = await listRemote(client, location, settings);
  if (!dryRun) transferStateDir('uploads', settings.dir, options.stateDir); // made only once the inputs check out
  const manifestFile = path.join(
    settings.stateDir,
    `manifest-${shortHash(`${settings.endpoint ?? 'aws'}|${location.bucket}|${location.prefix}`)}.jsonl`,
  );
  const manifest = dryRun ? openReadOnlyManifest(manifestFile) : openManifest(manifestFile);
  const plan = planObjects(files, mode, settings);
  const progress = makeProgress(options.onProgress);
  const comparison = await compareObjects(client, plan.objects, remote, manifest, settings, progress);
  const sendStarted = Date.now();
  const bytesTotal = comparison.toSend.reduce((sum, s) => sum + s.object.size, 0);
  const bytesSent = dryRun ? 0 : await sendObjects(client, comparison.toSend, manifest, settings, progress);
  if (!dryRun && plan.stageDir) fs.rmSync(plan.stageDir, { recursive: true, force: true }); // all up: free the disk
  const sendSeconds = (Date.now() - sendStarted) / 1000;
  return {
    mode,
    files: files.length,
    packedFiles: plan.packedFiles,
    objects: plan.objects.length,
    uploaded: comparison.toSend.length,
    skipped: comparison.skipped,
    bytesUploaded: dryRun ? bytesTotal : bytesSent,
    bytesSkipped: comparison.bytesSkipped,
    seconds: (Date.now() - started) / 1000,
    bytesPerSecond: dryRun || bytesSent === 0 ? 0 : bytesSent / Math.max(0.001, sendSeconds),
    dryRun,
    manifest: dryRun ? undefined : manifest.file,
  };
}

/** Checks every option (numbers, URL, folder) before any request or write. */
function readSettings(options: UploadOptions): Settings {
  const dir = path.resolve(options.dir);
  const dryRun = options.dryRun ?? false;
  const mode = options.mode ?? 'auto';
  if (!['as-is', 'pack', 'auto'].includes(mode))
    throw new S3TransferError(`mode must be as-is, pack or auto, got "${String(mode)}"`);
  return {
    dir,
    location: parseS3Url(options.destination),
    concurrency: wholeNumber('concurrency', options.concurrency ?? 4, 1),
    partSize: wholeNumber('partSizeMB', options.partSizeMB ?? 8, 5) * MB,
    shardBytes: wholeNumber('packShardMB', options.packShardMB ?? 256, 1) * MB,
    packMaxFile: wholeNumber('packMaxFileMB', options.packMaxFileMB ?? 8, 1) * MB,
    dryRun,
    mode,
    stateDir: stateDirFor(dir, options.stateDir),
    endpoint: options.endpoint,
    signal: options.signal,
  };
}

/** The state folder's name (not made yet); refuses one inside `dir`, which would upload itself. */
function stateDirFor(dir: string, explicit: string | undefined): string {
  const stateDir = transferStateDir('uploads', dir, explicit, false);
  const relative = path.relative(dir, stateDir);
  if (relative === '' || !(relative.startsWith('..') || path.isAbsolute(relative))) {
    throw new S3TransferError(
      `the state folder ${stateDir} is inside the folder to upload ${dir}; choose one outside it (or leave it unset)`,
    );
  }
  return stateDir;
}

/** Which objects the destination should hold: files as-is, and in pack mode tar shards plus their index. */
function planObjects(files: readonly LocalFile[], mode: 'as-is' | 'pack', settings: Settings): Plan {
  const { location, packMaxFile } = settings;
  const objects: PlannedObject[] = [];
  const asIs = mode === 'pack' ? files.filter((f) => f.size >= packMaxFile) : files;
  for (const file of asIs)
    objects.push({ key: joinKey(location.prefix, file.relative), file: file.path, ...stat(file) });
  const small = mode === 'pack' ? files.filter((f) => f.size < packMaxFile) : [];
  if (small.length === 0) return { objects, packedFiles: 0 };
  const packId = fingerprint(small);
  const stageDir = path.join(settings.stateDir, `pack-${packId}`);
  const shards = planShards(small, settings.shardBytes);
  for (const shard of shards) {
    const file = path.join(stageDir, shard.name);
    const object: PlannedObject = {
      key: joinKey(location.prefix, `${PACK_FOLDER}/${shard.name}`),
      file,
      size: shard.bytes + 1024 * (shard.members.length + 2), // an estimate until written
      mtimeMs: 0,
      fingerprint: `${packId}/${shard.name}`,
      prepare: async () => {
        await writeShard(settings.dir, shard, file);
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
        fs.mkdirSync(stageDir, { recursive: true });
        fs.writeFileSync(indexFile, indexJson);
      }
      Object.assign(indexObject, fileStat(indexFile));
    },
  };
  objects.push(indexObject);
  return { objects, packedFiles: small.length, stageDir };
}

/** Stages shards as needed and splits the objects into those already up (same size and SHA-256) and those to send. */
async function compareObjects(
  client: S3Client,
  objects: readonly PlannedObject[],
  remote: ReadonlyMap<string, RemoteObject>,
  manifest: TransferManifest,
  settings: Settings,
  progress: Progress,
): Promise<Comparison> {
  const { dryRun, location } = settings;
  const toSend: Array<{ object: PlannedObject; sha256: string }> = [];
  let bytesSkipped = 0;
  let skipped = 0;
  let checked = 0;
  let packed = 0;
  const shardCount = objects.filter((o) => o.prepare).length;
  const skip = async (object: PlannedObject, size: number): Promise<void> => {
    skipped++;
    bytesSkipped += size;
    // A multipart upload a killed run left for this key is not needed any more.
    if (!dryRun) await discardStaleMultipart(client, location.bucket, object.key, settings);
  };
  await runPool(objects, settings.concurrency, async (object) => {
    settings.signal?.throwIfAborted();
    const recorded = manifest.get(object.key);
    if (
      object.fingerprint &&
      recorded?.fingerprint === object.fingerprint &&
      remote.get(object.key)?.size === recorded.size
    ) {
      // Made from the same files and already up: no need to pack it again to compare.
      await skip(object, recorded.size);
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
    const sha256 = await knownOrComputedSha(object, manifest, settings.signal);
    const there = remote.get(object.key);
    let present = false;
    if (there && there.size === object.size) {
      present =
        recorded?.sha256 === sha256 || (await remoteSha(client, location.bucket, object.key, settings)) === sha256;
    }
    if (present) {
      await skip(object, object.size);
      if (!dryRun && manifest.get(object.key)?.sha256 !== sha256) manifest.add(entry(object, sha256));
    } else {
      toSend.push({ object, sha256 });
    }
    checked++;
    progress.emit({ phase: 'check', bytesDone: 0, bytesTotal: 0, objectsDone: checked, objectsTotal: objects.length });
  });
  // The pack index goes last: its presence says every shard before it is up.
  toSend.sort((a, b) => Number(a.object.key.endsWith(PACK_INDEX)) - Number(b.object.key.endsWith(PACK_INDEX)));
  return { toSend, skipped, bytesSkipped };
}

/** Sends `toSend` (large files one at a time with parallel parts, small ones many at a time, the pack index last), recording each in the manifest. Returns the bytes sent. */
async function sendObjects(
  client: S3Client,
  toSend: Comparison['toSend'],
  manifest: TransferManifest,
  settings: Settings,
  progress: Progress,
): Promise<number> {
  const { location, partSize, concurrency } = settings;
  const bytesTotal = toSend.reduce((sum, s) => sum + s.object.size, 0);
  let bytesDone = 0;
  let objectsDone = 0;
  const sendStarted = Date.now();
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
  const send = async ({ object, sha256 }: Comparison['toSend'][number], queueSize: number): Promise<void> => {
    const target = { bucket: location.bucket, key: object.key, file: object.file, size: object.size, sha256 };
    await putObject(
      client,
      target,
      { partSize, queueSize, stateDir: settings.stateDir, signal: settings.signal },
      (bytes) => {
        bytesDone += bytes;
        report();
      },
    ).catch((error: unknown) => {
      throw describeS3Error(error, formatS3Url(location, object.key), settings.endpoint);
    });
    objectsDone++;
    manifest.add(entry(object, sha256));
    report();
  };
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
  return bytesDone;
}

function resolveMode(mode: UploadMode, files: readonly LocalFile[]): 'as-is' | 'pack' {
  if (mode === 'as-is' || mode === 'pack') return mode;
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
  options: Pick<Settings, 'endpoint' | 'signal'>,
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

function makeProgress(onProgress: UploadOptions['onProgress']): {
  emit(p: Omit<UploadProgress, 'bytesPerSecond'> & { bytesPerSecond?: number }): void;
} {
  return { emit: (p) => onProgress?.({ bytesPerSecond: 0, ...p }) };
}

function openReadOnlyManifest(file: string): TransferManifest {
  if (fs.existsSync(file)) {
    const manifest = openManifest(file);
    return { file, get: manifest.get, add: () => undefined };
  }
  return { file, get: () => undefined, add: () => undefined };
}

function wholeNumber(name: string, value: number, min: number): number {
  return requireWholeNumber(name, value, min, { error: S3TransferError });
}
