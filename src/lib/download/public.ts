/**
 * Resumable S3 upload/download (packing small files), an S3-backed clip cache,
 * dataset fetchers, merging sharded caches.
 *
 * What the package root exports as `download`; actlab's own code (CLI, tests)
 * imports the whole folder through ./index, also `actlab/internal`.
 *
 * @packageDocumentation
 */
export { ArchiveError, type ArchiveFormat, extractArchive } from './archive';
export { fetchDataset, type FetchDatasetOptions, type FetchDatasetResult, type FetchProgress } from './fetch-dataset';
export {
  type Checksum,
  DownloadError,
  downloadFile,
  type DownloadFileOptions,
  type DownloadFileResult,
} from './http-download';
export { fetchKinetics, type KineticsFetchOptions, type KineticsFetchResult } from './kinetics-fetch';
export {
  type DatasetDownload,
  type DatasetSource,
  downloadableDatasets,
  getDatasetDownload,
} from './dataset-downloads';
