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

import type { S3Client } from '@aws-sdk/client-s3';

import type { CachePlan, ShardRecord } from '../video/cache-format';
import { CACHE_FORMAT, shardName } from '../video/cache-format';
import { buildClipCache, type ClipCache } from '../video/cache-reader';
import { writeFileAtomic } from '../util/atomic-write';
import { sha256File } from './hash';
import { createS3Client, describeS3Error, type S3ConnectionOptions, S3TransferError } from './s3-client';
import { formatS3Url, joinKey, parseS3Url, type S3Location } from './s3-location';
import { fetchObject } from './s3-download';
import { type RemoteObject } from './s3-list';
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
  const bucket: RemoteCache = { client, location, remote, dir, options };
  const { plan, records } = await fetchPlanAndRecords(bucket);

  const fetched = new Map<number, Promise<void>>();
  /** The shard's file in `dir`, fetched and checked once (again after a failure). */
  const fetchShard = (record: ShardRecord): Promise<void> => {
    let done = fetched.get(record.shard);
    if (!done) {
      done = fetchShardFile(bucket, record);
      done.catch(() => fetched.delete(record.shard));
      fetched.set(record.shard, done);
    }
    return done;
  };
  const cache = buildClipCache({
    dir,
    plan,
    records,
    where: `at ${options.source}`,
    open: async (record) => {
      await fetchShard(record);
      return fs.promises.open(path.join(dir, record.file), 'r');
    },
  });
  return {
    ...cache,
    async syncAll() {
      let count = 0;
      for (const record of records) {
        if (!fetched.has(record.shard)) count++;
        await fetchShard(record);
      }
      return count;
    },
    async close() {
      await cache.close();
      client.destroy();
    },
  };
}

/** The bucket side of an S3 cache: where it is, what is there, and the local folder it fills. */
interface RemoteCache {
  readonly client: S3Client;
  readonly location: S3Location;
  readonly remote: ReadonlyMap<string, RemoteObject>;
  readonly dir: string;
  readonly options: S3ClipCacheOptions;
}

function keyOf({ location }: RemoteCache, name: string): string {
  return joinKey(location.prefix, name);
}

/** `cache.json` and the sidecars of the shards whose `.bin` is uploaded whole, through the ETag-checked local copies. */
async function fetchPlanAndRecords(bucket: RemoteCache): Promise<{ plan: CachePlan; records: ShardRecord[] }> {
  const { location, remote, dir, options } = bucket;
  const key = (name: string): string => keyOf(bucket, name);
  const etags = readFetchedEtags(dir);
  if (!remote.has(key('cache.json'))) {
    throw new S3TransferError(
      `${formatS3Url(location, key('cache.json'))} not found: extract a cache ("actlab extract DATASET --out CACHE") ` +
        `and upload it ("actlab upload CACHE ${formatS3Url(location)} --as-is")`,
    );
  }
  const plan = JSON.parse(fs.readFileSync(await fetchSmall(bucket, etags, 'cache.json'), 'utf8')) as CachePlan;
  if (plan.format !== CACHE_FORMAT)
    throw new S3TransferError(`${options.source}/cache.json is not an actlab clip cache`);
  const records: ShardRecord[] = [];
  for (let shard = 0; shard < plan.shardCount; shard++) {
    const name = `${shardName(shard)}.json`;
    if (!remote.has(key(name))) continue; // not extracted (yet)
    const record = JSON.parse(fs.readFileSync(await fetchSmall(bucket, etags, name), 'utf8')) as ShardRecord;
    if (remote.get(key(record.file))?.size === record.bytes) records.push(record);
  }
  writeFetchedEtags(dir, etags);
  return { plan, records };
}

/** A small file (`cache.json`, a sidecar) in `dir`: the local copy while its recorded ETag is current, else fetched. */
async function fetchSmall(bucket: RemoteCache, etags: Map<string, string>, name: string): Promise<string> {
  const { client, location, remote, dir, options } = bucket;
  const key = keyOf(bucket, name);
  const object = remote.get(key);
  if (!object) throw new S3TransferError(`${formatS3Url(location, key)} not found`);
  const file = path.join(dir, name);
  // Without an ETag (a server that sends none) there is nothing to compare: fetch again, it is small.
  const current = object.etag !== undefined && etags.get(name) === object.etag && fs.existsSync(file);
  if (!current) {
    etags.delete(name);
    await fetchObject(client, location.bucket, key, file, object, options, () => undefined);
    if (object.etag !== undefined) etags.set(name, object.etag);
  }
  return file;
}

/** The shard's `.bin` in `dir`: kept while its SHA-256 matches the sidecar, else fetched and checked. */
async function fetchShardFile(bucket: RemoteCache, record: ShardRecord): Promise<void> {
  const { client, location, remote, dir, options } = bucket;
  const key = keyOf(bucket, record.file);
  const file = path.join(dir, record.file);
  const have = fs.existsSync(file) && fs.statSync(file).size === record.bytes;
  if (have && (await sha256File(file)) === record.sha256) return;
  fs.rmSync(file, { force: true });
  const object = remote.get(key) as { size: number; etag?: string };
  const digest = await fetchObject(client, location.bucket, key, file, object, options, () => undefined).catch(
    (error: unknown) => {
      throw describeS3Error(error, formatS3Url(location, key), options.endpoint);
    },
  );
  if (digest !== record.sha256) {
    fs.rmSync(file, { force: true });
    throw new S3TransferError(
      `${formatS3Url(location, key)}: SHA-256 does not match ${shardName(record.shard)}.json; re-upload the shard`,
    );
  }
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
