/** Flags shared by the S3 commands (`upload`, `download`). */
import { S3TransferError } from '../../lib/upload';
import { UsageError } from '../command';

export const S3_FLAGS = {
  endpoint: { type: 'string' },
  region: { type: 'string' },
  concurrency: { type: 'string' },
  'state-dir': { type: 'string' },
  json: { type: 'boolean' },
} as const;

/** Runs an S3 transfer, turning its errors into one-line CLI errors (exit 1). */
export async function withS3Errors<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof S3TransferError) throw new UsageError(error.message, 1);
    if (error instanceof Error && /s3:\/\/|not an S3 URL|is not a folder|holds no files/.test(error.message)) {
      throw new UsageError(error.message, 1);
    }
    throw error;
  }
}
