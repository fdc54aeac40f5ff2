/**
 * Putting one object: a single PUT up to the part size, a resumable multipart
 * upload above it. Each finished part's ETag is appended to a record in the
 * state folder; a re-run after a kill (even SIGKILL) continues the recorded
 * upload and sends only the parts it lacks. A record that no longer fits
 * (the file changed, another part size) is aborted on the server, so no
 * unfinished upload is left behind; if the server no longer knows the upload
 * (expired, aborted elsewhere), it starts over once.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  PutObjectCommand,
  type S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';

import { runPool } from './pool';
import { shortHash } from './state-dir';

export interface PutTarget {
  readonly bucket: string;
  readonly key: string;
  /** Local file with the bytes. */
  readonly file: string;
  readonly size: number;
  /** SHA-256 (hex) of the bytes; stored as `x-amz-meta-sha256` and keys the resume record. */
  readonly sha256: string;
}

export interface PutSettings {
  readonly partSize: number;
  /** Parts in flight at once. */
  readonly queueSize: number;
  /** Folder for multipart records (`multipart/<key hash>.jsonl` under it). */
  readonly stateDir: string;
  readonly signal?: AbortSignal;
}

/** First line of a record: which upload; later lines: finished parts. */
interface RecordHeader {
  readonly uploadId: string;
  readonly key: string;
  readonly sha256: string;
  readonly size: number;
  readonly partSize: number;
}

interface RecordedPart {
  readonly part: number;
  readonly etag: string;
}

/** Puts `target`; calls `onBytes` with the bytes of each request as it finishes. Returns the bytes sent. */
export async function putObject(
  client: S3Client,
  target: PutTarget,
  settings: PutSettings,
  onBytes: (bytes: number) => void,
): Promise<number> {
  if (target.size <= settings.partSize) {
    await discardStaleMultipart(client, target.bucket, target.key, settings);
    const body = await fs.promises.readFile(target.file); // a Buffer, so the SDK can retry it
    await client.send(
      new PutObjectCommand({
        Bucket: target.bucket,
        Key: target.key,
        Body: body,
        ContentLength: body.length,
        Metadata: { sha256: target.sha256 },
      }),
      { abortSignal: settings.signal },
    );
    onBytes(body.length);
    return body.length;
  }
  return putMultipart(client, target, settings, onBytes, true);
}

/** Aborts an unfinished multipart upload recorded for `key` (its object is up by another way, or changed). */
export async function discardStaleMultipart(
  client: S3Client,
  bucket: string,
  key: string,
  settings: Pick<PutSettings, 'stateDir' | 'signal'>,
): Promise<void> {
  const file = recordFile(settings.stateDir, bucket, key);
  const record = readRecord(file);
  if (record) await abortQuietly(client, bucket, record.header, settings.signal);
  fs.rmSync(file, { force: true });
}

async function putMultipart(
  client: S3Client,
  target: PutTarget,
  settings: PutSettings,
  onBytes: (bytes: number) => void,
  mayRestart: boolean,
): Promise<number> {
  const file = recordFile(settings.stateDir, target.bucket, target.key);
  let record = readRecord(file);
  const fits =
    record?.header.key === target.key &&
    record.header.sha256 === target.sha256 &&
    record.header.size === target.size &&
    record.header.partSize === settings.partSize;
  if (record && !fits) {
    await abortQuietly(client, target.bucket, record.header, settings.signal);
    fs.rmSync(file, { force: true });
    record = undefined;
  }
  if (!record) {
    const created = await client.send(
      new CreateMultipartUploadCommand({ Bucket: target.bucket, Key: target.key, Metadata: { sha256: target.sha256 } }),
      { abortSignal: settings.signal },
    );
    const header: RecordHeader = {
      uploadId: created.UploadId as string,
      key: target.key,
      sha256: target.sha256,
      size: target.size,
      partSize: settings.partSize,
    };
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, `${JSON.stringify(header)}\n`);
    record = { header, parts: new Map() };
  }
  const { header, parts } = record;
  const count = Math.ceil(target.size / settings.partSize);
  await dropChangedParts(target, settings.partSize, parts);
  const missing = Array.from({ length: count }, (_, i) => i + 1).filter((n) => !parts.has(n));
  let sent = 0;
  await runPool(missing, settings.queueSize, async (part) => {
    const start = (part - 1) * settings.partSize;
    const length = Math.min(settings.partSize, target.size - start);
    const body = await readRange(target.file, start, length);
    const response = await client.send(
      new UploadPartCommand({
        Bucket: target.bucket,
        Key: target.key,
        UploadId: header.uploadId,
        PartNumber: part,
        Body: body,
        ContentLength: length,
      }),
      { abortSignal: settings.signal },
    );
    const etag = response.ETag as string;
    parts.set(part, etag);
    fs.appendFileSync(file, `${JSON.stringify({ part, etag } satisfies RecordedPart)}\n`);
    sent += length;
    onBytes(length);
  });
  try {
    await client.send(
      new CompleteMultipartUploadCommand({
        Bucket: target.bucket,
        Key: target.key,
        UploadId: header.uploadId,
        MultipartUpload: {
          Parts: [...parts].sort(([a], [b]) => a - b).map(([PartNumber, ETag]) => ({ PartNumber, ETag })),
        },
      }),
      { abortSignal: settings.signal },
    );
  } catch (error) {
    const name = (error as { name?: string }).name ?? '';
    if (!mayRestart || !['NoSuchUpload', 'InvalidPart', 'InvalidPartOrder'].includes(name)) throw error;
    // The server lost or rejects the recorded parts: drop the record and send the whole object once more.
    await abortQuietly(client, target.bucket, header, settings.signal);
    fs.rmSync(file, { force: true });
    return sent + (await putMultipart(client, target, settings, onBytes, false));
  }
  fs.rmSync(file, { force: true });
  return sent;
}

