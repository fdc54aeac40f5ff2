/**
 * A clip cache (see video/cache-format.ts) that lives on S3, read through a
 * local folder that fills on demand: opening fetches `cache.json` and the
 * small `shard-NNNNN.json` sidecars; a shard's `.bin` is fetched the first
 * time one of its clips is read, checked against the sidecar's SHA-256, and
 * kept for later runs. Upload a cache with `actlab upload CACHE s3://... --as-is`.
 *
 * Nothing local is trusted by its size: a cache re-extracted with the same
 * settings has files of the same sizes. The small files are kept only while
 * their ETag matches the one recorded when they were fetched
 * (`etags.json` in the local folder); a shard is kept only while its SHA-256
 * matches the (fresh) sidecar.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

import type { CacheClipEntry, CachePlan, ShardRecord, SkippedItem } from '../video/cache-format';
import { CACHE_FORMAT, shardName } from '../video/cache-format';
import { type CachedClip, type ClipCache, derivedReaders } from '../video/cache-reader';
import { readClipBytes } from '../video/shard-file';
import { writeFileAtomic } from '../util/atomic-write';
import { sha256File } from './hash';
import { createS3Client, describeS3Error, type S3ConnectionOptions, S3TransferError } from './s3-client';
import { formatS3Url, joinKey, parseS3Url } from './s3-location';
import { fetchObject } from './s3-download';
import { listRemote } from './upload';

export interface S3ClipCacheOptions extends S3ConnectionOptions {
  /** `s3://bucket/prefix` holding `cache.json` and the shards. */
  readonly source: string;
  /** Local folder for the fetched files (reused across runs). */
  readonly localDir: string;
  readonly signal?: AbortSignal;
}

/** An S3 clip cache: the {@link ClipCache} interface plus explicit prefetching. */
export interface S3ClipCache extends ClipCache {
  /** Fetches every shard now (e.g. before a training run); resolves to the shards fetched. */
  syncAll(): Promise<number>;
}

/** Opens the cache at `options.source`; throws when there is none, saying how to make one. */
export async function openS3ClipCache(options: S3ClipCacheOptions): Promise<S3ClipCache> {
  const location = parseS3Url(options.source);
  const dir = path.resolve(options.localDir);
  const client = createS3Client(options);
  const remote = await listRemote(client, location, options);
  const key = (name: string): string => joinKey(location.prefix, name);
  const etags = readFetchedEtags(dir);
  const fetchSmall = async (name: string): Promise<string> => {
    const object = remote.get(key(name));
    if (!object) throw new S3TransferError(`${formatS3Url(location, key(name))} not found`);
    const file = path.join(dir, name);
    // Without an ETag (a server that sends none) there is nothing to compare: fetch again, it is small.
    const current = object.etag !== undefined && etags.get(name) === object.etag && fs.existsSync(file);
    if (!current) {
      etags.delete(name);
      await fetchObject(client, location.bucket, key(name), file, object, options, () => undefined);
      if (object.etag !== undefined) etags.set(name, object.etag);
    }
    return file;
  };
  if (!remote.has(key('cache.json'))) {
    throw new S3TransferError(
      `${formatS3Url(location, key('cache.json'))} not found: extract a cache ("actlab extract DATASET --out CACHE") ` +
        `and upload it ("actlab upload CACHE ${formatS3Url(location)} --as-is")`,
    );
  }
  const plan = JSON.parse(fs.readFileSync(await fetchSmall('cache.json'), 'utf8')) as CachePlan;
  if (plan.format !== CACHE_FORMAT)
    throw new S3TransferError(`${options.source}/cache.json is not an actlab clip cache`);
  const records: ShardRecord[] = [];
  for (let shard = 0; shard < plan.shardCount; shard++) {
    const name = `${shardName(shard)}.json`;
    if (!remote.has(key(name))) continue; // not extracted (yet)
    const record = JSON.parse(fs.readFileSync(await fetchSmall(name), 'utf8')) as ShardRecord;
    if (remote.get(key(record.file))?.size === record.bytes) records.push(record);
  }
  writeFetchedEtags(dir, etags);
  const clips: CacheClipEntry[] = records.flatMap((r) => r.clips);
  const skipped: SkippedItem[] = records.flatMap((r) => r.skipped);
  const byShard = new Map(records.map((r) => [r.shard, r]));
  const { frames, height, width, channels } = plan.config;
  const shape = [frames, height, width, channels] as const;

  const ready = new Map<number, Promise<fs.promises.FileHandle>>();
  const shardHandle = (shard: number): Promise<fs.promises.FileHandle> => {
    let open = ready.get(shard);
    if (!open) {
      open = (async () => {
        const record = byShard.get(shard) as ShardRecord;
        const file = path.join(dir, record.file);
        const have = fs.existsSync(file) && fs.statSync(file).size === record.bytes;
        if (!have || (await sha256File(file)) !== record.sha256) {
          fs.rmSync(file, { force: true });
          const object = remote.get(key(record.file)) as { size: number; etag?: string };
          const digest = await fetchObject(
            client,
            location.bucket,
            key(record.file),
            file,
            object,
            options,
            () => undefined,
          ).catch((error: unknown) => {
            throw describeS3Error(error, formatS3Url(location, key(record.file)), options.endpoint);
          });
          if (digest !== record.sha256) {
            fs.rmSync(file, { force: true });
            throw new S3TransferError(
              `${formatS3Url(location, key(record.file))}: SHA-256 does not match ${shardName(shard)}.json; re-upload the shard`,
            );
          }
        }
        return fs.promises.open(file, 'r');
      })();
      open.catch(() => ready.delete(shard));
      ready.set(shard, open);
    }
    return open;
  };
  const readClip = async (i: number): Promise<CachedClip> => {
    const entry = clips[i];
    if (!entry)
      throw new RangeError(`clip ${i} is out of range: the cache at ${options.source} holds ${clips.length} clips`);
    const file = path.join(dir, (byShard.get(entry.shard) as ShardRecord).file);
    return { data: await readClipBytes(await shardHandle(entry.shard), entry, file), shape, entry };
  };
  return {
    dir,
    config: plan.config,
    classes: plan.classes,
    shape,
    clips,
    skipped,
    shards: { planned: plan.shardCount, complete: records.length },
    readClip,
    ...derivedReaders(readClip, clips.length),
    async syncAll() {
      let fetched = 0;
      for (const record of records) {
        if (!ready.has(record.shard)) fetched++;
        await shardHandle(record.shard);
      }
      return fetched;
    },
    async close() {
      for (const open of ready.values()) await (await open).close();
      ready.clear();
      client.destroy();
    },
  };
}

const ETAGS_FILE = 'etags.json';

/** name → ETag of each small file fetched into `dir` (empty when none was recorded or the record is unreadable). */
function readFetchedEtags(dir: string): Map<string, string> {
  try {
    const recorded = JSON.parse(fs.readFileSync(path.join(dir, ETAGS_FILE), 'utf8')) as Record<string, string>;
    return new Map(Object.entries(recorded).filter(([, etag]) => typeof etag === 'string'));
  } catch {
    return new Map(); // first open, or a damaged record: every small file is fetched again
  }
}

function writeFetchedEtags(dir: string, etags: Map<string, string>): void {
  writeFileAtomic(path.join(dir, ETAGS_FILE), `${JSON.stringify(Object.fromEntries([...etags].sort()), null, 1)}\n`);
}
