/** Flags shared by the S3 commands (`upload`, `download`). */
import { S3TransferError } from '../../lib/upload';
import { type ParsedFlags, UsageError } from '../command';
import { positiveIntFlag } from './flags';

export const S3_FLAGS = {
  endpoint: { type: 'string' },
  region: { type: 'string' },
  concurrency: { type: 'string' },
  'state-dir': { type: 'string' },
  json: { type: 'boolean' },
} as const;

/** The connection and transfer options the {@link S3_FLAGS} give, as `uploadDirectory` and `downloadDirectory` take them. */
export function s3Options(values: ParsedFlags<typeof S3_FLAGS>['values']): {
  endpoint: string | undefined;
  region: string | undefined;
  concurrency: number | undefined;
  stateDir: string | undefined;
} {
  return {
    endpoint: values.endpoint,
    region: values.region,
    concurrency: positiveIntFlag(values.concurrency, '--concurrency'),
    stateDir: values['state-dir'],
  };
}

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
