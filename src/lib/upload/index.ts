export * from './public';
export { STATE_DIRS } from './local-files';
export { type ManifestEntry, openManifest, type TransferManifest } from './manifest';
export { PACK_FOLDER, PACK_INDEX, type PackIndex, type PackShard, planShards } from './pack';
export { describeS3Error } from './s3-client';
export { joinKey } from './s3-location';
export { MB, reportTransfer } from './throughput';