/**
 * Checks recorded parts against the local bytes (a part's ETag is the MD5 of its bytes on
 * S3 and most compatible servers) and forgets any that differ, so they are sent again.
 */
async function dropChangedParts(target: PutTarget, partSize: number, parts: Map<number, string>): Promise<void> {
  for (const [part, etag] of [...parts]) {
    const md5 = /^"?([0-9a-f]{32})"?$/i.exec(etag)?.[1]?.toLowerCase();
    if (!md5) continue; // not an MD5 ETag (e.g. SSE-KMS): CompleteMultipartUpload still checks it
    const start = (part - 1) * partSize;
    const bytes = await readRange(target.file, start, Math.min(partSize, target.size - start));
    if (crypto.createHash('md5').update(bytes).digest('hex') !== md5) parts.delete(part);
  }
}

function recordFile(stateDir: string, bucket: string, key: string): string {
  return path.join(stateDir, 'multipart', `${shortHash(`${bucket}/${key}`)}.jsonl`);
}

/** The record at `file`, or undefined; a torn last line (killed mid-append) is ignored. */
function readRecord(file: string): { header: RecordHeader; parts: Map<number, string> } | undefined {
  if (!fs.existsSync(file)) return undefined;
  const lines = fs.readFileSync(file, 'utf8').split('\n').filter(Boolean);
  const parsed: unknown[] = [];
  for (const line of lines) {
    try {
      parsed.push(JSON.parse(line));
    } catch {
      // torn by a kill: that part is sent again
    }
  }
  const header = parsed[0] as RecordHeader | undefined;
  if (!header || typeof header.uploadId !== 'string') return undefined;
  const parts = new Map<number, string>();
  for (const p of parsed.slice(1) as RecordedPart[]) {
    if (Number.isInteger(p.part) && typeof p.etag === 'string') parts.set(p.part, p.etag);
  }
  return { header, parts };
}

/** Best effort: some S3-compatible servers cannot abort; the record is dropped either way. */
async function abortQuietly(
  client: S3Client,
  bucket: string,
  header: RecordHeader,
  signal: AbortSignal | undefined,
): Promise<void> {
  try {
    await client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: header.key, UploadId: header.uploadId }), {
      abortSignal: signal,
    });
  } catch {
    // NoSuchUpload (already gone) or not supported: nothing more to do here
  }
}

async function readRange(file: string, start: number, length: number): Promise<Buffer> {
  const handle = await fs.promises.open(file, 'r');
  try {
    const buffer = Buffer.alloc(length);
    let done = 0;
    while (done < length) {
      const { bytesRead } = await handle.read(buffer, done, length - done, start + done);
      if (bytesRead === 0) throw new Error(`${file} ended at byte ${start + done}; it changed during the upload`);
      done += bytesRead;
    }
    return buffer;
  } finally {
    await handle.close();
  }
}
