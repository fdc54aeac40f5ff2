/** Listing a prefix: key → size and ETag (one request per 1,000 keys). */
import { ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';

import { describeS3Error } from './s3-client';
import { formatS3Url, type S3Location } from './s3-location';

export interface RemoteObject {
  readonly size: number;
  readonly etag?: string;
}

/** Every object under the prefix: key → size and ETag. */
export async function listRemote(
  client: S3Client,
  location: S3Location,
  options: { readonly endpoint?: string; readonly signal?: AbortSignal },
): Promise<Map<string, RemoteObject>> {
  const found = new Map<string, RemoteObject>();
  let token: string | undefined;
  do {
    let page;
    try {
      page = await client.send(
        new ListObjectsV2Command({
          Bucket: location.bucket,
          Prefix: location.prefix ? `${location.prefix}/` : undefined,
          ContinuationToken: token,
        }),
        { abortSignal: options.signal },
      );
    } catch (error) {
      throw describeS3Error(error, formatS3Url(location), options.endpoint);
    }
    for (const item of page.Contents ?? []) {
      if (item.Key) found.set(item.Key, { size: item.Size ?? 0, etag: item.ETag });
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return found;
}
