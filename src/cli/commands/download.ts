import { downloadDirectory, MB, reportTransfer } from '../../lib/upload';
import { type Command, parseFlags, UsageError } from '../command';
import { createProgressBar } from '../progress-bar';
import { S3_FLAGS, s3Options, withS3Errors } from './s3-flags';

export const downloadCommand: Command = {
  name: 'download',
  usage:
    'download s3://bucket/prefix DIR [--endpoint URL] [--region R] [--concurrency 4] [--no-unpack] [--overwrite] ' +
    '[--state-dir DIR] [--json]',
  summary: 'download an S3 prefix into a folder, checking checksums and unpacking tar shards; re-run to resume',
  async run(args) {
    const { values, positionals } = parseFlags(
      args,
      { ...S3_FLAGS, 'no-unpack': { type: 'boolean' }, overwrite: { type: 'boolean' } },
      'download',
    );
    if (positionals.length !== 2) throw new UsageError(`usage: actlab ${this.usage}`);
    const bar = createProgressBar('download');
    const result = await withS3Errors(() =>
      downloadDirectory({
        source: positionals[0] as string,
        dir: positionals[1] as string,
        ...s3Options(values),
        unpack: !values['no-unpack'],
        overwrite: values.overwrite,
        onProgress: (p) => reportTransfer(bar, p),
      }),
    );
    bar.finish();
    const rate = result.bytesPerSecond / MB;
    if (values.json) {
      console.log(
        JSON.stringify({
          objects: result.objects,
          downloaded: result.downloaded,
          skipped: result.skipped,
          unpacked: result.unpacked,
          bytes_downloaded: result.bytesDownloaded,
          seconds: result.seconds,
          mb_per_s: Number(rate.toFixed(2)),
        }),
      );
    } else {
      console.log(
        `downloaded ${result.downloaded} object(s), ${(result.bytesDownloaded / MB).toFixed(1)} MiB at ${rate.toFixed(1)} MiB/s; ` +
          `${result.skipped} already there; ${result.unpacked} tar shard(s) unpacked; in ${result.seconds.toFixed(1)}s`,
      );
    }
    return 0;
  },
};
