/**
 * `fetchDataset`: download → verify → unpack → check, as one resumable step.
 * Progress is kept in `OUT/.actlab-fetch.json`: a finished download or
 * unpack is not repeated, a half-finished one resumes (downloads) or restarts
 * (unpacks), and the dataset is reported done only after the layout reader
 * accepts it. Unpacking never replaces a file already in `OUT` that differs
 * from the archive's copy (the user's edited split list, say) unless
 * `overwrite` is set.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

import { loadDataset } from '../data/registry';
import { ArchiveError, extractArchive } from './archive';
import { type Checksum, DownloadError, downloadFile, hashFile } from './http-download';
import { type DatasetSource, getDatasetDownload } from './dataset-downloads';

export interface FetchDatasetOptions {
  /** `ucf101`, `hmdb51` or `indoor-objects` (Kinetics: see `fetchKinetics`). */
  readonly dataset: string;
  /** Output folder: `downloads/` for archives, the dataset next to it. */
  readonly out: string;
  /** Per-source URL overrides by source name (`videos`, `splits`, `images`). */
  readonly urls?: Readonly<Record<string, string>>;
  /** Per-source checksums by source name. */
  readonly checksums?: Readonly<Record<string, Checksum>>;
  /** Let unpacked files replace different files already in `out`. @default false */
  readonly overwrite?: boolean;
  /** Delete archives once unpacked and checked. @default false */
  readonly deleteArchives?: boolean;
  /** Retries per download after a dropped connection. @default 5 */
  readonly retries?: number;
  readonly onProgress?: (progress: FetchProgress) => void;
  readonly signal?: AbortSignal;
}

export interface FetchProgress {
  readonly phase: 'download' | 'unpack' | 'check';
  /** The source being worked on. */
  readonly source: string;
  readonly bytes: number;
  readonly total?: number;
}

export interface FetchDatasetResult {
  readonly dataset: string;
  /** The folder to give `loadDataset` / `actlab extract`. */
  readonly root: string;
  readonly layout: string;
  readonly items: number;
  readonly classes: number;
  readonly warnings: readonly string[];
  readonly downloads: ReadonlyArray<{
    readonly source: string;
    readonly bytes: number;
    readonly resumedFrom: number;
    readonly retries: number;
    readonly alreadyDone: boolean;
  }>;
  readonly seconds: number;
}

interface FetchState {
  dataset: string;
  unpacked: Record<string, string>;
  complete: boolean;
}

