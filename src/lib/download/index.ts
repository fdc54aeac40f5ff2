export { ArchiveError, type ArchiveFormat, detectArchive, extractArchive, findRarTool, RAR_HELP } from './archive';
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
  getDatasetDownload,
  downloadableDatasets,
} from './dataset-downloads';
