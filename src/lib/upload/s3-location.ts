/** `s3://bucket/prefix` URLs: parsing and key joining. */

export interface S3Location {
  readonly bucket: string;
  /** Key prefix without leading or trailing slashes; '' for the bucket root. */
  readonly prefix: string;
}

/** Parses `s3://bucket/some/prefix`; throws an error that shows the bad value and the expected shape. */
export function parseS3Url(url: string): S3Location {
  const match = /^s3:\/\/([^/]+)(?:\/(.*))?$/.exec(url.trim());
  const bucket = match?.[1] ?? '';
  if (!match || !/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) {
    throw new Error(
      `"${url}" is not an S3 URL: expected s3://bucket/prefix with a bucket name of 3-63 lowercase letters, digits, dots or dashes`,
    );
  }
  return { bucket, prefix: (match[2] ?? '').replace(/^\/+|\/+$/g, '') };
}

/** `prefix/relative` with forward slashes (no leading slash when the prefix is empty). */
export function joinKey(prefix: string, relative: string): string {
  const rel = relative
    .split(/[\\/]+/)
    .filter(Boolean)
    .join('/');
  return prefix ? `${prefix}/${rel}` : rel;
}

export function formatS3Url(location: S3Location, key?: string): string {
  return `s3://${location.bucket}/${key ?? location.prefix}`;
}
