import {
  ArchiveError,
  type Checksum,
  DownloadError,
  fetchDataset,
  fetchKinetics,
  getDatasetDownload,
  downloadableDatasets,
} from '../../lib/download';
import { DatasetError } from '../../lib/data';
import { type Command, parseFlags, type ParsedFlags, UsageError } from '../command';
import { createProgressBar, type ProgressBar } from '../progress-bar';
import { positiveIntFlag } from './flags';

const SOURCES = ['videos', 'splits', 'images'] as const;

const FLAGS = {
  out: { type: 'string' },
  csv: { type: 'string' },
  'fetch-cmd': { type: 'string' },
  classes: { type: 'string' },
  'per-class': { type: 'string' },
  concurrency: { type: 'string' },
  'delete-archives': { type: 'boolean' },
  overwrite: { type: 'boolean' },
  json: { type: 'boolean' },
  ...Object.fromEntries(
    SOURCES.flatMap((s) => [
      [`${s}-url`, { type: 'string' }],
      [`${s}-sha256`, { type: 'string' }],
    ]),
  ),
} as Record<string, { type: 'string' | 'boolean' }>;

type Values = ParsedFlags<typeof FLAGS>['values'];

/** One progress bar at a time: a new label finishes the bar before it. */
interface Bars {
  barFor(label: string): ProgressBar;
  finish(): void;
}

function progressBars(): Bars {
  let bar: ProgressBar | undefined;
  let barLabel = '';
  return {
    barFor(label) {
      if (label !== barLabel) {
        bar?.finish();
        bar = createProgressBar(label);
        barLabel = label;
      }
      return bar as ProgressBar;
    },
    finish: () => bar?.finish(),
  };
}

export const fetchDatasetCommand: Command = {
  name: 'fetch-dataset',
  usage:
    'fetch-dataset ucf101|hmdb51|indoor-objects|kinetics --out DIR [--videos-url U] [--splits-url U] [--images-url U] ' +
    '[--videos-sha256 H] [--splits-sha256 H] [--images-sha256 H] [--delete-archives] [--overwrite] ' +
    '[kinetics: --csv PATH|URL --fetch-cmd CMD [--classes a,b] [--per-class N] [--concurrency 2]] [--json]',
  summary: 'download, verify, unpack and check a public dataset; resumable (re-run after a drop or Ctrl-C)',
  async run(args) {
    const { values, positionals } = parseFlags(args, FLAGS, 'fetch-dataset');
    const name = positionals[0];
    const out = values.out as string | undefined;
    if (positionals.length !== 1 || !out || !name) throw new UsageError(`usage: actlab ${this.usage}`);
    const bars = progressBars();
    try {
      if (name === 'kinetics') return await runKinetics(values, out, bars);
      return await runDataset(name, values, out, bars);
    } catch (error) {
      bars.finish();
      throw asUsageError(error);
    }
  },
};

/** `fetch-dataset kinetics`: the clips of a Kinetics CSV through the user's fetch command; 1 when any failed. */
async function runKinetics(values: Values, out: string, bars: Bars): Promise<number> {
  const csv = values.csv as string | undefined;
  const fetchCommand = values['fetch-cmd'] as string | undefined;
  if (!csv || !fetchCommand) {
    throw new UsageError(
      'kinetics needs --csv (a Kinetics CSV path or URL) and --fetch-cmd (e.g. \'yt-dlp -q -f "mp4[height<=360]" -o "{out}/%(id)s.%(ext)s" {url}\')',
    );
  }
  const result = await fetchKinetics({
    csv,
    out,
    fetchCommand,
    classes: (values.classes as string | undefined)
      ?.split(',')
      .map((c) => c.trim())
      .filter(Boolean),
    perClass: positiveIntFlag(values['per-class'] as string | undefined, '--per-class'),
    concurrency: positiveIntFlag(values.concurrency as string | undefined, '--concurrency'),
    onProgress: (done, total, failed) =>
      bars.barFor('kinetics').update(done, total, failed ? `(${failed} failed)` : ''),
  });
  bars.finish();
  for (const f of result.failed.slice(0, 10)) console.error(`failed: ${f.id}: ${f.error}`);
  if (values.json) {
    console.log(
      JSON.stringify({
        dataset: 'kinetics',
        root: result.root,
        rows: result.rows,
        fetched: result.fetched,
        skipped: result.skipped,
        failed: result.failed.length,
        items: result.items,
        seconds: result.seconds,
        complete: result.failed.length === 0,
      }),
    );
  } else {
    console.log(
      `kinetics: ${result.fetched} fetched, ${result.skipped} already there, ${result.failed.length} failed (see ${result.root}/failures.csv; re-run to retry) of ${result.rows} rows; ${result.items} clips in ${result.root}`,
    );
  }
  return result.failed.length ? 1 : 0;
}

