import { MB, reportTransfer, uploadDirectory, type UploadMode } from '../../lib/upload';
import { type Command, parseFlags, UsageError } from '../command';
import { createProgressBar, type ProgressBar } from '../progress-bar';
import { positiveIntFlag } from './flags';
import { S3_FLAGS, s3Options, withS3Errors } from './s3-flags';

export const uploadCommand: Command = {
  name: 'upload',
  usage:
    'upload DIR s3://bucket/prefix [--endpoint URL] [--region R] [--concurrency 4] [--part-size 8] ' +
    '[--pack|--as-is] [--pack-shard-size 256] [--state-dir DIR] [--dry-run] [--json]',
  summary: 'parallel multipart upload to S3; packs many small files into tar shards; re-run to resume',
  async run(args) {
    const { values, positionals } = parseFlags(
      args,
      {
        ...S3_FLAGS,
        'part-size': { type: 'string' },
        pack: { type: 'boolean' },
        'as-is': { type: 'boolean' },
        'pack-shard-size': { type: 'string' },
        'dry-run': { type: 'boolean' },
      },
      'upload',
    );
    if (positionals.length !== 2) throw new UsageError(`usage: actlab ${this.usage}`);
    if (values.pack && values['as-is']) throw new UsageError('choose one of --pack and --as-is');
    const mode: UploadMode = values.pack ? 'pack' : values['as-is'] ? 'as-is' : 'auto';
    const partSize = positiveIntFlag(values['part-size'], '--part-size');
    if (partSize !== undefined && partSize < 5)
      throw new UsageError(`--part-size is in MiB and S3 needs >= 5, got "${partSize}"`);
    const bars = new Map<string, ProgressBar>();
    const bar = (phase: string): ProgressBar => {
      let found = bars.get(phase);
      if (!found) {
        for (const other of bars.values()) other.finish();
        found = createProgressBar(phase);
        bars.set(phase, found);
      }
      return found;
    };
    const result = await withS3Errors(() =>
      uploadDirectory({
        dir: positionals[0] as string,
        destination: positionals[1] as string,
        ...s3Options(values),
        partSizeMB: partSize,
        packShardMB: positiveIntFlag(values['pack-shard-size'], '--pack-shard-size'),
        mode,
        dryRun: values['dry-run'],
        onProgress: (p) => {
          if (p.phase === 'upload') reportTransfer(bar('upload'), p);
          else bar(p.phase).update(p.objectsDone, p.objectsTotal, p.phase === 'pack' ? 'tar shards' : 'objects');
        },
      }),
    );
    for (const b of bars.values()) b.finish();
    const rate = result.bytesPerSecond / MB;
    if (values.json) {
      console.log(
        JSON.stringify({
          mode: result.mode,
          files: result.files,
          packed_files: result.packedFiles,
          objects: result.objects,
          uploaded: result.uploaded,
          skipped: result.skipped,
          bytes_uploaded: result.bytesUploaded,
          bytes_skipped: result.bytesSkipped,
          seconds: result.seconds,
          mb_per_s: Number(rate.toFixed(2)),
          dry_run: result.dryRun,
          manifest: result.manifest ?? null,
        }),
      );
    } else {
      const verb = result.dryRun ? 'would upload' : 'uploaded';
      console.log(
        `${verb} ${result.uploaded} object(s), ${(result.bytesUploaded / MB).toFixed(1)} MiB` +
          `${result.dryRun ? '' : ` at ${rate.toFixed(1)} MiB/s`}; ${result.skipped} already there; ` +
          `${result.files} file(s) ${result.mode === 'pack' ? `(${result.packedFiles} packed into tar shards)` : 'as-is'} in ${result.seconds.toFixed(1)}s`,
      );
    }
    return 0;
  },
};
