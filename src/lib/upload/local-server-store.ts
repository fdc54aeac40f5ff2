/**
 * The store behind `startLocalS3`: s3rver's own filesystem store, kept inside
 * its folder. s3rver files each object as `<folder>/<bucket>/<key as a path>`
 * and takes the bucket, the key, a multipart upload id and a part number from
 * the request as they come, so a `..` in any of them (`PUT /b/x/../../../f`,
 * `/../f`, `?uploadId=../..`, an `x-amz-copy-source` with `..`) reads or
 * writes outside the folder. AWS would keep such a key as it is, but a path
 * cannot hold it, so these requests get S3's `InvalidArgument` (400) instead.
 */

/** The part of s3rver's FilesystemStore this file overrides (s3rver ships no types). */
interface FilesystemStore {
  getBucketPath(bucket: string): string;
  getResourcePath(bucket: string, key: string | undefined, resource: string): string;
  initiateUpload(bucket: string, key: string, uploadId: string, metadata: unknown): Promise<void>;
  putPart(bucket: string, uploadId: string, partNumber: unknown, content: unknown): Promise<unknown>;
  putObjectMultipart(bucket: string, uploadId: string, parts: unknown): Promise<unknown>;
}

type S3ErrorClass = new (code: string, message: string, detail?: Record<string, string>) => Error;

/** A FilesystemStore over `directory` that refuses names with a `.` or `..` path segment. */
export function createConfinedStore(directory: string): object {
  // Loaded here, like s3rver itself: only startLocalS3 needs them. Both are files of s3rver 3.7.1 (pinned).
  const Store = require('s3rver/lib/stores/filesystem') as new (directory: string) => FilesystemStore;
  const S3Error = require('s3rver/lib/models/error') as S3ErrorClass;

  const refuse = (what: string, value: string): Error =>
    new S3Error(
      'InvalidArgument',
      `${what} "${value}" has a "." or ".." path segment; startLocalS3 stores each key as a file in its folder, ` +
        'so such names would leave it and are refused',
      { ArgumentName: what, ArgumentValue: value },
    );
  const requireName = (what: string, value: unknown): void => {
    const text = String(value ?? '');
    if (text === '.' || text === '..' || /[/\\]/.test(text)) throw refuse(what, text);
  };
  const requireKey = (key: string | undefined): void => {
    if (key?.split('/').some((segment) => segment === '.' || segment === '..')) throw refuse('key', key);
  };

  class ConfinedStore extends Store {
    override getBucketPath(bucket: string): string {
      requireName('bucket', bucket);
      return super.getBucketPath(bucket);
    }
    override getResourcePath(bucket: string, key: string | undefined, resource: string): string {
      requireName('bucket', bucket);
      requireKey(key);
      return super.getResourcePath(bucket, key, resource);
    }
    override async initiateUpload(bucket: string, key: string, uploadId: string, metadata: unknown): Promise<void> {
      requireKey(key); // refused at the start, not only when the upload completes
      return super.initiateUpload(bucket, key, uploadId, metadata);
    }
    override async putPart(bucket: string, uploadId: string, partNumber: unknown, content: unknown): Promise<unknown> {
      requireName('uploadId', uploadId);
      requireName('partNumber', partNumber);
      return super.putPart(bucket, uploadId, partNumber, content);
    }
    override async putObjectMultipart(bucket: string, uploadId: string, parts: unknown): Promise<unknown> {
      requireName('uploadId', uploadId);
      return super.putObjectMultipart(bucket, uploadId, parts);
    }
  }
  return new ConfinedStore(directory);
}
