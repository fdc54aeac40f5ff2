/**
 * Resumable S3 upload/download (packing small files), an S3-backed clip cache,
 * dataset fetchers, merging sharded caches.
 *
 * What the package root exports as `upload`; actlab's own code (CLI, tests)
 * imports the whole folder through ./index, also `actlab/internal`.
 *
 * @packageDocumentation
 */
export { sha256File } from './hash';
export { listLocalFiles, type LocalFile } from './local-files';
export { openS3ClipCache, type S3ClipCache, type S3ClipCacheOptions } from './s3-cache';
export { createS3Client, type S3ConnectionOptions, S3TransferError } from './s3-client';
export { downloadDirectory, type DownloadOptions, type DownloadResult } from './s3-download';
export { formatS3Url, parseS3Url, type S3Location } from './s3-location';
export { type TransferProgress } from './throughput';
export { uploadDirectory, type UploadMode, type UploadOptions, type UploadProgress, type UploadResult } from './upload';
export { estimateUpload, type UploadEstimate, type UploadEstimateOptions } from './estimate';
export { type LocalS3, type LocalS3Options, type LocalS3Request, startLocalS3 } from './local-server';
export { uploadProgress, type UploadProgressDisplay } from './progress';
