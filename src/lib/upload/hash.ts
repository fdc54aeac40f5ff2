/** Streaming SHA-256 of files (no whole-file buffers). */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';

/** SHA-256 (hex) of `file`'s bytes, read in 1 MiB chunks. */
export async function sha256File(file: string, signal?: AbortSignal): Promise<string> {
  const hash = crypto.createHash('sha256');
  for await (const chunk of fs.createReadStream(file, { highWaterMark: 1 << 20, signal })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
