import { mergeCaches } from '../../lib/scaleout';
import { type Command, parseFlags, UsageError } from '../command';
import { positiveIntFlag } from './flags';

export const mergeCommand: Command = {
  name: 'merge',
  usage: 'merge CACHE... [--out DIR] [--jobs N] [--no-verify] [--json]',
  summary:
    'check the shards N extract jobs wrote (each present once, checksums) and write index.json; names shards to re-run',
  async run(args) {
    const { values, positionals } = parseFlags(
      args,
      {
        out: { type: 'string' },
        jobs: { type: 'string' },
        'no-verify': { type: 'boolean' },
        json: { type: 'boolean' },
      },
      'merge',
    );
    if (positionals.length === 0) throw new UsageError(`usage: actlab ${this.usage}`);
    const jobs = positiveIntFlag(values.jobs, '--jobs');
    let result;
    try {
      result = mergeCaches({ inputs: positionals, out: values.out, jobs, verify: !values['no-verify'] });
    } catch (error) {
      throw new UsageError((error as Error).message, 1);
    }
    const problems = [
      ...result.missing.map((p) => ({ ...p, kind: 'missing' })),
      ...result.corrupt.map((p) => ({ ...p, kind: 'corrupt' })),
    ];
    for (const p of problems) {
      const rerun = p.job ? `; re-run: actlab extract DATASET --out CACHE --shard ${p.job}` : '';
      console.error(`${p.kind} shard ${p.shard}: ${p.reason}${rerun}`);
    }
    const jobsToRerun = [...new Set(problems.map((p) => p.job).filter((j): j is string => j !== undefined))];
    if (values.json) {
      console.log(
        JSON.stringify({
          out: result.out,
          planned: result.planned,
          valid: result.valid,
          clips: result.clips,
          missing: result.missing.map((p) => p.shard),
          corrupt: result.corrupt.map((p) => p.shard),
          duplicates: result.duplicates,
          rerun_jobs: jobsToRerun,
          complete: result.complete,
        }),
      );
    } else if (result.complete) {
      console.log(
        `${result.valid}/${result.planned} shards valid, ${result.clips} clips; index written to ${result.out}/index.json`,
      );
    } else {
      console.log(
        `${result.valid}/${result.planned} shards valid; ${result.missing.length} missing, ${result.corrupt.length} corrupt; ` +
          `no index.json written${jobsToRerun.length ? `; jobs to re-run: ${jobsToRerun.join(' ')}` : ' (pass --jobs N to name the jobs to re-run)'}`,
      );
    }
    return result.complete ? 0 : 1;
  },
};