/** `fetch-dataset NAME` for a dataset with a known download: downloaded, verified, unpacked and checked. */
async function runDataset(name: string, values: Values, out: string, bars: Bars): Promise<number> {
  if (!downloadableDatasets().includes(name)) {
    throw new UsageError(
      `unknown dataset "${name}"; choose from ${[...downloadableDatasets(), 'kinetics'].join(', ')}`,
    );
  }
  const { urls, checksums } = sourceOverrides(name, values);
  const result = await fetchDataset({
    dataset: name,
    out,
    urls,
    checksums,
    deleteArchives: values['delete-archives'] as boolean | undefined,
    overwrite: values.overwrite as boolean | undefined,
    onProgress: (p) => {
      if (p.phase === 'download') {
        const mb = (n: number): number => Math.round((n / (1024 * 1024)) * 10) / 10;
        bars.barFor(`download ${p.source}`).update(mb(p.bytes), mb(p.total ?? p.bytes), 'MB');
      } else bars.barFor(`${p.phase} ${p.source}`).update(0, 1);
    },
  });
  bars.finish();
  for (const warning of result.warnings.slice(0, 10)) console.error(`warning: ${warning}`);
  if (values.json) {
    console.log(
      JSON.stringify({
        dataset: result.dataset,
        root: result.root,
        layout: result.layout,
        items: result.items,
        classes: result.classes,
        warnings: result.warnings.length,
        downloads: result.downloads.map((d) => ({
          source: d.source,
          bytes: d.bytes,
          resumed_from: d.resumedFrom,
          retries: d.retries,
          already_done: d.alreadyDone,
        })),
        seconds: result.seconds,
        complete: true,
      }),
    );
  } else {
    console.log(
      `${result.dataset}: ${result.items} ${result.layout === 'image-folder' ? 'images' : 'videos'} in ${result.classes} classes, ` +
        `layout ${result.layout}, ready in ${result.root} (${result.seconds.toFixed(1)}s)`,
    );
  }
  return 0;
}

/** The --SOURCE-url and --SOURCE-sha256 flags, each checked against the sources the dataset has. */
function sourceOverrides(
  name: string,
  values: Values,
): { urls: Record<string, string>; checksums: Record<string, Checksum> } {
  const download = getDatasetDownload(name);
  const urls: Record<string, string> = {};
  const checksums: Record<string, Checksum> = {};
  for (const source of SOURCES) {
    const url = values[`${source}-url`] as string | undefined;
    const sha = values[`${source}-sha256`] as string | undefined;
    const known = download.sources.some((s) => s.name === source);
    if ((url || sha) && !known) {
      throw new UsageError(
        `${name} has no ${source} source; its sources are ${download.sources.map((s) => s.name).join(', ')}`,
      );
    }
    if (url) urls[source] = url;
    if (sha) {
      if (!/^[0-9a-f]{64}$/i.test(sha)) throw new UsageError(`--${source}-sha256 must be 64 hex digits, got "${sha}"`);
      checksums[source] = { algorithm: 'sha256', hex: sha };
    }
  }
  return { urls, checksums };
}

/** A failure the user can act on (a download, archive or dataset error, or a known bad setting) exits 1 with its message. */
function asUsageError(error: unknown): unknown {
  if (error instanceof DownloadError || error instanceof ArchiveError || error instanceof DatasetError) {
    return new UsageError(error.message, 1);
  }
  if (
    error instanceof Error &&
    !(error instanceof UsageError) &&
    /^(unknown dataset|.*needs --|.*not found|.*has no source|the fetch command)/.test(error.message)
  ) {
    return new UsageError(error.message, 1);
  }
  return error;
}
