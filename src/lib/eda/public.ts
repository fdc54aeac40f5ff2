/**
 * `explore` (a row per video, summaries, duplicates, unreadable files), a
 * danfojs DataFrame, sample clips and frame grids.
 *
 * What the package root exports as `eda`; actlab's own code (CLI, tests)
 * imports the whole folder through ./index, also `actlab/internal`.
 *
 * @packageDocumentation
 */
export { itemsDataFrame } from './dataframe';
export { type FrameGridOptions, sampleFrameGrid } from './frame-grid';
export { sampleClips, type SampleClipsOptions } from './samples';
export { type ItemRow, scanDataset, type ScanOptions } from './scan';
export { type DatasetSummary, type NumberSummary, summarise } from './summary';
export { type ExploreOptions, type Exploration, explore } from './explore';