/** Fetches and prepares `options.dataset` in `options.out`; re-run the same call to resume. */
export async function fetchDataset(options: FetchDatasetOptions): Promise<FetchDatasetResult> {
  const started = Date.now();
  const download = getDatasetDownload(options.dataset);
  const out = path.resolve(options.out);
  fs.mkdirSync(out, { recursive: true });
  const stateFile = path.join(out, '.actlab-fetch.json');
  const state = readState(stateFile, download.name);
  const sources: Array<DatasetSource & { url: string }> = download.sources.map((source) => {
    const url = options.urls?.[source.name] ?? source.url;
    if (!url) throw new Error(`${download.name} needs --${source.name}-url: ${download.description}`);
    return { ...source, url, checksum: options.checksums?.[source.name] ?? source.checksum };
  });
  for (const key of Object.keys(options.urls ?? {})) {
    if (!sources.some((s) => s.name === key)) {
      throw new Error(
        `${download.name} has no source "${key}"; its sources are ${sources.map((s) => s.name).join(', ')}`,
      );
    }
  }

  const downloads: FetchDatasetResult['downloads'][number][] = [];
  for (const source of sources) {
    const archive = path.join(out, 'downloads', source.file);
    if (state.unpacked[source.name] === source.url && !fs.existsSync(archive)) {
      downloads.push({ source: source.name, bytes: 0, resumedFrom: 0, retries: 0, alreadyDone: true });
      continue; // unpacked earlier and the archive was deleted on purpose
    }
    const result = await downloadFile({
      url: source.url,
      file: archive,
      checksum: source.checksum,
      retries: options.retries,
      signal: options.signal,
      onProgress: (bytes, total) => options.onProgress?.({ phase: 'download', source: source.name, bytes, total }),
    });
    downloads.push({
      source: source.name,
      bytes: result.bytes,
      resumedFrom: result.resumedFrom,
      retries: result.retries,
      alreadyDone: result.alreadyDone,
    });
  }
  for (const source of sources) {
    if (state.unpacked[source.name] === source.url) continue;
    options.onProgress?.({ phase: 'unpack', source: source.name, bytes: 0 });
    const archive = path.join(out, 'downloads', source.file);
    const temp = path.join(out, `.unpacking-${source.name}`);
    fs.rmSync(temp, { recursive: true, force: true }); // a killed unpack starts over
    try {
      await extractArchive(archive, temp);
    } catch (error) {
      fs.rmSync(temp, { recursive: true, force: true });
      if (error instanceof ArchiveError) throw error;
      throw new ArchiveError(`${archive}: ${(error as Error).message}`);
    }
    const conflict = options.overwrite ? undefined : await firstConflict(temp, path.join(out, source.into));
    if (conflict) {
      fs.rmSync(temp, { recursive: true, force: true });
      throw new DownloadError(
        `${conflict} already exists and differs from its copy in ${archive}; it is kept: ` +
          'move it away, or pass --overwrite (overwrite: true) to replace it',
      );
    }
    moveInto(temp, path.join(out, source.into));
    state.unpacked[source.name] = source.url;
    writeState(stateFile, state);
  }
  options.onProgress?.({ phase: 'check', source: download.name, bytes: 0 });
  const root = await download.finish(out);
  const dataset = loadDataset(root, { layout: download.layout });
  state.complete = true;
  writeState(stateFile, state);
  if (options.deleteArchives)
    for (const source of sources) fs.rmSync(path.join(out, 'downloads', source.file), { force: true });
  return {
    dataset: download.name,
    root,
    layout: dataset.layout,
    items: dataset.items.length,
    classes: dataset.classes.length,
    warnings: dataset.warnings,
    downloads,
    seconds: (Date.now() - started) / 1000,
  };
}

/** The first path under `to` that moving `from` into it would replace with something different. */
async function firstConflict(from: string, to: string): Promise<string | undefined> {
  for (const entry of fs.readdirSync(from, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const source = path.join(from, entry.name);
    const target = path.join(to, entry.name);
    const existing = fs.lstatSync(target, { throwIfNoEntry: false });
    if (!existing) continue;
    if (entry.isDirectory()) {
      if (!existing.isDirectory()) return target;
      const inside = await firstConflict(source, target);
      if (inside) return inside;
    } else if (
      !existing.isFile() ||
      existing.size !== fs.statSync(source).size ||
      (await hashFile(target, 'sha256')) !== (await hashFile(source, 'sha256'))
    ) {
      return target;
    }
  }
  return undefined;
}

/**
 * Moves every entry of `from` into `to` (merging folders), then removes `from`. A symbolic
 * link in `to` is replaced like a file, never followed: nothing is moved out through it.
 */
function moveInto(from: string, to: string): void {
  fs.mkdirSync(to, { recursive: true });
  for (const entry of fs.readdirSync(from, { withFileTypes: true })) {
    const source = path.join(from, entry.name);
    const target = path.join(to, entry.name);
    if (entry.isDirectory() && fs.lstatSync(target, { throwIfNoEntry: false })?.isDirectory()) moveInto(source, target);
    else {
      fs.rmSync(target, { recursive: true, force: true });
      fs.renameSync(source, target);
    }
  }
  fs.rmSync(from, { recursive: true, force: true });
}

function readState(file: string, dataset: string): FetchState {
  if (!fs.existsSync(file)) return { dataset, unpacked: {}, complete: false };
  const state = JSON.parse(fs.readFileSync(file, 'utf8')) as FetchState;
  if (state.dataset !== dataset) {
    throw new Error(`${file} belongs to a ${state.dataset} download; use another --out folder for ${dataset}`);
  }
  return { ...state, complete: false };
}

function writeState(file: string, state: FetchState): void {
  const temp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(temp, JSON.stringify(state, null, 1));
  fs.renameSync(temp, file);
}
