/**
 * Resumable S3 upload/download (packing small files), an S3-backed clip cache,
 * dataset fetchers, merging sharded caches.
 *
 * What the package root exports as `scaleout`; actlab's own code (CLI, tests)
 * imports the whole folder through ./index, also `actlab/internal`.
 *
 * @packageDocumentation
 */
export { mergeCaches, type MergeOptions, type MergeResult, type ShardProblem } from './merge';
