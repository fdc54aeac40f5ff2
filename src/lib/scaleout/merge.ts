/**
 * `mergeCaches`: the shards that N machines wrote (`actlab extract --shard i/N`,
 * each into its own folder or one shared prefix) → one checked cache with
 * `index.json`. Every shard must be present once with a matching SHA-256;
 * missing or corrupt shards are named with the job that has to run again.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

import { writeFileAtomic } from '../util/atomic-write';
import { type CachePlan, readPlan, shardName, type ShardRecord, writeCacheIndex } from '../video/cache-format';
import { checkClipTable, inspectShard, sha256FileSync } from '../video/shard-file';
import { requireWholeNumber } from '../util/validate';

export interface MergeOptions {
  /** Cache folders to merge (one per job, or one folder all jobs wrote into). */
  readonly inputs: readonly string[];
  /** Folder for the merged cache; shards are hard-linked (copied across disks). @default the first input */
  readonly out?: string;
  /** Jobs the extraction ran as (N of `--shard i/N`), to name the job to re-run. @default unknown */
  readonly jobs?: number;
  /** Re-hash every shard file against its sidecar. @default true */
  readonly verify?: boolean;
}

export interface ShardProblem {
  readonly shard: number;
  /** The shard file concerned (absolute), or the folder when the shard is absent. */
  readonly file: string;
  readonly reason: string;
  /** `i/N` of the extract job that writes this shard, when `jobs` was given. */
  readonly job?: string;
}

export interface MergeResult {
  /** Folder of the merged cache. */
  readonly out: string;
  readonly planned: number;
  /** Shards present, once, with matching checksums. */
  readonly valid: number;
  readonly clips: number;
  readonly missing: readonly ShardProblem[];
  readonly corrupt: readonly ShardProblem[];
  /** Shards found in more than one input (identical copies: fine; different ones are corrupt). */
  readonly duplicates: readonly number[];
  /** True when every shard is valid and `index.json` was written. */
  readonly complete: boolean;
}

/** Merges and validates; writes `index.json` only when every shard is present and sound. */
export function mergeCaches(options: MergeOptions): MergeResult {
  if (options.inputs.length === 0) throw new Error('give at least one cache folder to merge');
  const inputs = options.inputs.map((dir) => path.resolve(dir));
  const out = path.resolve(options.out ?? (inputs[0] as string));
  const plan = samePlan(inputs);
  const jobs = options.jobs;
  if (jobs !== undefined) requireWholeNumber('jobs', jobs);
  const job = (shard: number): string | undefined => (jobs ? `${shard % jobs}/${jobs}` : undefined);

  fs.mkdirSync(out, { recursive: true });
  const outPlan = readPlan(out);
  if (!outPlan) writeFileAtomic(path.join(out, 'cache.json'), JSON.stringify(plan, null, 1));
  else if (JSON.stringify(outPlan) !== JSON.stringify(plan))
    throw new Error(`${out}/cache.json belongs to another cache; choose an empty --out folder`);

  const missing: ShardProblem[] = [];
  const corrupt: ShardProblem[] = [];
  const duplicates: number[] = [];
  const records: ShardRecord[] = [];
  for (let shard = 0; shard < plan.shardCount; shard++) {
    const states = inputs.map((dir) => ({ dir, found: inspectShard(dir, shard) }));
    const found = states.flatMap(({ dir, found }) => (found.state === 'done' ? [{ dir, record: found.record }] : []));
    const damaged = states.flatMap(({ found }) => (found.state === 'damaged' ? [found] : []));
    if (found.length === 0 && damaged[0]) {
      corrupt.push({ shard, file: damaged[0].file, reason: damaged[0].reason, job: job(shard) });
      continue;
    }
    if (found.length === 0) {
      const where = inputs.length === 1 ? inputs[0] : `any of ${inputs.length} inputs`;
      missing.push({
        shard,
        file: path.join(inputs[0] as string, `${shardName(shard)}.bin`),
        reason: `${shardName(shard)} is not in ${where}`,
        job: job(shard),
      });
      continue;
    }
    if (found.length > 1) {
      duplicates.push(shard);
      const hashes = new Set(found.map((f) => f.record.sha256));
      if (hashes.size > 1) {
        corrupt.push({
          shard,
          file: found.map((f) => path.join(f.dir, f.record.file)).join(', '),
          reason: `${shardName(shard)} exists in ${found.length} inputs with different contents (two jobs wrote it with different settings?); delete the wrong one`,
          job: job(shard),
        });
        continue;
      }
    }
    const { dir, record } = found[0] as { dir: string; record: ShardRecord };
    const bin = path.join(dir, record.file);
    const problem = checkShard(bin, record, options.verify ?? true);
    if (problem) {
      corrupt.push({ shard, file: bin, reason: problem, job: job(shard) });
      continue;
    }
    if (dir !== out) {
      place(bin, path.join(out, record.file));
      place(path.join(dir, `${shardName(shard)}.json`), path.join(out, `${shardName(shard)}.json`));
    }
    records.push(record);
  }
  const complete = missing.length === 0 && corrupt.length === 0;
  const indexFile = path.join(out, 'index.json');
  if (complete)
    writeCacheIndex(out, plan, records); // the same index.json a single-process run writes
  else fs.rmSync(indexFile, { force: true }); // an index must never describe an incomplete cache
  return {
    out,
    planned: plan.shardCount,
    valid: records.length,
    clips: records.reduce((n, r) => n + r.clips.length, 0),
    missing,
    corrupt,
    duplicates,
    complete,
  };
}

function samePlan(inputs: readonly string[]): CachePlan {
  let first: { dir: string; plan: CachePlan } | undefined;
  for (const dir of inputs) {
    const plan = readPlan(dir);
    if (!plan)
      throw new Error(`${path.join(dir, 'cache.json')} not found: is ${dir} a cache made by "actlab extract"?`);
    if (!first) first = { dir, plan };
    else if (JSON.stringify(plan) !== JSON.stringify(first.plan)) {
      throw new Error(
        `${dir}/cache.json differs from ${first.dir}/cache.json (settings, items or shard size): ` +
          'every job must run the same extract command on the same dataset with only --shard changed',
      );
    }
  }
  return (first as { plan: CachePlan }).plan;
}

/** Why the shard is unusable, or undefined when its bytes and clip table agree with the sidecar. */
function checkShard(bin: string, record: ShardRecord, verify: boolean): string | undefined {
  const table = checkClipTable(record);
  if (table) return `${table}; re-run its job`;
  if (!verify) return undefined;
  const digest = sha256FileSync(bin);
  return digest === record.sha256
    ? undefined
    : `SHA-256 of ${record.file} is ${digest.slice(0, 12)}…, its sidecar says ${record.sha256.slice(0, 12)}…: the file is damaged; delete it and its .json and re-run its job`;
}

/** Hard-links `from` to `to` (copies across file systems); replaces a stale `to`. */
function place(from: string, to: string): void {
  fs.rmSync(to, { force: true });
  try {
    fs.linkSync(from, to);
  } catch {
    fs.copyFileSync(from, to);
  }
}
