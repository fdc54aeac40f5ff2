/**
 * `explore(root)`: loads a dataset, probes every item, summarises, and
 * (optionally) draws a sample frame grid.
 */
import { loadDataset, type LoadOptions } from '../data/registry';
import type { VideoDataset } from '../data/types';
import { sampleFrameGrid } from './frame-grid';
import { type ItemRow, scanDataset, type ScanOptions } from './scan';
import { type DatasetSummary, summarise } from './summary';

export interface ExploreOptions extends LoadOptions, ScanOptions {
  /** Write a PNG grid of sample frames here. */
  readonly gridFile?: string;
}

export interface Exploration {
  readonly dataset: VideoDataset;
  readonly rows: ItemRow[];
  readonly summary: DatasetSummary;
}

/** Loads, scans and summarises the dataset at `root` (a folder in any registered layout). */
export async function explore(source: string | VideoDataset, options: ExploreOptions = {}): Promise<Exploration> {
  // A dataset already read (e.g. recipes.tutorialDataset().load()) is explored as it is.
  const dataset = typeof source === 'string' ? loadDataset(source, options) : source;
  const rows = await scanDataset(dataset, options);
  if (options.gridFile) await sampleFrameGrid(dataset, options.gridFile);
  return { dataset, rows, summary: summarise(rows) };
}
