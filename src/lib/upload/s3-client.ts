/**
 * The one place that builds S3 clients and turns S3 failures into messages a
 * user can act on (which bucket, which endpoint, what to set).
 */
import { S3Client } from '@aws-sdk/client-s3';

import { stallTimeoutMs } from '../util/network';

export interface S3ConnectionOptions {
  /** A custom endpoint (MinIO, Ceph, s3rver, ...): `http://127.0.0.1:9000`. Unset: AWS. */
  readonly endpoint?: string;
  /** @default process.env.AWS_REGION ?? 'us-east-1' */
  readonly region?: string;
  /** Explicit keys; unset uses the AWS default chain (env vars, ~/.aws, instance role). */
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string };
  /** Path-style URLs (`endpoint/bucket/key`). @default true when `endpoint` is set */
  readonly forcePathStyle?: boolean;
  /** Attempts per request (SDK retries with backoff). @default 5 */
  readonly maxAttempts?: number;
}

/** An S3 request failed; the message names the bucket/key/endpoint and the fix. */
export class S3TransferError extends Error {
  override name = 'S3TransferError';
}

export function createS3Client(options: S3ConnectionOptions = {}): S3Client {
  if (options.endpoint !== undefined && !/^https?:\/\/[^/]+/.test(options.endpoint)) {
    throw new S3TransferError(`endpoint must be an http(s) URL like http://127.0.0.1:9000, got "${options.endpoint}"`);
  }
  // The SDK's own switch for its Node-version notice (7 lines on stderr per process on Node < 22):
  // actlab states the Node versions it supports in the README. Set it to anything else to see the notice.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  return new S3Client({
    endpoint: options.endpoint,
    region: options.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1',
    credentials: options.credentials,
    forcePathStyle: options.forcePathStyle ?? options.endpoint !== undefined,
    maxAttempts: options.maxAttempts ?? 5,
    // No server holds a command for good: no connection, or no byte for the stall timeout, ends the attempt
    // (and the SDK retries it, maxAttempts in all).
    requestHandler: {
      connectionTimeout: stallTimeoutMs(),
      requestTimeout: stallTimeoutMs(),
      throwOnRequestTimeout: true,
    },
    // Only send/check checksums when an operation requires them: many S3-compatible
    // servers reject the CRC32 trailers newer SDKs add by default.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

/** Rewrites an SDK/network error as an {@link S3TransferError} naming `what` (a bucket or s3:// URL). */
export function describeS3Error(error: unknown, what: string, endpoint: string | undefined): S3TransferError {
  if (error instanceof S3TransferError) return error;
  const e = error as { name?: string; code?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  const name = e.name ?? e.code ?? '';
  const status = e.$metadata?.httpStatusCode;
  const where = endpoint ? ` at ${endpoint}` : '';
  const detail = e.message ? ` (${name}: ${e.message})` : ` (${name})`;
  if (name === 'NoSuchBucket' || (name === 'NotFound' && what.split('/').length <= 3)) {
    return new S3TransferError(
      `bucket of ${what} does not exist${where}; create it (aws s3 mb s3://BUCKET) or fix the URL${detail}`,
    );
  }
  if (
    ['InvalidAccessKeyId', 'SignatureDoesNotMatch', 'AccessDenied', 'Forbidden', 'InvalidToken'].includes(name) ||
    status === 403
  ) {
    return new S3TransferError(
      `access to ${what}${where} was refused: check AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (or AWS_PROFILE) and the bucket policy${detail}`,
    );
  }
  if (name === 'CredentialsProviderError') {
    return new S3TransferError(
      `no AWS credentials found for ${what}: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE${detail}`,
    );
  }
  if (name === 'TimeoutError' || name === 'StalledError') {
    return new S3TransferError(
      `the S3 endpoint${where || ' (AWS)'} stopped answering for ${what}: check --endpoint and the network, ` +
        `then re-run to resume${detail}`,
    );
  }
  if (['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNRESET', 'ETIMEDOUT'].includes(e.code ?? name)) {
    return new S3TransferError(
      `cannot reach the S3 endpoint${where || ' (AWS)'} for ${what}: check --endpoint and the network${detail}`,
    );
  }
  return new S3TransferError(`S3 request for ${what}${where} failed${detail}; re-run the same command to resume`);
}
